/**
 * Key explorer benchmark (`npm run bench`): not a test. Starts its own redis-server, seeds a keyspace
 * shaped like NOVA's cache, and measures on the same data, in one run:
 * - first_screen_ms: what the view shows when it opens (the root's children with the metadata of the
 *   keys among them), at 1,000 keys and at N keys, and their ratio;
 * - the cache report: sampled against the bare SCAN loop, and the sample's error (bench/report.ts);
 * - index_ms (the whole keyspace into the namespace tree with counts) against bare_scan_ms (a plain
 *   SCAN COUNT 1000 loop with ioredis), medians of alternating runs, and index_vs_server_scan_ratio:
 *   the index's wall time over the server's own time for the bare loop (INFO commandstats), i.e. how
 *   close the index comes to the pace of the server itself;
 * - with --busy, the same comparison again while competing load keeps every core busy (spinning
 *   processes, and redis-benchmark on the same server when it is installed), with the slowlog entries
 *   of each side;
 * - slowlog entries over 10 ms during the full index, and the server time of KEYS * for comparison
 *   (the only place KEYS is sent, on the benchmark's own server);
 * - bytes_per_key: heap growth (JS heap + array buffers) of a built index, after garbage collection;
 * - unless --no-values, the value viewer's figures (bench/values.ts) and the hostile corpus's worst
 *   decode time and peak heap (bench/hostile.ts);
 * - the peers' loading strategies, side by side on the same data.
 *
 * Usage: tsx bench/bench.ts [--keys N] [--runs R] [--json] [--no-peers] [--no-values] [--busy] [--cluster]
 * (`--cluster`: the multi-master key list instead, see bench/cluster.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import Redis from 'ioredis';
import { capabilitiesFor, type Capabilities } from '../src/redis/capabilities';
import { ExplorerModel, type ExplorerOptions } from '../src/redis/explorerModel';
import { serverKeySource } from '../src/redis/keySource';
import { ScanWire } from '../src/redis/scanWire';
import { RedisServer, binaryVersion } from '../test/support/redisServer';
import { seedNovaData } from '../test/support/seed';
import { runClusterBench } from './cluster';
import { log, median, round, timed } from './measure';
import { runValueBench } from './values';
import { CONSOLE_TARGET, consoleRows, runConsoleBench } from './console';
import { EXPORT_TARGET, runTransferBench, transferRows } from './transfer';
import { codeLinksRows, runCodeLinksBench } from './codeLinks';
import { hostileRows, runHostileBench } from './hostile';
import { SAVE_TARGET, runSaveBench, saveRows } from './save';
import { REPORT_TARGETS, reportRows, runReportBench } from './report';

interface Args {
  keys: number;
  runs: number;
  json: boolean;
  peers: boolean;
  values: boolean;
  busy: boolean;
  cluster: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { keys: 1_000_000, runs: 5, json: false, peers: true, values: true, busy: false, cluster: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n <= 0) {
        throw new Error(`${a} needs a positive integer`);
      }
      return n;
    };
    if (a === '--keys') {
      args.keys = value();
    } else if (a === '--runs') {
      args.runs = value();
    } else if (a === '--json') {
      args.json = true;
    } else if (a === '--no-peers') {
      args.peers = false;
    } else if (a === '--no-values') {
      args.values = false;
    } else if (a === '--busy') {
      args.busy = true;
    } else if (a === '--cluster') {
      args.cluster = true;
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  return args;
}

const SMALL = 1000;
const DB_N = 1;
const DB_SMALL = 2;
/** Rows a sidebar shows without scrolling, for the peers that fetch metadata of visible rows only. */
const VISIBLE_ROWS = 50;
const FIRST_SCREEN_RUNS = 15;

/** `gc()` even when node was started without --expose-gc (the npm script runs plain tsx). */
function gcFunction(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') {
    return g;
  }
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function client(server: RedisServer, db: number): Redis {
  return new Redis(server.url(db), { protocol: 2, disableClientInfo: true });
}

