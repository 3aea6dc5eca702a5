/**
 * The changing operations against a real redis-server: what the server holds after each one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { REDIS_3_0_CAPS, type Capabilities } from '../../src/redis/capabilities';
import {
  countFolder,
  deleteFolder,
  deleteKeys,
  flushDatabase,
  folderPattern,
  inFolder,
  parseClientList,
  persist,
  setTtl,
  type Progress,
} from '../../src/redis/mutations';
import { MAX_TTL_SECONDS, parseTtlInput } from '../../src/redis/ttl';
import { ConnectionManager } from '../../src/connection/connectionManager';
import { parseRedisUrl } from '../../src/redis/url';
import { RedisServer, binaryAtLeast, waitFor } from '../support/redisServer';
import { stopWithClients } from '../support/clients';
import { CommandCounter } from '../support/commandStats';
import { allKeysHex, changedCommands, coded, commandStats, dbSizes, hex, ownerConnection, seedDbs } from './mutations.helpers';

const W = { readOnly: false };

let server: RedisServer;
let admin: Redis;
let conn: Redis;
let connName: string;
let caps: Capabilities;
/** What `server` ran since the start of this file. */
let counter: CommandCounter | undefined;

before(async () => {
  server = await RedisServer.start();
  counter = await CommandCounter.open(server);
  admin = server.admin(1);
  const opened = await ownerConnection(server, 1);
  conn = opened.client;
  connName = opened.name;
  caps = opened.server.caps;
});

after(async () => {
  counter?.dispose();
  await stopWithClients(server, conn, admin);
});

