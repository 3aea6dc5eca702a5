/**
 * Where the key explorer gets its keys, counts and metadata: one server (one SCAN cursor, DBSIZE,
 * one metadata script per page) or a Redis Cluster (a cursor per master, the masters' DBSIZE
 * summed, one metadata script per slot). The explorer model is the same for both.
 */
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { Capabilities } from './capabilities';
import { ClusterScanner, clusterDbsize, clusterFetchKeyMeta, masterNodes, type MasterNode, type NodeFailure } from './cluster';
import { withDeadline } from './deadline';
import { fetchKeyMeta, fetchMemoryUsage, type KeyMeta, type MetaOptions } from './keyMeta';
import { KeyScanner, type ScanOptions, type ScanPage } from './scan';
import type { ScanWire } from './scanWire';

export interface SourcePage extends ScanPage {
  /** Cluster masters that failed during this page, while the others' keys are in it. */
  failed?: NodeFailure[];
}

/** What the explorer needs of a cursor; KeyScanner and ClusterScanner both are one. */
export interface KeyCursor {
  next(opts?: { prefetch?: boolean; signal?: AbortSignal; count?: number }): Promise<SourcePage>;
  reset(): void;
  readonly done: boolean;
  readonly hasStarted: boolean;
  readonly returned: number;
  /** Share of the keyspace visited, for progress under a MATCH or TYPE filter. */
  fraction(totalKeys: number): number | undefined;
}

export interface KeySource {
  cursor(options: ScanOptions): KeyCursor;
  dbsize(timeoutMs: number): Promise<number>;
  /** Index-aligned: null for a key that does not exist, undefined where its cluster master failed. */
  meta(keys: readonly Buffer[], options: MetaOptions): Promise<(KeyMeta | null | undefined)[]>;
  memoryUsage(key: Buffer, options: MetaOptions): Promise<number | null | undefined>;
}

export function isKeySource(x: Redis | KeySource): x is KeySource {
  return typeof (x as Partial<KeySource>).cursor === 'function';
}

/** One server, through one connection, and its SCANs through `wire` while it has one open (see ScanWire). */
export function serverKeySource(client: Redis, caps: Capabilities, wire?: () => ScanWire | undefined): KeySource {
  return {
    cursor: (options) => new KeyScanner(client, caps, wire ? { ...options, wire } : options),
    dbsize: (timeoutMs) => withDeadline(client.dbsize(), timeoutMs),
    meta: (keys, options) => fetchKeyMeta(client, caps, keys, options),
    memoryUsage: (key, options) => fetchMemoryUsage(client, caps, key, options),
  };
}

/**
 * A Redis Cluster: the masters ioredis knows when a listing starts are scanned together, each through
 * its own SCAN connection while `wireFor` has one open. A count missing a master is still shown (the
 * scan names the master that failed).
 */
export function clusterKeySource(cluster: Cluster, caps: Capabilities, wireFor?: (master: MasterNode) => ScanWire | undefined): KeySource {
  return {
    cursor: (options) => new ClusterScanner(masterNodes(cluster), caps, options, wireFor),
    dbsize: async (timeoutMs) => (await clusterDbsize(masterNodes(cluster), timeoutMs)).total,
    meta: (keys, options) => clusterFetchKeyMeta(cluster, caps, keys, options),
    memoryUsage: (key, options) => fetchMemoryUsage(cluster, caps, key, options),
  };
}
