/**
 * The console engine against a real server, driven as the terminal drives it (keys in, screen out):
 * what is refused never reaches the server (INFO commandstats), it stays on the DB of the URL,
 * streaming and blocking commands leave with Ctrl+C, a lost reply is never re-sent, typed escapes
 * reach the exact bytes. Run with NOVA_TEST_REDIS_SERVER=…/3.0.7/redis-server for NOVA's server.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { RedisServer, binaryAtLeast, waitFor } from '../support/redisServer';
import { stopWithClients } from '../support/clients';
import { commandCalls } from '../support/commandStats';
import { englishText, startConsole, type ConsoleHarness, type HarnessOptions } from '../support/console';
import { ConsoleSession } from '../../src/console/session';
import { openConnection } from '../../src/redis/connect';
import { parseRedisUrl } from '../../src/redis/url';
import { recreateCommands } from '../../src/console/recreate';
import { ExplorerModel } from '../../src/redis/explorerModel';
import { serverInfoFromInfo } from '../../src/redis/capabilities';

let server: RedisServer;
let admin: Redis;
const open: ConsoleHarness[] = [];

before(async () => {
  server = await RedisServer.start();
  admin = server.admin(1);
});

afterEach(() => {
  for (const h of open.splice(0)) {
    h.dispose();
  }
});

after(async () => {
  await stopWithClients(server, admin);
});

beforeEach(async () => {
  await admin.flushdb();
  await admin.config('RESETSTAT');
});

async function consoleOn(options: HarnessOptions = {}): Promise<ConsoleHarness> {
  const h = await startConsole(server.url(1), options);
  open.push(h);
  return h;
}

/** Calls of `name` since the last CONFIG RESETSTAT (Redis 7 names subcommands `config|set`). */
async function calls(name: string): Promise<number> {
  const stats = await commandCalls(admin);
  let n = 0;
  for (const [k, v] of stats) {
    if (k === name || k.startsWith(`${name}|`)) {
      n += v;
    }
  }
  return n;
}

/** The console's own connections, from CLIENT LIST (name set by the shared handshake). */
async function consoleClients(): Promise<Array<{ addr: string; cmd: string; db: string }>> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .filter((l) => l.includes('name=nova-console-test-'))
    .map((l) => ({ addr: /addr=(\S+)/.exec(l)?.[1] ?? '', cmd: /cmd=(\S+)/.exec(l)?.[1] ?? '', db: /db=(\d+)/.exec(l)?.[1] ?? '' }));
}

/** The summary the server's own COMMAND DOCS gives (its wording changes between versions). */
async function summaryOf(name: string): Promise<string> {
  const [, fields] = (await admin.call('COMMAND', 'DOCS', name)) as [string, unknown[]];
  return String(fields[fields.indexOf('summary') + 1]);
}

