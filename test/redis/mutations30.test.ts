/**
 * The Redis 3.0 path of the changing operations: run with NOVA's production capabilities through the
 * connection manager, against a server where the commands 3.0 lacks are disabled, watched by MONITOR
 * (arguments) and INFO commandstats (counts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { REDIS_3_0_CAPS } from '../../src/redis/capabilities';
import { ConnectionManager } from '../../src/connection/connectionManager';
import { countFolder, deleteFolder, deleteKeys, flushDatabase, persist, setTtl } from '../../src/redis/mutations';
import { parseRedisUrl } from '../../src/redis/url';
import { RedisServer, binaryAtLeast, waitFor } from '../support/redisServer';
import { stopWithClients } from '../support/clients';
import { coded, commandStats } from './mutations.helpers';

/** What these operations, the manager's handshake and heartbeat, and the test's own seeding may send. */
const REDIS_3_0_COMMANDS = new Set(['set', 'select', 'info', 'client', 'dbsize', 'ping', 'multi', 'exec', 'expire', 'pttl', 'persist', 'del', 'scan', 'flushdb', 'config', 'exists']);

function disabledCommands(): string[] {
  return binaryAtLeast(4, 0) ? ['UNLINK', 'MEMORY'] : [];
}

let server: RedisServer;
let admin: Redis;
let monitor: Redis;
let m: ConnectionManager;
const seen: string[][] = [];

before(async () => {
  server = await RedisServer.start({ args: disabledCommands().flatMap((c) => ['--rename-command', c, '']) });
  admin = server.admin(1);
  await admin.config('RESETSTAT');
  monitor = await server.admin(0).monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    seen.push(args);
  });
  m = new ConnectionManager({ connectTimeoutMs: 1000, commandTimeoutMs: 3000, heartbeatMs: 500 });
  m.configure(parseRedisUrl(server.url(1)), { defaulted: false });
  await waitFor('connected', () => m.state.kind === 'connected');
});

after(async () => {
  m?.dispose();
  await stopWithClients(server, monitor, admin);
});

const W = { readOnly: false };
const b = (t: string): Buffer => Buffer.from(t, 'utf8');

describe('changing operations under Redis 3.0 capabilities', () => {
  test('every operation works and sends only what Redis 3.0 has', async () => {
    await admin.set('k:ttl', 'v');
    await admin.set('k:vol', 'v', 'EX', 100);
    await admin.set('k:del', 'v');
    for (let i = 0; i < 50; i++) {
      await admin.set(`f:${i}`, 'v');
    }
    await admin.set('f', 'v');
    await admin.set('f2:x', 'v');

    const pttl = await m.run((c) => setTtl(c, b('k:ttl'), 3600, W));
    assert.ok(pttl > 3_590_000 && pttl <= 3_600_000);
    assert.equal(await m.run((c) => persist(c, b('k:vol'), W)), 'persisted');
    assert.equal(await m.run((c) => persist(c, b('k:vol'), W)), 'was-persistent');
    await assert.rejects(
      m.run((c) => persist(c, b('k:none'), W)),
      coded('KEY_NOT_FOUND'),
    );
    await assert.rejects(
      m.run((c) => setTtl(c, b('k:none'), 10, W)),
      coded('KEY_NOT_FOUND'),
    );
    assert.deepEqual(await m.run((c) => deleteKeys(c, REDIS_3_0_CAPS, [b('k:del')], W)), { deleted: 1, cancelled: false });
    assert.deepEqual(await m.run((c) => countFolder(c, b('f'), ':')), { count: 50, cancelled: false });
    assert.deepEqual(await m.run((c) => deleteFolder(c, REDIS_3_0_CAPS, b('f'), ':', W)), { deleted: 50, cancelled: false });
    assert.equal(await admin.exists('f', 'f2:x'), 2);
    await assert.rejects(
      m.run((c) => flushDatabase(c, REDIS_3_0_CAPS, 0, undefined, W)),
      coded('WRONG_DB'),
    );
    const flushed = await m.run((c) => flushDatabase(c, REDIS_3_0_CAPS, 1, undefined, W));
    assert.equal(flushed.db, 1);
    assert.equal(await admin.dbsize(), 0);

    await waitFor('monitor caught up', () => seen.some((a) => a[0].toLowerCase() === 'flushdb'));
    const names = new Set(seen.map((a) => a[0].toLowerCase()));
    for (const used of ['multi', 'exec', 'expire', 'pttl', 'persist', 'del', 'scan', 'client', 'flushdb']) {
      assert.ok(names.has(used), `MONITOR saw ${used}`);
    }
    const foreign = [...names].filter((n) => !REDIS_3_0_COMMANDS.has(n));
    assert.deepEqual(foreign, [], `commands Redis 3.0 may lack: ${foreign.join(', ')}`);
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

    const stats = await commandStats(admin);
    for (const absent of ['unlink', 'memory', 'keys', 'flushall', 'touch', 'swapdb']) {
      assert.equal(stats.get(absent), undefined, absent);
    }
    assert.equal(stats.get('flushdb'), 1, 'one FLUSHDB, only after the check passed');
    assert.ok((stats.get('del') ?? 0) >= 2);
  });
});
