/**
 * One connected generation of the connection: the only holder of its client. Every read and write
 * of the extension goes through a session, so each operation stays bound to the server and DB it
 * started on. No `vscode` import: the redis test tier drives it against real servers.
 *
 * - Writes check the read-only policy here, before a byte is sent.
 * - After a write the session announces what changed (`onDidChangeKeys`): views refresh from that.
 * - When its generation ends (reconnect, .env change, lost connection) the manager disposes it, and
 *   every later call fails at once with SESSION_ENDED: nothing was sent, the caller may retry on the
 *   new session. A write that was sent but not answered is OUTCOME_UNKNOWN, and only then.
 */
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { ServerInfo, Capabilities } from '../redis/capabilities';
import {
  clusterCountFolder,
  clusterDbsize,
  clusterDeleteFolder,
  clusterDeleteKeys,
  clusterFlush,
  keySlot,
  masterNodes,
  nodeForSlot,
  readClusterState,
  type ClusterBulkResult,
  type ClusterCount,
  type ClusterState,
  type MasterNode,
  type NodeFlushResult,
  whileSlotMoves,
} from '../redis/cluster';
import { clusterKeySource, serverKeySource } from '../redis/keySource';
import type { KeyMeta } from '../redis/keyMeta';
import { samplePattern, type PatternSample } from '../redis/patternSample';
import type { SentinelMaster } from '../redis/sentinel';
import { toNovaError, type KeyClient } from '../redis/connect';
import { NovaError, isNovaError } from '../redis/errors';
import { ExplorerModel, type ExplorerOptions } from '../redis/explorerModel';
import {
  countFolder,
  deleteFolder,
  deleteKeys,
  flushVerified,
  persist,
  scanFolder,
  setTtl,
  delimiterBytes,
  type BulkOptions,
  type BulkResult,
  type CountResult,
  type FlushResult,
  type PersistResult,
  type Progress,
  verifyConnectionDb,
} from '../redis/mutations';
import { ValueSession, type ValueReadOptions } from '../redis/values';
import { existingKeys, importRecord, readRecords, type ExportRecord, type ImportMode, type ImportOutcome, type ReadResult } from '../redis/transfer';
import { StringWatch, readWholeString, saveString, type LoadedString, type SaveMode, type SaveOutcome } from '../redis/valueWrite';
import { editCollection, type CollectionEdit, type EditResult } from '../redis/collectionEdits';
import { createKey, dumpKey, moveKey, renameKey, restoreKey, setTtlOfFolder, setTtlOfKeys, type NewKeyValue, type RenameResult, type TtlBulkResult, type TtlChange } from '../redis/keyEdits';
import { buildCacheReport, type CacheReport, type ReportOptions } from '../redis/report';
import { readSlowlog, type SlowlogEntry } from '../redis/slowlog';
import { readClients, type ClientInfo } from '../redis/clients';
import { KeyspaceWatcher, enabledValue, readNotifyConfig, type KeyChangeBatch, type NotifyConfig } from '../redis/keyspaceEvents';
import { KeyspaceActivity } from '../redis/keyspaceActivity';
import { ScanWire } from '../redis/scanWire';
import { isCommandUnavailable } from '../redis/errors';
import type { ReadOnlySetting } from '../config/settingsSchema';
import { Emitter, type Disposable } from '../util/event';
import type { Endpoint } from './connectionManager';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(host) || host === '0:0:0:0:0:0:0:1';
}

/**
 * `auto` protects any server that is not on this machine: a production or shared Redis. `peer` is the
 * address the socket actually reached: a host name such as the machine's own name, or an /etc/hosts
 * alias, that resolves to a loopback address is this machine too.
 */
export function readOnlyFor(setting: ReadOnlySetting, host: string, peer?: string): boolean {
  return setting === 'auto' ? !(isLoopback(host) || (peer !== undefined && isLoopback(peer))) : setting === 'on';
}

/** What a write changed, so that the tree, the value tabs and the status bar refresh themselves. */
export type KeysChange =
  /** `deleted`: the keys are gone. Otherwise they changed, or may have (an unconfirmed write): re-read them. */
  | { kind: 'keys'; keys: readonly Buffer[]; deleted: boolean }
  /** Keys under `prefix` (path + delimiter) were deleted, or may have been. */
  | { kind: 'folder'; prefix: Buffer; delimiter: string }
  /** The whole DB changed (FLUSHDB). */
  | { kind: 'db' };

/** What the session is connected to, beyond one plain server. */
export type Topology =
  | { kind: 'standalone' }
  /** A master found through Sentinels; `address` is where this generation landed. */
  | { kind: 'sentinel'; master: SentinelMaster }
  /** A Redis Cluster: key-less reads fan out to every master, writes are grouped by slot. */
  | { kind: 'cluster'; cluster: Cluster };