describe('console: bound to the DB, safe on production', () => {
  test('read-only mode refuses writes and admin commands before sending anything', async () => {
    const h = await consoleOn({ readOnly: true });
    await admin.set('k', 'v');
    await admin.config('RESETSTAT');
    for (const line of ['SET k other', 'DEL k', 'FLUSHDB', 'CONFIG SET maxmemory 1', 'CONFIG GET port', 'EVAL "redis.call(\'del\',\'k\')" 0', 'HMSET h f v', 'EXPIRE k 1', 'MONITOR']) {
      const out = await h.run(line);
      assert.match(out, /^\(refused\) readOnly /, line);
    }
    assert.equal(await h.run('GET k'), '"v"');
    for (const name of ['set', 'del', 'flushdb', 'eval', 'hmset', 'expire', 'monitor']) {
      assert.equal(await calls(name), 0, `${name} reached the server`);
    }
    assert.equal(await calls('get'), 1);
    assert.equal(await admin.get('k'), 'v');
  });

  test('SELECT is refused with the reason and the console stays on the DB of the URL', async () => {
    const h = await consoleOn();
    assert.equal(await h.run('SELECT 0'), '(refused) select SELECT DB 1');
    assert.equal(await calls('select'), 1, 'only the handshake SELECT');
    assert.equal(await h.run('SET here yes'), 'OK');
    assert.equal(await admin.get('here'), 'yes');
    assert.equal(await server.admin(0).exists('here'), 0);
    assert.equal(await h.run('FLUSHALL'), '(refused) flushall FLUSHALL DB 1');
  });

  test('KEYS asks first, naming host, port and DB; SCAN gives the same keys without KEYS', async () => {
    for (let i = 0; i < 30; i++) {
      await admin.set(`user:${i}`, 'v');
    }
    await admin.set('other', 'v');
    const answers: Array<'no' | 'scan' | 'yes'> = ['no', 'scan', 'yes'];
    const h = await consoleOn({ answer: () => answers.shift() ?? 'no' });
    await admin.config('RESETSTAT');
    assert.equal(await h.run('KEYS user:*'), '(cancelled) Nothing was sent.');
    assert.deepEqual(h.confirmations[0], { kind: 'keys', command: 'KEYS user:*', host: server.host, port: server.port, db: 1 });
    const scanned = (await h.run('KEYS user:*')).split('\n');
    assert.equal(scanned.pop(), `(SCAN: 30 keys in ${await calls('scan')} calls)`);
    assert.deepEqual(scanned.map((l) => /"(.*)"$/.exec(l)?.[1]).sort(), Array.from({ length: 30 }, (_, i) => `user:${i}`).sort());
    assert.equal(await calls('keys'), 0);
    const ran = await h.run('KEYS user:*');
    assert.equal(ran.split('\n').length, 30);
    assert.equal(await calls('keys'), 1);
  });

  test('FLUSHDB, DEL of a pattern, CONFIG SET and DEBUG ask first; a refusal sends nothing', async () => {
    await admin.set('a*', 'v');
    const h = await consoleOn({ answer: (r) => (r.kind === 'delPattern' ? 'yes' : 'no') });
    assert.equal(await h.run('FLUSHDB'), '(cancelled) Nothing was sent.');
    assert.equal(await h.run('CONFIG SET maxmemory 1'), '(cancelled) Nothing was sent.');
    assert.equal(await h.run('DEBUG SLEEP 0'), '(cancelled) Nothing was sent.');
    assert.equal(await h.run('DEL a*'), '(integer) 1');
    assert.deepEqual(
      h.confirmations.map((c) => c.kind),
      ['flushdb', 'configSet', 'debug', 'delPattern'],
    );
    assert.ok(h.confirmations.every((c) => c.host === server.host && c.port === server.port && c.db === 1));
    assert.equal(await calls('flushdb'), 0);
    assert.equal(await calls('debug'), 0);
    assert.equal(await admin.dbsize(), 0);
  });
});

