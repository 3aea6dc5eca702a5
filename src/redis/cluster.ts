/**
 * Redis Cluster through ioredis's own `Cluster`: routing, MOVED and ASK stay ioredis's job. What
 * is ours is everything ioredis leaves to one random node or refuses:
 * - key-less reads (SCAN, DBSIZE) fan out to every master, never to replicas (their keys would come
 *   twice), in parallel; a master that fails is named while the others' results stay;
 * - writes are grouped by slot, so no multi-key command crosses slots (CROSSSLOT);
 * - FLUSHDB runs on every master, with a result per node;
 * - a cluster has only DB 0 (Valkey 9+ excepted): any other DB is refused, never silently DB 0;
 * - announced node addresses that cannot be reached (Docker, NAT) are found before ioredis retries
 *   them forever, and named with the setting that fixes it.
 * Only commands Redis 3.0 has: CLUSTER INFO/NODES, SCAN, DBSIZE, DEL (UNLINK where caps say so).
 */
import net from 'node:net';
import { Cluster, type NatMap } from 'ioredis';
import type Redis from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { atLeast, parseInfo, parseVersion, type Capabilities, type ServerInfo } from './capabilities';
import { baseClientOptions, toNovaError, type ConnectOptions } from './connect';
import { DEFAULT_COMMAND_TIMEOUT_MS, withDeadline } from './deadline';
import { NovaError, isNovaError } from './errors';
import {
  FOLDER_SCAN_COUNT,
  countFolder,
  deleteInBatches,
  delimiterBytes,
  flushDatabase,
  folderPattern,
  guardWrite,
  inFolder,
  type BulkOptions,
  type BulkResult,
  type WriteOptions,
} from './mutations';
import { fetchKeyMeta, type KeyMeta, type MetaOptions } from './keyMeta';
import { KeyScanner, cursorFraction, type ScanOptions, type ScanPage } from './scan';
import type { ScanWire } from './scanWire';
import { hostPort, type RedisTarget } from './url';

export const CLUSTER_SLOTS = 16384;

// ---------------------------------------------------------------------------------------------
// Detection and the DB rule

/** `INFO cluster` (every version since 3.0) says whether the server runs in cluster mode. */
export function clusterEnabled(infoCluster: string): boolean {
  return parseInfo(infoCluster).get('cluster_enabled') === '1';
}

/** Valkey 9 added numbered databases to cluster mode; Redis Cluster has DB 0 only. */
export function clusterHasNumberedDbs(server: ServerInfo): boolean {
  return server.flavor === 'valkey' && atLeast(parseVersion(server.valkeyVersion ?? '0'), 9);
}

/** How long a write on two keys of a slot that is being moved is tried again (see whileSlotMoves). */
export const SLOT_MOVE_RETRY = { attempts: 10, delayMs: 200 } as const;

/**
 * Runs a single-slot transaction again while the cluster answers TRYAGAIN. A master importing a
 * slot refuses a command on several of its keys until they are all there; ioredis follows MOVED and
 * ASK but does not retry a MULTI it refused. TRYAGAIN comes before EXEC, so nothing ran and the
 * transaction can be sent again; a resharding moves one slot in moments. After the last attempt the
 * caller gets CLUSTER_SLOT_MOVING. On one server the reply never comes, and `op` runs once.
 */
export async function whileSlotMoves<T>(op: () => Promise<T>, retry: { attempts: number; delayMs: number } = SLOT_MOVE_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= retry.attempts || !isNovaError(toNovaError(err), 'CLUSTER_SLOT_MOVING')) {
        throw err;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, retry.delayMs));
  }
}

/** Throws CLUSTER_DB for a DB the cluster cannot have; ioredis's Cluster would drop it silently. */
export function checkClusterDb(db: number, server: ServerInfo): void {
  if (db !== 0 && !clusterHasNumberedDbs(server)) {
    throw new NovaError('CLUSTER_DB', `db ${db} requested from a cluster that has only db 0`, { db });
  }
}

// ---------------------------------------------------------------------------------------------
// The nova.cluster.natMap setting