async function slowlogLen(admin: Redis): Promise<number> {
  return Number(await admin.slowlog('LEN'));
}

/** CPU seconds the server process has used (INFO cpu), to compare work rather than wall time. */
async function serverCpuMs(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  return (user + sys) * 1000;
}

/** Wall time, client CPU time and server CPU time of one run. */
async function measured(admin: Redis, fn: () => Promise<unknown>): Promise<{ wall: number; client: number; server: number }> {
  const server0 = await serverCpuMs(admin);
  const cpu0 = process.cpuUsage();
  const wall = await timed(fn);
  const cpu = process.cpuUsage(cpu0);
  const server = (await serverCpuMs(admin)) - server0;
  return { wall, client: (cpu.user + cpu.system) / 1000, server };
}

/**
 * The slowlog's entries for the given commands, as `COMMAND arg… (µs)`. Filtered because under --busy
 * redis-benchmark's own commands share the slowlog.
 */
async function slowlogEntries(admin: Redis, commands: readonly string[]): Promise<string[]> {
  const entries = (await admin.slowlog('GET', 10_000)) as [number, number, number, string[]][];
  return entries
    .filter(([, , , argv]) => commands.includes(String(argv[0]).toLowerCase()))
    .map(([, , usec, argv]) => `${argv.slice(0, 4).join(' ')} (${usec} µs)`);
}

/** Calls and server-side microseconds of a command since the last CONFIG RESETSTAT. */
async function commandStat(admin: Redis, command: string): Promise<{ calls: number; usec: number }> {
  const stats = await admin.info('commandstats');
  const m = new RegExp(`cmdstat_${command}:calls=(\\d+),usec=(\\d+)`).exec(stats);
  return m ? { calls: Number(m[1]), usec: Number(m[2]) } : { calls: 0, usec: 0 };
}

async function commandUsec(admin: Redis, command: string): Promise<number> {
  return (await commandStat(admin, command)).usec;
}

/** What one run made the server spend on SCAN (INFO commandstats deltas). */
async function scanDelta(admin: Redis, fn: () => Promise<unknown>): Promise<{ calls: number; usec: number }> {
  const before = await commandStat(admin, 'scan');
  await fn();
  const after = await commandStat(admin, 'scan');
  return { calls: after.calls - before.calls, usec: after.usec - before.usec };
}

// ---- our engine ------------------------------------------------------------------------------

async function firstScreen(c: Redis, caps: Capabilities, options: ExplorerOptions = {}): Promise<{ ms: number; nodes: number }> {
  const start = performance.now();
  const model = new ExplorerModel(c, caps, options);
  const nodes = await model.children();
  const ms = performance.now() - start;
  model.dispose();
  return { ms, nodes: nodes.length };
}