export interface SessionOptions {
  /** The connection; for a cluster, ioredis's Cluster (then `topology` holds it). */
  client: Redis | Cluster;
  topology?: Topology;
  /** CLIENT SETNAME of the connection: a flush checks on the server that it is really on the DB. */
  clientName: string;
  endpoint: Endpoint;
  server: ServerInfo;
  generation: number;
  /** Deadline of the engine's requests: the same value the client's own command timeout uses. */
  commandTimeoutMs: number;
  /** Read at every write, so a settings change applies at once. */
  readOnly: () => ReadOnlySetting;
  /** The address the connection reached (the socket's remote address), where there is one socket. */
  peerAddress?: string;
  /** Opens another connection to the same server and DB (same handshake), named `<clientName>-<suffix>`. */
  openConnection?: (suffix: string) => Promise<Redis>;
  /** On a cluster: the same, to the node at `host`:`port` (as ioredis reaches it, after the natMap). */
  openNodeConnection?: (host: string, port: number, suffix: string) => Promise<Redis>;
}

/** A slowlog entry or a client, and on a cluster the master it came from. */
export type FromNode<T> = T & { node?: string };

/** What the live keyspace hands over: the changes, and the session they were seen on. */
export interface LiveKeyspace {
  /** Which channel the subscriber listens on. */
  channel: 'keyevent' | 'keyspace';
  /** Writes, deletes and expirations per namespace over the last minute. */
  activity: KeyspaceActivity;
  dispose(): void;
}

/** Why a failed write might still have run: its request was sent and no reply came. */
function unconfirmed(err: NovaError): boolean {
  return err.code === 'COMMAND_TIMEOUT' || err.code === 'CONNECTION_LOST';
}

export class RedisSession implements Disposable {
  private readonly changes = new Emitter<KeysChange>();
  readonly onDidChangeKeys = this.changes.event;
  private readonly client: Redis | Cluster;
  private readonly cluster: Cluster | undefined;
  readonly topology: Topology;
  /** Weak: a view that let its explorer go (refresh, new filter) must not have it kept alive here. */
  private explorers = new Set<WeakRef<ExplorerModel>>();
  /** The WATCH connections of open edits (readForEdit). */
  private readonly watches = new Set<StringWatch>();
  /** The connection of collection edits and New Key (see `watched`), opened at the first, and their queue. */
  private editConn: Promise<Redis | undefined> = Promise.resolve(undefined);
  private editQueue: Promise<void> = Promise.resolve();
  /** The explorers' SCAN connections (see scanWire), or their openings, by master address ('' on one server). */
  private readonly wires = new Map<string, ScanWire | Promise<void>>();
  private readonly values = new WeakSet<ValueSession>();
  private ended = false;
  private keyspace: (LiveKeyspace & { watcher: KeyspaceWatcher }) | undefined;

  readonly clientName: string;
  readonly endpoint: Endpoint;
  readonly server: ServerInfo;
  readonly generation: number;
  readonly commandTimeoutMs: number;

  constructor(private readonly options: SessionOptions) {
    this.client = options.client;
    this.topology = options.topology ?? { kind: 'standalone' };
    this.cluster = this.topology.kind === 'cluster' ? this.topology.cluster : undefined;
    this.clientName = options.clientName;
    this.endpoint = options.endpoint;
    this.server = options.server;
    this.generation = options.generation;
    this.commandTimeoutMs = options.commandTimeoutMs;
  }

  get caps(): Capabilities {
    return this.server.caps;
  }

