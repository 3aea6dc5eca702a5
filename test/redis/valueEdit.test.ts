/**
 * Saving an edited string value against a real redis-server, through the session: what the server
 * holds afterwards (bytes, encoding, TTL), and that a write made by someone else between loading and
 * saving is detected and never overwritten unless the save says so.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import type Redis from 'ioredis';
import { ConnectionManager } from '../../src/connection/connectionManager';
import type { RedisSession } from '../../src/connection/session';
import { parseRedisUrl } from '../../src/redis/url';
import { editForm, encodeEdit, sha1, type EditForm } from '../../src/redis/valueWrite';
import { RedisServer, binaryVersion, waitFor } from '../support/redisServer';
import { coded } from './mutations.helpers';

let server: RedisServer;
let admin: Redis;
let manager: ConnectionManager;
let session: RedisSession;
let readOnly: 'on' | 'off' = 'off';

before(async () => {
  server = await RedisServer.start();
  admin = server.admin(1);
  manager = new ConnectionManager({ connectTimeoutMs: 2000, commandTimeoutMs: 5000, heartbeatMs: 60_000, backoffMs: [100], readOnly: () => readOnly });
  manager.configure(parseRedisUrl(server.url(1)), { defaulted: false });
  await waitFor('connected', () => manager.state.kind === 'connected');
  session = manager.requireSession();
});

after(async () => {
  manager?.dispose();
  admin?.disconnect();
  await server?.stop();
});

const b = (t: string): Buffer => Buffer.from(t, 'utf8');
/** How far a TTL may drift between reading it and checking it (a loaded CI machine is slow). */
const TTL_SLACK_MS = 2000;

/** Loads `key` as the editor does: the whole value, its TTL, and its editable form. */
async function load(key: Buffer): Promise<{ form: EditForm; sha: string; pttl: number }> {
  const loaded = await session.readWholeString(key);
  const result = editForm(loaded.bytes);
  assert.ok(result.ok, `editable: ${JSON.stringify(result.ok ? '' : result.block)}`);
  return { form: result.form, sha: sha1(loaded.bytes), pttl: loaded.pttl };
}

async function assertTtlNear(key: Buffer, expectedMs: number): Promise<void> {
  const pttl = await admin.pttl(key);
  assert.ok(pttl <= expectedMs && pttl > expectedMs - TTL_SLACK_MS, `PTTL ${pttl} within ${TTL_SLACK_MS} ms of ${expectedMs}`);
}