export interface NodeAddress {
  host: string;
  port: number;
}

function parseHostPort(text: string): NodeAddress | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) {
    return undefined;
  }
  return { host: m[1] ?? m[2], port };
}

/**
 * `{ "announced-host:port": "reachable-host:port" }` as written in the settings, as ioredis's natMap.
 * Throws NAT_MAP_INVALID naming the first entry that is not of that form.
 */
export function parseNatMap(setting: unknown): Record<string, NodeAddress> | undefined {
  if (setting === undefined || setting === null) {
    return undefined;
  }
  if (typeof setting !== 'object' || Array.isArray(setting)) {
    throw new NovaError('NAT_MAP_INVALID', 'the setting is not an object', { entry: '' });
  }
  const out: Record<string, NodeAddress> = {};
  for (const [from, to] of Object.entries(setting as Record<string, unknown>)) {
    const announced = parseHostPort(from);
    const reachable = typeof to === 'string' ? parseHostPort(to) : undefined;
    if (!announced || !reachable) {
      throw new NovaError('NAT_MAP_INVALID', 'an entry is not "host:port": "host:port"', { entry: from });
    }
    out[`${announced.host}:${announced.port}`] = reachable;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function mapped(natMap: Record<string, NodeAddress> | undefined, a: NodeAddress): NodeAddress {
  return natMap?.[`${a.host}:${a.port}`] ?? a;
}

// ---------------------------------------------------------------------------------------------
// CLUSTER INFO and CLUSTER NODES

export interface ClusterNodeEntry {
  id: string;
  host: string;
  port: number;
  /** `host:port` as announced (what the UI shows). */
  address: string;
  role: 'master' | 'replica';
  /** For a replica: its master's id. */
  masterId?: string;
  flags: string[];
  /** Connected, and flagged neither `fail` nor `fail?` by the node that answered. */
  up: boolean;
  /** Inclusive slot ranges (masters only; slots being migrated are not listed). */
  slots: [number, number][];
}

/**
 * CLUSTER NODES, whose address field grew over the versions: `ip:port` (3.0), `ip:port@cport`
 * (4.0), `ip:port@cport,hostname` (7.0).
 */
export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  const nodes: ClusterNodeEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const f = line.trim().split(' ');
    if (f.length < 8) {
      continue;
    }
    const [id, addr, flagText, master, , , , link, ...slotFields] = f;
    const flags = flagText.split(',');
    if (flags.includes('handshake') || flags.includes('noaddr')) {
      continue;
    }
    const hostPortText = addr.split('@')[0].split(',')[0];
    const colon = hostPortText.lastIndexOf(':');
    const host = hostPortText.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = Number(hostPortText.slice(colon + 1));
    const slots: [number, number][] = [];
    for (const s of slotFields) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(s);
      if (m) {
        slots.push([Number(m[1]), Number(m[2] ?? m[1])]);
      }
    }
    const role = flags.includes('master') ? 'master' : 'replica';
    nodes.push({
      id,
      host,
      port,
      address: hostPort({ host, port }),
      role,
      ...(role === 'replica' && master !== '-' ? { masterId: master } : {}),
      flags,
      up: link === 'connected' && !flags.includes('fail') && !flags.includes('fail?'),
      slots,
    });
  }
  return nodes.sort((a, b) => (a.role === b.role ? a.address.localeCompare(b.address) : a.role === 'master' ? -1 : 1));
}

export interface ClusterState {
  /** `ok` or `fail`, as CLUSTER INFO says. */
  state: string;
  slotsAssigned: number;
  slotsOk: number;
  slotsPfail: number;
  slotsFail: number;
  knownNodes: number;
  nodes: ClusterNodeEntry[];
  masters: number;
  mastersUp: number;
  replicas: number;
  replicasUp: number;
  /** The node that answered. */
  reportedBy: string;
}

