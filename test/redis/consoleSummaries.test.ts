/**
 * The console's hint names what a command does on every server: from COMMAND DOCS on 7.0 and
 * later, from the console's own English and French table before (3.0 to 6.2 have no COMMAND DOCS).
 * The list of commands is the server's own COMMAND reply, so a command missing from the table fails
 * here on the server that has it (run with NOVA_TEST_REDIS_SERVER=… for 3.0, 4.0, 5.0 and 6.2).
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisServer, binaryAtLeast } from '../support/redisServer';
import { startConsole, type ConsoleHarness, type HarnessOptions } from '../support/console';
import { builtinSummary } from '../../src/console/summaries';

let server: RedisServer;
const open: ConsoleHarness[] = [];

before(async () => {
  server = await RedisServer.start();
});

afterEach(() => {
  for (const h of open.splice(0)) {
    h.dispose();
  }
});

after(async () => {
  await server.stop();
});

async function consoleOn(options: HarnessOptions = {}): Promise<ConsoleHarness> {
  const h = await startConsole(server.url(1), options);
  open.push(h);
  return h;
}

describe('command summaries in the console hint', () => {
  test("every command of the server's COMMAND reply has a summary, in English and in French", async (t) => {
    const h = await consoleOn();
    const names = h.session.table.names().filter((n) => !n.includes(' '));
    assert.ok(names.length > 150, `${names.length} commands in COMMAND`);
    const docs = binaryAtLeast(7, 0);
    if (docs) {
      t.diagnostic('7.0 or later: a command the built-in table lacks takes its summary from COMMAND DOCS (in English)');
    }
    const missing = names.filter((n) => {
      const fromServer = h.session.table.lookup([Buffer.from(n)])?.summary;
      const own = [builtinSummary(n.toLowerCase(), 'en'), builtinSummary(n.toLowerCase(), 'fr')];
      return docs ? !fromServer && own.some((s) => !s) : own.some((s) => !s);
    });
    assert.deepEqual(missing, []);
  });

  test('the hint after a command name shows the summary in the display language', async () => {
    // On 7.0+ too: the server's COMMAND DOCS text is English, the built-in French line comes first.
    const h = await consoleOn({ locale: 'fr' });
    h.keys('hget');
    assert.ok(h.screen.cursor.line.endsWith("> hget 2 args · Renvoie la valeur d'un champ d'un hash"), h.screen.cursor.line);
    h.keys('\x15zadd');
    assert.ok(h.screen.cursor.line.endsWith('> zadd >=3 args · Ajoute à un ensemble trié des membres avec leur score, ou met à jour leur score'), h.screen.cursor.line);
  });
});
