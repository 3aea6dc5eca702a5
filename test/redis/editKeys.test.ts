/**
 * Editing collection elements, new keys, rename, duplicate and bulk TTL through a session, against a
 * real server: each test checks what the server holds afterwards (value, type, members, PTTL), and
 * MONITOR checks that only commands Redis 3.0 has were sent, in their 3.0 forms.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { endpointOf } from '../../src/connection/connectionManager';
import { RedisSession } from '../../src/connection/session';
import { parseScore } from '../../src/redis/collectionEdits';
import { TTL_BATCH } from '../../src/redis/keyEdits';
import { parseRedisUrl } from '../../src/redis/url';
import { RedisServer } from '../support/redisServer';
import { ServerMonitor } from '../support/monitor';
import { stopWithClients } from '../support/clients';
import { coded, ownerConnection } from './mutations.helpers';

let server: RedisServer;
let admin: Redis;
let monitor: ServerMonitor | undefined;
let session: RedisSession | undefined;
let readOnlySession: RedisSession | undefined;
let sessionClient: Redis | undefined;

const b = (t: string): Buffer => Buffer.from(t, 'utf8');
/** Bytes that are not UTF-8 and hold a NUL and CR LF: any text round trip would change them. */
const BIN = Buffer.from([0xff, 0x00, 0xfe, 0x0d, 0x0a, 0x80]);
const HOUR_MS = 3_600_000;

function s(): RedisSession {
  assert.ok(session);
  return session;
}

/** field hex → value hex (HGETALL read as bytes: the typed helpers decode field names as UTF-8). */
async function hashOf(key: string | Buffer): Promise<Map<string, string>> {
  const flat = (await admin.callBuffer('HGETALL', key)) as Buffer[];
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    out.set(flat[i].toString('hex'), flat[i + 1].toString('hex'));
  }
  return out;
}

async function listHex(key: string | Buffer): Promise<string[]> {
  return (await admin.lrangeBuffer(key, 0, -1)).map((x) => x.toString('hex'));
}

/** A PTTL within a few seconds below `ms` (the test's own time passes between write and check). */
function assertPttlNear(pttl: number, ms: number): void {
  assert.ok(pttl <= ms && pttl > ms - 10_000, `PTTL ${pttl} near ${ms}`);
}

before(async () => {
  server = await RedisServer.start();
  admin = server.admin(1);
  monitor = await ServerMonitor.start(server);
  const conn = await ownerConnection(server, 1);
  sessionClient = conn.client;
  const common = {
    client: conn.client,
    clientName: conn.name,
    endpoint: endpointOf(parseRedisUrl(server.url(1))),
    server: conn.server,
    commandTimeoutMs: 3000,
  };
  session = new RedisSession({ ...common, generation: 1, readOnly: () => 'off' });
  readOnlySession = new RedisSession({ ...common, generation: 2, readOnly: () => 'on' });
});

after(async () => {
  session?.dispose();
  readOnlySession?.dispose();
  monitor?.dispose();
  await stopWithClients(server, admin, sessionClient);
});

