/**
 * The session against a real redis-server, as the commands use it: each command takes the session
 * when it starts (before its dialog) and acts on that one after the dialog. A reconnect in between
 * (here the server drops the connection: CLIENT KILL) ends that session, and the action must fail at
 * once with SESSION_ENDED, send nothing, and leave the data alone.
 */
import dns from 'node:dns/promises';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { ConnectionManager, type ManagerOptions, type SessionKeysChange } from '../../src/connection/connectionManager';
import { isLoopback, readOnlyFor, type KeysChange, type RedisSession } from '../../src/connection/session';
import { folderTarget, type FolderNode } from '../../src/redis/explorerModel';
import { RedisServer, waitFor } from '../support/redisServer';
import { connectedManager } from '../support/manager';
import { parseRedisUrl } from '../../src/redis/url';
import { allKeysHex, coded, commandStats, changedCommands, hex } from './mutations.helpers';
import { setKeys } from './scanEngine.helpers';

let server: RedisServer;
let admin: Redis;

before(async () => {
  server = await RedisServer.start();
  admin = server.admin(1);
});

after(async () => {
  admin?.disconnect();
  await server?.stop();
});

const b = (t: string): Buffer => Buffer.from(t, 'utf8');

/** A manager connected to DB 1; the heartbeat is slow so that only the test decides when connections end. */
function connected(options: Partial<ManagerOptions> = {}): Promise<ConnectionManager> {
  return connectedManager(server, 1, options);
}