describe('saving an edited value', () => {
  test('which server', (t) => {
    t.diagnostic(`redis-server ${binaryVersion().join('.')} (${session.server.version})`);
    assert.ok(session.server.version.length > 0);
  });

  test('JSON with a TTL: written in its stored style, the TTL kept', async () => {
    const key = b('edit:json');
    await admin.set(key, '{"user": "ann", "roles": ["ops"], "n": 1}', 'EX', 3600);
    const { form, sha } = await load(key);
    const edited = form.text.replace('"ann"', '"bob"').replace('"n": 1', '"n": 12345678901234567890');
    const before = await admin.pttl(key);
    const outcome = await session.saveString(key, encodeEdit(form, edited), { mode: 'check', expectedSha1: sha });
    assert.equal(outcome.status, 'saved');
    assert.equal(await admin.get(key), '{"user": "bob", "roles": ["ops"], "n": 12345678901234567890}');
    await assertTtlNear(key, before);
  });

  test('a value only previewed is read whole for editing', async () => {
    const key = b('edit:big');
    const big = JSON.stringify({ rows: Array.from({ length: 20_000 }, (_, i) => ({ i, name: `row ${i}` })) });
    await admin.set(key, big, 'EX', 3600);
    const preview = await session.openValue(key, { previewThreshold: 4096 });
    assert.equal(preview.canLoadMore, true, 'the tab shows a preview');
    const { form, sha } = await load(key);
    const outcome = await session.saveString(key, encodeEdit(form, form.text.replace('"row 0"', '"first"')), { mode: 'check', expectedSha1: sha });
    assert.equal(outcome.status, 'saved');
    assert.equal(await admin.get(key), big.replace('"row 0"', '"first"'), 'the whole value, edited once');
  });

  test('a key without expiry stays without', async () => {
    const key = b('edit:forever');
    await admin.set(key, 'plain text');
    const { form, sha } = await load(key);
    const outcome = await session.saveString(key, encodeEdit(form, 'new text, é'), { mode: 'check', expectedSha1: sha });
    assert.deepEqual(outcome, { status: 'saved', pttl: -1 });
    assert.equal(await admin.get(key), 'new text, é');
    assert.equal(await admin.pttl(key), -1);
  });

  test('gzip-wrapped JSON is compressed again', async () => {
    const key = b('edit:gz');
    await admin.set(key, zlib.gzipSync(Buffer.from('{"a":[1,2]}')), 'PX', 600_000);
    const { form, sha } = await load(key);
    assert.deepEqual(form.layers, ['gzip']);
    const outcome = await session.saveString(key, encodeEdit(form, form.text.replace('2', '3')), { mode: 'check', expectedSha1: sha });
    assert.equal(outcome.status, 'saved');
    const stored = (await admin.getBuffer(key)) as Buffer;
    assert.equal(stored[0], 0x1f, 'still gzip');
    assert.equal(zlib.gunzipSync(stored).toString(), '{"a":[1,3]}');
    await assertTtlNear(key, 600_000);
  });

  test('binary key names and values stay exact', async () => {
    const key = Buffer.from([0xff, 0x00, 0x3a, 0x80]);
    await admin.set(key, zlib.deflateSync(Buffer.from('{"x": "\\u00e9"}')), 'EX', 100);
    const { form, sha } = await load(key);
    const outcome = await session.saveString(key, encodeEdit(form, form.text), { mode: 'check', expectedSha1: sha });
    assert.equal(outcome.status, 'saved');
    assert.equal(zlib.inflateSync((await admin.getBuffer(key)) as Buffer).toString(), '{"x": "\\u00e9"}');
    assert.equal(await admin.exists(key), 1);
  });

  test('a write from elsewhere between load and save is detected and left in place', async () => {
    const key = b('edit:conflict');
    await admin.set(key, '{"v": 1}', 'EX', 1000);
    const { form, sha } = await load(key);
    await admin.set(key, '{"v": "theirs"}', 'EX', 500);
    const outcome = await session.saveString(key, encodeEdit(form, '{"v": "mine"}'), { mode: 'check', expectedSha1: sha });
    assert.deepEqual(outcome, { status: 'changed' });
    assert.equal(await admin.get(key), '{"v": "theirs"}', 'their write is kept');
    await assertTtlNear(key, 500_000);
  });

  test('overwriting after a conflict, when chosen, keeps the TTL the server has', async () => {
    const key = b('edit:force');
    await admin.set(key, 'theirs', 'EX', 700);
    const outcome = await session.saveString(key, b('mine'), { mode: 'force' });
    assert.equal(outcome.status, 'saved');
    assert.equal(await admin.get(key), 'mine');
    await assertTtlNear(key, 700_000);
  });

  test('a key deleted meanwhile: gone, nothing created; created again only when asked, with its old TTL', async () => {
    const key = b('edit:gone');
    await admin.set(key, 'v', 'EX', 300);
    const { form, sha, pttl } = await load(key);
    await admin.del(key);
    const value = encodeEdit(form, 'again');
    assert.deepEqual(await session.saveString(key, value, { mode: 'check', expectedSha1: sha }), { status: 'gone' });
    assert.equal(await admin.exists(key), 0);
    const created = await session.saveString(key, value, { mode: 'create', pttl });
    assert.equal(created.status, 'saved');
    assert.equal(await admin.get(key), 'again');
    await assertTtlNear(key, pttl);
    assert.deepEqual(await session.saveString(key, value, { mode: 'create', pttl }), { status: 'exists' }, 'create never overwrites');
  });

  test('a key that became a hash is not overwritten', async () => {
    const key = b('edit:type');
    await admin.set(key, 'v');
    const { sha } = await load(key);
    await admin.del(key);
    await admin.hset(key, 'f', 'v');
    assert.deepEqual(await session.saveString(key, b('x'), { mode: 'check', expectedSha1: sha }), { status: 'type', type: 'hash' });
    assert.equal(await admin.type(key), 'hash');
  });

  test('invalid JSON: EDIT_INVALID with the offset, before anything is sent', async () => {
    const key = b('edit:bad');
    await admin.set(key, '{"a": 1}');
    const { form } = await load(key);
    assert.throws(() => encodeEdit(form, '{"a": 1,, }'), (err: unknown) => coded('EDIT_INVALID')(err) && (err as { args: { offset: number } }).args.offset === 8);
    assert.equal(await admin.get(key), '{"a": 1}');
  });

  test('read-only mode: the session refuses the save, the value stays', async () => {
    const key = b('edit:ro');
    await admin.set(key, 'v');
    readOnly = 'on';
    try {
      await assert.rejects(session.saveString(key, b('x'), { mode: 'force' }), coded('READ_ONLY'));
    } finally {
      readOnly = 'off';
    }
    assert.equal(await admin.get(key), 'v');
  });
});