describe('collection edits', () => {
  test('hash: add, edit and delete a field; binary fields and values stay exact; the TTL stays', async () => {
    await admin.hset('h', 'a', '1');
    await admin.hset('h', BIN, BIN);
    await admin.expire('h', 3600);
    const key = b('h');
    assert.deepEqual(await s().editCollection(key, { op: 'hashAdd', field: b('new'), value: BIN }), { changed: true, keyDeleted: false });
    await assert.rejects(s().editCollection(key, { op: 'hashAdd', field: b('a'), value: b('clobbered') }), coded('ELEMENT_EXISTS'));
    await s().editCollection(key, { op: 'hashSet', field: BIN, value: b('text') });
    await assert.rejects(s().editCollection(key, { op: 'hashSet', field: b('gone'), value: b('x') }), coded('ELEMENT_CHANGED'));
    await s().editCollection(key, { op: 'hashDelete', field: b('a') });
    const h = await hashOf('h');
    assert.deepEqual(
      [...h].sort(),
      [
        [BIN.toString('hex'), b('text').toString('hex')],
        [b('new').toString('hex'), BIN.toString('hex')],
      ].sort(),
    );
    assert.equal(await admin.hexists('h', 'gone'), 0, 'an edit of a vanished field does not create it');
    assertPttlNear(await admin.pttl('h'), HOUR_MS);
  });

  test('list: set by index, push at both ends, remove by value (first occurrence) and by index; TTL stays', async () => {
    await admin.rpush('l', 'a', 'b', 'a', 'c');
    await admin.rpush('l', BIN);
    await admin.expire('l', 3600);
    const key = b('l');
    const shown = (t: string | Buffer) => {
      const bytes = typeof t === 'string' ? b(t) : t;
      return { bytes, size: bytes.length };
    };
    await s().editCollection(key, { op: 'listSet', index: 3, expected: shown('c'), value: b('C') });
    await assert.rejects(s().editCollection(key, { op: 'listSet', index: 3, expected: shown('c'), value: b('X') }), coded('ELEMENT_CHANGED'));
    await assert.rejects(
      s().editCollection(key, { op: 'listSet', index: 9, expected: shown('c'), value: b('X') }),
      coded('INDEX_OUT_OF_RANGE', (e) => e.args.length === 5),
    );
    await s().editCollection(key, { op: 'listPush', end: 'head', value: b('h') });
    await s().editCollection(key, { op: 'listPush', end: 'tail', value: b('t') });
    assert.deepEqual(await listHex('l'), ['h', 'a', 'b', 'a', 'C', BIN, 't'].map((x) => (typeof x === 'string' ? b(x) : x).toString('hex')));
    // By index: the second "a" (index 3), not the first one LREM would find.
    await s().editCollection(key, { op: 'listRemoveIndex', index: 3, expected: shown('a') });
    assert.deepEqual(await listHex('l'), ['h', 'a', 'b', 'C', BIN, 't'].map((x) => (typeof x === 'string' ? b(x) : x).toString('hex')));
    // By index, where the tab is stale: index 0 now holds "h", not "a".
    await assert.rejects(s().editCollection(key, { op: 'listRemoveIndex', index: 0, expected: shown('a') }), coded('ELEMENT_CHANGED'));
    // A cut element (only its first bytes shown) is matched on those bytes and its size.
    await s().editCollection(key, { op: 'listRemoveIndex', index: 4, expected: { bytes: BIN.subarray(0, 2), size: BIN.length } });
    assert.deepEqual(await s().editCollection(key, { op: 'listRemoveValue', value: b('b') }), { changed: true, keyDeleted: false });
    assert.deepEqual(await s().editCollection(key, { op: 'listRemoveValue', value: b('zz') }), { changed: false, keyDeleted: false });
    assert.deepEqual(await listHex('l'), ['h', 'a', 'C', 't'].map((x) => b(x).toString('hex')));
    assertPttlNear(await admin.pttl('l'), HOUR_MS);
  });

  test('set: add and remove members; adding a member it has changes nothing', async () => {
    await admin.sadd('s', 'x', BIN);
    const key = b('s');
    assert.deepEqual(await s().editCollection(key, { op: 'setAdd', member: b('y') }), { changed: true, keyDeleted: false });
    assert.deepEqual(await s().editCollection(key, { op: 'setAdd', member: b('x') }), { changed: false, keyDeleted: false });
    await s().editCollection(key, { op: 'setRemove', member: BIN });
    assert.deepEqual((await admin.smembers('s')).sort(), ['x', 'y']);
    assert.equal(await admin.pttl('s'), -1, 'a key without expiry stays without');
  });

  test('sorted set: add a member, change its score, remove it; scores are validated', async () => {
    await admin.zadd('z', 1, 'one', 2, BIN);
    const key = b('z');
    await s().editCollection(key, { op: 'zsetAdd', member: b('three'), score: '3' });
    await assert.rejects(s().editCollection(key, { op: 'zsetAdd', member: b('one'), score: '9' }), coded('ELEMENT_EXISTS'));
    await s().editCollection(key, { op: 'zsetScore', member: BIN, score: '-2.5' });
    await s().editCollection(key, { op: 'zsetScore', member: b('three'), score: '+inf' });
    await assert.rejects(s().editCollection(key, { op: 'zsetScore', member: b('nope'), score: '1' }), coded('ELEMENT_CHANGED'));
    await s().editCollection(key, { op: 'zsetRemove', member: b('one') });
    const flat = (await admin.callBuffer('ZRANGE', 'z', 0, -1, 'WITHSCORES')) as Buffer[];
    assert.deepEqual(
      flat.map((x) => x.toString('hex')),
      [BIN, b('-2.5'), b('three'), b('inf')].map((x) => x.toString('hex')),
    );
    assert.equal(await admin.zscore('z', 'one'), null);
    assert.equal(parseScore(' 1e3 '), '1000');
    assert.equal(parseScore('-Infinity'), '-inf');
    for (const bad of ['', 'abc', 'NaN', '0x10', '1,5', '1e999']) {
      assert.equal(parseScore(bad), undefined, bad);
    }
  });

  test('removing the last element deletes the key, and says so; a missing or retyped key is refused', async () => {
    await admin.sadd('one', 'm');
    assert.deepEqual(await s().editCollection(b('one'), { op: 'setRemove', member: b('m') }), { changed: true, keyDeleted: true });
    assert.equal(await admin.exists('one'), 0);
    await assert.rejects(s().editCollection(b('one'), { op: 'setAdd', member: b('m') }), coded('KEY_NOT_FOUND'));
    assert.equal(await admin.exists('one'), 0, 'an edit never creates the key');
    await admin.set('str', 'v');
    await assert.rejects(s().editCollection(b('str'), { op: 'hashAdd', field: b('f'), value: b('v') }), coded('WRONG_TYPE'));
    await assert.rejects(s().editCollection(b('str'), { op: 'listPush', end: 'tail', value: b('v') }), coded('WRONG_TYPE'));
    assert.equal(await admin.get('str'), 'v');
  });
});