function b(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

describe('TTL edits', () => {
  test('setTtl on a persistent key: PTTL becomes the new TTL and is returned', async () => {
    await admin.set('ttl:persistent', 'v');
    const pttl = await setTtl(conn, b('ttl:persistent'), 3600, W);
    assert.ok(pttl > 3_590_000 && pttl <= 3_600_000, String(pttl));
    const server = await admin.pttl('ttl:persistent');
    assert.ok(server > 3_590_000 && server <= pttl, String(server));
    assert.equal(await admin.get('ttl:persistent'), 'v');
  });

  test('setTtl on a volatile key replaces its TTL, with durations from the input', async () => {
    await admin.set('ttl:volatile', 'v', 'EX', 100);
    const input = parseTtlInput('1h30m');
    assert.ok('seconds' in input);
    const pttl = await setTtl(conn, b('ttl:volatile'), input.seconds, W);
    assert.ok(pttl > 5_390_000 && pttl <= 5_400_000, String(pttl));
    const shorter = parseTtlInput('90s');
    assert.ok('seconds' in shorter);
    await setTtl(conn, b('ttl:volatile'), shorter.seconds, W);
    const now = await admin.pttl('ttl:volatile');
    assert.ok(now > 80_000 && now <= 90_000, String(now));
  });

  test('the maximum TTL is accepted and kept as is (no overflow, the key lives)', async () => {
    await admin.set('ttl:max', 'v');
    const pttl = await setTtl(conn, b('ttl:max'), MAX_TTL_SECONDS, W);
    assert.ok(pttl > (MAX_TTL_SECONDS - 10) * 1000 && pttl <= MAX_TTL_SECONDS * 1000, String(pttl));
    assert.equal(await admin.get('ttl:max'), 'v');
  });

  test('0, negative, 2^63-1, fractional and too-large TTLs are refused by the core: the key and its PTTL stay', async () => {
    await admin.set('ttl:guarded', 'v');
    await admin.set('ttl:guarded-volatile', 'v', 'EX', 500);
    const before = await commandStats(counter!);
    for (const seconds of [0, -1, -3600, 2 ** 63 - 1, Number.MAX_SAFE_INTEGER, MAX_TTL_SECONDS + 1, 1.5, Number.NaN, Infinity]) {
      await assert.rejects(setTtl(conn, b('ttl:guarded'), seconds, W), coded('INVALID_TTL'), String(seconds));
      await assert.rejects(setTtl(conn, b('ttl:guarded-volatile'), seconds, W), coded('INVALID_TTL'), String(seconds));
    }
    assert.deepEqual(changedCommands(before, await commandStats(counter!)), [], 'nothing was sent');
    assert.equal(await admin.get('ttl:guarded'), 'v');
    assert.equal(await admin.pttl('ttl:guarded'), -1);
    const volatile = await admin.pttl('ttl:guarded-volatile');
    assert.ok(volatile > 490_000 && volatile <= 500_000, String(volatile));
  });

  test('the input refuses the values that would delete a key, so they never reach the core', () => {
    assert.deepEqual(parseTtlInput('0'), { error: 'zero' });
    assert.deepEqual(parseTtlInput('-1'), { error: 'negative' });
    assert.deepEqual(parseTtlInput('9223372036854775807'), { error: 'too-large' });
  });

  test('setTtl on a missing key is KEY_NOT_FOUND and creates nothing', async () => {
    await assert.rejects(setTtl(conn, b('ttl:missing'), 60, W), coded('KEY_NOT_FOUND'));
    assert.equal(await admin.exists('ttl:missing'), 0);
  });

  test('setTtl hits exactly the binary name it is given', async () => {
    const target = Buffer.from([0xff, 0x00, 0x6b]);
    const sibling = Buffer.from([0xfe, 0x00, 0x6b]);
    await admin.set(target, 'v');
    await admin.set(sibling, 'v');
    const pttl = await setTtl(conn, target, 60, W);
    assert.ok(pttl > 50_000 && pttl <= 60_000);
    assert.equal(await admin.pttl(sibling), -1);
  });

  test('persist on a volatile key removes its TTL', async () => {
    await admin.set('ttl:p-volatile', 'v', 'EX', 100);
    assert.equal(await persist(conn, b('ttl:p-volatile'), W), 'persisted');
    assert.equal(await admin.pttl('ttl:p-volatile'), -1);
    assert.equal(await admin.get('ttl:p-volatile'), 'v');
  });

  test('persist on a persistent key says so and changes nothing', async () => {
    await admin.set('ttl:p-persistent', 'v');
    assert.equal(await persist(conn, b('ttl:p-persistent'), W), 'was-persistent');
    assert.equal(await admin.pttl('ttl:p-persistent'), -1);
    assert.equal(await admin.get('ttl:p-persistent'), 'v');
  });

  test('persist on a missing key is KEY_NOT_FOUND and creates nothing', async () => {
    await assert.rejects(persist(conn, b('ttl:p-missing'), W), coded('KEY_NOT_FOUND'));
    assert.equal(await admin.exists('ttl:p-missing'), 0);
  });
});

describe('deleting keys', () => {
  test('binary names: exactly those bytes go, names that decode alike stay', async () => {
    const names = {
      ff: Buffer.from([0xff, 0x61]),
      fe: Buffer.from([0xfe, 0x61]),
      replacement: b('\uFFFDa'),
      cafeUtf8: b('café'),
      cafeLatin1: Buffer.from('caf\xe9', 'latin1'),
      nul: Buffer.from('a\x00b', 'latin1'),
      a: b('a'),
    };
    for (const n of Object.values(names)) {
      await admin.set(n, 'v');
    }
    const result = await deleteKeys(conn, caps, [names.ff, names.cafeLatin1, names.nul], W);
    assert.deepEqual(result, { deleted: 3, cancelled: false });
    const left = await allKeysHex(admin);
    for (const gone of [names.ff, names.cafeLatin1, names.nul]) {
      assert.ok(!left.includes(gone.toString('hex')), gone.toString('hex'));
    }
    for (const kept of [names.fe, names.replacement, names.cafeUtf8, names.a]) {
      assert.ok(left.includes(kept.toString('hex')), kept.toString('hex'));
    }
  });

  test('the count is what the server deleted: a key already gone does not count', async () => {
    await admin.set('del:present', 'v');
    const result = await deleteKeys(conn, caps, [b('del:present'), b('del:absent')], W);
    assert.equal(result.deleted, 1);
  });

  test('many keys go in batches, with progress, and all are deleted', async () => {
    const names = Array.from({ length: 1234 }, (_, i) => b(`del:many:${i}`));
    const pipe = admin.pipeline();
    for (const n of names) {
      pipe.set(n, 'v');
    }
    await pipe.exec();
    const progress: Progress[] = [];
    const result = await deleteKeys(conn, caps, names, { ...W, onProgress: (p) => progress.push(p) });
    assert.deepEqual(result, { deleted: 1234, cancelled: false });
    assert.deepEqual(
      progress.map((p) => p.done),
      [500, 1000, 1234],
    );
    assert.equal(await admin.exists(...names), 0);
  });

  test('UNLINK where the server has it, DEL under 3.0 capabilities', async (t) => {
    await admin.set('del:u1', 'v');
    await admin.set('del:u2', 'v');
    const before = await commandStats(counter!);
    await deleteKeys(conn, REDIS_3_0_CAPS, [b('del:u1')], W);
    await deleteKeys(conn, caps, [b('del:u2')], W);
    const after = await commandStats(counter!);
    const delta = (c: string): number => (after.get(c) ?? 0) - (before.get(c) ?? 0);
    if (caps.unlink) {
      assert.equal(delta('del'), 1);
      assert.equal(delta('unlink'), 1);
    } else {
      t.diagnostic('server without UNLINK: both went through DEL');
      assert.equal(delta('del'), 2);
      assert.equal(delta('unlink'), 0);
    }
    assert.equal(await admin.exists('del:u1', 'del:u2'), 0);
  });

  test('an aborted signal deletes nothing', async () => {
    await admin.set('del:kept', 'v');
    const ac = new AbortController();
    ac.abort();
    assert.deepEqual(await deleteKeys(conn, caps, [b('del:kept')], { ...W, signal: ac.signal }), { deleted: 0, cancelled: true });
    assert.equal(await admin.exists('del:kept'), 1);
  });
});

describe('folders', () => {
  test('the pattern is the escaped prefix, the delimiter and a star', () => {
    assert.equal(folderPattern(b('nova:cache'), ':').toString(), 'nova:cache:*');
    assert.equal(folderPattern(b('a*b?[c]\\'), ':').toString(), 'a\\*b\\?\\[c\\]\\\\:*');
    assert.equal(folderPattern(b('x'), '*').toString(), 'x\\**');
  });

  test('membership follows the key tree: prefix + delimiter, never the prefix alone or a longer name', () => {
    const d = b(':');
    assert.ok(inFolder(b('nova:cache:a'), b('nova:cache'), d));
    assert.ok(inFolder(b('nova:cache:'), b('nova:cache'), d));
    assert.ok(inFolder(b('nova:cache::x'), b('nova:cache'), d));
    assert.ok(!inFolder(b('nova:cache'), b('nova:cache'), d));
    assert.ok(!inFolder(b('nova:cache2:a'), b('nova:cache'), d));
    assert.ok(!inFolder(b('nova:cachex:y'), b('nova:cache'), d));
    assert.ok(!inFolder(b('Nova:cache:a'), b('nova:cache'), d));
    // The empty-named folder of keys starting with the delimiter.
    assert.ok(inFolder(b(':x'), b(''), d));
    assert.ok(!inFolder(b('x:y'), b(''), d));
    // A two-byte delimiter splits greedily from the left, as the tree does: `a:::x` is `a` / `:x`.
    const dd = b('::');
    assert.ok(inFolder(b('a:::x'), b('a'), dd));
    assert.ok(!inFolder(b('a:::x'), b('a:'), dd));
    assert.ok(inFolder(b('a::b::c'), b('a::b'), dd));
    assert.ok(!inFolder(b('a::b::c'), b('a::b::c'), dd));
  });

  test('folder delete removes exactly the folder, nothing with a similar prefix, nothing in other DBs', async () => {
    const inside = ['nova:cache:a', 'nova:cache:b:c', 'nova:cache::x', 'nova:cache:'];
    const outside = ['nova:cache', 'nova:cache2', 'nova:cache2:x', 'nova:cachex:y', 'nova:cach:e', 'nova:cache;a', 'NOVA:CACHE:a', 'other:nova:cache:a'];
    const other = server.admin(2);
    for (const n of [...inside, ...outside]) {
      await admin.set(n, 'v');
      await other.set(n, 'v');
    }
    const before = new Set(await allKeysHex(admin));
    const counted = await countFolder(conn, b('nova:cache'), ':');
    assert.deepEqual(counted, { count: inside.length, cancelled: false });
    const result = await deleteFolder(conn, caps, b('nova:cache'), ':', W);
    assert.deepEqual(result, { deleted: inside.length, cancelled: false });
    const expected = [...before].filter((h) => !hex(...inside).includes(h)).sort();
    assert.deepEqual(await allKeysHex(admin), expected);
    assert.deepEqual(await allKeysHex(other), hex(...inside, ...outside));
    other.disconnect();
  });

  test('a prefix with glob characters or binary bytes matches itself only', async () => {
    const keys = ['we*rd:1', 'we*rd:2', 'weXrd:1', 'we?rd:1', 'weird:1', '[ab]:1', 'a:1', 'b:1'];
    for (const k of keys) {
      await admin.set(k, 'v');
    }
    assert.deepEqual(await deleteFolder(conn, caps, b('we*rd'), ':', W), { deleted: 2, cancelled: false });
    assert.deepEqual(await deleteFolder(conn, caps, b('[ab]'), ':', W), { deleted: 1, cancelled: false });
    assert.equal(await admin.exists('weXrd:1', 'we?rd:1', 'weird:1', 'a:1', 'b:1'), 5);
    const bin = Buffer.from([0xff, 0x00]);
    const near = Buffer.from([0xfe, 0x00]);
    await admin.set(Buffer.concat([bin, b(':1')]), 'v');
    await admin.set(Buffer.concat([near, b(':1')]), 'v');
    await admin.set(Buffer.concat([b('\uFFFD\u0000'), b(':1')]), 'v');
    assert.deepEqual(await countFolder(conn, bin, ':'), { count: 1, cancelled: false });
    assert.deepEqual(await deleteFolder(conn, caps, bin, ':', W), { deleted: 1, cancelled: false });
    assert.equal(await admin.exists(Buffer.concat([near, b(':1')]), Buffer.concat([b('\uFFFD\u0000'), b(':1')])), 2);
  });

  test('a two-byte delimiter: the folder of the tree, not every key sharing the bytes', async () => {
    for (const k of ['m::a', 'm::b::c', 'm:::x', 'm:a', 'm::']) {
      await admin.set(k, 'v');
    }
    // `m:::x` splits as `m` / `:x`: it is in folder `m`. `m:a` has no delimiter.
    assert.deepEqual(await countFolder(conn, b('m'), '::'), { count: 4, cancelled: false });
    assert.deepEqual(await deleteFolder(conn, caps, b('m'), '::', W), { deleted: 4, cancelled: false });
    assert.equal(await admin.exists('m:a'), 1);
  });

  test('progress is reported, cancellation stops between pages, and the counts add up', async () => {
    const total = 3000;
    const pipe = admin.pipeline();
    for (let i = 0; i < total; i++) {
      pipe.set(`big:${i}`, 'v');
    }
    await pipe.exec();
    assert.equal((await countFolder(conn, b('big'), ':')).count, total);
    const ac = new AbortController();
    const seen: Progress[] = [];
    const result = await deleteFolder(conn, caps, b('big'), ':', {
      ...W,
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.done > 0) {
          ac.abort();
        }
      },
    });
    assert.equal(result.cancelled, true);
    assert.ok(result.deleted > 0 && result.deleted < total, String(result.deleted));
    assert.equal(seen[seen.length - 1].done, result.deleted);
    const left = await countFolder(conn, b('big'), ':');
    assert.equal(result.deleted + left.count, total);
    const rest: Progress[] = [];
    const finish = await deleteFolder(conn, caps, b('big'), ':', { ...W, onProgress: (p) => rest.push(p) });
    assert.deepEqual(finish, { deleted: left.count, cancelled: false });
    assert.ok(rest.every((p, i) => i === 0 || p.done >= rest[i - 1].done));
    assert.equal((await countFolder(conn, b('big'), ':')).count, 0);
  });

  test('a folder operation without a delimiter is refused', async () => {
    await assert.rejects(deleteFolder(conn, caps, b('x'), '', W), coded('UNSUPPORTED'));
    await assert.rejects(countFolder(conn, b('x'), ''), coded('UNSUPPORTED'));
  });
});

