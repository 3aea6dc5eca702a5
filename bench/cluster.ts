/**
 * `npm run bench -- --cluster`: the key list over a 3-master cluster (no replicas: they would only
 * add replication work on a small machine). Measured on the same data, medians of alternating runs:
 * - cluster_index_ms: every master's keys into the namespace index through ClusterScanner (one
 *   cursor per master on that master's own SCAN connection, each master's next request sent as soon
 *   as its reply's cursor is in, never waiting for the other masters; COUNT 1000, prefetch), as the
 *   Keys view's "Scan All";
 * - sequential_scan_ms: a bare SCAN COUNT 1000 loop over each master, one master after the other;
 * - cluster_index_vs_sequential_ratio (target ≤ 0.7: the masters are scanned in parallel);
 * - the first page (one SCAN page per master and the metadata of 200 of its keys) at 1,000 keys
 *   and at N + 1,000 keys, and their ratio, as the one-server first screen.
 * The machine's load average is reported with the result: the parallel scan needs spare cores (three
 * servers and this process at once); on a machine whose cores are already taken, every process waits
 * its turn and the ratio tends to 1, or above it with the index built in this process.
 */
import os from 'node:os';
import Redis from 'ioredis';
import { capabilitiesFor, type Capabilities } from '../src/redis/capabilities';
import { ClusterScanner, clusterFetchKeyMeta, keySlot, masterNodes, type MasterNode } from '../src/redis/cluster';
import { KeyIndex } from '../src/redis/keyIndex';
import { ScanWire } from '../src/redis/scanWire';
import { openTarget } from '../src/redis/topology';
import { parseRedisUrl } from '../src/redis/url';
import { TestCluster } from '../test/support/cluster';
import { log, median, round, timed } from './measure';
import { binaryVersion } from '../test/support/redisServer';

export interface ClusterBenchArgs {
  keys: number;
  runs: number;
}

const SMALL = 1000;
const FIRST_PAGE_RUNS = 9;
const NAMESPACES = ['user', 'product', 'order', 'search', 'price', 'inventory'];

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** `prefix:nova:cache:<namespace>:<i>` strings, written on their owning master in pipelines. */
async function seed(tc: TestCluster, prefix: string, count: number): Promise<void> {
  const clients = new Map<string, Redis>(tc.masters.map((m) => [m.id, tc.admin(m)]));
  try {
    const batch = 20_000;
    for (let start = 0; start < count; start += batch) {
      const pipes = new Map([...clients].map(([id, c]) => [id, c.pipeline()]));
      for (let i = start; i < Math.min(count, start + batch); i++) {
        const key = `${prefix}:nova:cache:${NAMESPACES[i % NAMESPACES.length]}:${i}`;
        pipes.get(tc.ownerOf(keySlot(key)).id)?.set(key, 'v');
      }
      await Promise.all([...pipes.values()].map((p) => p.exec()));
      if ((start / batch) % 10 === 0) {
        log(`  ${Math.min(count, start + batch).toLocaleString('en-US')} / ${count.toLocaleString('en-US')}`);
      }
    }
  } finally {
    for (const c of clients.values()) {
      c.disconnect();
    }
  }
}