async function bareScan(c: Redis): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await c.scan(cursor, 'COUNT', 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

/** The Keys view's Scan All: through the explorer's own SCAN connection when given, as a session does. */
async function fullIndex(c: Redis, caps: Capabilities, wire?: ScanWire): Promise<ExplorerModel> {
  const model = new ExplorerModel(wire ? serverKeySource(c, caps, () => wire) : c, caps);
  await model.scanAll();
  return model;
}

// ---- the peers' strategies, as described in DESIGN.md §6 ---------------------------------------

interface Peer {
  name: string;
  strategy: string;
  /** Loads what the peer's view shows when it opens. */
  run(c: Redis): Promise<unknown>;
}

/** Groups names by their first segment, the way every tree view does before it can show the root. */
function rootOf(names: string[]): Map<string, number> {
  const root = new Map<string, number>();
  for (const n of names) {
    const i = n.indexOf(':');
    const head = i < 0 ? n : n.slice(0, i);
    root.set(head, (root.get(head) ?? 0) + 1);
  }
  return root;
}

const PEERS: Peer[] = [
  {
    name: 'Database Client',
    strategy: 'KEYS *, then TYPE per key',
    async run(c) {
      const keys = await c.keys('*');
      const types = await Promise.all(keys.map((k) => c.type(k)));
      return [rootOf(keys), types.length];
    },
  },
  {
    name: 'Redis Xplorer',
    strategy: 'SCAN everything, sort, then show',
    async run(c) {
      const all: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await c.scan(cursor, 'COUNT', 1000);
        cursor = next;
        all.push(...keys);
      } while (cursor !== '0');
      all.sort();
      return rootOf(all);
    },
  },
  {
    name: 'Tiny RDM',
    strategy: `SCAN to 10,000 keys, then TYPE + TTL one by one for ${VISIBLE_ROWS} visible rows`,
    async run(c) {
      const loaded: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await c.scan(cursor, 'COUNT', 1000);
        cursor = next;
        loaded.push(...keys);
      } while (cursor !== '0' && loaded.length < 10_000);
      loaded.sort();
      for (const k of loaded.slice(0, VISIBLE_ROWS)) {
        await c.type(k);
        await c.ttl(k);
      }
      return rootOf(loaded);
    },
  },
  {
    name: 'Redis for VS Code',
    strategy: `SCAN pages of 10,000, one pipelined TYPE + TTL for ${VISIBLE_ROWS} visible rows`,
    async run(c) {
      const [, keys] = await c.scan('0', 'COUNT', 10_000);
      const pipe = c.pipeline();
      for (const k of keys.slice(0, VISIBLE_ROWS)) {
        pipe.type(k);
        pipe.ttl(k);
      }
      await pipe.exec();
      return rootOf(keys);
    },
  },
];

interface PeerRow {
  name: string;
  strategy: string;
  first_screen_ms_small: number;
  first_screen_ms_n: number;
  first_screen_ratio: number;
  slowlog_entries_over_10ms: number;
}

async function measurePeer(peer: Peer, small: Redis, big: Redis, admin: Redis, runs: number): Promise<PeerRow> {
  const atSmall: number[] = [];
  const atN: number[] = [];
  await admin.slowlog('RESET');
  for (let i = 0; i < runs; i++) {
    atSmall.push(await timed(() => peer.run(small)));
    atN.push(await timed(() => peer.run(big)));
  }
  const slow = await slowlogLen(admin);
  const s = median(atSmall);
  const n = median(atN);
  return {
    name: peer.name,
    strategy: peer.strategy,
    first_screen_ms_small: round(s),
    first_screen_ms_n: round(n),
    first_screen_ratio: round(n / s, 2),
    slowlog_entries_over_10ms: slow,
  };
}

// ---- index against the bare SCAN loop ----------------------------------------------------------

interface ScanComparison {
  bare_scan_ms: number;
  index_ms: number;
  index_vs_scan_ratio: number;
  index_vs_scan_ratio_best: number;
  /** The server's own time (INFO commandstats) for the bare loop's SCANs, and the index's. */
  bare_scan_server_scan_ms: number;
  index_server_scan_ms: number;
  /** Index wall time over the server's time for the bare loop: 1 would be the server's own pace. */
  index_vs_server_scan_ratio: number;
  index_vs_server_scan_ratio_best: number;
  index_scan_calls: number;
  index_average_count: number;
  bare_scan_runs: number[];
  index_runs: number[];
  bare_scan_client_cpu_ms: number;
  index_client_cpu_ms: number;
  bare_scan_server_cpu_ms: number;
  index_server_cpu_ms: number;
  slowlog_entries_over_10ms: number;
  slowlog_during_index: string[];
  slowlog_entries_bare_scan: number;
}