describe('console: commands and modes', () => {
  test('a console closed while it is still connecting leaves no connection behind', async () => {
    const target = parseRedisUrl(server.url(1));
    const session = new ConsoleSession({
      open: () => openConnection(target, { connectTimeoutMs: 2000, commandTimeoutMs: 2000, clientName: 'nova-console-test-early-close' }),
      endpoint: { host: target.host, port: target.port, db: target.db },
      readOnly: () => false,
      confirm: () => Promise.resolve('no'),
      text: englishText,
      write: () => undefined,
    });
    const started = session.start();
    session.dispose();
    await started;
    await waitFor('no console connection', async () => !((await admin.client('LIST')) as string).includes('nova-console-test-early-close'));
  });

  test('MULTI/EXEC: the prompt says (TX), commands are queued, EXEC runs them', async () => {
    const h = await consoleOn();
    assert.equal(await h.run('MULTI'), 'OK');
    assert.match(h.screen.cursor.line, /\[1\]\(TX\)> $/);
    assert.equal(await h.run('INCR c'), 'QUEUED');
    assert.equal(await h.run('INCR c'), 'QUEUED');
    assert.equal(await h.run('EXEC'), '1) (integer) 1\n2) (integer) 2');
    assert.match(h.screen.cursor.line, /\[1\]> $/);
    assert.equal(await admin.get('c'), '2');
  });

  test('SUBSCRIBE streams messages until Ctrl+C, then the console works again', async () => {
    const h = await consoleOn();
    const mark = h.mark();
    h.keys('SUBSCRIBE news\r');
    await waitFor('subscribed', async () => Number(((await admin.pubsub('NUMSUB', 'news')) as [string, number])[1]) === 1);
    await admin.publish('news', 'hello world');
    await waitFor('the message on screen', () => h.since(mark).includes('3) "hello world"'));
    assert.deepEqual(h.since(mark).split('\n').slice(1, 8), [
      'Reading messages... (press Ctrl+C to quit)',
      '1) "subscribe"',
      '2) "news"',
      '3) (integer) 1',
      '1) "message"',
      '2) "news"',
      '3) "hello world"',
    ]);
    h.keys('\x03');
    await h.session.whenIdle();
    assert.equal(await h.run('PING'), 'PONG');
    assert.equal(Number(((await admin.pubsub('NUMSUB', 'news')) as [string, number])[1]), 0);
  });

  test('Ctrl+C interrupts a blocking BLPOP: outcome unknown said, console reopened on the same DB', async () => {
    const h = await consoleOn();
    const mark = h.mark();
    h.keys('BLPOP queue 0\r');
    await waitFor('BLPOP blocked', async () => (await consoleClients()).some((c) => c.cmd === 'blpop'));
    h.keys('\x03');
    await h.session.whenIdle();
    assert.match(h.since(mark), /\(interrupted\) BLPOP: outcome unknown\n\(reconnected to 127\.0\.0\.1:\d+, DB 1\)/);
    assert.equal(await h.run('SET after 1'), 'OK');
    assert.equal(await admin.get('after'), '1');
    assert.deepEqual((await consoleClients()).map((c) => c.db), ['1']);
    await admin.rpush('queue', 'x');
    assert.equal(await admin.llen('queue'), 1, 'nobody is still waiting on the queue');
    // Redis 7.2+ counts a blocked command only when it completes, so an abandoned BLPOP may count 0.
    assert.ok((await calls('blpop')) <= 1);
  });

  test('a connection killed mid-command: "outcome unknown", nothing re-sent, the next command works', async () => {
    const h = await consoleOn();
    const mark = h.mark();
    h.keys('BLPOP jobs 0\r');
    await waitFor('BLPOP blocked', async () => (await consoleClients()).some((c) => c.cmd === 'blpop'));
    const [victim] = (await consoleClients()).filter((c) => c.cmd === 'blpop');
    await admin.client('KILL', victim?.addr ?? '');
    await h.session.whenIdle();
    assert.match(h.since(mark), /\(error\) connection lost during BLPOP: outcome unknown/);
    await admin.rpush('jobs', 'j1');
    assert.equal(await admin.llen('jobs'), 1, 'BLPOP was not re-sent on the new connection');
    assert.ok((await calls('blpop')) <= 1, 'sent once at most (Redis 7.2+ does not count an abandoned BLPOP)');
    assert.equal(await h.run('LLEN jobs'), '(integer) 1');
  });

  test('binary keys and values typed with escapes reach the exact bytes', async () => {
    const h = await consoleOn();
    const key = Buffer.from([0x62, 0x00, 0xff, 0x0d, 0x0a, 0x22, 0x27]);
    assert.equal(await h.run('SET "b\\x00\\xff\\r\\n\\"\'" "\\x01v"'), 'OK');
    assert.deepEqual(await admin.getBuffer(key), Buffer.from([0x01, 0x76]));
    assert.equal(await h.run("GET 'b\\x00'"), '(nil)');
    assert.equal(await h.run('GET "b\\x00\\xff\\r\\n\\"\'"'), '"\\x01v"');
    const clé = Buffer.from('clé:☕', 'utf8');
    assert.equal(await h.run('SET clé:☕ ok'), 'OK');
    assert.equal(await admin.getBuffer(clé).then((v) => v?.toString()), 'ok');
  });

  test('replies over the page size stop at "-- more --"; space shows the next page, q stops', async () => {
    await admin.rpush('long', ...Array.from({ length: 25 }, (_, i) => `e${i}`));
    const h = await consoleOn({ pageLines: 10 });
    const mark = h.mark();
    h.keys('LRANGE long 0 -1\r');
    await waitFor('first page', () => h.screen.cursor.line.startsWith('-- more -- 15 lines left'));
    assert.equal(h.since(mark).split('\n').length, 12);
    h.keys(' ');
    await waitFor('second page', () => h.screen.cursor.line.startsWith('-- more -- 5 lines left'));
    assert.ok(h.since(mark).includes('20) "e19"'));
    h.keys('q');
    await h.session.whenIdle();
    assert.ok(!h.since(mark).includes('"e20"'));
    assert.equal(await h.run('PING'), 'PONG');
  });

  test('a huge reply is cut at the byte budget with a note', async () => {
    await admin.rpush('huge', ...Array.from({ length: 2000 }, (_, i) => `element-${i}`));
    const h = await consoleOn({ budgetBytes: 2000 });
    const out = (await h.run('LRANGE huge 0 -1')).split('\n');
    assert.ok(out.length < 300, String(out.length));
    assert.match(out[out.length - 1] ?? '', /^\(cut: \d+ of 2000 elements\)$/);
    assert.equal(await h.run('LLEN huge'), '(integer) 2000');
  });

  test('MONITOR streams until Ctrl+C; before Redis 6 it warns once that passwords show', async () => {
    const h = await consoleOn();
    const mark = h.mark();
    h.keys('MONITOR\r');
    await waitFor('monitoring', async () => (await consoleClients()).some((c) => c.cmd === 'monitor'));
    await admin.set('watched', 'x');
    await waitFor('the SET on screen', () => h.since(mark).includes('"set" "watched" "x"') || h.since(mark).includes('"SET" "watched" "x"'));
    const warned = h.since(mark).includes('shows AUTH passwords to MONITOR');
    assert.equal(warned, !binaryAtLeast(6, 0));
    h.keys('\x03');
    await h.session.whenIdle();
    assert.equal(await h.run('PING'), 'PONG');
  });

  test('history keeps typed lines, mistyped ones included, never AUTH', async () => {
    const h = await consoleOn();
    await h.run('PING');
    await h.run('AUTH secret-password');
    await h.run('SET x "unclosed');
    assert.deepEqual(h.history, ['PING', 'SET x "unclosed']);
    h.keys('\x1b[A\x1b[A');
    assert.match(h.screen.cursor.line, /> PING( |$)/);
  });

  test('Tab completes command names from COMMAND and key names from the given index', async () => {
    const h = await consoleOn({ keyNames: (prefix) => ['user:1', 'user:2'].filter((k) => k.startsWith(prefix)) });
    h.keys('hge');
    h.keys('\t');
    // The hint after a complete name: arity from COMMAND, and the summary of COMMAND DOCS (7.0) or the console's own before.
    const hint = binaryAtLeast(7, 0) ? ` 2 args · ${await summaryOf('hget')}` : ' 2 args · Returns the value of one field of a hash';
    assert.ok(h.screen.cursor.line.endsWith(`> hget${hint}`), h.screen.cursor.line);
    h.keys('all us\t');
    assert.match(h.screen.cursor.line, /> hgetall user:$/);
  });
});

