/**
 * Sentinel against real ones: a master, a replica and three Sentinels from the harness. The DB is
 * selected as on one server, the master's address and replicas are reported, and a failover
 * (SENTINEL FAILOVER) is followed by the connection manager without anyone asking.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionManager, type ConnectionState } from '../../src/connection/connectionManager';
import { isNovaError } from '../../src/redis/errors';
import { isSentinelTarget } from '../../src/redis/sentinelUrl';
import { openTarget, type Opened } from '../../src/redis/topology';
import { parseRedisUrl } from '../../src/redis/url';
import { binaryVersion, waitFor } from '../support/redisServer';
import { TestSentinelSet, sentinelPasswordSupported } from '../support/sentinel';

const OPTIONS = { connectTimeoutMs: 3000, commandTimeoutMs: 3000, clientName: 'nova-sentinel-test' };

function close(o: Opened): void {
  if (o.kind === 'cluster') {
    o.cluster.disconnect();
  } else {
    o.client.disconnect();
  }
}

describe('Sentinel', () => {
  let set: TestSentinelSet;

  before(async () => {
    set = await TestSentinelSet.start({ password: 'master-pw' });
  });

  after(async () => {
    await set?.stop();
  });

  test('redis+sentinel:// reaches the current master, in the DB of the URL, and lists its replica', async () => {
    const master = await set.currentMaster();
    const replica = set.data.find((d) => d !== master)!;
    const o = await openTarget(parseRedisUrl(set.url(1)), OPTIONS);
    try {
      assert.equal(o.kind, 'sentinel');
      if (o.kind !== 'sentinel') {
        return;
      }
      assert.equal(o.master.address, `127.0.0.1:${master.port}`);
      assert.deepEqual(o.master.replication.replicas.map((r) => r.address), [`127.0.0.1:${replica.port}`]);
      await o.client.set('sentinel:db', 'one');
      const admin = master.client(1, { password: 'master-pw', lazyConnect: false, retryStrategy: () => null });
      const admin0 = master.client(0, { password: 'master-pw', lazyConnect: false, retryStrategy: () => null });
      try {
        assert.equal(await admin.get('sentinel:db'), 'one', 'written to DB 1 of the master');
        assert.equal(await admin0.exists('sentinel:db'), 0, 'not to DB 0');
      } finally {
        admin.disconnect();
        admin0.disconnect();
      }
    } finally {
      close(o);
    }
  });

  test('a service the Sentinels do not watch: SENTINEL_NO_MASTER naming it', async () => {
    const url = set.url(1).replace('/novamaster/', '/nosuchservice/');
    await assert.rejects(openTarget(parseRedisUrl(url), OPTIONS), (err: unknown) => isNovaError(err, 'SENTINEL_NO_MASTER') && err.args.name === 'nosuchservice');
  });

  test('no Sentinel answering: CONNECTION_REFUSED', async () => {
    const url = set.url(1).replace(/\/\/([^@]*@)?[^/]+\//, (_m, auth: string | undefined) => `//${auth ?? ''}127.0.0.1:1/`);
    await assert.rejects(openTarget(parseRedisUrl(url), OPTIONS), (err: unknown) => isNovaError(err, 'CONNECTION_REFUSED'));
  });

  test('a DB the master lacks is refused at SELECT, never DB 0', async () => {
    await assert.rejects(openTarget(parseRedisUrl(set.url(99)), OPTIONS), (err: unknown) => isNovaError(err, 'DB_OUT_OF_RANGE'));
  });

  test('a failover is followed without user action: the new master, its address and the change in the state, same DB', async () => {
    const target = parseRedisUrl(set.url(1));
    assert.ok(isSentinelTarget(target));
    const manager = new ConnectionManager({ connectTimeoutMs: 3000, commandTimeoutMs: 3000, heartbeatMs: 500, backoffMs: [200, 400] });
    const states: ConnectionState['kind'][] = [];
    manager.onDidChangeState((s) => states.push(s.kind));
    const oldMaster = await set.currentMaster();
    const seed = oldMaster.client(1, { password: 'master-pw', lazyConnect: false, retryStrategy: () => null });
    try {
      await seed.set('failover:key', 'kept');
      await seed.call('WAIT', '1', '2000');
      manager.configure(target, { defaulted: false });
      await waitFor('connected', () => manager.state.kind === 'connected', 10_000);
      const before = manager.state;
      assert.ok(before.kind === 'connected');
      assert.equal(before.topology, 'sentinel');
      assert.equal(before.master, `127.0.0.1:${oldMaster.port}`);
      assert.equal(before.previousMaster, undefined);

      const newMaster = await set.failover();
      await waitFor('the manager to reconnect to the new master', () => manager.state.kind === 'connected' && manager.state.generation > before.generation, 20_000);
      const after = manager.state;
      assert.ok(after.kind === 'connected');
      assert.equal(after.master, `127.0.0.1:${newMaster.port}`);
      assert.equal(after.previousMaster, `127.0.0.1:${oldMaster.port}`, 'the state says the master moved');
      const session = manager.requireSession();
      assert.ok(session.topology.kind === 'sentinel' && session.topology.master.address === after.master);
      await session.setTtl(Buffer.from('failover:key'), 500);
      const check = newMaster.client(1, { password: 'master-pw', lazyConnect: false, retryStrategy: () => null });
      try {
        assert.equal(after.dbSize, await check.dbsize(), 'the count is DB 1 of the new master');
        const ttl = await check.ttl('failover:key');
        assert.ok(ttl > 400 && ttl <= 500, `the write landed in DB 1 of the new master (ttl ${ttl})`);
      } finally {
        check.disconnect();
      }
      assert.ok(!states.includes('failed'), `states: ${states.join(' → ')}`);
    } finally {
      seed.disconnect();
      manager.dispose();
    }
  });
});

describe('Sentinel with its own password', { skip: !sentinelPasswordSupported() && `Sentinel requirepass needs 5.0.1; this is ${binaryVersion().join('.')}` }, () => {
  let set: TestSentinelSet | undefined;

  before(async () => {
    set = await TestSentinelSet.start({ sentinelPassword: 'sentinel-pw' });
  });

  after(async () => {
    await set?.stop();
  });

  test('?sentinel_password= is sent to the Sentinels; without it SENTINEL_AUTH', async () => {
    const o = await openTarget(parseRedisUrl(set!.url(0)), OPTIONS);
    try {
      assert.equal(o.kind, 'sentinel');
    } finally {
      close(o);
    }
    const without = set!.url(0).replace(/\?sentinel_password=.*$/, '');
    await assert.rejects(openTarget(parseRedisUrl(without), OPTIONS), (err: unknown) => isNovaError(err, 'SENTINEL_AUTH'));
  });
});