  get db(): number {
    return this.endpoint.db;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Whether writes are refused right now (the setting, and for `auto` where the server is). */
  get readOnly(): boolean {
    return readOnlyFor(this.options.readOnly(), this.endpoint.host, this.options.peerAddress);
  }

  // Reads

  /** A key explorer on this session; it is disposed with the session. */
  createExplorer(options: Omit<ExplorerOptions, 'timeoutMs'> = {}): ExplorerModel {
    this.live();
    if (this.cluster) {
      this.closeStaleWires(masterNodes(this.cluster));
    }
    const source = this.cluster
      ? clusterKeySource(this.cluster, this.caps, (master) => this.scanWire(master))
      : serverKeySource(this.one(), this.caps, () => this.scanWire());
    const model = new ExplorerModel(source, this.caps, { ...options, timeoutMs: this.commandTimeoutMs });
    this.explorers = new Set([...this.explorers].filter((ref) => ref.deref() !== undefined));
    this.explorers.add(new WeakRef(model));
    return model;
  }

  /** Opens a value (first page or preview). Its later pages are read through `loadMoreValue` on this session. */
  async openValue(key: Buffer, options: ValueReadOptions = {}): Promise<ValueSession> {
    const value = await this.read(() => ValueSession.open(this.keyClient(), this.caps, key, options));
    this.values.add(value);
    return value;
  }

  /** The next page of a value this session opened; SESSION_ENDED for one opened on another connection. */
  async loadMoreValue(value: ValueSession): Promise<void> {
    this.live();
    if (!this.values.has(value)) {
      throw new NovaError('SESSION_ENDED', 'the value was opened on another connection');
    }
    await this.read(() => value.loadMore(this.keyClient()));
  }

  /** INFO, whole (no section: what every version since 2.x answers) or one section. */
  info(section?: string): Promise<string> {
    // On a cluster: the first master's, the cluster's own state comes from clusterState().
    return this.read(() => {
      const node = this.cluster ? this.firstMaster().client : this.one();
      return section === undefined ? node.info() : node.info(section);
    });
  }

  /** PING; resolves to the round trip in milliseconds. */
  ping(): Promise<number> {
    return this.read(async () => {
      const start = process.hrtime.bigint();
      await this.client.ping();
      return Number(process.hrtime.bigint() - start) / 1e6;
    });
  }

  /** DBSIZE; on a cluster the sum over the masters that answered. */
  async dbsize(): Promise<number> {
    return (await this.keyCount()).total;
  }

  /** DBSIZE with, on a cluster, the split per master (a master that did not answer is named). */
  keyCount(): Promise<ClusterCount> {
    return this.read(async () => {
      if (this.cluster) {
        return clusterDbsize(masterNodes(this.cluster), this.commandTimeoutMs);
      }
      return { total: await this.one().dbsize(), complete: true, nodes: [] };
    });
  }

  /** CLUSTER INFO and CLUSTER NODES, from one master; undefined when not on a cluster. */
  clusterState(): Promise<ClusterState | undefined> {
    return this.read(async () => {
      if (!this.cluster) {
        return undefined;
      }
      const first = this.firstMaster();
      return readClusterState(first.client, first.address, this.commandTimeoutMs);
    });
  }

  /** The masters of a cluster (empty on one server), for confirmations that name each one. */
  masters(): MasterNode[] {
    return this.cluster ? masterNodes(this.cluster) : [];
  }

  /** A whole string value with its PTTL, for editing (a preview is never edited). */
  readWholeString(key: Buffer): Promise<LoadedString> {
    return this.read(() => readWholeString(this.keyClient(), key));
  }

  /**
   * The value an edit starts from, with the WATCH its save goes through (see StringWatch), on one
   * server; on a cluster (a slot may move meanwhile) the save takes the checked path, so no watch.
   * The watch ends with the session, or earlier with `dispose` when its tab closes.
   */
  readForEdit(key: Buffer): Promise<{ loaded: LoadedString; watch?: StringWatch }> {
    return this.read(async () => {
      if (this.cluster || !this.options.openConnection) {
        return { loaded: await readWholeString(this.keyClient(), key) };
      }
      const conn = await this.options.openConnection('edit');
      const { watch, loaded } = await StringWatch.open(conn, key, (w) => this.watches.delete(w));
      if (this.ended) {
        watch.dispose();
        throw new NovaError('SESSION_ENDED');
      }
      this.watches.add(watch);
      return { loaded, watch };
    });
  }

  /** The cache report of the DB or one folder (one server; a cluster is UNSUPPORTED for now). */
  cacheReport(options: Omit<ReportOptions, 'timeoutMs'>): Promise<CacheReport> {
    return this.read(() => buildCacheReport(this.one(), this.caps, { ...options, timeoutMs: this.commandTimeoutMs }));
  }

  /** SLOWLOG GET, newest first, arguments masked; on a cluster every master's, tagged with its address. */
  slowlog(count = 128, valueText?: (bytes: number) => string): Promise<FromNode<SlowlogEntry>[]> {
    return this.read(async () => {
      const opts = { timeoutMs: this.commandTimeoutMs, valueText };
      if (!this.cluster) {
        return readSlowlog(this.one(), count, opts);
      }
      const per = await Promise.all(masterNodes(this.cluster).map(async (n) => (await readSlowlog(n.client, count, opts)).map((e) => ({ ...e, node: n.address }))));
      return per.flat().sort((a, b) => b.time - a.time);
    });
  }

  /** CLIENT LIST, this session's connection and the extension's others recognised; on a cluster every master's. */
  clients(): Promise<FromNode<ClientInfo>[]> {
    return this.read(async () => {
      const self = { clientName: this.clientName, pid: process.pid };
      if (!this.cluster) {
        return readClients(this.one(), self, this.commandTimeoutMs);
      }
      const per = await Promise.all(masterNodes(this.cluster).map(async (n) => (await readClients(n.client, self, this.commandTimeoutMs)).map((c) => ({ ...c, node: n.address }))));
      return per.flat();
    });
  }

  /** `notify-keyspace-events` as the server has it; COMMAND_UNAVAILABLE when CONFIG is renamed or denied. */
  notifyConfig(): Promise<NotifyConfig> {
    return this.read(async () => {
      const reply = await this.config(() => this.one().config('GET', 'notify-keyspace-events'));
      const pairs = reply;
      return readNotifyConfig(pairs[1] ?? '');
    });
  }

  /**
   * Turns keyspace notifications on (CONFIG SET, server-wide, until the server restarts), keeping the
   * classes already on. Refused in read-only mode like any write. Resolves to the new configuration.
   */
  async enableNotifications(): Promise<NotifyConfig> {
    this.refuseWrite();
    const current = await this.notifyConfig();
    const value = enabledValue(current.value);
    await this.read(() => this.config(() => this.one().config('SET', 'notify-keyspace-events', value)));
    return this.notifyConfig();
  }

  /**
   * Subscribes to this DB's keyspace notifications on a connection of its own, owned by the session
   * (closed with it). `onBatch` gets the changes every few hundred milliseconds. Not on a cluster,
   * whose notifications are per node.
   */
  async watchKeyspace(channel: 'keyevent' | 'keyspace', delimiter: string | null, onBatch: (batch: KeyChangeBatch) => void, onLost: () => void): Promise<LiveKeyspace> {
    this.live();
    if (this.cluster || !this.options.openConnection) {
      throw new NovaError('UNSUPPORTED', 'keyspace notifications are per node on a cluster');
    }
    this.keyspace?.dispose();
    const activity = new KeyspaceActivity({ delimiter });
    const subscriber = await this.read(() => this.options.openConnection?.('events') ?? Promise.reject(new Error('no connection factory')));
    let watcher: KeyspaceWatcher;
    try {
      // Started with the session still live, or the subscriber is closed here: no connection outlives it.
      watcher = await this.read(() =>
        KeyspaceWatcher.start(subscriber, this.db, channel, (batch) => {
          activity.record(batch.changes);
          onBatch(batch);
        }),
      );
    } catch (err) {
      subscriber.disconnect();
      throw err;
    }
    if (this.ended) {
      watcher.dispose();
      throw new NovaError('SESSION_ENDED', `generation ${this.generation} ended`);
    }
    watcher.onClose(onLost);
    const live = {
      channel,
      activity,
      watcher,
      dispose: () => {
        watcher.dispose();
        if (this.keyspace === live) {
          this.keyspace = undefined;
        }
      },
    };
    this.keyspace = live;
    return live;
  }

  /** The live keyspace, while one is subscribed. */
  get liveKeyspace(): LiveKeyspace | undefined {
    return this.keyspace;
  }

  /** PTTL in ms: -1 without expiry, -2 when the key does not exist. */
  pttl(key: Buffer): Promise<number> {
    return this.read(() => this.keyClient().pttl(key));
  }

  /** How many keys `deleteFolder` would delete, for its confirmation. */
  countFolder(prefix: Buffer, delimiter: string, options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}): Promise<CountResult> {
    return this.read(() => (this.cluster ? clusterCountFolder(masterNodes(this.cluster), prefix, delimiter, options) : countFolder(this.one(), prefix, delimiter, options)));
  }

