/**
 * Redis Cluster against a real one: three masters with a replica each, built by the harness with
 * CLUSTER MEET / ADDSLOTS / REPLICATE (so it runs on 3.0 as on 7.x). What is checked is what the
 * cluster holds, read node by node through the harness's own connections.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from 'ioredis';
import { capabilitiesFor, type Capabilities } from '../../src/redis/capabilities';
import {
  ClusterScanner,
  clusterCountFolder,
  clusterDbsize,
  clusterDeleteFolder,
  clusterDeleteKeys,
  clusterFetchKeyMeta,
  clusterFlush,
  groupBySlot,
  keySlot,
  masterNodes,
  parseNatMap,
  readClusterState,
  type MasterNode,
} from '../../src/redis/cluster';
import { ConnectionManager } from '../../src/connection/connectionManager';
import { isNovaError } from '../../src/redis/errors';
import { ExplorerModel } from '../../src/redis/explorerModel';
import { clusterKeySource } from '../../src/redis/keySource';
import { ScanWire } from '../../src/redis/scanWire';
import { openTarget, type Opened } from '../../src/redis/topology';
import { parseRedisUrl } from '../../src/redis/url';
import { connectionsNamed } from '../support/clients';
import { commandCalls } from '../support/commandStats';
import { SLOTS, TestCluster } from '../support/cluster';
import { binaryAtLeast, binaryVersion, freePort, waitFor } from '../support/redisServer';
import { walk } from './scanEngine.helpers';

const OPTIONS = { connectTimeoutMs: 5000, commandTimeoutMs: 5000, clientName: 'nova-cluster-test' };

/** One key name per slot: `{tag}` decides the slot, so every slot of the cluster gets a key. */
function oneKeyPerSlot(prefix: string): Buffer[] {
  const keys: (Buffer | undefined)[] = new Array<Buffer | undefined>(SLOTS);
  let found = 0;
  for (let i = 0; found < SLOTS; i++) {
    const tag = String(i);
    const slot = keySlot(tag);
    if (!keys[slot]) {
      keys[slot] = Buffer.from(`${prefix}{${tag}}`);
      found++;
    }
  }
  return keys as Buffer[];
}

/** Writes keys on their owning masters directly, in one pipeline per master. */
async function seed(tc: TestCluster, keys: readonly Buffer[]): Promise<void> {
  const byOwner = new Map<string, Buffer[]>();
  for (const k of keys) {
    const owner = tc.ownerOf(keySlot(k)).id;
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), k]);
  }
  await tc.onMasters(async (c, node) => {
    const pipe = c.pipeline();
    for (const k of byOwner.get(node.id) ?? []) {
      pipe.set(k, 'v');
    }
    await pipe.exec();
  });
}

async function flushAllMasters(tc: TestCluster): Promise<void> {
  await tc.onMasters((c) => c.flushdb());
}

/** Each master's own SCAN connection, as a session opens them for the Keys view; the caller closes them. */
async function scanWires(tc: TestCluster, masters: readonly MasterNode[]): Promise<Map<string, ScanWire>> {
  const wires = new Map<string, ScanWire>();
  try {
    for (const m of masters) {
      const node = tc.masters.find((n) => `127.0.0.1:${n.server.port}` === m.address);
      assert.ok(node, `a harness master at ${m.address}`);
      const conn = tc.admin(node);
      try {
        await conn.ping();
      } catch (err) {
        conn.disconnect();
        throw err;
      }
      wires.set(m.address, new ScanWire(conn));
    }
  } catch (err) {
    closeWires(wires);
    throw err;
  }
  return wires;
}

function closeWires(wires: Map<string, ScanWire>): void {
  for (const w of wires.values()) {
    w.close();
  }
}

function asCluster(o: Opened): Cluster {
  if (o.kind !== 'cluster') {
    assert.fail(`opened as ${o.kind}, not as a cluster`);
  }
  return o.cluster;
}