describe('new key, rename, duplicate', () => {
  test('a new key of each type holds its first value and the TTL it was given', async () => {
    const ttl = 3600;
    assertPttlNear(await s().createKey(BIN, { type: 'string', value: BIN }, ttl), HOUR_MS);
    assert.equal((await admin.getBuffer(BIN))?.toString('hex'), BIN.toString('hex'));
    await s().createKey(b('n:hash'), { type: 'hash', field: b('f'), value: b('v') }, ttl);
    await s().createKey(b('n:list'), { type: 'list', value: b('first') }, ttl);
    await s().createKey(b('n:set'), { type: 'set', member: b('m') }, undefined);
    await s().createKey(b('n:zset'), { type: 'zset', member: b('m'), score: '1.5' }, ttl);
    assert.deepEqual(await admin.hgetall('n:hash'), { f: 'v' });
    assert.deepEqual(await admin.lrange('n:list', 0, -1), ['first']);
    assert.deepEqual(await admin.smembers('n:set'), ['m']);
    assert.deepEqual(await admin.call('ZRANGE', 'n:zset', 0, -1, 'WITHSCORES'), ['m', '1.5']);
    for (const k of ['n:hash', 'n:list', 'n:zset']) {
      assertPttlNear(await admin.pttl(k), HOUR_MS);
    }
    assert.equal(await admin.pttl('n:set'), -1, '"no expiry" gives a key without TTL');
  });

  test('a new key never overwrites, and bad TTLs are refused before anything is sent', async () => {
    await admin.set('taken', 'original', 'EX', 500);
    await assert.rejects(s().createKey(b('taken'), { type: 'string', value: b('new') }, 3600), coded('KEY_EXISTS'));
    await assert.rejects(s().createKey(b('taken'), { type: 'hash', field: b('f'), value: b('v') }, undefined), coded('KEY_EXISTS'));
    assert.equal(await admin.get('taken'), 'original');
    assertPttlNear(await admin.pttl('taken'), 500_000);
    for (const bad of [0, -1, 1.5, 10 * 365 * 86_400 + 1]) {
      await assert.rejects(s().createKey(b('n:bad'), { type: 'string', value: b('v') }, bad), coded('INVALID_TTL'));
    }
    assert.equal(await admin.exists('n:bad'), 0);
  });

  test('rename keeps the TTL, never overwrites, and the same name is a no-op', async () => {
    await admin.set('r:from', 'v', 'EX', 3600);
    await admin.set('r:taken', 'other');
    assert.equal(await s().renameKey(b('r:from'), b('r:from')), 'same');
    assert.equal(await admin.get('r:from'), 'v');
    await assert.rejects(s().renameKey(b('r:from'), b('r:taken')), coded('KEY_EXISTS'));
    assert.equal(await admin.get('r:taken'), 'other');
    assert.equal(await admin.get('r:from'), 'v');
    const binary = Buffer.concat([b('r:'), BIN]);
    assert.equal(await s().renameKey(b('r:from'), binary), 'renamed');
    assert.equal(await admin.exists('r:from'), 0);
    assert.equal(await admin.get(binary), 'v');
    assertPttlNear(await admin.pttl(binary), HOUR_MS);
    assert.equal(await s().renameKey(binary, b('r:back')), 'renamed', 'a binary name is renamed by its exact bytes');
    assert.equal(await admin.get('r:back'), 'v');
    await assert.rejects(s().renameKey(b('r:none'), b('r:x')), coded('KEY_NOT_FOUND'));
  });

  test('duplicate copies value and TTL with DUMP/RESTORE, never over an existing key', async () => {
    await admin.rpush('d:src', 'a', BIN);
    await admin.pexpire('d:src', 1_800_000);
    await admin.set('d:taken', 'keep');
    await s().duplicateKey(b('d:src'), b('d:copy'));
    assert.deepEqual(await listHex('d:copy'), await listHex('d:src'));
    assertPttlNear(await admin.pttl('d:copy'), 1_800_000);
    await assert.rejects(s().duplicateKey(b('d:src'), b('d:taken')), coded('KEY_EXISTS'));
    assert.equal(await admin.get('d:taken'), 'keep');
    await admin.set('d:plain', 'v');
    await s().duplicateKey(b('d:plain'), b('d:plain2'));
    assert.equal(await admin.pttl('d:plain2'), -1);
    await assert.rejects(s().duplicateKey(b('d:none'), b('d:x')), coded('KEY_NOT_FOUND'));
  });
});

