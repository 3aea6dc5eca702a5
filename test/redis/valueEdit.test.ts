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
import { connectionsNamed } from '../support/clients';
import { ServerMonitor } from '../support/monitor';
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

describe('saving through the WATCH taken when the edit loaded the value', () => {
  /**
   * The save went through the watch: MULTI … EXEC, and no script before its EXEC (the checked path is
   * one EVAL; the EVAL after it is the watch being checked again). Seen through MONITOR: commandstats
   * counts the commands inside a transaction differently across versions.
   */
  async function assertSavedThroughWatch<T>(save: () => Promise<T>): Promise<T> {
    const monitor = await ServerMonitor.start(server, { headBytes: 256 });
    const names: string[] = [];
    monitor.onCommand((c) => names.push((c.args[0] ?? '').toLowerCase()));
    let result: T;
    try {
      result = await save();
      await monitor.sync();
    } finally {
      monitor.dispose();
    }
    const exec = names.indexOf('exec');
    assert.ok(names.includes('multi') && exec >= 0, `MULTI … EXEC: ${names.join(' ')}`);
    assert.ok(!names.slice(0, exec).some((n) => n === 'eval' || n === 'evalsha'), `no script before the EXEC: ${names.join(' ')}`);
    return result;
  }

  /** The edit connections the server has (CLIENT SETNAME `<name>-edit`), by address. */
  async function editClients(): Promise<string[]> {
    const list = String(await admin.client('LIST'));
    return list
      .split('\n')
      .filter((l) => / name=\S+-edit /.test(`${l} `))
      .map((l) => /addr=(\S+)/.exec(l)?.[1] ?? '');
  }

  async function edit(key: Buffer) {
    const opened = await session.readForEdit(key);
    assert.ok(opened.watch, 'one server: the edit holds a watch');
    const result = editForm(opened.loaded.bytes);
    assert.ok(result.ok);
    return { form: result.form, sha: sha1(opened.loaded.bytes), pttl: opened.loaded.pttl, watch: opened.watch };
  }

  type Edit = Awaited<ReturnType<typeof edit>>;

  /** Loads `key` for editing, runs `body`, and closes the edit's connection whatever happens. */
  async function editing(key: Buffer, body: (e: Edit) => Promise<void>): Promise<void> {
    const e = await edit(key);
    try {
      await body(e);
    } finally {
      e.watch.dispose();
    }
  }

  test('a save is one transaction (no script), writes the value and keeps the TTL', async () => {
    const key = b('watch:json');
    await admin.set(key, '{"v": 1}', 'EX', 900);
    await editing(key, async ({ form, sha, watch }) => {
      const before = await admin.pttl(key);
      const outcome = await assertSavedThroughWatch(() => session.saveString(key, encodeEdit(form, '{"v": 2}'), { mode: 'check', expectedSha1: sha }, watch));
      assert.equal(outcome.status, 'saved');
      assert.equal(await admin.get(key), '{"v": 2}');
      await assertTtlNear(key, before);
      assert.ok(outcome.status === 'saved' && outcome.pttl > before - TTL_SLACK_MS && outcome.pttl <= before, `reported TTL ${outcome.status === 'saved' ? outcome.pttl : ''}`);
    });
  });

  test('a key without expiry stays without', async () => {
    const key = b('watch:persist');
    await admin.set(key, 'plain');
    await editing(key, async ({ form, sha, watch }) => {
      assert.deepEqual(await session.saveString(key, encodeEdit(form, 'edited'), { mode: 'check', expectedSha1: sha }, watch), { status: 'saved', pttl: -1 });
      assert.equal(await admin.get(key), 'edited');
      assert.equal(await admin.pttl(key), -1);
    });
  });

  test('a write from elsewhere between load and save is detected and left in place', async () => {
    const key = b('watch:conflict');
    await admin.set(key, '{"v": 1}', 'EX', 1000);
    await editing(key, async ({ form, sha, watch }) => {
      await admin.set(key, '{"v": "theirs"}', 'EX', 500);
      assert.deepEqual(await session.saveString(key, encodeEdit(form, '{"v": "mine"}'), { mode: 'check', expectedSha1: sha }, watch), { status: 'changed' });
      assert.equal(await admin.get(key), '{"v": "theirs"}');
      await assertTtlNear(key, 500_000);
    });
  });

  test('only the TTL changed meanwhile: the value is saved with the TTL the server has now', async () => {
    const key = b('watch:ttl');
    await admin.set(key, 'v1', 'EX', 1000);
    await editing(key, async ({ form, sha, watch }) => {
      await admin.expire(key, 200);
      assert.equal((await session.saveString(key, encodeEdit(form, 'v2'), { mode: 'check', expectedSha1: sha }, watch)).status, 'saved');
      assert.equal(await admin.get(key), 'v2');
      await assertTtlNear(key, 200_000);
    });
  });

  test('saved twice through the same watch; a write from elsewhere after the first save is detected', async () => {
    const key = b('watch:twice');
    await admin.set(key, 'v1', 'EX', 600);
    await editing(key, async ({ form, sha, watch }) => {
      const first = encodeEdit(form, 'v2');
      assert.equal((await session.saveString(key, first, { mode: 'check', expectedSha1: sha }, watch)).status, 'saved');
      // The watch is taken again after the save's EXEC, then checked against what was written.
      await waitFor('the watch taken again', () => watch.usable);
      const second = encodeEdit(form, 'v3');
      const again = await assertSavedThroughWatch(() => session.saveString(key, second, { mode: 'check', expectedSha1: sha1(first) }, watch));
      assert.equal(again.status, 'saved');
      assert.equal(await admin.get(key), 'v3');
      await waitFor('the watch taken again', () => watch.usable);
      await admin.set(key, 'theirs', 'EX', 600);
      assert.deepEqual(await session.saveString(key, encodeEdit(form, 'v4'), { mode: 'check', expectedSha1: sha1(second) }, watch), { status: 'changed' });
      assert.equal(await admin.get(key), 'theirs');
    });
  });

  test('the key expired meanwhile: gone, nothing created', async () => {
    const key = b('watch:expired');
    await admin.set(key, 'v', 'PX', 400);
    await editing(key, async ({ form, sha, watch }) => {
      await waitFor('the key to expire', async () => (await admin.exists(key)) === 0, 5000);
      assert.deepEqual(await session.saveString(key, encodeEdit(form, 'late'), { mode: 'check', expectedSha1: sha }, watch), { status: 'gone' });
      assert.equal(await admin.exists(key), 0);
    });
  });

  test('the edit connection killed: the save takes the checked path, which still sees a write from elsewhere', async () => {
    const key = b('watch:killed');
    await admin.set(key, 'v1', 'EX', 600);
    await editing(key, async ({ form, sha, watch }) => {
      const [addr] = await editClients();
      assert.ok(addr, 'the edit has its own connection');
      await admin.client('KILL', addr);
      await waitFor('the watch to be lost', () => !watch.usable);
      await admin.set(key, 'theirs', 'EX', 600);
      assert.deepEqual(await session.saveString(key, encodeEdit(form, 'mine'), { mode: 'check', expectedSha1: sha }, watch), { status: 'changed' });
      assert.equal(await admin.get(key), 'theirs');
      // Without a conflict, the checked path saves.
      assert.equal((await session.saveString(key, encodeEdit(form, 'mine'), { mode: 'check', expectedSha1: sha1(b('theirs')) }, watch)).status, 'saved');
      assert.equal(await admin.get(key), 'mine');
    });
  });

  test('binary key names and values stay exact', async () => {
    const key = Buffer.from([0xfe, 0x00, 0x3a, 0x81]);
    await admin.set(key, zlib.gzipSync(Buffer.from('{"x": 1}')), 'EX', 100);
    await editing(key, async ({ form, sha, watch }) => {
      assert.equal((await session.saveString(key, encodeEdit(form, '{"x": 2}'), { mode: 'check', expectedSha1: sha }, watch)).status, 'saved');
      assert.equal(zlib.gunzipSync((await admin.getBuffer(key)) as Buffer).toString(), '{"x": 2}');
    });
  });

  test('read-only mode: refused before anything is sent', async () => {
    const key = b('watch:ro');
    await admin.set(key, 'v');
    const { sha, watch } = await edit(key);
    readOnly = 'on';
    try {
      await assert.rejects(session.saveString(key, b('x'), { mode: 'check', expectedSha1: sha }, watch), coded('READ_ONLY'));
    } finally {
      readOnly = 'off';
      watch.dispose();
    }
    assert.equal(await admin.get(key), 'v');
  });

  test('closing the edit closes its connection', async () => {
    const key = b('watch:close');
    await admin.set(key, 'v');
    const before = (await editClients()).length;
    const { watch } = await edit(key);
    assert.equal((await editClients()).length, before + 1);
    watch.dispose();
    await waitFor('the edit connection to close', async () => (await editClients()).length === before);
  });
});