describe('Redis Cluster', () => {
  let tc: TestCluster;
  let opened: Opened | undefined;
  let cluster: Cluster;
  let masters: MasterNode[];
  let caps: Capabilities;

  before(async () => {
    tc = await TestCluster.start();
    caps = capabilitiesFor(binaryVersion());
    opened = await openTarget(parseRedisUrl(tc.url(0)), OPTIONS);
    cluster = asCluster(opened);
    masters = masterNodes(cluster);
  });

  after(async () => {
    if (opened?.kind === 'cluster') {
      opened.cluster.disconnect();
    }
    await tc?.stop();
  });

  test('detected from INFO: the session gets an ioredis Cluster whose masters are the cluster masters', async () => {
    assert.deepEqual(masters.map((m) => m.address).sort(), tc.masters.map((m) => `127.0.0.1:${m.server.port}`).sort());
    // Valkey reports redis_version 7.2.4 whatever its own version: compare with the version it names.
    const server = opened?.server;
    assert.equal((server?.valkeyVersion ?? server?.version)?.split('.')[0], String(binaryVersion()[0]));
    const state = await readClusterState(masters[0].client, masters[0].address);
    assert.equal(state.state, 'ok');
    assert.equal(state.slotsAssigned, SLOTS);
    assert.equal(state.slotsOk, SLOTS);
    assert.deepEqual([state.masters, state.mastersUp, state.replicas, state.replicasUp], [3, 3, 3, 3]);
    const ranges = state.nodes.filter((n) => n.role === 'master').flatMap((n) => n.slots);
    assert.equal(ranges.reduce((n, [a, b]) => n + b - a + 1, 0), SLOTS);
    for (const r of state.nodes.filter((n) => n.role === 'replica')) {
      assert.ok(state.nodes.some((m) => m.id === r.masterId && m.role === 'master'), `replica ${r.address} has a master`);
    }
  });

  test('a DB other than 0 is refused with CLUSTER_DB, and nothing is left connected', async () => {
    const clientName = 'nova-cluster-db-test';
    await assert.rejects(openTarget(parseRedisUrl(tc.url(1)), { ...OPTIONS, clientName }), (err: unknown) => isNovaError(err, 'CLUSTER_DB') && err.args.db === 1);
    const seed = tc.admin(tc.nodes[0]);
    try {
      await waitFor('the refused connections to close', async () => !String(await seed.client('LIST')).includes(clientName));
    } finally {
      seed.disconnect();
    }
  });

  test('nova.cluster.forceStandalone keeps the one-server connection to the seed node', async () => {
    const o = await openTarget(parseRedisUrl(tc.url(0)), { ...OPTIONS, forceStandalone: true });
    try {
      assert.equal(o.kind, 'standalone');
    } finally {
      if (o.kind !== 'cluster') {
        o.client.disconnect();
      }
    }
  });

  test('keys in every one of the 16384 slots all appear exactly once in the multi-master scan; counts sum', async (t) => {
    await flushAllMasters(tc);
    const keys = oneKeyPerSlot('nova:slot:');
    await seed(tc, keys);
    const scanner = new ClusterScanner(masters, caps, { count: 200 });
    const seenOn = new Map<string, Set<number>>();
    const seen = new Set<string>();
    let pages = 0;
    while (!scanner.done) {
      const page = await scanner.next({ prefetch: true });
      pages++;
      assert.deepEqual(page.failed, []);
      for (const k of page.keys) {
        seen.add(k.toString());
        const slot = keySlot(k);
        const set = seenOn.get(k.toString()) ?? new Set<number>();
        set.add(slot);
        seenOn.set(k.toString(), set);
      }
    }
    assert.equal(seen.size, SLOTS);
    assert.deepEqual([...seen].sort(), keys.map((k) => k.toString()).sort());
    t.diagnostic(`${pages} merged pages, ${scanner.calls} SCAN calls over ${masters.length} masters`);

    const count = await clusterDbsize(masters);
    assert.equal(count.total, SLOTS);
    assert.ok(count.complete);
    const own = await tc.onMasters(async (c, node) => ({ address: `127.0.0.1:${node.server.port}`, keys: await c.dbsize() }));
    assert.deepEqual(
      count.nodes.map((n) => ({ address: n.address, keys: n.keys })).sort((a, b) => a.address.localeCompare(b.address)),
      own.sort((a, b) => a.address.localeCompare(b.address)),
    );
    for (const n of count.nodes) {
      const node = tc.masters.find((m) => n.address.endsWith(`:${m.server.port}`));
      const served = node!.slots.reduce((s, [a, b]) => s + b - a + 1, 0);
      assert.equal(n.keys, served, `${n.address} holds one key per slot it serves`);
    }
  });

  test('the key tree over a cluster: every key once, exact folder counts, metadata for the shown keys', async () => {
    await flushAllMasters(tc);
    const keys = [
      ...Array.from({ length: 3000 }, (_, i) => Buffer.from(`nova:cache:user:${i}`)),
      ...Array.from({ length: 1000 }, (_, i) => Buffer.from(`nova:session:${i}`)),
      Buffer.from('celery-task-meta-1'),
    ];
    await seed(tc, keys);
    const model = new ExplorerModel(clusterKeySource(cluster, caps), caps, { pageSize: 100_000 });
    try {
      await model.scanAll();
      assert.equal(model.status.complete, true);
      assert.equal(model.status.total, keys.length, 'the count is the sum of the masters');
      const tree = await walk(model);
      assert.equal(tree.keys.length, keys.length);
      assert.equal(new Set(tree.keys.map((k) => k.id)).size, keys.length, 'no key twice');
      const folder = (label: string): number | undefined => tree.folders.find((f) => f.label === label)?.count;
      assert.deepEqual([folder('nova'), folder('cache'), folder('session')], [4000, 3000, 1000]);
      assert.ok(tree.keys.every((k) => k.meta?.type === 'string'), 'metadata came for every shown key');
    } finally {
      model.dispose();
    }
  });

  test('reads go to masters only: no SCAN, DBSIZE, GET or TYPE reaches a replica', async () => {
    await Promise.all(tc.nodes.map(async (n) => {
      const c = tc.admin(n);
      await c.config('RESETSTAT');
      c.disconnect();
    }));
    const scanner = new ClusterScanner(masters, caps, { count: 500, type: 'string' });
    const found: Buffer[] = [];
    while (!scanner.done) {
      found.push(...(await scanner.next()).keys);
    }
    await clusterDbsize(masters);
    await Promise.all(found.slice(0, 300).map((k) => cluster.getBuffer(k)));
    const reads = ['scan', 'dbsize', 'get', 'type', 'eval', 'pttl'];
    for (const node of tc.nodes) {
      const c = tc.admin(node);
      const calls = await commandCalls(c);
      c.disconnect();
      const sent = reads.filter((r) => (calls.get(r) ?? 0) > 0);
      if (node.role === 'replica') {
        assert.deepEqual(sent, [], `replica ${node.server.port} got ${sent.join(', ')}`);
      } else {
        assert.ok((calls.get('scan') ?? 0) > 0 && (calls.get('dbsize') ?? 0) > 0, `master ${node.server.port} was scanned and counted`);
      }
    }
  });

  test('metadata of a page of keys from many slots: one script per slot on its master, aligned with the page', async () => {
    await flushAllMasters(tc);
    const c = tc.client();
    try {
      const names = Array.from({ length: 60 }, (_, i) => `meta:${i}`);
      await Promise.all(
        names.map((n, i) =>
          i % 3 === 0 ? c.set(n, 'x'.repeat(i), 'EX', 1000) : i % 3 === 1 ? c.hmset(n, { a: '1', b: '2' }) : c.rpush(n, 'a', 'b', 'c'),
        ),
      );
      const keys = [...names, 'meta:missing'].map((n) => Buffer.from(n));
      assert.ok(groupBySlot(keys).size > 20);
      const metas = await clusterFetchKeyMeta(cluster, caps, keys);
      assert.equal(metas.length, keys.length);
      names.forEach((n, i) => {
        const m = metas[i];
        assert.ok(m, n);
        const expected = i % 3 === 0 ? ['string', i] : i % 3 === 1 ? ['hash', 2] : ['list', 3];
        assert.deepEqual([m.type, m.size], expected, n);
        assert.equal(m.ttlMs !== null, i % 3 === 0, n);
      });
      assert.equal(metas[names.length], null);
    } finally {
      c.disconnect();
    }
  });

  test('keys of many slots deleted in one call: grouped by slot, no CROSSSLOT, exact count', async () => {
    await flushAllMasters(tc);
    const keys = Array.from({ length: 3000 }, (_, i) => Buffer.from(`bulk:${i}`));
    await seed(tc, keys);
    const groups = groupBySlot(keys);
    assert.ok(groups.size > 1000, 'the keys span many slots');
    const r = await clusterDeleteKeys(cluster, caps, [...keys, Buffer.from('bulk:missing')], { readOnly: false });
    assert.deepEqual(r, { deleted: 3000, cancelled: false });
    assert.equal(await tc.totalKeys(), 0);
  });

  test('folder count and delete reach every master and nothing outside the folder', async () => {
    await flushAllMasters(tc);
    const inside = Array.from({ length: 2000 }, (_, i) => Buffer.from(`nova:cache:${i % 7}:${i}`));
    const outside = [
      ...Array.from({ length: 500 }, (_, i) => Buffer.from(`nova:cachex:${i}`)),
      ...Array.from({ length: 500 }, (_, i) => Buffer.from(`nova:other:${i}`)),
      Buffer.from('nova:cache'),
      Buffer.from('nova:cache2:x'),
    ];
    await seed(tc, [...inside, ...outside]);
    const prefix = Buffer.from('nova:cache');

    const count = await clusterCountFolder(masters, prefix, ':');
    assert.equal(count.count, inside.length);
    assert.equal(count.nodes.length, 3);
    assert.ok(count.nodes.every((n) => n.count > 0 && n.error === undefined), 'every master holds part of the folder');

    const r = await clusterDeleteFolder(cluster, masters, caps, prefix, ':', { readOnly: false });
    assert.equal(r.deleted, inside.length);
    assert.equal(r.cancelled, false);
    assert.deepEqual(
      r.nodes.map((n) => n.deleted).sort(),
      count.nodes.map((n) => n.count).sort(),
      'each master deleted what it held',
    );
    assert.ok(r.nodes.every((n) => n.error === undefined));
    assert.equal(await tc.totalKeys(), outside.length);
    const c = tc.client();
    try {
      const left = await Promise.all(outside.map((k) => c.exists(k)));
      assert.ok(left.every((n) => n === 1), 'every key outside the folder is still there');
    } finally {
      c.disconnect();
    }
  });

  test('read-only mode: folder delete and flush send nothing', async () => {
    const before = await tc.totalKeys();
    await assert.rejects(clusterDeleteFolder(cluster, masters, caps, Buffer.from('nova'), ':', { readOnly: true }), (e: unknown) => isNovaError(e, 'READ_ONLY'));
    await assert.rejects(clusterFlush(masters, caps, 0, OPTIONS.clientName, { readOnly: true }), (e: unknown) => isNovaError(e, 'READ_ONLY'));
    assert.equal(await tc.totalKeys(), before);
  });

  test('flush runs FLUSHDB on every master and reports each one', async () => {
    await flushAllMasters(tc);
    await seed(tc, oneKeyPerSlot('flush:'));
    const own = await tc.onMasters(async (c, node) => ({ address: `127.0.0.1:${node.server.port}`, keys: await c.dbsize() }));
    const results = await clusterFlush(masters, caps, 0, OPTIONS.clientName, { readOnly: false });
    assert.deepEqual(
      results.map((r) => ({ address: r.address, keys: r.keysBefore, error: r.error?.code })).sort((a, b) => a.address.localeCompare(b.address)),
      own.map((o) => ({ ...o, error: undefined })).sort((a, b) => a.address.localeCompare(b.address)),
    );
    assert.equal(await tc.totalKeys(), 0);
  });

  test('Scan All (prefetch) never holds the masters back for a slow one: the others are listed while it is paused', async () => {
    await flushAllMasters(tc);
    const keys = Array.from({ length: 6000 }, (_, i) => Buffer.from(`pace:${i}`));
    await seed(tc, keys);
    const slow = tc.masters[0];
    const others = keys.filter((k) => tc.ownerOf(keySlot(k)) !== slow).map((k) => k.toString());
    // Each master on its own SCAN connection, as in the Keys view.
    const wires = await scanWires(tc, masters);
    const scanner = new ClusterScanner(masters, caps, { count: 100 }, (m) => wires.get(m.address));
    const seen = new Set<string>();
    const take = (page: { keys: Buffer[] }): void => page.keys.forEach((k) => seen.add(k.toString()));
    const pauser = tc.admin(slow);
    const probe = tc.admin(slow);
    try {
      take(await scanner.next({ prefetch: true }));
      // CLIENT PAUSE (since 2.9.50) stops the slow master answering anyone, its scan included; shorter
      // than the command time-out, so that its scan resumes instead of failing.
      await pauser.client('PAUSE', '3500');
      let slowAnswered = false;
      const answered = probe.ping().then(() => (slowAnswered = true));
      while (!others.every((k) => seen.has(k))) {
        take(await scanner.next({ prefetch: true }));
      }
      assert.equal(slowAnswered, false, 'every key of the other masters came while the slow one did not answer');
      await answered;
      while (!scanner.done) {
        take(await scanner.next({ prefetch: true }));
      }
      assert.deepEqual([...seen].sort(), keys.map((k) => k.toString()).sort());
      assert.ok([...wires.values()].every((w) => w.isOpen), 'the scan went on over the SCAN connections');
    } finally {
      pauser.disconnect();
      probe.disconnect();
      closeWires(wires);
    }
  });

  test('a master killed mid-scan is named, while the keys of the others are all there', async () => {
    await flushAllMasters(tc);
    const keys = Array.from({ length: 20_000 }, (_, i) => Buffer.from(`kill:${i}`));
    await seed(tc, keys);
    const victim = tc.masters[1];
    const victimAddress = `127.0.0.1:${victim.server.port}`;
    // The scanner on each master's own SCAN connection, as in the Keys view; the tree below through
    // ioredis's connections (as before a session's SCAN connections are open): both paths see the kill.
    const wires = await scanWires(tc, masters);
    const scanner = new ClusterScanner(masters, caps, { count: 50 }, (m) => wires.get(m.address));
    const seen = new Set<string>();
    // The tree's first screen too, before the kill: its cursors are on the masters of that moment.
    const model = new ExplorerModel(clusterKeySource(cluster, caps), caps, { pageSize: 100_000, smallDbKeys: 0, scanCount: 50, timeoutMs: 2000 });
    try {
      for (const k of (await scanner.next()).keys) {
        seen.add(k.toString());
      }
      await model.children();
      await victim.server.kill();
      let failure: unknown;
      for (let i = 0; i < 10_000 && !scanner.done; i++) {
        try {
          const page = await scanner.next();
          page.keys.forEach((k) => seen.add(k.toString()));
          assert.ok(page.failed.every((f) => f.address === victimAddress));
        } catch (err) {
          failure = err;
          break;
        }
      }
      assert.ok(isNovaError(failure, 'CLUSTER_NODE_FAILED'), `got ${String(failure)}`);
      assert.equal(failure.args.address, victimAddress);
      assert.deepEqual(scanner.failures.map((f) => f.address), [victimAddress]);
      const survivors = keys.filter((k) => tc.ownerOf(keySlot(k)) !== victim).map((k) => k.toString());
      assert.ok(survivors.every((k) => seen.has(k)), 'every key of the masters still up was listed');
      const count = await clusterDbsize(masters, 2000);
      assert.equal(count.complete, false);
      assert.equal(count.nodes.find((n) => n.address === victimAddress)?.error?.code, 'CLUSTER_NODE_FAILED');
      assert.equal(count.total, survivors.length);
      assert.equal(wires.get(victimAddress)?.isOpen, false, 'the killed master\'s SCAN connection is closed');

      await model.scanAll().catch((err: unknown) => {
        assert.ok(isNovaError(err, 'CLUSTER_NODE_FAILED'), String(err));
      });
      const tree = await walk(model);
      assert.equal(model.status.error?.code, 'CLUSTER_NODE_FAILED');
      assert.equal(model.status.error?.args.address, victimAddress, 'the tree names the master that failed');
      const listed = new Set(tree.keys.map((k) => k.name));
      assert.ok(survivors.every((k) => listed.has(k)), 'the keys of the other masters stay in the tree');
      assert.equal(model.status.complete, false);
    } finally {
      model.dispose();
      closeWires(wires);
    }
  });
});

