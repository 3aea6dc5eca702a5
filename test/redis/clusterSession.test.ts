/**
 * The connection manager and its session on a real cluster: detected after the handshake, counts
 * per master in the state, the tree, folder delete and flush through the session, and the settings
 * that change how a cluster is opened.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionManager } from '../../src/connection/connectionManager';
import { keySlot } from '../../src/redis/cluster';
import { folderTarget } from '../../src/redis/explorerModel';
import { parseRedisUrl } from '../../src/redis/url';
import { connectionsNamed } from '../support/clients';
import { TestCluster } from '../support/cluster';
import { waitFor } from '../support/redisServer';
import { walk } from './scanEngine.helpers';

function manager(extra: { forceStandalone?: boolean; natMap?: unknown } = {}): ConnectionManager {
  return new ConnectionManager({
    connectTimeoutMs: 3000,
    commandTimeoutMs: 3000,
    heartbeatMs: 60_000,
    readOnly: () => 'off',
    forceStandalone: () => extra.forceStandalone ?? false,
    natMap: () => extra.natMap,
  });
}

describe('the session on a cluster', () => {
  let tc: TestCluster;

  before(async () => {
    tc = await TestCluster.start({ replicas: 0 });
    const c = tc.client();
    try {
      await Promise.all(Array.from({ length: 600 }, (_, i) => c.set(`nova:cache:${i}`, 'v')));
      await Promise.all(Array.from({ length: 300 }, (_, i) => c.set(`nova:session:${i}`, 'v')));
    } finally {
      c.disconnect();
    }
  });

  after(async () => {
    await tc?.stop();
  });

  test('connected as a cluster: the count is the sum of the masters, with the split per master', async () => {
    const m = manager();
    try {
      m.configure(parseRedisUrl(tc.url(0)), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected', 15_000);
      const s = m.state;
      assert.ok(s.kind === 'connected');
      assert.equal(s.topology, 'cluster');
      assert.equal(s.dbSize, 900);
      const own = await tc.onMasters(async (c, node) => ({ address: `127.0.0.1:${node.server.port}`, keys: await c.dbsize() }));
      assert.deepEqual(
        s.nodes?.map((n) => ({ address: n.address, keys: n.keys })),
        own.sort((a, b) => a.address.localeCompare(b.address)),
      );
      const state = await m.requireSession().clusterState();
      assert.equal(state?.state, 'ok');
      assert.equal(state?.masters, 3);
    } finally {
      m.dispose();
    }
  });

  test('the Keys view scans each master on a SCAN connection of its own, every key once; they close with the session', async () => {
    const m = manager();
    const scanClients = (): Promise<string[][]> => tc.onMasters((c) => connectionsNamed(c, 'scan'));
    try {
      m.configure(parseRedisUrl(tc.url(0)), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected', 15_000);
      const session = m.requireSession();
      const first = session.createExplorer({ scanCount: 100 });
      await first.children();
      await waitFor('a SCAN connection on every master', async () => (await scanClients()).every((l) => l.length === 1), 10_000);
      first.dispose();
      const model = session.createExplorer({ pageSize: 10_000, scanCount: 50 });
      await model.scanAll();
      const tree = await walk(model);
      assert.deepEqual(
        tree.keys.map((k) => k.name).sort(),
        [...Array.from({ length: 600 }, (_, i) => `nova:cache:${i}`), ...Array.from({ length: 300 }, (_, i) => `nova:session:${i}`)].sort(),
      );
      const perMaster = await scanClients();
      assert.ok(
        perMaster.every((l) => l.length === 1 && / cmd=scan( |$)/.test(l[0])),
        `one SCAN connection per master, its last command a SCAN: ${JSON.stringify(perMaster.map((l) => l.map((c) => / cmd=\S+/.exec(c)?.[0])))}`,
      );
    } finally {
      m.dispose();
    }
    await waitFor('the SCAN connections closed', async () => (await scanClients()).every((l) => l.length === 0), 10_000);
  });

  test('the tree, a folder delete and a flush through the session reach every master', async () => {
    const m = manager();
    try {
      m.configure(parseRedisUrl(tc.url(0)), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected', 15_000);
      const session = m.requireSession();
      const model = session.createExplorer({ pageSize: 10_000 });
      await model.scanAll();
      const tree = await walk(model);
      assert.equal(tree.keys.length, 900);
      const cache = tree.folders.find((f) => f.label === 'cache');
      assert.ok(cache);
      const { path, delimiter } = folderTarget(cache);
      assert.equal((await session.countFolder(path, delimiter)).count, 600);
      const deleted = await session.deleteFolder(path, delimiter);
      assert.equal(deleted.deleted, 600);
      assert.equal(await tc.totalKeys(), 300);
      const owners = new Set(Array.from({ length: 300 }, (_, i) => tc.ownerOf(keySlot(`nova:session:${i}`)).id));
      assert.equal(owners.size, 3, 'what is left is spread over every master');
      const flushed = await session.flush();
      assert.equal(flushed.keysBefore, 300);
      assert.equal(await tc.totalKeys(), 0);
    } finally {
      m.dispose();
    }
  });

  test('nova.cluster.forceStandalone: the seed node as one server; a DB other than 0 and a bad natMap fail for good', async () => {
    const standalone = manager({ forceStandalone: true });
    const db1 = manager();
    const badNat = manager({ natMap: { 'a:1': 'no port' } });
    try {
      standalone.configure(parseRedisUrl(tc.url(0)), { defaulted: false });
      db1.configure(parseRedisUrl(tc.url(1)), { defaulted: false });
      badNat.configure(parseRedisUrl(tc.url(0)), { defaulted: false });
      await waitFor('all three settled', () => standalone.state.kind === 'connected' && db1.state.kind === 'failed' && badNat.state.kind === 'failed', 15_000);
      assert.ok(standalone.state.kind === 'connected' && standalone.state.topology === 'standalone');
      assert.ok(db1.state.kind === 'failed' && db1.state.error.code === 'CLUSTER_DB');
      assert.ok(badNat.state.kind === 'failed' && badNat.state.error.code === 'NAT_MAP_INVALID');
    } finally {
      standalone.dispose();
      db1.dispose();
      badNat.dispose();
    }
  });
});
