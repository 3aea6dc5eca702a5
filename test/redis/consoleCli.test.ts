/**
 * The console reads lines and prints replies like the real redis-cli (Debian's redis-tools): the
 * same line gives the server the same argument bytes, and the same command the same text.
 * redis-cli prints its terminal format only on a TTY; `--no-raw` asks for it when piped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type Redis from 'ioredis';
import { parseLine, quoteBytes } from '../../src/console/parse';
import { RedisServer } from '../support/redisServer';
import { stopWithClients } from '../support/clients';
import { startConsole, type ConsoleHarness } from '../support/console';
import { FORMAT_LINES, PARSE_CASES } from '../fixtures/consoleCases';

function redisCliAvailable(): boolean {
  try {
    execFileSync('redis-cli', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const haveCli = redisCliAvailable();
let server: RedisServer;
let admin: Redis;

/** Pipes lines into one redis-cli run on DB `db` and returns its output. */
function redisCli(lines: string[], db: number): string {
  return execFileSync('redis-cli', ['-h', server.host, '-p', String(server.port), '-n', String(db), '--no-raw'], { input: `${lines.join('\n')}\n`, encoding: 'latin1' });
}

before(async () => {
  server = await RedisServer.start();
  admin = server.admin(2);
});

after(async () => {
  await stopWithClients(server, admin);
});

describe('the console and redis-cli agree', { skip: haveCli ? false : 'redis-cli is not installed' }, () => {
  test('the same line sends the same argument bytes, and the same lines are refused', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const cases = [...PARSE_CASES.map(([line]) => line).filter((l) => l.trim() !== ''), `SET k ${quoteBytes(all)}`];
    // RPUSH stores each word of the line in the list, so the server holds exactly what redis-cli sent.
    const out = redisCli(cases.map((line, i) => `RPUSH probe:${i} ${line}`), 2);
    for (const [i, line] of cases.entries()) {
      const stored = await admin.lrangeBuffer(`probe:${i}`, 0, -1);
      const ours = parseLine(line);
      if (stored.length === 0) {
        assert.ok(!ours.ok, `redis-cli refused ${JSON.stringify(line)}, the console must too`);
      } else {
        assert.ok(ours.ok, `redis-cli accepted ${JSON.stringify(line)}`);
        assert.deepEqual(ours.args, stored, JSON.stringify(line));
      }
    }
    const refused = cases.filter((l) => !parseLine(l).ok).length;
    assert.ok(refused >= 5);
    assert.equal(out.split('\n').filter((l) => l === 'Invalid argument(s)').length, refused);
  });

  describe('replies', () => {
    let h: ConsoleHarness;
    before(async () => {
      await admin.flushdb();
      await server.admin(3).flushdb();
      h = await startConsole(server.url(3));
    });
    after(() => h?.dispose());

    test('every reply prints as redis-cli prints it', async () => {
      const ours: string[] = [];
      for (const line of FORMAT_LINES) {
        ours.push(await h.run(line));
      }
      await server.admin(3).flushdb();
      // What a terminal shows: INFO's CR LF ends a row like LF, trailing blanks are invisible.
      const theirs = redisCli(FORMAT_LINES, 3)
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => l.replace(/\r$/, '').trimEnd());
      assert.deepEqual(ours.join('\n').split('\n'), theirs);
    });
  });
});