/** CLUSTER INFO and CLUSTER NODES from one node, so both describe the same view. */
export async function readClusterState(node: Redis, address: string, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<ClusterState> {
  const [infoText, nodesText] = await withDeadline(Promise.all([node.cluster('INFO'), node.cluster('NODES') as Promise<string>]), timeoutMs);
  const info = parseInfo(infoText);
  const num = (name: string): number => Number(info.get(name) ?? 0);
  const nodes = parseClusterNodes(nodesText);
  const masters = nodes.filter((n) => n.role === 'master' && n.slots.length > 0);
  const replicas = nodes.filter((n) => n.role === 'replica');
  return {
    state: info.get('cluster_state') ?? 'unknown',
    slotsAssigned: num('cluster_slots_assigned'),
    slotsOk: num('cluster_slots_ok'),
    slotsPfail: num('cluster_slots_pfail'),
    slotsFail: num('cluster_slots_fail'),
    knownNodes: num('cluster_known_nodes'),
    nodes,
    masters: masters.length,
    mastersUp: masters.filter((n) => n.up).length,
    replicas: replicas.length,
    replicasUp: replicas.filter((n) => n.up).length,
    reportedBy: address,
  };
}

// ---------------------------------------------------------------------------------------------
// Connecting

export interface ClusterConnectOptions extends ConnectOptions {
  /** Parsed `nova.cluster.natMap`. */
  natMap?: Record<string, NodeAddress>;
}

/** A TCP connection to `a` succeeds within the time-out (TLS, AUTH and the rest come later). */
function reachable(a: NodeAddress, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: a.host, port: a.port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Checks that every master the cluster announces (after the natMap) can be reached from here.
 * ioredis would otherwise keep refreshing the slot map and fail each command with a vague error.
 */
export async function checkAnnouncedReachable(nodes: ClusterNodeEntry[], natMap: Record<string, NodeAddress> | undefined, timeoutMs: number): Promise<void> {
  const masters = nodes.filter((n) => n.role === 'master' && n.slots.length > 0 && n.up);
  const checks = await Promise.all(masters.map(async (n) => ({ n, ok: await reachable(mapped(natMap, n), timeoutMs) })));
  const unreachable = checks.filter((c) => !c.ok).map((c) => c.n.address);
  if (unreachable.length > 0) {
    throw new NovaError('CLUSTER_UNREACHABLE', `announced masters not reachable: ${unreachable.join(', ')}`, { addresses: unreachable.join(', ') });
  }
}

/**
 * An ioredis Cluster seeded with the target's host and port, with the target's credentials and TLS
 * on every node connection and the same handshake as one server (RESP2, no CLIENT SETINFO; each
 * node connection named `clientName`, so a flush can check it). Reads go to masters only, and
 * nothing is queued or resent behind the caller's back: reconnecting belongs to the connection owner.
 */
export function clusterClient(target: RedisTarget, options: ClusterConnectOptions): Cluster {
  // ioredis gives each node its own host and port, and its own retry and queue rules, over these.
  const base = baseClientOptions(target, options);
  const natMap: NatMap | undefined = options.natMap;
  return new Cluster([{ host: base.host, port: base.port }], {
    redisOptions: {
      ...base,
      username: target.username,
      password: target.password,
      connectionName: options.clientName,
      db: target.db,
    },
    natMap,
    scaleReads: 'master',
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    clusterRetryStrategy: () => null,
    slotsRefreshTimeout: options.connectTimeoutMs,
    // A failover moves slots: ioredis refreshes the slot map and follows MOVED/ASK itself.
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
  });
}

/** Connects the Cluster; on failure it is closed and a coded error thrown. */
export async function connectCluster(cluster: Cluster): Promise<void> {
  let lastError: unknown;
  // Without a listener ioredis prints node errors, AUTH arguments included, to the console.
  cluster.on('error', (err) => {
    lastError = err;
  });
  cluster.on('node error', (err) => {
    lastError = err;
  });
  try {
    await cluster.connect();
  } catch (err) {
    cluster.disconnect();
    throw toNovaError(lastError ?? err, 'connect');
  }
}

// ---------------------------------------------------------------------------------------------
// The masters

export interface MasterNode {
  /** `host:port` as ioredis connects to it (after the natMap). */
  address: string;
  /** ioredis's own connection to that master: key-less commands go here, never to a replica. */
  client: Redis;
}

/** The masters ioredis currently knows, in address order. */
export function masterNodes(cluster: Cluster): MasterNode[] {
  return cluster
    .nodes('master')
    .map((client) => ({ address: hostPort({ host: client.options.host ?? '', port: client.options.port ?? 0 }), client }))
    .sort((a, b) => a.address.localeCompare(b.address));
}

export interface NodeFailure {
  address: string;
  error: NovaError;
}

/** The failure of one master in a fan-out, as CLUSTER_NODE_FAILED naming it (CANCELLED stays as is). */
export function nodeFailure(address: string, err: unknown): NovaError {
  const e = toNovaError(err);
  if (e.code === 'CANCELLED' || e.code === 'CLUSTER_NODE_FAILED') {
    return e;
  }
  return new NovaError('CLUSTER_NODE_FAILED', `${address}: ${e.code} ${e.detail}`, { address, cause: e.code });
}

// ---------------------------------------------------------------------------------------------
// Listing keys over every master

export interface ClusterScanPage extends ScanPage {
  /** Masters that failed during this page (their cursor is kept: a later page retries them). */
  failed: NodeFailure[];
}

interface ScanPart {
  address: string;
  scanner: KeyScanner;
  error?: NovaError;
  /** The page request under way on this master, if any. */
  pending?: Promise<void>;
  /** Its outcome, kept until a `next` hands it over. */
  outcome?: PromiseSettledResult<ScanPage>;
}

/**
 * One SCAN cursor per master, each master scanned on its own connection, all at the same time. Keys
 * are never seen twice across masters (a key lives on one master); within a master SCAN may repeat
 * a key, as on one server, and the index removes duplicates.
 *
 * Without `prefetch` (the first screen, Load More), a page waits for every master asked, so that it
 * mixes the keys of all of them. With `prefetch` (Scan All), the masters are never waited on
 * together: each one's next request leaves as soon as its reply is in, and a page is handed over as
 * soon as any master answered, with whatever the others have answered meanwhile. So a master is
 * never held back by a slower one, and the listing takes about as long as the largest master alone.
 *
 * A master that fails is set aside while the others go on, and tried again once they are done;
 * if it still fails, `next` throws CLUSTER_NODE_FAILED naming it, and what the others returned
 * stays with the caller. Same contract as KeyScanner otherwise (prefetch, cancellation, resume).
 */
export class ClusterScanner {
  private readonly parts: ScanPart[];
  /** Bumped by reset: a reply to a request sent before is dropped. */
  private generation = 0;

  /**
   * `wireFor`: a master's own SCAN connection while it has one open (see ScanWire), else undefined
   * and that master is scanned through ioredis's connection to it meanwhile.
   */
  constructor(masters: readonly MasterNode[], caps: Capabilities, options: ScanOptions = {}, wireFor?: (master: MasterNode) => ScanWire | undefined) {
    this.parts = masters.map((m) => ({
      address: m.address,
      scanner: new KeyScanner(m.client, caps, wireFor ? { ...options, wire: () => wireFor(m) } : options),
    }));
  }

  get done(): boolean {
    return this.parts.every((p) => p.scanner.done && p.pending === undefined && p.outcome === undefined);
  }

  get hasStarted(): boolean {
    return this.parts.some((p) => p.scanner.hasStarted);
  }

  get calls(): number {
    return this.parts.reduce((n, p) => n + p.scanner.calls, 0);
  }

  get returned(): number {
    return this.parts.reduce((n, p) => n + p.scanner.returned, 0);
  }

  get addresses(): string[] {
    return this.parts.map((p) => p.address);
  }

  /** Masters whose last page failed. */
  get failures(): NodeFailure[] {
    return this.parts.filter((p) => p.error !== undefined).map((p) => ({ address: p.address, error: p.error! }));
  }

  /** Share of the keyspace visited: each master weighs the same, a finished one counts fully. */
  fraction(totalKeys: number): number | undefined {
    if (this.parts.length === 0) {
      return 1;
    }
    let sum = 0;
    for (const p of this.parts) {
      const f = p.scanner.done ? 1 : cursorFraction(p.scanner.position, Math.max(1, Math.round(totalKeys / this.parts.length)));
      if (f === undefined) {
        return undefined;
      }
      sum += f;
    }
    return sum / this.parts.length;
  }

  async next(opts: { prefetch?: boolean; signal?: AbortSignal; count?: number } = {}): Promise<ClusterScanPage> {
    const open = this.parts.filter((p) => !p.scanner.done || p.pending !== undefined || p.outcome !== undefined);
    if (open.length === 0) {
      return { keys: [], returned: 0, done: true, failed: [] };
    }
    const healthy = open.filter((p) => p.error === undefined);
    for (const p of healthy.length > 0 ? healthy : open) {
      if (p.pending === undefined && p.outcome === undefined && !p.scanner.done) {
        this.request(p, opts);
      }
    }
    const waiting = open.flatMap((p) => (p.pending ? [p.pending] : []));
    if (!open.some((p) => p.outcome !== undefined)) {
      await (opts.prefetch && this.hasStarted ? Promise.race(waiting) : Promise.all(waiting));
    }
    const ready = this.parts.filter((p) => p.outcome !== undefined);
    const cancelled = ready.find((p) => p.outcome?.status === 'rejected' && isNovaError(nodeFailure(p.address, p.outcome.reason), 'CANCELLED'));
    if (cancelled) {
      // The cancelled request is forgotten (its scanner resumes where it was); the others' pages wait for the next call.
      const error = nodeFailure(cancelled.address, (cancelled.outcome as PromiseRejectedResult).reason);
      cancelled.outcome = undefined;
      throw error;
    }
    const keys: Buffer[] = [];
    const types: NonNullable<ScanPage['types']> = [];
    let typed = false;
    let returned = 0;
    const failed: NodeFailure[] = [];
    for (const part of ready) {
      const r = part.outcome as PromiseSettledResult<ScanPage>;
      part.outcome = undefined;
      if (r.status === 'fulfilled') {
        part.error = undefined;
        keys.push(...r.value.keys);
        returned += r.value.returned;
        if (r.value.types) {
          typed = true;
          types.push(...r.value.types);
        }
        continue;
      }
      const error = nodeFailure(part.address, r.reason);
      part.error = error;
      failed.push({ address: part.address, error });
    }
    const othersGoOn = this.parts.some((p) => p.error === undefined && (!p.scanner.done || p.pending !== undefined || p.outcome !== undefined));
    if (failed.length > 0 && failed.length === ready.length && !othersGoOn) {
      throw failed[0].error;
    }
    return { keys, ...(typed ? { types } : {}), returned, done: this.done, failed };
  }

  reset(): void {
    this.generation++;
    for (const p of this.parts) {
      p.scanner.reset();
      p.error = undefined;
      p.pending = undefined;
      p.outcome = undefined;
    }
  }

  /** Sends a master's next page request; its outcome is kept on the part (never a rejection left unhandled). */
  private request(p: ScanPart, opts: { prefetch?: boolean; signal?: AbortSignal; count?: number }): void {
    const generation = this.generation;
    const settle = (outcome: PromiseSettledResult<ScanPage>): void => {
      if (generation === this.generation) {
        p.outcome = outcome;
        p.pending = undefined;
      }
    };
    p.pending = p.scanner.next(opts).then(
      (value) => settle({ status: 'fulfilled', value }),
      (reason: unknown) => settle({ status: 'rejected', reason }),
    );
  }
}

export interface NodeCount {
  address: string;
  keys?: number;
  error?: NovaError;
}

export interface ClusterCount {
  /** Sum of the DBSIZE of the masters that answered. */
  total: number;
  /** False when a master did not answer: `total` is then a lower bound. */
  complete: boolean;
  nodes: NodeCount[];
}

/** DBSIZE of every master at once (approximate, as on one server), with the split per node. */
export async function clusterDbsize(masters: readonly MasterNode[], timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<ClusterCount> {
  const nodes = await Promise.all(
    masters.map(async (m): Promise<NodeCount> => {
      try {
        return { address: m.address, keys: await withDeadline(m.client.dbsize(), timeoutMs) };
      } catch (err) {
        return { address: m.address, error: nodeFailure(m.address, err) };
      }
    }),
  );
  return {
    total: nodes.reduce((n, c) => n + (c.keys ?? 0), 0),
    complete: nodes.every((c) => c.error === undefined),
    nodes,
  };
}

/**
 * ioredis's connection to the master that serves `slot` in its current slot map, for work that must
 * stay on one node's connection (the console reads that node's socket itself). It does not follow
 * MOVED or ASK: whatever can go through the Cluster does, so that ioredis follows them.
 */
export function nodeForSlot(cluster: Cluster, slot: number): Redis {
  const owner = cluster.slots[slot]?.[0];
  const node = owner === undefined ? undefined : cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
  if (!node) {
    throw new NovaError('CLUSTER_NODE_FAILED', `no master known for slot ${slot}`, { address: owner ?? '', cause: 'UNKNOWN' });
  }
  return node;
}

/**
 * fetchKeyMeta over a cluster: its script takes several keys, which must share a slot, so each slot
 * group is one call on the master that owns it; all calls are sent at once, so a page still costs
 * about one round trip per master. Index-aligned with `keys`: null for a key that does not exist,
 * undefined for a key whose master failed (unknown, not gone). Throws only when every master failed.
 */
export async function clusterFetchKeyMeta(cluster: Cluster, caps: Capabilities, keys: readonly Buffer[], options: MetaOptions = {}): Promise<(KeyMeta | null | undefined)[]> {
  const bySlot = new Map<number, number[]>();
  keys.forEach((k, i) => {
    const slot = keySlot(k);
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), i]);
  });
  const out: (KeyMeta | null | undefined)[] = new Array<KeyMeta | null | undefined>(keys.length).fill(undefined);
  const groups = [...bySlot];
  const results = await Promise.allSettled(
    groups.map(async ([, indexes]) => {
      // Through the Cluster: it sends one slot's pipeline to its owner and follows MOVED and ASK.
      const metas = await fetchKeyMeta(
        cluster,
        caps,
        indexes.map((i) => keys[i]),
        options,
      );
      indexes.forEach((at, j) => {
        out[at] = metas[j];
      });
    }),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure && results.every((r) => r.status === 'rejected')) {
    throw toNovaError(failure.reason);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writes, grouped by slot

/** The hash slot of a key, `{hash tag}` included, computed on the raw bytes. */
export function keySlot(key: Buffer | string): number {
  return calculateSlot(key);
}

/** Keys grouped by slot, in first-seen order: one multi-key command per group never crosses slots. */
export function groupBySlot(keys: readonly Buffer[]): Map<number, Buffer[]> {
  const groups = new Map<number, Buffer[]>();
  for (const k of keys) {
    const slot = keySlot(k);
    const g = groups.get(slot);
    if (g) {
      g.push(k);
    } else {
      groups.set(slot, [k]);
    }
  }
  return groups;
}

async function deleteGrouped(cluster: Cluster, caps: Capabilities, keys: readonly Buffer[]): Promise<number> {
  const replies = await Promise.all(
    [...groupBySlot(keys).values()].map((group) => withDeadline(caps.unlink ? cluster.unlink(...group) : cluster.del(...group), DEFAULT_COMMAND_TIMEOUT_MS)),
  );
  return replies.reduce((a, b) => a + b, 0);
}

/**
 * Deletes exactly these keys on a cluster: batches as on one server, each split by slot into
 * DEL/UNLINK commands that ioredis routes to the owning master (following MOVED during a resharding).
 */
export function clusterDeleteKeys(cluster: Cluster, caps: Capabilities, keys: readonly Buffer[], options: BulkOptions): Promise<BulkResult> {
  return deleteInBatches(keys, options, (batch) => deleteGrouped(cluster, caps, batch));
}

export interface NodeDeleteResult {
  address: string;
  deleted: number;
  error?: NovaError;
}

export interface ClusterBulkResult extends BulkResult {
  nodes: NodeDeleteResult[];
}

/**
 * Deletes exactly the keys under a folder (see `inFolder`) on every master: each master is
 * scanned with SCAN MATCH on its own connection, in parallel, and each page is deleted by slot
 * group. A master that fails is reported in `nodes` while the others finish.
 */
export async function clusterDeleteFolder(
  cluster: Cluster,
  masters: readonly MasterNode[],
  caps: Capabilities,
  prefix: Buffer,
  delimiter: string | Uint8Array,
  options: BulkOptions,
): Promise<ClusterBulkResult> {
  guardWrite(options.readOnly);
  const d = delimiterBytes(delimiter);
  let total = 0;
  let scanned = 0;
  let cancelled = false;
  const nodes = await Promise.all(
    masters.map(async (m): Promise<NodeDeleteResult> => {
      const scanner = new KeyScanner(m.client, caps, { match: folderPattern(prefix, d), count: FOLDER_SCAN_COUNT });
      let deleted = 0;
      try {
        while (!scanner.done) {
          if (options.signal?.aborted) {
            cancelled = true;
            break;
          }
          const page = await scanner.next({ signal: options.signal });
          scanned += page.returned;
          const keys = page.keys.filter((k) => inFolder(k, prefix, d));
          if (keys.length > 0) {
            // From here a failure may have deleted something: the caller must not say "nothing".
            options.onDelete?.();
          }
          const n = await deleteGrouped(cluster, caps, keys);
          deleted += n;
          total += n;
          options.onProgress?.({ done: total, scanned });
        }
        return { address: m.address, deleted };
      } catch (err) {
        const error = nodeFailure(m.address, err);
        if (isNovaError(error, 'CANCELLED')) {
          cancelled = true;
          return { address: m.address, deleted };
        }
        return { address: m.address, deleted, error };
      }
    }),
  );
  return { deleted: total, cancelled, nodes };
}

export interface NodeFolderCount {
  address: string;
  count: number;
  error?: NovaError;
}

/** Counts a folder's keys on every master (for the confirmation), with the split per node. */
export async function clusterCountFolder(
  masters: readonly MasterNode[],
  prefix: Buffer,
  delimiter: string | Uint8Array,
  options: { signal?: AbortSignal } = {},
): Promise<{ count: number; cancelled: boolean; nodes: NodeFolderCount[] }> {
  let cancelled = false;
  const nodes = await Promise.all(
    masters.map(async (m): Promise<NodeFolderCount> => {
      try {
        const r = await countFolder(m.client, prefix, delimiter, { signal: options.signal });
        cancelled ||= r.cancelled;
        return { address: m.address, count: r.count };
      } catch (err) {
        return { address: m.address, count: 0, error: nodeFailure(m.address, err) };
      }
    }),
  );
  return { count: nodes.reduce((n, c) => n + c.count, 0), cancelled, nodes };
}

export interface NodeFlushResult {
  address: string;
  /** DBSIZE right before that master's FLUSHDB. */
  keysBefore?: number;
  error?: NovaError;
}

/**
 * FLUSHDB on every master, each through flushDatabase's checked transaction on ioredis's own
 * connection to that master (named `clientName`). Never FLUSHALL; read-only mode sends nothing.
 * A master that fails is reported while the others are flushed.
 */
export async function clusterFlush(
  masters: readonly MasterNode[],
  caps: Capabilities,
  db: number,
  clientName: string,
  options: WriteOptions,
): Promise<NodeFlushResult[]> {
  guardWrite(options.readOnly);
  return Promise.all(
    masters.map(async (m): Promise<NodeFlushResult> => {
      try {
        const r = await flushDatabase(m.client, caps, db, clientName, options);
        return { address: m.address, keysBefore: r.keysBefore };
      } catch (err) {
        return { address: m.address, error: nodeFailure(m.address, err) };
      }
    }),
  );
}