async function sequentialScan(masters: readonly MasterNode[]): Promise<number> {
  let n = 0;
  for (const m of masters) {
    let cursor = '0';
    do {
      const [next, keys] = await m.client.scan(cursor, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
  }
  return n;
}

async function clusterIndex(masters: readonly MasterNode[], caps: Capabilities, wires: Map<MasterNode, ScanWire>, withIndex = true): Promise<number> {
  const index = new KeyIndex(':');
  const scanner = new ClusterScanner(masters, caps, { count: 1000 }, (m) => wires.get(m));
  let n = 0;
  while (!scanner.done) {
    const keys = (await scanner.next({ prefetch: true })).keys;
    n += keys.length;
    if (withIndex) {
      index.addAll(keys);
    }
  }
  index.compact();
  return withIndex ? index.size : n;
}

export async function runClusterBench(args: ClusterBenchArgs): Promise<Record<string, unknown>> {
  const version = binaryVersion();
  const caps = capabilitiesFor(version);
  log(`starting a 3-master cluster of redis-server ${version.join('.')}`);
  const tc = await TestCluster.start({ replicas: 0 });
  const opened = await openTarget(parseRedisUrl(tc.url(0)), { connectTimeoutMs: 5000, commandTimeoutMs: 60_000, clientName: 'nova-bench-cluster' });
  if (opened.kind !== 'cluster') {
    throw new Error(`the seed node opened as ${opened.kind}`);
  }
  const cluster = opened.cluster;
  const wires = new Map<MasterNode, ScanWire>();
  try {
    const masters = masterNodes(cluster);
    const firstPage = async (): Promise<number> =>
      timed(async () => {
        const scanner = new ClusterScanner(masters, caps, { count: 250 });
        const page = await scanner.next();
        await clusterFetchKeyMeta(cluster, caps, page.keys.slice(0, 200));
      });
    const firstPages = async (): Promise<number[]> => {
      // The first call per node loads the metadata script and warms the connections up.
      await firstPage();
      const runs: number[] = [];
      for (let i = 0; i < FIRST_PAGE_RUNS; i++) {
        runs.push(await firstPage());
      }
      return runs;
    };
    // Only DB 0 exists: the small keyspace is measured first, then grown to N keys.
    log(`seeding ${SMALL} keys over 3 masters`);
    await seed(tc, 'small', SMALL);
    const fsSmall = await firstPages();
    log(`seeding ${args.keys.toLocaleString('en-US')} more keys`);
    const seedMs = await timed(() => seed(tc, 'big', args.keys));
    const fsBig = await firstPages();
    const sizes = await Promise.all(masters.map((m) => m.client.dbsize()));

    // Each master's own SCAN connection, as a session opens them for the Keys view.
    for (const m of masters) {
      const conn = new Redis({ host: m.client.options.host, port: m.client.options.port, lazyConnect: true, enableReadyCheck: false });
      await conn.connect();
      wires.set(m, new ScanWire(conn));
    }
    const sequential: number[] = [];
    const parallel: number[] = [];
    const parallelBare: number[] = [];
    const cpu = { sequential: [] as number[], parallel: [] as number[] };
    let indexed = 0;
    let scanned = 0;
    for (let r = 0; r < args.runs; r++) {
      log(`run ${r + 1}/${args.runs}`);
      let c0 = process.cpuUsage();
      sequential.push(await timed(async () => (scanned = await sequentialScan(masters))));
      cpu.sequential.push(cpuMs(c0));
      c0 = process.cpuUsage();
      parallel.push(await timed(async () => (indexed = await clusterIndex(masters, caps, wires))));
      cpu.parallel.push(cpuMs(c0));
      parallelBare.push(await timed(() => clusterIndex(masters, caps, wires, false)));
    }
    const ratio = round(median(parallel) / median(sequential), 2);
    const result = {
      server: `redis-server ${version.join('.')}`,
      load_average_1m: round(os.loadavg()[0], 1),
      cores: os.cpus().length,
      masters: masters.length,
      keys_per_master: sizes,
      seed_ms: Math.round(seedMs),
      cluster_index_ms: Math.round(median(parallel)),
      sequential_scan_ms: Math.round(median(sequential)),
      cluster_index_vs_sequential_ratio: ratio,
      cluster_index_runs: parallel.map(Math.round),
      // Without building the index: how much of the difference is the scan, how much the tree.
      cluster_parallel_bare_scan_ms: Math.round(median(parallelBare)),
      sequential_scan_client_cpu_ms: Math.round(median(cpu.sequential)),
      cluster_index_client_cpu_ms: Math.round(median(cpu.parallel)),
      sequential_scan_runs: sequential.map(Math.round),
      indexed_keys: indexed,
      sequential_scanned_keys: scanned,
      cluster_first_page_ms_small: round(median(fsSmall)),
      cluster_first_page_ms_n: round(median(fsBig)),
      cluster_first_page_ratio: round(median(fsBig) / median(fsSmall), 2),
      targets: { cluster_index_vs_sequential_ratio: 0.7, cluster_first_page_ratio: 1.5 },
      pass: { cluster_index_vs_sequential_ratio: ratio <= 0.7, cluster_first_page_ratio: median(fsBig) / median(fsSmall) <= 1.5 },
    };
    return result;
  } finally {
    for (const w of wires.values()) {
      w.close();
    }
    cluster.disconnect();
    await tc.stop();
  }
}