  /** Type, TTL and size of these keys in one round trip (null: the key does not exist). */
  keyMeta(keys: readonly Buffer[]): Promise<(KeyMeta | null | undefined)[]> {
    return this.read(() => {
      const source = this.cluster ? clusterKeySource(this.cluster, this.caps) : serverKeySource(this.one(), this.caps);
      return source.meta(keys, { timeoutMs: this.commandTimeoutMs });
    });
  }

  /** Keys matching a pattern, from one bounded SCAN (per master on a cluster, summed). */
  samplePattern(pattern: Buffer): Promise<PatternSample> {
    return this.read(async () => {
      if (!this.cluster) {
        return samplePattern(this.one(), pattern, { timeoutMs: this.commandTimeoutMs });
      }
      const parts = await Promise.all(masterNodes(this.cluster).map((m) => samplePattern(m.client, pattern, { timeoutMs: this.commandTimeoutMs })));
      const pttls = parts.every((p) => p.pttls) ? parts.flatMap((p) => p.pttls ?? []) : undefined;
      return { matched: parts.reduce((n, p) => n + p.matched, 0), complete: parts.every((p) => p.complete), ...(pttls ? { pttls } : {}) };
    });
  }

  /** Reads these keys whole for an export (on a cluster, each from the master that owns it). */
  readForExport(keys: readonly Buffer[]): Promise<ReadResult> {
    return this.read(async () => {
      const out: ReadResult = { records: [], skipped: [] };
      for (const [node, group] of this.byNode(keys)) {
        // On a cluster a script may only touch keys of one slot: the pipelines serve any mix.
        const part = await this.alongMoves(
          () => readRecords(node, this.caps, group, { timeoutMs: this.commandTimeoutMs, script: !this.cluster }),
          (cluster, key) => readRecords(cluster, this.caps, [key], { timeoutMs: this.commandTimeoutMs, script: false }),
          (parts) => ({ records: parts.flatMap((p) => p.records), skipped: parts.flatMap((p) => p.skipped) }),
          group,
        );
        out.records.push(...part.records);
        out.skipped.push(...part.skipped);
      }
      return out;
    });
  }