async function compareWithBareScan(admin: Redis, big: Redis, caps: Capabilities, runs: number, gc: () => void, wire?: ScanWire): Promise<ScanComparison> {
  const dbsize = await big.dbsize();
  const bare: { wall: number; client: number; server: number; scanUsec: number }[] = [];
  const index: { wall: number; client: number; server: number; scanUsec: number; calls: number }[] = [];
  let slowIndex = 0;
  let slowBare = 0;
  const slowDetails: string[] = [];
  for (let i = 0; i < runs; i++) {
    await admin.slowlog('RESET');
    let bareRun = { wall: 0, client: 0, server: 0 };
    const bareScanStat = await scanDelta(admin, async () => {
      bareRun = await measured(admin, () => bareScan(big));
    });
    bare.push({ ...bareRun, scanUsec: bareScanStat.usec });
    slowBare += (await slowlogEntries(admin, ['scan'])).length;
    await admin.slowlog('RESET');
    let built: ExplorerModel | undefined;
    let indexRun = { wall: 0, client: 0, server: 0 };
    const indexScanStat = await scanDelta(admin, async () => {
      indexRun = await measured(admin, async () => {
        built = await fullIndex(big, caps, wire);
      });
    });
    index.push({ ...indexRun, scanUsec: indexScanStat.usec, calls: indexScanStat.calls });
    const entries = await slowlogEntries(admin, ['scan', 'dbsize']);
    slowIndex += entries.length;
    slowDetails.push(...entries);
    built?.dispose();
    gc();
    log(
      `  bare ${Math.round(bareRun.wall)} ms (server SCAN ${Math.round(bareScanStat.usec / 1000)} ms), ` +
        `index ${Math.round(indexRun.wall)} ms (server SCAN ${Math.round(indexScanStat.usec / 1000)} ms in ${indexScanStat.calls} calls)`,
    );
  }
  const m = (values: number[]): number => median(values);
  const bareServer = m(bare.map((r) => r.scanUsec / 1000));
  return {
    bare_scan_ms: Math.round(m(bare.map((r) => r.wall))),
    index_ms: Math.round(m(index.map((r) => r.wall))),
    index_vs_scan_ratio: round(m(index.map((r) => r.wall)) / m(bare.map((r) => r.wall)), 2),
    // Fastest against fastest: the least disturbed by other load on a shared machine.
    index_vs_scan_ratio_best: round(Math.min(...index.map((r) => r.wall)) / Math.min(...bare.map((r) => r.wall)), 2),
    bare_scan_server_scan_ms: Math.round(bareServer),
    index_server_scan_ms: Math.round(m(index.map((r) => r.scanUsec / 1000))),
    index_vs_server_scan_ratio: round(m(index.map((r) => r.wall)) / bareServer, 2),
    index_vs_server_scan_ratio_best: round(Math.min(...index.map((r) => r.wall)) / Math.min(...bare.map((r) => r.scanUsec / 1000)), 2),
    index_scan_calls: Math.round(m(index.map((r) => r.calls))),
    index_average_count: Math.round(dbsize / m(index.map((r) => r.calls))),
    bare_scan_runs: bare.map((r) => Math.round(r.wall)),
    index_runs: index.map((r) => Math.round(r.wall)),
    // CPU time is less disturbed by other load than wall time: what each side of the wire worked.
    bare_scan_client_cpu_ms: Math.round(m(bare.map((r) => r.client))),
    index_client_cpu_ms: Math.round(m(index.map((r) => r.client))),
    bare_scan_server_cpu_ms: Math.round(m(bare.map((r) => r.server))),
    index_server_cpu_ms: Math.round(m(index.map((r) => r.server))),
    slowlog_entries_over_10ms: slowIndex,
    slowlog_during_index: slowDetails,
    slowlog_entries_bare_scan: slowBare,
  };
}

/**
 * Competing load for --busy: one spinning process per core, and redis-benchmark (GET/SET from four
 * clients, on DB 0, which the measurement does not use) against the same server when it is installed.
 */
function startBusyLoad(server: RedisServer): { description: string; stop: () => void } {
  const children: ChildProcess[] = [];
  const cores = os.cpus().length;
  for (let i = 0; i < cores; i++) {
    children.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  }
  let description = `${cores} spinning processes`;
  if (spawnSync('redis-benchmark', ['--version'], { stdio: 'ignore' }).status === 0) {
    children.push(
      spawn('redis-benchmark', ['-h', server.host, '-p', String(server.port), '-c', '4', '-t', 'get,set', '-r', '100000', '-l', '-q'], {
        stdio: 'ignore',
      }),
    );
    description += ' + redis-benchmark (4 clients, GET/SET on DB 0)';
  }
  return {
    description,
    stop: () => {
      for (const c of children) {
        c.kill('SIGKILL');
      }
    },
  };
}

