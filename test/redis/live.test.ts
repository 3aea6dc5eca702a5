/**
 * The server views and the live keyspace against real servers: SLOWLOG read with AUTH and values
 * masked, CLIENT LIST with the extension's own connection and a redis-py backend recognised, keyspace
 * notifications turned on with CONFIG SET (and refused in read-only mode, and when CONFIG is renamed),
 * and the notifications adding and removing keys in the explorer model without a rescan.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ConnectionManager, type ManagerOptions } from '../../src/connection/connectionManager';
import type { ReadOnlySetting } from '../../src/config/settingsSchema';
import type { ExplorerModel } from '../../src/redis/explorerModel';
import type { KeyChangeBatch } from '../../src/redis/keyspaceEvents';
import { binaryAtLeast, binaryVersion, waitFor } from '../support/redisServer';
import { PYTHON, pythonUnavailableReason } from '../support/pySeed';
import { connectedManager, useServer } from '../support/manager';
import { coded } from './mutations.helpers';
import { walk } from './scanEngine.helpers';

const PASSWORD = 'sl0w-l0g-s3cret';

function connected(server: Parameters<typeof connectedManager>[0], options: Partial<ManagerOptions> = {}): Promise<ConnectionManager> {
  return connectedManager(server, 1, options);
}

async function names(model: ExplorerModel): Promise<string[]> {
  return (await walk(model)).keys.map((k) => k.name).sort();
}

describe('server views', () => {
  // Every command is logged: AUTH included, which servers before 6.0 log with its password.
  const fx = useServer({ password: PASSWORD, args: ['--slowlog-log-slower-than', '0', '--slowlog-max-len', '1000'] });

  test('the slowlog masks AUTH arguments and values, keeps names, keys and options, and names the client (4.0+)', async (t) => {
    const { server, admin } = fx();
    const m = await connected(server);
    try {
      const session = m.requireSession();
      await admin.call('SET', 'nova:cache:user:7', 'ada-private-value', 'EX', '3600');
      await admin.call('HMSET', 'nova:user:7', 'email', 'ada@example.com');
      const entries = await session.slowlog(1000);
      const text = JSON.stringify(entries);
      assert.ok(!text.includes(PASSWORD), 'the password never leaves the slowlog reader');
      assert.ok(!text.includes('ada-private-value') && !text.includes('ada@example.com'), 'values are masked');
      const set = entries.find((e) => e.args[0]?.toLowerCase() === 'set' && e.args[1] === 'nova:cache:user:7');
      assert.deepEqual(set?.args.slice(1), ['nova:cache:user:7', '‹17 bytes›', 'EX', '3600']);
      const hmset = entries.find((e) => e.args[0]?.toLowerCase() === 'hmset');
      assert.deepEqual(hmset?.args.slice(1), ['nova:user:7', 'email', '‹15 bytes›']);
      assert.ok(set && set.time > Date.now() - 60_000 && set.durationUs >= 0);
      const auth = entries.filter((e) => e.args[0]?.toLowerCase() === 'auth');
      if (binaryAtLeast(6, 0)) {
        t.diagnostic(`Redis ${binaryVersion().join('.')} keeps AUTH out of the slowlog; ${auth.length} AUTH entries`);
      } else {
        assert.ok(auth.length > 0, 'this server logs AUTH');
        for (const a of auth) {
          assert.deepEqual(a.args.slice(1), ['***']);
        }
      }
      if (binaryAtLeast(4, 0)) {
        assert.ok(
          entries.some((e) => e.clientName === session.clientName && /^127\.0\.0\.1:\d+$/.test(e.client ?? '')),
          'the extension’s own commands carry its client name and address',
        );
      } else {
        t.diagnostic('Redis < 4.0: slowlog entries carry no client address or name');
        assert.ok(entries.every((e) => e.client === undefined && e.clientName === undefined));
      }
    } finally {
      m.dispose();
    }
  });

  test('the clients list marks the extension’s own connection and recognises a redis-py backend by its name', async (t) => {
    const { server } = fx();
    const noPython = pythonUnavailableReason();
    if (noPython) {
      t.skip(noPython);
      return;
    }
    const m = await connected(server);
    const py = spawn(
      PYTHON,
      ['-c', 'import redis, sys\nr = redis.Redis(host=sys.argv[1], port=int(sys.argv[2]), db=1, password=sys.argv[3], client_name="nova-backend")\nr.ping()\nprint("ready", flush=True)\nsys.stdin.read()', server.host, String(server.port), PASSWORD],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        py.once('error', reject);
        py.once('exit', (code) => reject(new Error(`python exited with ${code}`)));
        createInterface({ input: py.stdout }).once('line', () => resolve());
      });
      const session = m.requireSession();
      const clients = await session.clients();
      const self = clients.filter((c) => c.kind === 'self');
      assert.equal(self.length, 1, 'exactly one connection is the explorer’s own');
      assert.equal(self[0]?.name, session.clientName);
      assert.equal(self[0]?.db, 1);
      assert.equal(clients[0]?.kind, 'self', 'listed first');
      const backend = clients.find((c) => c.name === 'nova-backend');
      assert.equal(backend?.kind, 'backend');
      assert.equal(backend?.db, 1);
      assert.ok(clients.some((c) => c.kind === 'other' && c.name === ''), 'the unnamed admin client is another client');
      assert.ok(clients.every((c) => /^127\.0\.0\.1:\d+$/.test(c.addr) && c.idleSeconds !== undefined && c.cmd !== undefined));
    } finally {
      py.kill();
      m.dispose();
    }
  });
});

describe('live keyspace', () => {
  const fx = useServer();

  test('notifications are off by default, refused in read-only mode, and turned on with CONFIG SET keeping what was on', async () => {
    const { server, admin } = fx();
    await admin.config('SET', 'notify-keyspace-events', 'Kl');
    let readOnly: ReadOnlySetting = 'on';
    const m = await connected(server, { readOnly: () => readOnly });
    try {
      const session = m.requireSession();
      const before = await session.notifyConfig();
      assert.equal(before.sufficient, false);
      assert.equal(before.channel, 'keyspace');
      await assert.rejects(session.enableNotifications(), coded('READ_ONLY'));
      assert.equal([...(((await admin.config('GET', 'notify-keyspace-events')))[1] ?? '')].sort().join(''), 'Kl', 'nothing was set in read-only mode');
      readOnly = 'off';
      const afterSet = await session.notifyConfig().then(() => session.enableNotifications());
      assert.equal(afterSet.sufficient, true);
      assert.equal(afterSet.channel, 'keyevent');
      const value = ((await admin.config('GET', 'notify-keyspace-events')))[1] ?? '';
      assert.ok(value.includes('K') && value.includes('E'), `the keyspace class stays on: ${value}`);
    } finally {
      await admin.config('SET', 'notify-keyspace-events', '');
      m.dispose();
    }
  });

  test('new keys appear, deleted and expired keys leave the model without a rescan; the activity counts them', async () => {
    const { server, admin } = fx();
    await admin.flushdb();
    await admin.config('SET', 'notify-keyspace-events', 'EA');
    await admin.mset('nova:cache:user:1', 'a', 'nova:cache:user:2', 'b');
    const m = await connected(server);
    try {
      const session = m.requireSession();
      const model = session.createExplorer({ delimiter: ':' });
      assert.deepEqual(await names(model), ['nova:cache:user:1', 'nova:cache:user:2']);
      const batches: KeyChangeBatch[] = [];
      const live = await session.watchKeyspace('keyevent', ':', (batch) => {
        batches.push(batch);
        model.applyRemote(batch.changes.map((c) => ({ key: c.key, gone: c.kind !== 'written' && c.kind !== 'ttl' })));
      }, () => undefined);
      const scansBefore = model.status.scanned;
      await admin.set('nova:cache:user:3', 'c');
      await admin.hset(Buffer.from('nova:bin:\xff', 'latin1'), 'f', 'v');
      await waitFor('the new keys in the model', async () => (await names(model)).length === 4);
      assert.ok(batches.flatMap((b) => b.changes).some((c) => c.key.equals(Buffer.from('nova:bin:\xff', 'latin1'))), 'binary key names arrive as their bytes');
      await admin.del('nova:cache:user:1');
      await waitFor('the deleted key leaves', async () => !(await names(model)).includes('nova:cache:user:1'));
      // Long enough that its write arrives in a batch of its own (batches every 300 ms) before it expires.
      await admin.set('nova:cache:user:9', 'short', 'PX', 1500);
      const changes = (): string[] => batches.flatMap((b) => b.changes).map((c) => `${c.kind} ${c.key.toString()}`);
      await waitFor('the short-lived key’s write', () => changes().includes('written nova:cache:user:9'));
      // The server expires it by itself (its active expiry cycle): the expired event removes it, no read needed.
      await waitFor('the expired key leaves', () => changes().includes('expired nova:cache:user:9'), 5000);
      assert.ok(!(await names(model)).includes('nova:cache:user:9'));
      assert.equal(model.status.scanned, scansBefore, 'no rescan');
      const cache = live.activity.of('nova:cache');
      assert.ok(cache.writes >= 2 && cache.deletes >= 1 && cache.expirations >= 1, JSON.stringify(cache));
      assert.equal(live.activity.of('nova:cache:user').writes, cache.writes);
      assert.ok(live.activity.perMinute().some((a) => a.namespace === '' && a.writes >= 3));
      const subscriber = (await session.clients()).find((c) => c.name === `${session.clientName}-events`);
      assert.equal(subscriber?.kind, 'extension', 'the subscriber is the session’s own second connection');
      m.dispose();
      await waitFor('the subscriber closes with the session', async () => !((await admin.client('LIST')) as string).includes(`${session.clientName}-events`));
    } finally {
      m.dispose();
      await admin.config('SET', 'notify-keyspace-events', '');
    }
  });
});

describe('CONFIG renamed away', () => {
  const fx = useServer({ args: ['--rename-command', 'CONFIG', 'nova-test-hidden-config'] });

  test('reading or enabling notifications says CONFIG is unavailable, naming it', async () => {
    const { server } = fx();
    const m = await connected(server, { readOnly: () => 'off' });
    try {
      const session = m.requireSession();
      const unavailable = coded('COMMAND_UNAVAILABLE', (e) => e.args.command === 'CONFIG');
      await assert.rejects(session.notifyConfig(), unavailable);
      await assert.rejects(session.enableNotifications(), unavailable);
    } finally {
      m.dispose();
    }
  });
});