  /**
   * Visits the keys under a folder (null: the whole DB) page by page, every master of a cluster in
   * turn; resolves to false when the signal stopped it.
   */
  scanFolder(prefix: Buffer | null, delimiter: string, signal: AbortSignal | undefined, onPage: (keys: Buffer[]) => Promise<void>): Promise<boolean> {
    return this.read(async () => {
      const nodes = this.cluster ? masterNodes(this.cluster).map((m) => m.client) : [this.one()];
      for (const node of nodes) {
        if (!(await scanFolder(node, prefix, delimiterBytes(delimiter), signal, (keys) => onPage(keys)))) {
          return false;
        }
      }
      return true;
    });
  }

  /** Which of these keys exist (the dry run of an import). */
  existing(keys: readonly Buffer[]): Promise<boolean[]> {
    return this.read(async () => {
      const found = new Map<Buffer, boolean>();
      for (const [node, group] of this.byNode(keys)) {
        const flags = await this.alongMoves(
          () => existingKeys(node, group, this.commandTimeoutMs),
          (cluster, key) => existingKeys(cluster, [key], this.commandTimeoutMs),
          (parts) => parts.flat(),
          group,
        );
        group.forEach((k, i) => found.set(k, flags[i]));
      }
      return keys.map((k) => found.get(k) ?? false);
    });
  }

  // Writes

  /** Writes one imported key; `skip` never replaces an existing key. */
  importRecord(record: ExportRecord, mode: ImportMode): Promise<ImportOutcome> {
    return this.write(
      () => whileSlotMoves(() => importRecord(this.keyClient(), this.caps, record, mode, this.commandTimeoutMs)),
      () => ({ kind: 'keys', keys: [record.key], deleted: false }),
    );
  }

  /** Sets the TTL in seconds; resolves to the new PTTL. */
  setTtl(key: Buffer, seconds: number): Promise<number> {
    return this.write(
      (readOnly) => setTtl(this.keyClient(), key, seconds, { readOnly }),
      () => ({ kind: 'keys', keys: [key], deleted: false }),
    );
  }

  /**
   * Writes an edited string value, keeping its TTL; conflicts come back as outcomes, not errors. With
   * the edit's `watch` (from readForEdit), a checked save goes through it when it can.
   */
  saveString(key: Buffer, value: Buffer, how: SaveMode, watch?: StringWatch): Promise<SaveOutcome> {
    return this.write(
      async (readOnly) =>
        (how.mode === 'check' && watch?.usable ? await watch.save(value, { readOnly }) : undefined) ??
        (await saveString(this.keyClient(), key, value, how, { readOnly })),
      () => ({ kind: 'keys', keys: [key], deleted: false }),
    );
  }

  persist(key: Buffer): Promise<PersistResult> {
    return this.write(
      (readOnly) => persist(this.keyClient(), key, { readOnly }),
      () => ({ kind: 'keys', keys: [key], deleted: false }),
    );
  }

  deleteKeys(keys: readonly Buffer[], options: Omit<BulkOptions, 'readOnly'> = {}): Promise<BulkResult> {
    const copy = [...keys];
    return this.write(
      (readOnly) => (this.cluster ? clusterDeleteKeys(this.cluster, this.caps, copy, { ...options, readOnly }) : deleteKeys(this.one(), this.caps, copy, { ...options, readOnly })),
      (confirmed) => ({ kind: 'keys', keys: copy, deleted: confirmed !== undefined && !confirmed.cancelled }),
    );
  }

