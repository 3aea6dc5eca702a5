/**
 * Key edits through the session on a real Redis Cluster: rename across slots (where RENAMENX would
 * be CROSSSLOT), duplicate onto another master, element edits and new keys on the key's master, and
 * bulk TTL grouped by slot and master. What each master holds is read on that master's own connection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from 'ioredis';
import { ConnectionManager } from '../../src/connection/connectionManager';
import type { RedisSession } from '../../src/connection/session';
import { keySlot } from '../../src/redis/cluster';
import { parseRedisUrl } from '../../src/redis/url';
import { TestCluster } from '../support/cluster';
import { waitFor } from '../support/redisServer';
import { coded } from './mutations.helpers';

const b = (t: string): Buffer => Buffer.from(t, 'utf8');

describe('key edits on a cluster', () => {
  let tc: TestCluster;
  let m: ConnectionManager | undefined;
  let data: Cluster | undefined;
  let session: RedisSession;

  before(async () => {
    tc = await TestCluster.start({ replicas: 0 });
    data = tc.client();
    m = new ConnectionManager({
      connectTimeoutMs: 3000,
      commandTimeoutMs: 3000,
      heartbeatMs: 60_000,
      readOnly: () => 'off',
      forceStandalone: () => false,
      natMap: () => undefined,
    });
    m.configure(parseRedisUrl(tc.url(0)), { defaulted: false });
    await waitFor('connected', () => m?.state.kind === 'connected', 15_000);
    session = m.requireSession();
  });

  after(async () => {
    m?.dispose();
    data?.disconnect();
    await tc?.stop();
  });

  /** Two names whose slots belong to different masters. */
  function onTwoMasters(prefix: string): [string, string] {
    const first = `${prefix}:0`;
    for (let i = 1; i < 1000; i++) {
      const other = `${prefix}:${i}`;
      if (tc.ownerOf(keySlot(other)).id !== tc.ownerOf(keySlot(first)).id) {
        return [first, other];
      }
    }
    throw new Error('no two masters found');
  }

  test('rename across masters keeps value and TTL, removes the source, and never overwrites', async () => {
    const c = data!;
    const [from, to] = onTwoMasters('mv');
    await c.rpush(from, 'a', 'b');
    await c.expire(from, 3600);
    assert.equal(await session.renameKey(b(from), b(to)), 'renamed');
    assert.equal(await c.exists(from), 0);
    assert.deepEqual(await c.lrange(to, 0, -1), ['a', 'b']);
    const pttl = await c.pttl(to);
    assert.ok(pttl > 3_590_000 && pttl <= 3_600_000, `PTTL ${pttl}`);
    const [x, taken] = onTwoMasters('taken');
    await c.set(x, 'mine');
    await c.set(taken, 'theirs');
    await assert.rejects(session.renameKey(b(x), b(taken)), coded('KEY_EXISTS'));
    assert.equal(await c.get(x), 'mine');
    assert.equal(await c.get(taken), 'theirs');
    // One slot (hash tag): RENAMENX itself.
    await c.set('{t}a', 'v');
    assert.equal(await session.renameKey(b('{t}a'), b('{t}b')), 'renamed');
    assert.equal(await c.get('{t}b'), 'v');
  });

  test('duplicate onto another master, element edits and a new key on the key\'s master', async () => {
    const c = data!;
    const [src, copy] = onTwoMasters('dup');
    await c.hset(src, 'f', 'v');
    await c.pexpire(src, 900_000);
    await session.duplicateKey(b(src), b(copy));
    assert.deepEqual(await c.hgetall(copy), { f: 'v' });
    const pttl = await c.pttl(copy);
    assert.ok(pttl > 890_000 && pttl <= 900_000, `PTTL ${pttl}`);
    await session.editCollection(b(copy), { op: 'hashAdd', field: b('g'), value: b('w') });
    assert.deepEqual(await c.hgetall(copy), { f: 'v', g: 'w' });
    const [fresh] = onTwoMasters('fresh');
    await session.createKey(b(fresh), { type: 'zset', member: b('m'), score: '2' }, 60);
    assert.equal(await c.zscore(fresh, 'm'), '2');
    await assert.rejects(session.createKey(b(copy), { type: 'string', value: b('x') }, 60), coded('KEY_EXISTS'));
  });

  test('bulk TTL over keys of every master, and over a folder scanned on every master', async () => {
    const c = data!;
    const keys = Array.from({ length: 1200 }, (_, i) => `bulk:${i}`);
    await Promise.all(keys.map((k) => c.set(k, 'v')));
    const owners = new Set(keys.map((k) => tc.ownerOf(keySlot(k)).id));
    assert.equal(owners.size, 3, 'the keys are spread over every master');
    const set = await session.setTtlOfKeys(keys.map(b), 600);
    assert.deepEqual(set, { changed: 1200, done: 1200, cancelled: false });
    const perMaster = await tc.onMasters(async (node) => {
      let withTtl = 0;
      let cursor = '0';
      do {
        const [next, page] = await node.scan(cursor, 'MATCH', 'bulk:*', 'COUNT', 1000);
        cursor = next;
        for (const k of page) {
          withTtl += (await node.pttl(k)) > 0 ? 1 : 0;
        }
      } while (cursor !== '0');
      return withTtl;
    });
    assert.equal(perMaster.reduce((a, n) => a + n, 0), 1200);
    assert.ok(perMaster.every((n) => n > 0), `every master changed its own keys: ${perMaster.join(', ')}`);
    const cleared = await session.setTtlOfFolder(b('bulk'), ':', null);
    assert.deepEqual(cleared, { changed: 1200, done: 1200, cancelled: false });
    assert.equal(await c.pttl('bulk:77'), -1);
  });
});