describe('key names for completion, from the explorer\'s index', () => {
  test('names under a typed prefix, across folders, bounded, with no server call', async () => {
    for (const k of ['nova:cache:user:1', 'nova:cache:user:2', 'nova:cache:api:x', 'nova:session:s', 'other']) {
      await admin.set(k, 'v');
    }
    const reader = server.admin(1);
    const info = serverInfoFromInfo(await reader.info('server'));
    const model = new ExplorerModel(reader, info.caps);
    try {
      await model.scanAll();
      await admin.config('RESETSTAT');
      const names = (p: string, limit = 10) => model.keyNamesStartingWith(Buffer.from(p), limit).map(String).sort();
      assert.deepEqual(names('nova:cache:u'), ['nova:cache:user:1', 'nova:cache:user:2']);
      assert.deepEqual(names('nova:'), ['nova:cache:api:x', 'nova:cache:user:1', 'nova:cache:user:2', 'nova:session:s']);
      assert.deepEqual(names('ot'), ['other']);
      assert.deepEqual(names('nope:'), []);
      assert.equal(names('', 3).length, 3);
      assert.equal(await calls('scan'), 0);
    } finally {
      model.dispose();
      reader.disconnect();
    }
  });
});

describe('Copy as Command', () => {
  test('the copied lines, run in the console, rebuild every type with its TTL', async () => {
    const bin = Buffer.from([0x6b, 0xff, 0x20, 0x22]);
    await admin.set(bin, Buffer.from([0x00, 0x0a, 0x5c]), 'PX', 500_000);
    await admin.rpush('list', 'a', 'b c', '');
    await admin.hmset('hash', 'f 1', 'v', 'f2', '{"x":1}');
    await admin.sadd('set', 'm1', 'm 2');
    await admin.zadd('zset', '1.5', 'a', '-2', 'b c');
    await admin.pexpire('zset', 400_000);
    const keys = [bin, Buffer.from('list'), Buffer.from('hash'), Buffer.from('set'), Buffer.from('zset')];
    const before = await snapshot(keys);
    const target = parseRedisUrl(server.url(1));
    const opened = await openConnection(target, { connectTimeoutMs: 2000, commandTimeoutMs: 2000, clientName: 'nova-copy-test' });
    const lines: string[] = [];
    try {
      for (const k of keys) {
        lines.push(...(await recreateCommands(opened.client, k, opened.server.caps)));
      }
    } finally {
      opened.client.disconnect();
    }
    assert.ok(lines[0]?.startsWith('SET "k\\xff \\"" "\\x00\\n\\\\" PX '), lines[0]);
    await admin.del(...keys);
    const h = await consoleOn({ answer: () => 'yes' });
    for (const line of lines) {
      assert.doesNotMatch(await h.run(line), /error|refused/, line);
    }
    const after = await snapshot(keys);
    assert.deepEqual(after.values, before.values);
    for (const [i, ttl] of after.ttls.entries()) {
      const was = before.ttls[i] ?? -1;
      assert.ok(was < 0 ? ttl === -1 : ttl > 0 && ttl <= was, `ttl of key ${i}: ${ttl} vs ${was}`);
    }
  });
});

async function snapshot(keys: Buffer[]): Promise<{ values: unknown[]; ttls: number[] }> {
  const values: unknown[] = [];
  const ttls: number[] = [];
  for (const k of keys) {
    const type = await admin.type(k);
    ttls.push(await admin.pttl(k));
    switch (type) {
      case 'string':
        values.push(await admin.getBuffer(k));
        break;
      case 'list':
        values.push(await admin.lrange(k, 0, -1));
        break;
      case 'hash':
        values.push(await admin.hgetall(k));
        break;
      case 'set':
        values.push((await admin.smembers(k)).sort());
        break;
      default:
        values.push(await admin.zrange(k, '0', '-1', 'WITHSCORES'));
    }
  }
  return { values, ttls };
}