describe('flushing the configured DB', () => {
  const DBS = [0, 1, 2];

  test('CLIENT LIST lines parse into fields', () => {
    const lines = parseClientList('id=3 addr=127.0.0.1:5 fd=8 name=nova-1 age=0 db=1 cmd=client\nid=4 addr=x name= db=0\n');
    assert.equal(lines.length, 2);
    assert.equal(lines[0].get('name'), 'nova-1');
    assert.equal(lines[0].get('db'), '1');
    assert.equal(lines[1].get('name'), '');
  });

  test('FLUSHDB of DB 1 leaves DB 0 and DB 2 as they were', async () => {
    const before = await seedDbs(server, DBS);
    const result = await flushDatabase(conn, caps, 1, connName, W);
    assert.deepEqual(result, { db: 1, keysBefore: before.get(1) });
    const after = await dbSizes(server, DBS);
    assert.equal(after.get(1), 0);
    assert.equal(after.get(0), before.get(0));
    assert.equal(after.get(2), before.get(2));
  });

  test('a wrong expected DB is refused and nothing is flushed', async () => {
    const before = await seedDbs(server, DBS);
    await assert.rejects(
      flushDatabase(conn, caps, 2, connName, W),
      coded('WRONG_DB', (e) => e.args.expected === 2 && e.args.actual === 1),
    );
    assert.deepEqual(await dbSizes(server, DBS), before);
  });

  test('a connection that is not the named one, or whose name is not unique, is refused', async () => {
    const before = await seedDbs(server, DBS);
    await assert.rejects(flushDatabase(conn, caps, 1, 'nova-redis-someone-else', W), coded('WRONG_DB'));
    const twin = server.admin(1);
    await twin.client('SETNAME', connName);
    await assert.rejects(flushDatabase(conn, caps, 1, connName, W), coded('WRONG_DB'));
    await assert.rejects(flushDatabase(conn, caps, 1, undefined, W), coded('WRONG_DB'));
    twin.disconnect();
    const unnamed = server.admin(1);
    await unnamed.ping();
    await assert.rejects(flushDatabase(unnamed, caps, 1, undefined, W), coded('WRONG_DB'));
    unnamed.disconnect();
    assert.deepEqual(await dbSizes(server, DBS), before);
  });

  test('a client whose SELECT failed (left in DB 0 by ioredis) is refused: DB 0 survives', async () => {
    const before = await seedDbs(server, DBS);
    // What ioredis does with an out-of-range DB on its own: logs the SELECT error and stays in DB 0.
    const stray = server.client(16, { connectionName: 'nova-stray', retryStrategy: () => null });
    stray.on('error', () => undefined);
    await stray.ping();
    await assert.rejects(flushDatabase(stray, caps, 16, 'nova-stray', W), coded('WRONG_DB', (e) => e.args.actual === 0));
    stray.disconnect();
    assert.deepEqual(await dbSizes(server, DBS), before);
  });

  test('through the connection manager: DB 0 and DB 2 survive, also after a reconnect and a server restart', async () => {
    const own = await RedisServer.start();
    const m = new ConnectionManager({ connectTimeoutMs: 1000, commandTimeoutMs: 2000, heartbeatMs: 500 });
    const flush = (): Promise<unknown> => m.requireSession().flush();
    const generation = (): number => (m.state.kind === 'connected' ? m.state.generation : -1);
    try {
      m.configure(parseRedisUrl(own.url(1)), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected');
      for (const step of ['first connection', 'reconnect', 'restart'] as const) {
        if (step === 'reconnect') {
          const g = generation();
          m.connect();
          await waitFor('reconnected', () => generation() > g);
        } else if (step === 'restart') {
          const g = generation();
          await own.restart();
          await waitFor('connected after restart', () => generation() > g, 8000);
        }
        const before = await seedDbs(own, DBS);
        await flush();
        const after = await dbSizes(own, DBS);
        assert.equal(after.get(1), 0, step);
        assert.equal(after.get(0), before.get(0), step);
        assert.equal(after.get(2), before.get(2), step);
      }
    } finally {
      m.dispose();
      await own.stop();
    }
  });

  test('a connection that failed selecting its DB cannot flush anything: NOT_CONNECTED', async () => {
    const before = await seedDbs(server, DBS);
    const m = new ConnectionManager({ connectTimeoutMs: 1000, commandTimeoutMs: 2000, heartbeatMs: 500 });
    try {
      m.configure(parseRedisUrl(server.url(16)), { defaulted: false });
      await waitFor('failed', () => m.state.kind === 'failed');
      assert.equal(m.state.kind === 'failed' && m.state.error.code, 'DB_OUT_OF_RANGE');
      await assert.rejects(async () => m.requireSession().flush(), coded('NOT_CONNECTED'));
    } finally {
      m.dispose();
    }
    assert.deepEqual(await dbSizes(server, DBS), before);
  });

  test('a server where CLIENT is disabled cannot prove the DB: refused, nothing flushed', async () => {
    const locked = await RedisServer.start({ args: ['--rename-command', 'CLIENT', ''] });
    try {
      const before = await seedDbs(locked, DBS);
      const c = locked.admin(1);
      await c.ping();
      await assert.rejects(flushDatabase(c, caps, 1, undefined, W), coded('WRONG_DB'));
      c.disconnect();
      assert.deepEqual(await dbSizes(locked, DBS), before);
    } finally {
      await locked.stop();
    }
  });
});

describe('read-only mode', () => {
  test('every changing operation is refused at the core, before anything is sent', async () => {
    await admin.set('ro:key', 'v', 'EX', 100);
    await admin.set('ro:folder:a', 'v');
    const sizes = await dbSizes(server, [0, 1, 2]);
    const before = await commandStats(counter!);
    const RO = { readOnly: true };
    await assert.rejects(setTtl(conn, b('ro:key'), 60, RO), coded('READ_ONLY'));
    await assert.rejects(persist(conn, b('ro:key'), RO), coded('READ_ONLY'));
    await assert.rejects(deleteKeys(conn, caps, [b('ro:key')], RO), coded('READ_ONLY'));
    await assert.rejects(deleteFolder(conn, caps, b('ro:folder'), ':', RO), coded('READ_ONLY'));
    await assert.rejects(flushDatabase(conn, caps, 1, connName, RO), coded('READ_ONLY'));
    assert.deepEqual(changedCommands(before, await commandStats(counter!)), []);
    assert.deepEqual(await dbSizes(server, [0, 1, 2]), sizes);
    const pttl = await admin.pttl('ro:key');
    assert.ok(pttl > 90_000 && pttl <= 100_000);
  });
});

describe('forbidden commands', () => {
  test('nothing in this file sent KEYS or FLUSHALL', async () => {
    const stats = await commandStats(counter!);
    assert.ok(stats.get('flushdb') !== undefined && stats.get('flushdb')! > 0, 'the flush tests did run');
    assert.equal(stats.get('keys'), undefined);
    assert.equal(stats.get('flushall'), undefined);
    if (!binaryAtLeast(4)) {
      assert.equal(stats.get('unlink'), undefined);
    }
  });
});