describe('collection edits and New Key on a connection of their own', () => {
  /** The connections the server has whose name ends with `-<suffix>`, as `name cmd` (CLIENT LIST). */
  async function named(suffix: string): Promise<string[]> {
    return (await connectionsNamed(admin, suffix)).map((l) => `${/ name=(\S+)/.exec(l)?.[1] ?? ''} ${/ cmd=(\S+)/.exec(l)?.[1] ?? ''}`);
  }

  test('an element edit runs its WATCH … EXEC on the edits\' connection, not on the one the views share', async () => {
    const key = b('tx:hash');
    await admin.hset(key, 'a', '1');
    assert.deepEqual(await session.editCollection(key, { op: 'hashAdd', field: b('b'), value: b('2') }), { changed: true, keyDeleted: false });
    const clients = await named('tx');
    assert.equal(clients.length, 1, JSON.stringify(clients));
    assert.match(clients[0], / exec$/, 'its last command was the EXEC');
    assert.deepEqual(await admin.hgetall(key), { a: '1', b: '2' });
  });

  test('edits started together run one after the other there, and all land', async () => {
    const key = b('tx:together');
    await admin.sadd(key, 'x');
    await Promise.all(['m1', 'm2', 'm3', 'm4'].map((m) => session.editCollection(key, { op: 'setAdd', member: b(m) })));
    assert.deepEqual((await admin.smembers(key)).sort(), ['m1', 'm2', 'm3', 'm4', 'x']);
    const created = b('tx:new');
    await session.createKey(created, { type: 'string', value: b('first') }, 60);
    assert.equal(await admin.get(created), 'first');
    assert.equal((await named('tx')).length, 1, 'one connection for all of them');
  });

  test('the connection killed: the next edit opens another one', async () => {
    const key = b('tx:killed');
    await admin.sadd(key, 'x');
    await session.editCollection(key, { op: 'setAdd', member: b('y') });
    const addr = /addr=(\S+)/.exec((await connectionsNamed(admin, 'tx'))[0] ?? '')?.[1];
    assert.ok(addr);
    await admin.client('KILL', addr);
    await waitFor('the kill to be seen', async () => (await named('tx')).length === 0);
    await session.editCollection(key, { op: 'setAdd', member: b('z') });
    assert.deepEqual((await admin.smembers(key)).sort(), ['x', 'y', 'z']);
  });
});
