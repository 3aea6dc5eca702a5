/**
 * The Redis 3.0 path of the changing operations: run through a session that has Redis 3.0's
 * capabilities, on a connection made as the connection manager makes it, against a server where the
 * commands 3.0 lacks are disabled, watched by MONITOR (arguments) and INFO commandstats (counts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { REDIS_3_0_CAPS } from '../../src/redis/capabilities';
import { endpointOf } from '../../src/connection/connectionManager';
import { RedisSession } from '../../src/connection/session';
import { parseRedisUrl } from '../../src/redis/url';
import { RedisServer } from '../support/redisServer';
import { ServerMonitor } from '../support/monitor';
import { CommandCounter } from '../support/commandStats';
import { disableCommandsArgs, serverTraits } from '../support/serverTraits';
import { stopWithClients } from '../support/clients';
import { coded, commandStats, ownerConnection } from './mutations.helpers';

/** What these operations, the connection's handshake, and the test's own seeding and watching may send. */
const REDIS_3_0_COMMANDS = new Set(['set', 'select', 'info', 'client', 'dbsize', 'ping', 'multi', 'exec', 'expire', 'pttl', 'persist', 'del', 'scan', 'flushdb', 'config', 'exists', 'monitor']);

/** Commands a 3.0 server does not have: they are disabled on the test server when it has them. */
const MISSING_ON_3_0 = ['UNLINK', 'MEMORY'];

let server: RedisServer;
let admin: Redis;
let monitor: ServerMonitor | undefined;
let counter: CommandCounter | undefined;
let session: RedisSession | undefined;
let sessionClient: Redis | undefined;

before(async () => {
  server = await RedisServer.start({ args: await disableCommandsArgs(MISSING_ON_3_0) });
  counter = await CommandCounter.open(server);
  admin = server.admin(1);
  monitor = await ServerMonitor.start(server);
  const conn = await ownerConnection(server, 1);
  sessionClient = conn.client;
  session = new RedisSession({
    client: conn.client,
    clientName: conn.name,
    endpoint: endpointOf(parseRedisUrl(server.url(1))),
    server: { ...conn.server, caps: REDIS_3_0_CAPS },
    generation: 1,
    commandTimeoutMs: 3000,
    readOnly: () => 'off',
  });
});

after(async () => {
  session?.dispose();
  counter?.dispose();
  monitor?.dispose();
  await stopWithClients(server, admin, sessionClient);
});
const b = (t: string): Buffer => Buffer.from(t, 'utf8');

describe('changing operations under Redis 3.0 capabilities', () => {
  test('every operation works and sends only what Redis 3.0 has', async (t) => {
    await admin.set('k:ttl', 'v');
    await admin.set('k:vol', 'v', 'EX', 100);
    await admin.set('k:del', 'v');
    for (let i = 0; i < 50; i++) {
      await admin.set(`f:${i}`, 'v');
    }
    await admin.set('f', 'v');
    await admin.set('f2:x', 'v');

    const s = session!;
    const pttl = await s.setTtl(b('k:ttl'), 3600);
    assert.ok(pttl > 3_590_000 && pttl <= 3_600_000);
    assert.equal(await s.persist(b('k:vol')), 'persisted');
    assert.equal(await s.persist(b('k:vol')), 'was-persistent');
    await assert.rejects(s.persist(b('k:none')), coded('KEY_NOT_FOUND'));
    await assert.rejects(s.setTtl(b('k:none'), 10), coded('KEY_NOT_FOUND'));
    assert.deepEqual(await s.deleteKeys([b('k:del')]), { deleted: 1, cancelled: false });
    assert.deepEqual(await s.countFolder(b('f'), ':'), { count: 50, cancelled: false });
    assert.deepEqual(await s.deleteFolder(b('f'), ':'), { deleted: 50, cancelled: false });
    assert.equal(await admin.exists('f', 'f2:x'), 2);
    // A session whose connection is not on its DB (here: a session claiming DB 0) flushes nothing.
    const elsewhere = new RedisSession({
      client: sessionClient!,
      clientName: s.clientName,
      endpoint: { ...s.endpoint, db: 0 },
      server: s.server,
      generation: 2,
      commandTimeoutMs: 3000,
      readOnly: () => 'off',
    });
    await assert.rejects(elsewhere.flush(), coded('WRONG_DB'));
    elsewhere.dispose();
    const flushed = await s.flush();
    assert.equal(flushed.db, 1);
    assert.equal(await admin.dbsize(), 0);

    await monitor!.sync();
    const seen = monitor!.commands.map((c) => c.args);
    const names = new Set(seen.map((a) => a[0].toLowerCase()));
    for (const used of ['multi', 'exec', 'expire', 'pttl', 'persist', 'del', 'scan', 'flushdb']) {
      assert.ok(names.has(used), `MONITOR saw ${used}`);
    }
    const foreign = [...names].filter((n) => !REDIS_3_0_COMMANDS.has(n));
    assert.deepEqual(foreign, [], `commands Redis 3.0 may lack: ${foreign.join(', ')}`);
    const stats = await commandStats(counter!);
    const traits = await serverTraits();
    // The flush proves its DB with CLIENT GETNAME and CLIENT LIST inside a transaction.
    if (traits.monitorShowsClient) {
      assert.ok(names.has('client'), 'MONITOR saw client');
    } else if (counter!.source === 'commandstats') {
      t.diagnostic('MONITOR hides admin commands on this server: CLIENT and the Redis 3.0 set of admin commands checked through INFO commandstats');
      assert.ok((stats.get('client') ?? 0) > 0, 'commandstats counted client');
    } else {
      t.diagnostic('this server shows CLIENT neither in MONITOR nor under its name in commandstats (counted as exec): the WRONG_DB refusal above is what shows the flush checked its DB');
    }
    if (counter!.source === 'commandstats') {
      const foreignInStats = [...stats.keys()].filter((n) => !REDIS_3_0_COMMANDS.has(n));
      assert.deepEqual(foreignInStats, [], `commands Redis 3.0 may lack (commandstats): ${foreignInStats.join(', ')}`);
    }
    for (const args of seen) {
      const name = args[0].toLowerCase();
      if (name === 'flushdb') {
        assert.equal(args.length, 1, 'FLUSHDB without ASYNC');
      }
      if (name === 'expire') {
        assert.equal(args.length, 3, 'EXPIRE without NX/XX/GT/LT');
      }
      if (name === 'scan') {
        assert.ok(!args.some((a) => a.toUpperCase() === 'TYPE'), 'SCAN without TYPE');
      }
    }

    for (const absent of ['unlink', 'memory', 'keys', 'flushall', 'touch', 'swapdb']) {
      assert.equal(stats.get(absent), undefined, absent);
    }
    assert.equal(stats.get('flushdb'), 1, 'one FLUSHDB, only after the check passed');
    assert.ok((stats.get('del') ?? 0) >= 2);
  });
});