  /** Deletes the keys under a folder; `delimiter` is the one the folder was listed with. */
  async deleteFolder(prefix: Buffer, delimiter: string, options: Omit<BulkOptions, 'readOnly' | 'onDelete'> = {}): Promise<BulkResult> {
    // It scans before it deletes: a failure before the first DEL left everything in place.
    let sent = false;
    const onDelete = (): void => {
      sent = true;
    };
    const cluster = this.cluster;
    const result = await this.write<BulkResult | ClusterBulkResult>(
      (readOnly) =>
        cluster
          ? clusterDeleteFolder(cluster, masterNodes(cluster), this.caps, prefix, delimiter, { ...options, readOnly, onDelete })
          : deleteFolder(this.one(), this.caps, prefix, delimiter, { ...options, readOnly, onDelete }),
      () => ({ kind: 'folder', prefix: Buffer.concat([prefix, Buffer.from(delimiter, 'utf8')]), delimiter }),
      () => sent,
    );
    // The other masters' keys are gone (and announced); the one that failed is named.
    const failed = 'nodes' in result ? result.nodes.find((n) => n.error)?.error : undefined;
    if (failed) {
      throw failed;
    }
    return result;
  }

  // Edits of keys and collection elements (src/redis/collectionEdits.ts, keyEdits.ts)

  /** One element of a hash, list, set or sorted set; the key keeps its TTL. */
  editCollection(key: Buffer, edit: CollectionEdit): Promise<EditResult> {
    return this.write(
      (readOnly) => this.watched(key, (client) => editCollection(client, key, edit, { readOnly })),
      (r) => ({ kind: 'keys', keys: [key], deleted: r?.keyDeleted ?? false }),
    );
  }

  /** A new key (never over an existing one); resolves to its PTTL. */
  createKey(key: Buffer, value: NewKeyValue, ttlSeconds: number | undefined): Promise<number> {
    return this.write(
      (readOnly) => this.watched(key, (client) => createKey(client, key, value, ttlSeconds, { readOnly })),
      () => ({ kind: 'keys', keys: [key], deleted: false }),
    );
  }

  /** RENAMENX with its TTL; across cluster slots a checked DUMP/RESTORE + DEL instead. */
  renameKey(from: Buffer, to: Buffer): Promise<RenameResult> {
    const crossSlot = this.cluster !== undefined && keySlot(from) !== keySlot(to);
    return this.write(
      (readOnly) => (crossSlot ? moveKey(this.nodeOf(from), this.keyClient(), from, to, { readOnly }) : whileSlotMoves(() => renameKey(this.keyClient(), from, to, { readOnly }))),
      (r) =>
        r === 'same'
          ? []
          : [
              { kind: 'keys', keys: [from], deleted: r === 'renamed' },
              { kind: 'keys', keys: [to], deleted: false },
            ],
    );
  }

  /** DUMP + PTTL of `from`, RESTORE as `to` with that TTL, never over an existing key. */
  async duplicateKey(from: Buffer, to: Buffer): Promise<void> {
    this.refuseWrite();
    const dumped = await this.read(() => dumpKey(this.keyClient(), from));
    await this.write(
      (readOnly) => restoreKey(this.keyClient(), to, dumped, { readOnly }),
      () => ({ kind: 'keys', keys: [to], deleted: false }),
    );
  }

  /** EXPIRE (`seconds`) or PERSIST (`null`) on each key, in batches, each sent to the key's master. */
  setTtlOfKeys(keys: readonly Buffer[], change: TtlChange, options: Omit<BulkOptions, 'readOnly'> = {}): Promise<TtlBulkResult> {
    const copy = [...keys];
    return this.write(
      (readOnly) => setTtlOfKeys(copy, change, (batch) => this.byNode(batch), { ...options, readOnly }, this.cluster),
      () => ({ kind: 'keys', keys: copy, deleted: false }),
    );
  }

  /** The same for every key under a folder, scanned on the server (each master of a cluster). */
  setTtlOfFolder(prefix: Buffer, delimiter: string, change: TtlChange, options: Omit<BulkOptions, 'readOnly'> = {}): Promise<TtlBulkResult> {
    const scanned = this.cluster ? masterNodes(this.cluster).map((m) => m.client) : [this.one()];
    return this.write(
      (readOnly) => setTtlOfFolder(scanned, this.caps, prefix, delimiter, change, (batch) => this.byNode(batch), { ...options, readOnly }, this.cluster),
      () => ({ kind: 'folder', prefix: Buffer.concat([prefix, Buffer.from(delimiter, 'utf8')]), delimiter }),
    );
  }