describe('bulk TTL', () => {
  test('sets and clears the TTL of many keys in batches, with progress; gone keys do not count', async () => {
    const n = TTL_BATCH * 2 + 17;
    const keys = Array.from({ length: n }, (_, i) => b(`bulk:${i}`));
    const pipe = admin.pipeline();
    keys.forEach((k) => pipe.set(k, 'v'));
    await pipe.exec();
    const progress: number[] = [];
    const set = await s().setTtlOfKeys([...keys, b('bulk:missing')], 600, { onProgress: (p) => progress.push(p.done) });
    assert.deepEqual(set, { changed: n, done: n + 1, cancelled: false });
    assert.deepEqual(progress, [TTL_BATCH, TTL_BATCH * 2, n + 1]);
    assertPttlNear(await admin.pttl('bulk:0'), 600_000);
    assertPttlNear(await admin.pttl(`bulk:${n - 1}`), 600_000);
    assert.equal(await admin.exists('bulk:missing'), 0, 'EXPIRE never creates a key');
    const cleared = await s().setTtlOfKeys(keys.slice(0, 10), null);
    assert.equal(cleared.changed, 10);
    assert.equal(await admin.pttl('bulk:3'), -1);
    assertPttlNear(await admin.pttl('bulk:10'), 600_000);
  });

  test('cancel stops between batches', async () => {
    const keys = Array.from({ length: TTL_BATCH * 3 }, (_, i) => b(`cancel:${i}`));
    const pipe = admin.pipeline();
    keys.forEach((k) => pipe.set(k, 'v'));
    await pipe.exec();
    const abort = new AbortController();
    const r = await s().setTtlOfKeys(keys, 100, { signal: abort.signal, onProgress: () => abort.abort() });
    assert.deepEqual(r, { changed: TTL_BATCH, done: TTL_BATCH, cancelled: true });
    assert.equal(await admin.pttl(`cancel:${TTL_BATCH}`), -1, 'the next batch was not sent');
  });

  test('a folder: exactly its keys (binary prefix included), not those sharing the start of the name', async () => {
    const prefix = Buffer.concat([b('fo'), BIN]);
    const inside = Array.from({ length: 1500 }, (_, i) => Buffer.concat([prefix, b(`:${i}`)]));
    const pipe = admin.pipeline();
    inside.forEach((k) => pipe.set(k, 'v'));
    pipe.set(prefix, 'the folder name itself');
    pipe.set(Buffer.concat([prefix, b('x:1')]), 'a neighbour');
    await pipe.exec();
    const r = await s().setTtlOfFolder(prefix, ':', 1200);
    assert.deepEqual(r, { changed: 1500, done: 1500, cancelled: false });
    assertPttlNear(await admin.pttl(inside[777]), 1_200_000);
    assert.equal(await admin.pttl(prefix), -1);
    assert.equal(await admin.pttl(Buffer.concat([prefix, b('x:1')])), -1);
    const cleared = await s().setTtlOfFolder(prefix, ':', null);
    assert.equal(cleared.changed, 1500);
    assert.equal(await admin.pttl(inside[0]), -1);
  });
});

