/**
 * Single-key operations of the session while the cluster reshards: the harness moves a slot the
 * way a resharding does (CLUSTER SETSLOT IMPORTING/MIGRATING, then MIGRATE of each key) after the
 * session learned the slot map. A slot fully moved makes the old owner answer MOVED; a slot half
 * moved makes it answer ASK for the keys already gone. Reading a value, the TTL, editing the TTL,
 * removing it and deleting the key must still reach the key, through ioredis's redirections, and
 * so must a bulk TTL edit, an export's read, an import's dry run, Edit Value's read and save, an
 * import, Rename and Duplicate within the slot; what the cluster holds afterwards is read on the
 * masters themselves.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionManager } from '../../src/connection/connectionManager';
import type { RedisSession } from '../../src/connection/session';
import { SLOT_MOVE_RETRY, keySlot } from '../../src/redis/cluster';
import { sha1 } from '../../src/redis/valueWrite';
import { parseRedisUrl } from '../../src/redis/url';
import { TestCluster, type ClusterNodeInfo } from '../support/cluster';
import { waitFor } from '../support/redisServer';

let tc: TestCluster;
let manager: ConnectionManager;
let session: RedisSession;

before(async () => {
  tc = await TestCluster.start({ replicas: 0 });
  manager = new ConnectionManager({ connectTimeoutMs: 3000, commandTimeoutMs: 3000, heartbeatMs: 60_000, readOnly: () => 'off' });
  manager.configure(parseRedisUrl(tc.url(0)), { defaulted: false });
  await waitFor('connected', () => manager.state.kind === 'connected', 15_000);
  session = manager.requireSession();
});

after(async () => {
  manager?.dispose();
  await tc?.stop();
});

beforeEach(async () => {
  await tc.onMasters((c) => c.flushdb());
});

const b = (s: string): Buffer => Buffer.from(s);

/** `count` key names in distinct slots, all served by `m` when the test starts. */
function keysOn(m: ClusterNodeInfo, count: number): string[] {
  const out: string[] = [];
  const slots = new Set<number>();
  for (let i = 0; out.length < count; i++) {
    const name = `nova:reshard:${i}`;
    const slot = keySlot(name);
    if (tc.ownerOf(slot) === m && !slots.has(slot)) {
      slots.add(slot);
      out.push(name);
    }
  }
  return out;
}

/** Where `key` is, read on each master alone: its value and PTTL there, or null. */
async function heldBy(key: string): Promise<({ value: string | null; pttl: number } | null)[]> {
  const slot = String(keySlot(key));
  return tc.onMasters(async (c) => {
    const here = ((await c.call('CLUSTER', 'GETKEYSINSLOT', slot, '1000')) as string[]).includes(key);
    if (!here) {
      return null;
    }
    // An importing master answers for a key only right after ASKING (the state a half-moved slot is in).
    await c.call('ASKING');
    const value = await c.get(key);
    await c.call('ASKING');
    return { value, pttl: await c.pttl(key) };
  });
}

/** Seeds `keys` on their owner, each with its own value. */
async function seed(keys: string[]): Promise<void> {
  await tc.onMasters(async (c, m) => {
    for (const k of keys.filter((x) => tc.ownerOf(keySlot(x)) === m)) {
      await c.set(k, `value of ${k}`);
    }
  });
}

/** Read, TTL, edit TTL, persist on `key`; then the key must be on `owner` only, with no TTL. */
async function exercise(key: string, owner: ClusterNodeInfo): Promise<void> {
  const value = await session.openValue(b(key));
  assert.ok(value.render('text').body.includes(`value of ${key}`), `${key} is read`);
  assert.equal(await session.pttl(b(key)), -1);
  const pttl = await session.setTtl(b(key), 600);
  assert.ok(pttl > 590_000 && pttl <= 600_000, `setTtl returns the new PTTL (${pttl})`);
  const held = await heldBy(key);
  const i = tc.masters.indexOf(owner);
  assert.equal(held[i]?.value, `value of ${key}`);
  assert.ok((held[i]?.pttl ?? 0) > 590_000, 'the TTL is set on the master that holds the key');
  assert.deepEqual(
    held.map((h, j) => (j === i ? 'here' : h)),
    tc.masters.map((_, j) => (j === i ? 'here' : null)),
    'no other master holds it',
  );
  await session.persist(b(key));
  assert.equal((await heldBy(key))[i]?.pttl, -1);
}