/** The server drops the session's connection; resolves once the manager published the next session. */
async function dropAndReconnect(m: ConnectionManager, session: RedisSession): Promise<RedisSession> {
  const list = (await admin.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${session.clientName} `));
  const addr = / addr=(\S+)/.exec(line ?? '')?.[1];
  assert.ok(addr, `the session's connection is in CLIENT LIST: ${list}`);
  await admin.client('KILL', addr);
  // The manager starts the next session, then counts the keys, then says connected: wait for all of it.
  await waitFor('the next session', () => (m.session?.generation ?? -1) > session.generation && m.state.kind === 'connected', 5000);
  assert.equal(session.isEnded, true, 'the old session was disposed with its generation');
  return m.requireSession();
}

/** Everything the manager relays from its sessions' writes. */
function recordChanges(m: ConnectionManager): SessionKeysChange[] {
  const seen: SessionKeysChange[] = [];
  m.onDidChangeKeys((e) => seen.push(e));
  return seen;
}

const ended = coded('SESSION_ENDED');

describe('a command that spans a dialog acts on the session it started on', () => {
  test('Delete Key: a reconnect between the confirmation and the action → SESSION_ENDED, the key stays', async () => {
    await admin.flushdb();
    await admin.set('k:del', 'v');
    const m = await connected();
    try {
      const changes = recordChanges(m);
      const session = m.requireSession();
      const next = await dropAndReconnect(m, session);
      await assert.rejects(session.deleteKeys([b('k:del')]), ended);
      assert.equal(await admin.exists('k:del'), 1, 'the key still exists');
      assert.equal(changes.length, 0, 'nothing announced: the tree keeps the key');
      // Trying again (on the current session) works and says which keys went.
      assert.deepEqual(await next.deleteKeys([b('k:del')]), { deleted: 1, cancelled: false });
      assert.equal(await admin.exists('k:del'), 0);
      assert.equal(changes.length, 1);
      assert.equal(changes[0]?.session, next);
      assert.deepEqual(changes[0]?.change, { kind: 'keys', keys: [b('k:del')], deleted: true });
    } finally {
      m.dispose();
    }
  });

  test('Delete Folder: counted on one session, the delete after a reconnect → SESSION_ENDED, every key stays', async () => {
    await admin.flushdb();
    await setKeys(admin, Array.from({ length: 30 }, (_, i) => `f:${i}`));
    const m = await connected();
    try {
      const session = m.requireSession();
      assert.deepEqual(await session.countFolder(b('f'), ':'), { count: 30, cancelled: false });
      await dropAndReconnect(m, session);
      await assert.rejects(session.deleteFolder(b('f'), ':'), ended);
      assert.equal(await admin.dbsize(), 30);
    } finally {
      m.dispose();
    }
  });

  test('Edit TTL: PTTL read on one session, the write after a reconnect → SESSION_ENDED, the TTL is unchanged', async () => {
    await admin.flushdb();
    await admin.set('k:ttl', 'v');
    const m = await connected();
    try {
      const session = m.requireSession();
      assert.equal(await session.pttl(b('k:ttl')), -1);
      await dropAndReconnect(m, session);
      await assert.rejects(session.setTtl(b('k:ttl'), 100), ended);
      await assert.rejects(session.persist(b('k:ttl')), ended);
      assert.equal(await admin.pttl('k:ttl'), -1, 'still no expiry');
    } finally {
      m.dispose();
    }
  });

  test('Flush: counted on one session, the flush after a reconnect → SESSION_ENDED, nothing flushed', async () => {
    await admin.flushdb();
    await setKeys(admin, ['a', 'b', 'c']);
    const m = await connected();
    try {
      const session = m.requireSession();
      assert.equal(await session.dbsize(), 3);
      const statsBefore = await commandStats(admin);
      await dropAndReconnect(m, session);
      await assert.rejects(session.flush(), ended);
      assert.equal(await admin.dbsize(), 3);
      assert.equal((await commandStats(admin)).get('flushdb') ?? 0, statsBefore.get('flushdb') ?? 0);
    } finally {
      m.dispose();
    }
  });

  test('Load More of Value: a value opened on one session is not continued on the next one', async () => {
    await admin.flushdb();
    const big = 'x'.repeat(20_000);
    await admin.set('k:big', big);
    const m = await connected();
    try {
      const session = m.requireSession();
      const value = await session.openValue(b('k:big'), { previewThreshold: 4096, previewBytes: 1024 });
      assert.equal(value.canLoadMore, true);
      const next = await dropAndReconnect(m, session);
      await assert.rejects(session.loadMoreValue(value), ended);
      await assert.rejects(next.loadMoreValue(value), ended, 'the new session refuses a value it did not open');
      assert.equal(value.canLoadMore, true, 'the value is left as it was');
      // Opened again on the current session, Load More reads the rest.
      const again = await next.openValue(b('k:big'), { previewThreshold: 4096, previewBytes: 1024 });
      await next.loadMoreValue(again);
      assert.equal(again.canLoadMore, false);
      assert.ok(again.render('text').body.includes(big), 'the whole value is shown');
    } finally {
      m.dispose();
    }
  });
});

describe('a disposed session', () => {
  test('every later call fails at once with SESSION_ENDED and sends nothing', async () => {
    await admin.flushdb();
    await setKeys(admin, ['k', 'f:1']);
    const m = await connected();
    try {
      const session = m.requireSession();
      const explorer = session.createExplorer();
      const value = await session.openValue(b('k'));
      const statsBefore = await commandStats(admin);
      // Reconnect at the user's request: the manager ends the generation, and with it the session.
      m.connect();
      assert.equal(session.isEnded, true);
      const calls: [string, () => Promise<unknown>][] = [
        ['dbsize', () => session.dbsize()],
        ['ping', () => session.ping()],
        ['info', () => session.info()],
        ['pttl', () => session.pttl(b('k'))],
        ['openValue', () => session.openValue(b('k'))],
        ['loadMoreValue', () => session.loadMoreValue(value)],
        ['countFolder', () => session.countFolder(b('f'), ':')],
        ['setTtl', () => session.setTtl(b('k'), 10)],
        ['persist', () => session.persist(b('k'))],
        ['deleteKeys', () => session.deleteKeys([b('k')])],
        ['deleteFolder', () => session.deleteFolder(b('f'), ':')],
        ['flush', () => session.flush()],
        ['createExplorer', () => Promise.resolve().then(() => session.createExplorer())],
        ['explorer children', () => explorer.children()],
        ['explorer loadMore', () => explorer.loadMore()],
        ['explorer scanAll', () => explorer.scanAll()],
      ];
      for (const [name, call] of calls) {
        await assert.rejects(call(), ended, name);
      }
      await waitFor('reconnected', () => m.state.kind === 'connected');
      assert.deepEqual(changedCommands(statsBefore, await commandStats(admin)).filter((c) => !['client', 'select', 'dbsize', 'ping'].includes(c)), []);
      assert.equal(await admin.dbsize(), 2, 'nothing was deleted');
      assert.equal(await admin.pttl('k'), -1, 'no TTL was set');
    } finally {
      m.dispose();
    }
  });
});

describe('the session checks the read-only policy and announces its writes', () => {
  test('read-only on: every write is refused with READ_ONLY before anything is sent', async () => {
    await admin.flushdb();
    await setKeys(admin, ['k', 'f:1']);
    let setting: 'on' | 'off' = 'on';
    const m = await connected({ readOnly: () => setting });
    try {
      const changes = recordChanges(m);
      const session = m.requireSession();
      const statsBefore = await commandStats(admin);
      const readOnly = coded('READ_ONLY');
      await assert.rejects(session.setTtl(b('k'), 10), readOnly);
      await assert.rejects(session.persist(b('k')), readOnly);
      await assert.rejects(session.deleteKeys([b('k')]), readOnly);
      await assert.rejects(session.deleteFolder(b('f'), ':'), readOnly);
      await assert.rejects(session.flush(), readOnly);
      assert.deepEqual(changedCommands(statsBefore, await commandStats(admin)), []);
      assert.equal(changes.length, 0);
      // The policy is read at each write: turning the setting off applies to the same session.
      setting = 'off';
      assert.equal(session.readOnly, false);
      assert.deepEqual(await session.deleteKeys([b('k')]), { deleted: 1, cancelled: false });
    } finally {
      m.dispose();
    }
  });

  test('auto protects a server that is not on this machine', () => {
    assert.equal(readOnlyFor('auto', '127.0.0.1'), false);
    assert.equal(readOnlyFor('auto', 'localhost'), false);
    assert.equal(readOnlyFor('auto', '::1'), false);
    assert.equal(readOnlyFor('auto', 'cache.example.com'), true);
    assert.equal(readOnlyFor('on', '127.0.0.1'), true);
    assert.equal(readOnlyFor('off', 'cache.example.com'), false);
    assert.equal(readOnlyFor('auto', 'cache.example.com', '::ffff:127.0.0.1'), false, 'a name that reached a loopback address');
    assert.equal(readOnlyFor('auto', 'cache.example.com', '10.0.0.7'), true);
  });

  test('a host name other than localhost that resolves to a loopback address counts as this machine', async (t) => {
    const name = os.hostname();
    const addresses = await dns.lookup(name, { all: true }).catch(() => []);
    if (isLoopback(name) || addresses.length === 0 || !addresses.every((a) => isLoopback(a.address))) {
      t.skip(`this machine's name ${name} does not resolve to loopback addresses only (${JSON.stringify(addresses)})`);
      return;
    }
    const m = new ConnectionManager({ connectTimeoutMs: 1000, commandTimeoutMs: 2000, heartbeatMs: 60_000, backoffMs: [100], readOnly: () => 'auto' });
    try {
      m.configure(parseRedisUrl(`redis://${name}:${server.port}/1`), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected');
      const session = m.requireSession();
      assert.equal(session.endpoint.host, name);
      assert.equal(session.readOnly, false, `${name} reached ${JSON.stringify(addresses)}: writes stay allowed under auto`);
    } finally {
      m.dispose();
    }
  });

  test('each write says what changed, and the status bar count follows', async () => {
    await admin.flushdb();
    await setKeys(admin, ['k1', 'k2', 'f:1', 'f:2', 'g:1']);
    const m = await connected();
    try {
      const changes = recordChanges(m);
      const session = m.requireSession();
      await session.setTtl(b('k1'), 100);
      await session.persist(b('k1'));
      await session.deleteKeys([b('k2')]);
      await session.deleteFolder(b('f'), ':');
      await waitFor('the count after the deletes', () => m.state.kind === 'connected' && m.state.dbSize === 2);
      await session.flush();
      const expected: KeysChange[] = [
        { kind: 'keys', keys: [b('k1')], deleted: false },
        { kind: 'keys', keys: [b('k1')], deleted: false },
        { kind: 'keys', keys: [b('k2')], deleted: true },
        { kind: 'folder', prefix: b('f:'), delimiter: ':' },
        { kind: 'db' },
      ];
      assert.deepEqual(changes.map((c) => c.change), expected);
      await waitFor('the count after the flush', () => m.state.kind === 'connected' && m.state.dbSize === 0);
    } finally {
      m.dispose();
    }
  });
});

describe('a write whose reply never came', () => {
  test('is OUTCOME_UNKNOWN once sent, and says so only then: a folder delete stalled in its scan sent nothing', async () => {
    await admin.flushdb();
    await setKeys(admin, ['k', 'f:1', 'f:2']);
    const m = await connected({ commandTimeoutMs: 500 });
    const sleeper = server.admin(1);
    try {
      const session = m.requireSession();
      const changes = recordChanges(m);
      // DEBUG SLEEP stalls the server (the heartbeat is too slow here to call the connection dead),
      // long enough for both requests to time out while it sleeps.
      const slept = sleeper.call('DEBUG', 'SLEEP', '3');
      await new Promise((r) => setTimeout(r, 100));
      await assert.rejects(session.deleteFolder(b('f'), ':'), coded('COMMAND_TIMEOUT'));
      await assert.rejects(session.deleteKeys([b('k')]), coded('OUTCOME_UNKNOWN'));
      await slept;
      // The DEL was on the wire: the server ran it when it woke up. The folder's keys were never touched.
      await waitFor('the DEL to run', async () => (await admin.exists('k')) === 0);
      assert.deepEqual(await allKeysHex(admin), hex('f:1', 'f:2'));
      // The tree is told to re-check the key, not that it is gone.
      assert.deepEqual(changes.map((c) => c.change), [{ kind: 'keys', keys: [b('k')], deleted: false }]);
    } finally {
      sleeper.disconnect();
      m.dispose();
    }
  });
});

describe('the explorer on a session', () => {
  test('a folder delete uses the delimiter its node was built under, whatever the setting says now', async () => {
    await admin.flushdb();
    await setKeys(admin, ['a:1', 'a:2', 'a/1', 'a/2']);
    const m = await connected();
    try {
      const session = m.requireSession();
      const explorer = session.createExplorer({ delimiter: ':' });
      const folder = (await explorer.children()).find((n): n is FolderNode => n.kind === 'folder' && n.label === 'a');
      assert.ok(folder, 'the tree shows folder a under ":"');
      assert.equal(folder.delimiter, ':');
      // The setting is now "/": the command still passes the node's own delimiter and path.
      const { path, delimiter } = folderTarget(folder);
      assert.deepEqual(await session.countFolder(path, delimiter), { count: 2, cancelled: false });
      assert.deepEqual(await session.deleteFolder(path, delimiter), { deleted: 2, cancelled: false });
      assert.deepEqual(await allKeysHex(admin), hex('a/1', 'a/2'));
    } finally {
      m.dispose();
    }
  });

  test('after one SCAN timeout, the next Load more works once the server is healthy again', async (t) => {
    await admin.flushdb();
    await setKeys(admin, Array.from({ length: 3000 }, (_, i) => `s:${i}`));
    // The client's own command timeout and the explorer's deadline are the same value, as in the
    // extension: the client rejects the stalled SCAN itself.
    const m = await connected({ commandTimeoutMs: 500 });
    const sleeper = server.admin(1);
    try {
      const session = m.requireSession();
      const explorer = session.createExplorer({ delimiter: null, pageSize: 100, scanCount: 50, firstScreenCount: 50, firstScreenKeys: 100, smallDbKeys: 10 });
      await explorer.children();
      const before = explorer.status.keys;
      assert.ok(!explorer.status.complete && before < 3000, `${before} keys after the first screen`);
      // DEBUG SLEEP freezes the server for less than the manager's rule for a dead connection.
      const slept = sleeper.call('DEBUG', 'SLEEP', '1.5');
      await new Promise((r) => setTimeout(r, 100));
      await assert.rejects(explorer.loadMore(), coded('COMMAND_TIMEOUT'));
      await slept;
      assert.equal(m.requireSession(), session, 'the same connection: no reconnect happened');
      await explorer.loadMore();
      assert.ok(explorer.status.keys > before, `${explorer.status.keys} keys after the next Load more`);
      assert.equal(explorer.status.error, undefined);
      await explorer.scanAll();
      assert.equal(explorer.status.keys, 3000);
      t.diagnostic(`keys after the first screen: ${before}`);
    } finally {
      sleeper.disconnect();
      m.dispose();
    }
  });
});