describe('Redis Cluster behind NAT (announced ports that cannot be reached)', { skip: !binaryAtLeast(4) && `cluster-announce-port needs Redis 4.0; this is ${binaryVersion().join('.')}` }, () => {
  let tc: TestCluster | undefined;
  const announced = new Map<number, number>();

  before(async () => {
    tc = await TestCluster.start({
      replicas: 0,
      nodeArgs: async (_i, port) => {
        const fake = await freePort();
        announced.set(port, fake);
        return ['--cluster-announce-ip', '127.0.0.1', '--cluster-announce-port', String(fake), '--cluster-announce-bus-port', String(port + 10000)];
      },
    });
  });

  after(async () => {
    await tc?.stop();
  });

  test('without a natMap: CLUSTER_UNREACHABLE naming the announced addresses', async () => {
    const url = parseRedisUrl(tc!.url(0));
    await assert.rejects(openTarget(url, OPTIONS), (err: unknown) => {
      assert.ok(isNovaError(err, 'CLUSTER_UNREACHABLE'), String(err));
      const listed = String(err.args.addresses).split(', ').sort();
      assert.deepEqual(listed, [...announced.values()].map((p) => `127.0.0.1:${p}`).sort());
      return true;
    });
  });

  test('with nova.cluster.natMap: connected, and every master is scanned', async () => {
    const setting: Record<string, string> = {};
    for (const [real, fake] of announced) {
      setting[`127.0.0.1:${fake}`] = `127.0.0.1:${real}`;
    }
    const o = await openTarget(parseRedisUrl(tc!.url(0)), { ...OPTIONS, natMap: parseNatMap(setting) });
    const c = asCluster(o);
    try {
      await c.set('nat:a', '1');
      assert.equal(await c.get('nat:a'), '1');
      const masters = masterNodes(c);
      assert.equal(masters.length, 3);
      const count = await clusterDbsize(masters);
      assert.deepEqual([count.total, count.complete], [1, true]);
    } finally {
      c.disconnect();
    }
    // Through a session: the Keys view's SCAN connection to each master goes to the mapped address.
    const m = new ConnectionManager({ connectTimeoutMs: 3000, commandTimeoutMs: 3000, heartbeatMs: 60_000, readOnly: () => 'off', natMap: () => setting });
    try {
      m.configure(parseRedisUrl(tc!.url(0)), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected', 15_000);
      const session = m.requireSession();
      const first = session.createExplorer();
      await first.children();
      const scanConnections = async (): Promise<number> =>
        (await tc!.onMasters(async (n) => (await connectionsNamed(n, 'scan')).length)).reduce((a, b) => a + b, 0);
      await waitFor('a SCAN connection on every master', async () => (await scanConnections()) === 3, 10_000);
      first.dispose();
      const model = session.createExplorer();
      await model.scanAll();
      assert.deepEqual((await walk(model)).keys.map((k) => k.name), ['nat:a']);
    } finally {
      m.dispose();
    }
  });

  test('a natMap entry that is not host:port is refused with NAT_MAP_INVALID naming it', () => {
    assert.throws(() => parseNatMap({ 'x:1': 'nowhere' }), (e: unknown) => isNovaError(e, 'NAT_MAP_INVALID') && e.args.entry === 'x:1');
    assert.throws(() => parseNatMap(['a']), (e: unknown) => isNovaError(e, 'NAT_MAP_INVALID'));
    assert.equal(parseNatMap({}), undefined);
  });
});