  /** FLUSHDB on every master of the cluster, each checked as on one server; a result per master. */
  async flushCluster(): Promise<NodeFlushResult[]> {
    const cluster = this.cluster;
    if (!cluster) {
      throw new NovaError('UNSUPPORTED', 'not a cluster');
    }
    return this.write(
      (readOnly) => clusterFlush(masterNodes(cluster), this.caps, this.db, this.clientName, { readOnly }),
      () => ({ kind: 'db' }),
    );
  }

  /** FLUSHDB of this session's DB, after checking on the server that the connection is on it. */
  async flush(): Promise<FlushResult> {
    if (this.cluster) {
      // Every master, each with its own check; the total, or the first master that failed.
      const results = await this.flushCluster();
      const failed = results.find((r) => r.error)?.error;
      if (failed) {
        throw failed;
      }
      return { db: this.db, keysBefore: results.reduce((n, r) => n + (r.keysBefore ?? 0), 0) };
    }
    this.refuseWrite();
    // The check only reads: if it fails, nothing was flushed and the caller hears so, not "unknown".
    await this.read(() => verifyConnectionDb(this.one(), this.db, this.clientName));
    return this.write(
      (readOnly) => flushVerified(this.one(), this.db, { readOnly }),
      () => ({ kind: 'db' }),
    );
  }