// ---- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.cluster) {
    const result = await runClusterBench(args);
    process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const gc = gcFunction();
  const version = binaryVersion();
  const caps = capabilitiesFor(version);
  log(`starting redis-server ${version.join('.')}`);
  const server = await RedisServer.start({ args: ['--slowlog-log-slower-than', '10000', '--slowlog-max-len', '10000'] });
  const admin = server.admin(DB_N);
  const big = client(server, DB_N);
  const small = client(server, DB_SMALL);
  let wire: ScanWire | undefined;
  try {
    log(`seeding ${args.keys.toLocaleString('en-US')} keys in DB ${DB_N} and ${SMALL.toLocaleString('en-US')} in DB ${DB_SMALL}`);
    const seedStart = performance.now();
    const seeder = client(server, DB_N);
    let lastReport = 0;
    await seedNovaData(seeder, {
      keys: args.keys,
      onProgress: (n, total) => {
        if (n - lastReport >= 100_000 || n === total) {
          lastReport = n;
          log(`  ${n.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
        }
      },
    });
    await seedNovaData(seeder, { keys: SMALL, db: DB_SMALL, seed: 2 });
    seeder.disconnect();
    const seedMs = performance.now() - seedStart;
    const dbsizeN = await big.dbsize();
    const dbsizeSmall = await small.dbsize();

    // Warm-up (JIT, script cache), not measured.
    await firstScreen(small, caps);
    await firstScreen(big, caps);

    log('measuring the index memory');
    gc();
    gc();
    const before = process.memoryUsage();
    let model: ExplorerModel | undefined = await fullIndex(big, caps);
    gc();
    gc();
    const afterMem = process.memoryUsage();
    const indexedKeys = model.status.keys;
    const bytesPerKey = (afterMem.heapUsed + afterMem.arrayBuffers - (before.heapUsed + before.arrayBuffers)) / indexedKeys;
    const arrayBytesPerKey = model.indexBytes() / indexedKeys;
    model.dispose();
    model = undefined;
    gc();

    log(`timing bare SCAN vs full index, ${args.runs} alternating runs each`);
    // The explorer's own SCAN connection, as a session opens it for the Keys view.
    const scanConnection = client(server, DB_N);
    await scanConnection.ping();
    wire = new ScanWire(scanConnection);
    const quiet = await compareWithBareScan(admin, big, caps, args.runs, gc, wire);

    const reportFigures = await runReportBench(big, caps, quiet.bare_scan_ms);

    log(`timing the first screen, ${FIRST_SCREEN_RUNS} alternating runs at each size`);
    const fsSmall: number[] = [];
    const fsSmallBounded: number[] = [];
    const fsN: number[] = [];
    let nodesSmall = 0;
    let nodesN = 0;
    await admin.slowlog('RESET');
    for (let i = 0; i < FIRST_SCREEN_RUNS; i++) {
      const s = await firstScreen(small, caps);
      // The same bounded path a large DB takes, without the small-DB completion: like for like.
      fsSmallBounded.push((await firstScreen(small, caps, { smallDbKeys: 0 })).ms);
      const n = await firstScreen(big, caps);
      fsSmall.push(s.ms);
      fsN.push(n.ms);
      nodesSmall = s.nodes;
      nodesN = n.nodes;
    }
    const firstScreenSlow = await slowlogLen(admin);

    log('KEYS * on the benchmark server, for comparison only');
    await admin.config('RESETSTAT');
    const keysClientMs = await timed(() => big.keys('*'));
    const keysStarMs = (await commandUsec(admin, 'keys')) / 1000;

    const peers: PeerRow[] = [];
    if (args.peers) {
      for (const peer of PEERS) {
        log(`peer: ${peer.name}`);
        const expensive = peer.name === 'Database Client' || peer.name === 'Redis Xplorer';
        peers.push(await measurePeer(peer, small, big, admin, expensive ? 1 : 5));
      }
    }

    const ours = {
      name: 'NOVA Redis',
      strategy: 'bounded SCAN, paged levels, one metadata round trip per level',
      first_screen_ms_small: round(median(fsSmall)),
      first_screen_ms_n: round(median(fsN)),
      first_screen_ratio: round(median(fsN) / median(fsSmall), 2),
      slowlog_entries_over_10ms: firstScreenSlow,
    };
    const result = {
      keys: args.keys,
      dbsize_n: dbsizeN,
      dbsize_small: dbsizeSmall,
      server: `redis-server ${version.join('.')}`,
      node: process.version,
      seed_ms: Math.round(seedMs),
      first_screen_ms_small: ours.first_screen_ms_small,
      first_screen_ms_n: ours.first_screen_ms_n,
      first_screen_ratio: ours.first_screen_ratio,
      first_screen_ms_small_bounded: round(median(fsSmallBounded)),
      first_screen_ratio_bounded: round(median(fsN) / median(fsSmallBounded), 2),
      first_screen_runs_small: fsSmall.map((v) => round(v)),
      first_screen_runs_n: fsN.map((v) => round(v)),
      first_screen_nodes_small: nodesSmall,
      first_screen_nodes_n: nodesN,
      ...quiet,
      ...reportFigures,
      indexed_keys: indexedKeys,
      keys_star_ms: round(keysStarMs),
      keys_star_client_ms: Math.round(keysClientMs),
      bytes_per_key: round(bytesPerKey),
      index_array_bytes_per_key: round(arrayBytesPerKey),
      peers: [ours, ...peers],
      targets: { first_screen_ratio: 1.5, index_vs_scan_ratio: 1.5, index_vs_server_scan_ratio: 1.25, slowlog_entries_over_10ms: 0, bytes_per_key: 100, ...REPORT_TARGETS },
      busy: undefined as (ScanComparison & { load: string }) | undefined,
    };
    if (args.busy) {
      const load = startBusyLoad(server);
      log(`busy: ${load.description}; timing bare SCAN vs full index again, ${args.runs} alternating runs each`);
      try {
        // Let the competing processes reach full speed before measuring.
        await new Promise((resolve) => setTimeout(resolve, 2000));
        result.busy = { load: load.description, ...(await compareWithBareScan(admin, big, caps, args.runs, gc, wire)) };
      } finally {
        load.stop();
      }
    }
    // The value viewer's figures (issue: previews and first pages), on their own server and data.
    const values = args.values ? await runValueBench() : undefined;
    Object.assign(result, values ?? {});
    Object.assign(result.targets, values ? { large_string_preview_ratio: 0.05, big_hash_first_page_ratio: 1.5 } : {});
    // The hostile corpus, each value decoded in a small-heap child as the tests do (no target: a report).
    if (args.values) {
      log('decoding the hostile corpus');
      Object.assign(result, await runHostileBench());
    }
    // The console's figures (issue: 1,000 PINGs typed against redis-cli's), on their own server.
    const consoleFigures = await runConsoleBench();
    Object.assign(result, consoleFigures);
    Object.assign(result.targets, { console_vs_redis_cli_ratio: CONSOLE_TARGET });
    // Export Keys (issue: the cache as files), on its own server and data.
    const transferFigures = await runTransferBench();
    Object.assign(result, transferFigures);
    Object.assign(result.targets, { export_vs_dump_ratio: EXPORT_TARGET });
    Object.assign(result, await runCodeLinksBench());
    // Saving an edited 1 MB JSON value against a plain SET + PEXPIRE, on its own server.
    const saveFigures = await runSaveBench();
    Object.assign(result, saveFigures);
    Object.assign(result.targets, { save_vs_set_ratio: SAVE_TARGET });
    const pass = {
      console_vs_redis_cli_ratio: (consoleFigures.console_vs_redis_cli_ratio ?? Infinity) <= CONSOLE_TARGET,
      export_vs_dump_ratio: (transferFigures.export_vs_dump_ratio ?? Infinity) <= EXPORT_TARGET,
      save_vs_set_ratio: (saveFigures.save_vs_set_ratio ?? Infinity) <= SAVE_TARGET,
      ...(values
        ? {
            large_string_preview_ratio: (values.large_string_preview_ratio ?? Infinity) <= 0.05,
            big_hash_first_page_ratio: (values.big_hash_first_page_ratio ?? Infinity) <= 1.5,
          }
        : {}),
      first_screen_ratio: result.first_screen_ratio <= 1.5,
      index_vs_scan_ratio: result.index_vs_scan_ratio <= 1.5,
      index_vs_server_scan_ratio: result.index_vs_server_scan_ratio <= 1.25,
      slowlog_entries_over_10ms: result.slowlog_entries_over_10ms === 0,
      ...(result.busy
        ? {
            busy_slowlog_entries_over_10ms:
              result.busy.slowlog_entries_over_10ms === 0 && result.busy.slowlog_entries_over_10ms <= result.busy.slowlog_entries_bare_scan,
          }
        : {}),
      bytes_per_key: result.bytes_per_key <= 100,
      report_sampled_vs_scan_ratio: Number(reportFigures.report_sampled_vs_scan_ratio) <= REPORT_TARGETS.report_sampled_vs_scan_ratio,
      report_sampled_error_top_level: Number(reportFigures.report_sampled_error_top_level) <= REPORT_TARGETS.report_sampled_error_top_level,
    };
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ ...result, pass })}\n`);
    } else {
      printTable(result, pass);
    }
  } finally {
    wire?.close();
    big.disconnect();
    small.disconnect();
    admin.disconnect();
    await server.stop();
  }
}

function printTable(r: Record<string, unknown> & { peers: PeerRow[] }, pass: Record<string, boolean | undefined>): void {
  const fmt = (v: unknown): string => (typeof v === 'number' ? v.toLocaleString('en-US') : String(v));
  const n = fmt(r.keys);
  const lines: string[] = [];
  lines.push(`NOVA Redis key explorer benchmark: ${n} keys in DB ${DB_N}, ${String(r.server)}, node ${String(r.node)}`);
  lines.push('');
  const rows: [string, unknown, string][] = [
    [`first_screen_ms @ ${fmt(SMALL)} keys`, r.first_screen_ms_small, ''],
    [`first_screen_ms @ ${n} keys`, r.first_screen_ms_n, ''],
    ['first_screen_ratio', r.first_screen_ratio, `<= 1.5  ${pass.first_screen_ratio ? 'ok' : 'MISSED'}`],
    [`  same path at ${fmt(SMALL)} (no small-DB completion)`, r.first_screen_ms_small_bounded, `ratio ${fmt(r.first_screen_ratio_bounded)}`],
    ['bare_scan_ms (SCAN COUNT 1000 loop)', r.bare_scan_ms, ''],
    ['index_ms (tree + counts)', r.index_ms, ''],
    ['index_vs_scan_ratio (medians)', r.index_vs_scan_ratio, `<= 1.5  ${pass.index_vs_scan_ratio ? 'ok' : 'MISSED'}`],
    ['  same, fastest runs', r.index_vs_scan_ratio_best, ''],
    ['server SCAN ms: bare loop / index', `${fmt(r.bare_scan_server_scan_ms)} / ${fmt(r.index_server_scan_ms)}`, ''],
    ['index SCAN calls (average COUNT)', `${fmt(r.index_scan_calls)} (${fmt(r.index_average_count)})`, ''],
    ['index_vs_server_scan_ratio (medians)', r.index_vs_server_scan_ratio, `<= 1.25 ${pass.index_vs_server_scan_ratio ? 'ok' : 'MISSED'}`],
    ['  same, fastest runs', r.index_vs_server_scan_ratio_best, ''],
    ['client cpu ms: bare scan / index', `${fmt(r.bare_scan_client_cpu_ms)} / ${fmt(r.index_client_cpu_ms)}`, ''],
    ['server cpu ms: bare scan / index', `${fmt(r.bare_scan_server_cpu_ms)} / ${fmt(r.index_server_cpu_ms)}`, ''],
    ['slowlog_entries_over_10ms (index)', r.slowlog_entries_over_10ms, `== 0    ${pass.slowlog_entries_over_10ms ? 'ok' : 'MISSED'}`],
    ['  same, bare SCAN loop (control)', r.slowlog_entries_bare_scan, 'a busy machine delays any command'],
    ['bytes_per_key (heap of the index)', r.bytes_per_key, `<= 100  ${pass.bytes_per_key ? 'ok' : 'MISSED'}`],
    ['  of which typed arrays', r.index_array_bytes_per_key, ''],
    ['keys_star_ms (server time of KEYS *)', r.keys_star_ms, 'comparison only'],
    ['seed_ms', r.seed_ms, ''],
  ];
  if (r.large_string_preview_ratio !== undefined) {
    rows.push(
      ['large_string_preview_ms (64 MB string)', r.large_string_preview_ms, ''],
      ['large_string_get_ms (full GET)', r.large_string_get_ms, ''],
      ['large_string_preview_ratio', r.large_string_preview_ratio, `<= 0.05 ${pass.large_string_preview_ratio ? 'ok' : 'MISSED'}`],
      ['big_hash_first_page_ms (1,000,000 fields)', r.big_hash_first_page_ms, ''],
      ['small_hash_first_page_ms (100 fields)', r.small_hash_first_page_ms, ''],
      ['big_hash_first_page_ratio', r.big_hash_first_page_ratio, `<= 1.5  ${pass.big_hash_first_page_ratio ? 'ok' : 'MISSED'}`],
    );
  }
  rows.push(...hostileRows(r));
  rows.push(...consoleRows(r));
  rows.push(...transferRows(r, pass.export_vs_dump_ratio));
  rows.push(...codeLinksRows(r));
  rows.push(...saveRows(r, pass.save_vs_set_ratio === true));
  rows.push(...reportRows(r, pass));
  const busy = r.busy as (Record<string, unknown> & { load: string }) | undefined;
  if (busy) {
    rows.push(
      [`busy: ${busy.load}`, '', ''],
      ['  bare_scan_ms / index_ms', `${fmt(busy.bare_scan_ms)} / ${fmt(busy.index_ms)}`, ''],
      ['  index_vs_server_scan_ratio', busy.index_vs_server_scan_ratio, ''],
      ['  index SCAN calls (average COUNT)', `${fmt(busy.index_scan_calls)} (${fmt(busy.index_average_count)})`, ''],
      ['  slowlog_entries_over_10ms (index)', busy.slowlog_entries_over_10ms, `== 0, <= control  ${pass.busy_slowlog_entries_over_10ms ? 'ok' : 'MISSED'}`],
      ['  same, bare SCAN loop (control)', busy.slowlog_entries_bare_scan, ''],
    );
  }
  for (const [label, value, note] of rows) {
    lines.push(`${label.padEnd(40)} ${fmt(value).padStart(10)}   ${note}`);
  }
  lines.push('');
  lines.push(`First screen, side by side (median ms; ratio = ${n} keys / ${fmt(SMALL)} keys)`);
  lines.push(`${'tool'.padEnd(20)} ${`@${fmt(SMALL)}`.padStart(10)} ${`@${n}`.padStart(12)} ${'ratio'.padStart(8)} ${'slowlog>10ms'.padStart(13)}   strategy`);
  for (const p of r.peers) {
    lines.push(
      `${p.name.padEnd(20)} ${fmt(p.first_screen_ms_small).padStart(10)} ${fmt(p.first_screen_ms_n).padStart(12)} ${fmt(p.first_screen_ratio).padStart(8)} ${fmt(p.slowlog_entries_over_10ms).padStart(13)}   ${p.strategy}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