describe('read-only mode and the commands sent', () => {
  test('a read-only session refuses every edit and sends nothing', async () => {
    const ro = readOnlySession;
    assert.ok(ro);
    await admin.hset('ro', 'f', 'v');
    await monitor!.sync();
    const before = monitor!.commands.length;
    const attempts: Array<() => Promise<unknown>> = [
      () => ro.editCollection(b('ro'), { op: 'hashDelete', field: b('f') }),
      () => ro.createKey(b('ro:new'), { type: 'string', value: b('v') }, 3600),
      () => ro.renameKey(b('ro'), b('ro2')),
      () => ro.duplicateKey(b('ro'), b('ro3')),
      () => ro.setTtlOfKeys([b('ro')], 60),
      () => ro.setTtlOfFolder(b('ro'), ':', null),
    ];
    for (const attempt of attempts) {
      await assert.rejects(attempt(), coded('READ_ONLY'));
    }
    await monitor!.sync();
    const sent = monitor!.commands.slice(before).filter((c) => c.args[0]?.toLowerCase() !== 'echo' && c.args[0]?.toLowerCase() !== 'ping');
    assert.deepEqual(
      sent.map((c) => c.args[0]),
      [],
    );
    assert.deepEqual(await admin.hgetall('ro'), { f: 'v' });
  });

  test('only commands Redis 3.0 has, in their 3.0 forms', async () => {
    await monitor!.sync();
    const own = `127.0.0.1:${String(sessionClient?.stream.localPort)}`;
    const sent = monitor!.commands.filter((c) => c.source === own);
    const names = new Set(sent.map((c) => c.args[0].toLowerCase()));
    for (const absent of ['copy', 'getex', 'lpos', 'unlink', 'keys', 'getdel']) {
      assert.ok(!names.has(absent), `${absent} was sent`);
    }
    // Edits name one element: nothing reads a whole collection.
    for (const whole of ['hgetall', 'hvals', 'hkeys', 'smembers', 'lrange', 'zrange', 'sort']) {
      assert.ok(!names.has(whole), `${whole} was sent`);
    }
    for (const c of sent) {
      const [name, ...args] = c.args;
      switch (name.toLowerCase()) {
        case 'hset':
          assert.equal(args.length, 3, 'HSET with one field only');
          break;
        case 'zadd':
          assert.equal(args.length, 3, 'ZADD without NX/XX/GT/LT');
          break;
        case 'set':
          assert.ok(!args.some((a) => /^keepttl$/i.test(a)), 'no SET KEEPTTL');
          break;
        case 'restore':
          assert.equal(args.length, 3, 'RESTORE without REPLACE');
          break;
        case 'expire':
          assert.equal(args.length, 2, 'EXPIRE without NX/XX/GT/LT');
          break;
      }
    }
    for (const used of ['watch', 'multi', 'exec', 'renamenx', 'dump', 'restore', 'lset', 'lrem', 'expire', 'persist']) {
      assert.ok(names.has(used), `MONITOR saw ${used}`);
    }
  });
});