  dispose(): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    for (const watch of [...this.watches]) {
      watch.dispose();
    }
    void this.editConn.then((c) => c?.disconnect());
    for (const held of this.wires.values()) {
      if (held instanceof ScanWire) {
        held.close();
      }
    }
    this.wires.clear();
    this.keyspace?.dispose();
    for (const ref of this.explorers) {
      ref.deref()?.dispose();
    }
    this.explorers.clear();
    this.changes.dispose();
  }

  /**
   * Runs a WATCH … EXEC edit of `key`. On one server it runs on a connection of the edits' own, one
   * edit at a time: on the shared connection, any EXEC or UNWATCH a view sends between the edit's
   * WATCH and its EXEC would end the WATCH, and a write from elsewhere in that window would go unseen.
   * On a cluster (no factory for a node's connection) it runs on the key's master.
   */
  private watched<T>(key: Buffer, edit: (client: Redis) => Promise<T>): Promise<T> {
    const factory = this.options.openConnection;
    if (this.cluster || !factory) {
      return edit(this.nodeOf(key));
    }
    const run = this.editQueue.then(async () => {
      let conn = await this.editConn;
      if (!conn || conn.status !== 'ready') {
        conn?.disconnect();
        const opening = factory('tx');
        // A failed opening is the caller's error; the next edit tries again.
        this.editConn = opening.catch(() => undefined);
        conn = await opening;
        if (this.ended) {
          conn.disconnect();
          throw new NovaError('SESSION_ENDED');
        }
      }
      return edit(conn);
    });
    this.editQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * The explorers' SCAN connection to the server, or on a cluster to `master`, when it is open;
   * otherwise undefined (their SCANs go through the shared connection meanwhile) and it is being
   * opened. A wire that closed is opened again on demand.
   */
  private scanWire(master?: MasterNode): ScanWire | undefined {
    const address = master?.address ?? '';
    const held = this.wires.get(address);
    if (held instanceof ScanWire && held.isOpen) {
      return held;
    }
    const { openConnection, openNodeConnection } = this.options;
    const open = master
      ? openNodeConnection && ((suffix: string) => openNodeConnection(master.client.options.host ?? '', master.client.options.port ?? 0, suffix))
      : openConnection;
    if (this.ended || !open || held instanceof Promise) {
      return undefined;
    }
    const opening = open('scan').then(
      (client) => {
        if (this.ended) {
          client.disconnect();
          return;
        }
        this.wires.set(address, new ScanWire(client));
      },
      () => {
        // The shared connection serves; the next explorer request tries again.
        this.wires.delete(address);
      },
    );
    this.wires.set(address, opening);
    return undefined;
  }

  /** Closes the SCAN connections of cluster nodes that are no longer masters (after a failover). */
  private closeStaleWires(masters: readonly MasterNode[]): void {
    const current = new Set(masters.map((m) => m.address));
    for (const [address, held] of this.wires) {
      if (!current.has(address) && held instanceof ScanWire) {
        held.close();
        this.wires.delete(address);
      }
    }
  }

  /** The one-server connection; on a cluster every operation goes through a master instead. */
  private one(): Redis {
    if (this.cluster) {
      throw new NovaError('UNSUPPORTED', 'a key-less one-server operation on a cluster');
    }
    return this.client as Redis;
  }

  /**
   * What serves a one-key operation: the one server, or ioredis's Cluster, which sends it to the
   * master that owns the key's slot and follows MOVED and ASK while the cluster reshards.
   */
  private keyClient(): KeyClient {
    return this.cluster ?? this.one();
  }

  /**
   * The connection to the one server, or to the master that owns `key` in ioredis's current slot
   * map, for work that must stay on one node's connection (it does not follow MOVED or ASK).
   */
  private nodeOf(key: Buffer): Redis {
    return this.cluster ? nodeForSlot(this.cluster, keySlot(key)) : this.one();
  }

  /**
   * A read of `group` on one master's connection (`onNode`, fast: one round trip for many slots);
   * when that master answers MOVED or ASK (a resharding moved some of the group's slots), the group
   * is read again key by key through ioredis's Cluster, which follows the redirections, and the
   * parts joined in the group's order. On one server, just `onNode`.
   */
  private async alongMoves<T>(onNode: () => Promise<T>, perKey: (cluster: Cluster, key: Buffer) => Promise<T>, join: (parts: T[]) => T, group: readonly Buffer[]): Promise<T> {
    try {
      return await onNode();
    } catch (err) {
      const cluster = this.cluster;
      if (!cluster || !isNovaError(toNovaError(err), 'CLUSTER_MOVED')) {
        throw err;
      }
      const parts: T[] = [];
      for (const key of group) {
        parts.push(await perKey(cluster, key));
      }
      return join(parts);
    }
  }

  /** Keys grouped by the connection that serves them, in their order. */
  private byNode(keys: readonly Buffer[]): Map<Redis, Buffer[]> {
    const groups = new Map<Redis, Buffer[]>();
    for (const key of keys) {
      const node = this.nodeOf(key);
      const group = groups.get(node);
      if (group) {
        group.push(key);
      } else {
        groups.set(node, [key]);
      }
    }
    return groups;
  }

  private firstMaster(): MasterNode {
    const first = this.cluster ? masterNodes(this.cluster)[0] : undefined;
    if (!first) {
      throw new NovaError('CLUSTER_NODE_FAILED', 'no master is known', { address: '', cause: 'UNKNOWN' });
    }
    return first;
  }

  /** SESSION_ENDED once disposed, or once the client can no longer send (its close is being handled). */
  private live(): void {
    if (this.ended) {
      throw new NovaError('SESSION_ENDED', `generation ${this.generation} ended`);
    }
    if (this.client.status !== 'ready') {
      throw new NovaError('SESSION_ENDED', `client ${this.client.status}`);
    }
  }

  /** Throws SESSION_ENDED or READ_ONLY before anything is sent; returns the (false) read-only flag. */
  private refuseWrite(): boolean {
    this.live();
    const readOnly = this.readOnly;
    if (readOnly) {
      throw new NovaError('READ_ONLY', 'read-only mode is on', { reason: 'setting' });
    }
    return readOnly;
  }

  /** A CONFIG call; COMMAND_UNAVAILABLE when the server renamed CONFIG away or denies it. */
  private async config<T>(op: () => Promise<T>): Promise<T> {
    if (this.cluster) {
      throw new NovaError('UNSUPPORTED', 'CONFIG is per node on a cluster');
    }
    try {
      return await op();
    } catch (err) {
      if (isCommandUnavailable(err)) {
        throw new NovaError('COMMAND_UNAVAILABLE', toNovaError(err).detail, { command: 'CONFIG' });
      }
      throw err;
    }
  }

  private async read<T>(op: () => Promise<T>): Promise<T> {
    this.live();
    try {
      return await op();
    } catch (err) {
      throw isNovaError(err) ? err : toNovaError(err, 'command');
    }
  }

  /**
   * Runs a write: refused before anything is sent when the session ended or read-only mode is on;
   * announces the change afterwards, also when the reply never came (the views then re-read instead
   * of assuming), in which case the caller gets OUTCOME_UNKNOWN, unless `sent` says no write went out.
   */
  private async write<T>(op: (readOnly: boolean) => Promise<T>, change: (result: T | undefined) => KeysChange | KeysChange[], sent: () => boolean = () => true): Promise<T> {
    const readOnly = this.refuseWrite();
    let result: T;
    try {
      result = await op(readOnly);
    } catch (err) {
      const e = isNovaError(err) ? err : toNovaError(err, 'command');
      if (unconfirmed(e) && sent()) {
        this.announce(change(undefined));
        throw new NovaError('OUTCOME_UNKNOWN', `${e.code}: ${e.detail}`);
      }
      throw e;
    }
    this.announce(change(result));
    return result;
  }

  private announce(change: KeysChange | KeysChange[]): void {
    for (const c of Array.isArray(change) ? change : [change]) {
      if (!this.ended) {
        this.changes.fire(c);
      }
    }
  }
}