/**
 * Edit Value's read and save, an import over the key, Rename and Duplicate within its slot (the
 * `{key}` tag keeps the new names there); each must land on `to`, where the slot is going. With the
 * slot half moved, the import (a transaction on the key and a staging name) is refused with TRYAGAIN
 * until the move is over: it is sent before the move ends, the harness ends the move, and the
 * import, tried again, must land.
 */
async function edits(key: string, to: ClusterNodeInfo, halfMoved: boolean): Promise<void> {
  const i = tc.masters.indexOf(to);
  const { loaded } = await session.readForEdit(b(key));
  assert.equal(loaded.bytes.toString(), `value of ${key}`);
  const saved = await session.saveString(b(key), b(`edited ${key}`), { mode: 'check', expectedSha1: sha1(loaded.bytes) });
  assert.equal(saved.status, 'saved');
  assert.equal((await heldBy(key))[i]?.value, `edited ${key}`, 'the save reached the master that holds the key');
  const importing = session.importRecord({ key: b(key), type: 'string', value: b(`imported ${key}`), ttlMs: null }, 'overwrite');
  if (halfMoved) {
    await new Promise((resolve) => setTimeout(resolve, SLOT_MOVE_RETRY.delayMs));
    await tc.migrateSlot(keySlot(key), to, true);
  }
  assert.equal(await importing, 'overwritten');
  assert.equal((await heldBy(key))[i]?.value, `imported ${key}`, 'the import reached the master that holds the key');
  const copy = `{${key}}:copy`;
  await session.duplicateKey(b(key), b(copy));
  assert.equal((await heldBy(copy))[i]?.value, `imported ${key}`, 'the copy is on the same master');
  const renamed = `{${key}}:renamed`;
  assert.equal(await session.renameKey(b(copy), b(renamed)), 'renamed');
  assert.deepEqual([(await heldBy(copy))[i], (await heldBy(renamed))[i]?.value], [null, `imported ${key}`]);
  assert.equal((await session.deleteKeys([b(renamed)])).deleted, 1);
}

/**
 * Moves the slots of two keys from `from` to `to` (all the way, or half), then reads and edits one
 * and deletes the other through the session; the slots go back to `from` afterwards.
 */
async function duringMove(from: ClusterNodeInfo, to: ClusterNodeInfo, finish: boolean): Promise<void> {
  const [key, doomed] = keysOn(from, 2);
  await seed([key, doomed]);
  const slots = [keySlot(key), keySlot(doomed)];
  try {
    for (const slot of slots) {
      await tc.migrateSlot(slot, to, finish);
    }
    const exported = await session.readForExport([b(key), b(doomed)]);
    assert.deepEqual(
      exported.records.map((r) => [r.key.toString(), r.type === 'string' ? r.value.toString() : r.type]).sort(),
      [key, doomed].map((k) => [k, `value of ${k}`]).sort(),
      'an export reads both keys where they are now',
    );
    assert.deepEqual(await session.existing([b(key), b(doomed), b(`${key}:absent`)]), [true, true, false], 'the dry run of an import finds them too');
    // The bulk TTL edit: a pipeline per master, the keys whose slot moved sent again through the Cluster.
    const bulk = await session.setTtlOfKeys([b(key), b(doomed), b(`${key}:absent`)], 900);
    assert.deepEqual([bulk.changed, bulk.done], [2, 3]);
    for (const k of [key, doomed]) {
      const pttl = (await heldBy(k)).find((h) => h !== null)?.pttl ?? 0;
      assert.ok(pttl > 890_000 && pttl <= 900_000, `${k} has its new TTL where it is (${pttl})`);
    }
    assert.equal((await session.setTtlOfKeys([b(key), b(doomed)], null)).changed, 2);
    await exercise(key, to);
    await edits(key, to, !finish);
    const r = await session.deleteKeys([b(doomed)]);
    assert.equal(r.deleted, 1);
    assert.deepEqual(await heldBy(doomed), [null, null, null]);
    assert.equal((await heldBy(key))[tc.masters.indexOf(to)]?.value, `imported ${key}`, 'the other key stays');
  } finally {
    for (const slot of slots) {
      await tc.migrateSlot(slot, to, true);
      await tc.migrateSlot(slot, from, true);
    }
  }
}

describe('single-key operations during a resharding', () => {
  test('a slot moved after the session learned the map (MOVED): read, TTL, persist, edits and delete reach the new owner', async () => {
    await duringMove(tc.masters[0], tc.masters[1], true);
  });

  test('a slot half moved (ASK): read, TTL, persist, edits and delete reach the key on the importing master; an import waits for the move', async () => {
    await duringMove(tc.masters[1], tc.masters[2], false);
  });
});
