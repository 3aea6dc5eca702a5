/**
 * The one owner of the Redis client. It holds the connection state machine, re-runs the whole
 * handshake on every reconnect (so the DB is selected again or the connection fails), retries with
 * bounded backoff, and stops retrying on errors that retrying cannot fix. Each connected generation
 * is published as one `RedisSession`, the only way to the client. No `vscode` import: the redis
 * test tier drives it against real servers.
 */
import type Redis from 'ioredis';
import { NovaError, type ErrorCode } from '../redis/errors';
import type { Cluster } from 'ioredis';
import { clusterClient, connectCluster, parseNatMap, type ClusterCount, type NodeCount } from '../redis/cluster';
import { openConnection, toNovaError, type ConnectOptions, type OpenConnection } from '../redis/connect';
import { openTarget } from '../redis/topology';
import type { ServerInfo } from '../redis/capabilities';
import { registerSecret } from '../redis/scrub';
import { isSentinelTarget } from '../redis/sentinelUrl';
import type { RedisTarget } from '../redis/url';
import { Emitter, type Disposable } from '../util/event';
import type { ReadOnlySetting } from '../config/settingsSchema';
import { RedisSession, type KeysChange, type Topology } from './session';

/** Where the target came from, for the tooltip and the log. */
export interface TargetSource {
  /** Path of the .env file that was read, if any. */
  file?: string;
  /** 1-based line of REDIS_URL in that file. */
  line?: number;
  /** True when no REDIS_URL was found and NOVA's default URL is used. */
  defaulted: boolean;
}

/**
 * What the state tells the world about the target: everything but the password, and no user name
 * that comes without one (shown as `***`): `redis://secret@host` is a password missing its colon far
 * more often than an ACL user. Connecting uses the target itself, never this.
 */
export type Endpoint = Omit<RedisTarget, 'password'> & { hasPassword: boolean };

const MASKED_USER = '***';

export function endpointOf(target: RedisTarget): Endpoint {
  const { password, username, ...rest } = target;
  const shown = username === undefined ? {} : { username: password === undefined ? MASKED_USER : username };
  const endpoint: Endpoint = { ...rest, ...shown, hasPassword: password !== undefined };
  if (isSentinelTarget(target)) {
    // The Sentinels' password stays out of the state too; '' only says that there is one.
    const { password: sentinelPassword, ...spec } = target.sentinel;
    return Object.assign(endpoint, { sentinel: { ...spec, ...(sentinelPassword === undefined ? {} : { password: '' }) } });
  }
  return endpoint;
}

export type ConnectionState =
  | { kind: 'idle' }
  | { kind: 'connecting'; target: Endpoint; source: TargetSource; attempt: number }
  | {
      kind: 'connected';
      target: Endpoint;
      source: TargetSource;
      server: ServerInfo;
      rttMs: number;
      dbSize: number | undefined;
      authNotNeeded: boolean;
      /**
       * Set (Date.now() of the unanswered probe) while the server holds the socket open but answers
       * nothing: a frozen process, a long save on Windows, a blocking command. Cleared by the next reply.
       */
      stalledSinceMs: number | undefined;
      /** Changes on each new connection, so views know to reload. */
      generation: number;
      /** One server, a cluster, or a master found through Sentinels. */
      topology: Topology['kind'];
      /** Sentinel: the master this generation reached, and the one before when a failover moved it. */
      master?: string;
      previousMaster?: string;
      /** Cluster: DBSIZE per master (`dbSize` is their sum). */
      nodes?: NodeCount[];
      /** Cluster: CLUSTER INFO / NODES in short, refreshed with the count. */
      cluster?: ClusterSummary;
    }
  | { kind: 'reconnecting'; target: Endpoint; source: TargetSource; attempt: number; retryInMs: number; error: NovaError }
  | { kind: 'failed'; target?: Endpoint; source: TargetSource; error: NovaError };

export interface ManagerOptions extends Omit<ConnectOptions, 'clientName'> {
  /** How often DBSIZE is read while connected, for the key count. */
  heartbeatMs: number;
  /**
   * How often liveness is probed (PING, or the DBSIZE when due), independently of `heartbeatMs`,
   * so that a stall shows within seconds whatever the refresh setting.
   */
  probeMs?: number;
  /** A probe unanswered this long marks the connection stalled; never longer than the command timeout. */
  stallAfterMs?: number;
  /** Backoff delays; the last one repeats. Short enough that a restarted server is seen within seconds. */
  backoffMs?: number[];
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** The read-only setting, read by each session at every write. Default `auto`. */
  readOnly?: () => ReadOnlySetting;
  /** `nova.cluster.forceStandalone`, read at each connection. */
  forceStandalone?: () => boolean;
  /** `nova.cluster.natMap` as written in the settings, read at each connection. */
  natMap?: () => unknown;
}

/** A change announced by the live session, and which session made it. */
export interface SessionKeysChange {
  session: RedisSession;
  change: KeysChange;
}

/** Errors that another attempt with the same settings cannot fix: wait for the user or the .env. */
const FATAL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'URL_MALFORMED',
  'URL_SCHEME',
  'DB_INVALID',
  'DB_OUT_OF_RANGE',
  'AUTH_REQUIRED',
  'WRONG_PASSWORD',
  'ACL_UNSUPPORTED',
  'CLUSTER_DB',
  'NAT_MAP_INVALID',
  'SENTINEL_AUTH',
]);

export function isFatal(code: ErrorCode): boolean {
  return FATAL.has(code);
}

const DEFAULT_BACKOFF = [250, 500, 1000, 2000, 3000];
/** Consecutive probe timeouts (each one a full command timeout) after which a silent server is treated as gone. */
const MAX_MISSED_HEARTBEATS = 2;
const DEFAULT_PROBE_MS = 1000;
const DEFAULT_STALL_AFTER_MS = 2500;

let clientCounter = 0;

export interface ClusterSummary {
  state: string;
  slotsOk: number;
  slotsAssigned: number;
  masters: number;
  mastersUp: number;
  replicas: number;
  replicasUp: number;
}

/** CLUSTER INFO in short for the state; undefined off a cluster or when no master answered. */
async function clusterSummary(session: RedisSession): Promise<ClusterSummary | undefined> {
  if (session.topology.kind !== 'cluster') {
    return undefined;
  }
  try {
    const c = await session.clusterState();
    return c && { state: c.state, slotsOk: c.slotsOk, slotsAssigned: c.slotsAssigned, masters: c.masters, mastersUp: c.mastersUp, replicas: c.replicas, replicasUp: c.replicasUp };
  } catch {
    return undefined;
  }
}

/** The state's key count: the total, and on a cluster the split per master. */
function countPatch(count: ClusterCount): { dbSize: number; nodes?: NodeCount[] } {
  return count.nodes.length > 0 ? { dbSize: count.total, nodes: count.nodes } : { dbSize: count.total };
}

export class ConnectionManager implements Disposable {
  private readonly stateEmitter = new Emitter<ConnectionState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly keysEmitter = new Emitter<SessionKeysChange>();
  /** What the live session's writes changed: views subscribe once here instead of per session. */
  readonly onDidChangeKeys = this.keysEmitter.event;

  private current: ConnectionState = { kind: 'idle' };
  private target: RedisTarget | undefined;
  private source: TargetSource = { defaulted: false };
  private client: Redis | Cluster | undefined;
  /** The Sentinel master of the last generation, to say when a failover moved it. */
  private lastMaster: string | undefined;
  /** The session of the connected generation; disposed as soon as that generation ends. */
  private live: RedisSession | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private generation = 0;
  /** Bumped by every configure/connect/disconnect, so a stale attempt's result is ignored. */
  private epoch = 0;
  private missedHeartbeats = 0;
  /** When the last DBSIZE was sent on the live connection. */
  private lastDbSizeAt = 0;
  private disposed = false;

  constructor(private options: ManagerOptions) {}

  /** New timeouts apply from the next connection attempt; the heartbeat interval from the next beat. */
  setOptions(patch: Partial<ManagerOptions>): void {
    this.options = { ...this.options, ...patch };
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Sets what to connect to (or the configuration error that prevents it) and connects. */
  configure(target: RedisTarget | NovaError, source: TargetSource): void {
    this.source = source;
    if (target instanceof NovaError) {
      this.target = undefined;
      this.teardown();
      this.setState({ kind: 'failed', source, error: target });
      return;
    }
    registerSecret(target.password);
    if (isSentinelTarget(target)) {
      registerSecret(target.sentinel.password);
    }
    if (target.password === undefined) {
      // A lone user name is usually a password whose colon was forgotten.
      registerSecret(target.username);
    }
    this.target = target;
    this.connect();
  }

  /** Connects now, forgetting earlier failures (the user asked, or the settings changed). */
  connect(): void {
    if (!this.target || this.disposed) {
      return;
    }
    this.teardown();
    this.attempt = 0;
    void this.tryConnect(this.epoch);
  }

  disconnect(): void {
    this.teardown();
    this.setState({ kind: 'idle' });
  }

  /** The session of the connected generation, if connected. */
  get session(): RedisSession | undefined {
    return this.live;
  }

  /**
   * A second connection to the same target and DB with the same handshake, owned by the caller
   * (the console: its BLPOP or MONITOR must not stall the explorer). Only while connected.
   */
  async openDedicatedConnection(clientName: string): Promise<OpenConnection & { endpoint: Endpoint }> {
    if (this.current.kind !== 'connected' || !this.target) {
      throw new NovaError('NOT_CONNECTED', `state ${this.current.kind}`);
    }
    const target = this.target;
    const opened = await openConnection(target, { connectTimeoutMs: this.options.connectTimeoutMs, commandTimeoutMs: this.options.commandTimeoutMs, clientName });
    return { ...opened, endpoint: endpointOf(target) };
  }

  /**
   * On a cluster, what the console needs besides its seed connection: an ioredis Cluster of its own
   * (it routes and follows redirections) and connections to single masters, all with the
   * session's credentials, TLS and natMap. Undefined when the session is not on a cluster.
   */
  dedicatedClusterAccess(clientName: string): { openCluster(): Promise<Cluster>; openNode(host: string, port: number): Promise<OpenConnection> } | undefined {
    const target = this.target;
    if (this.current.kind !== 'connected' || this.live?.topology.kind !== 'cluster' || !target) {
      return undefined;
    }
    const options = { connectTimeoutMs: this.options.connectTimeoutMs, commandTimeoutMs: this.options.commandTimeoutMs, clientName };
    return {
      openCluster: async () => {
        const cluster = clusterClient(target, { ...options, natMap: parseNatMap(this.options.natMap?.()) });
        await connectCluster(cluster);
        return cluster;
      },
      // The DB of the URL: 0, or another one where the cluster has numbered DBs (Valkey 9 on).
      openNode: (host, port) => openConnection({ ...target, host, port }, options),
    };
  }

  /** The live session, or NOT_CONNECTED at once: nothing waits in an offline queue. */
  requireSession(): RedisSession {
    const session = this.live;
    if (this.current.kind !== 'connected' || !session) {
      throw new NovaError('NOT_CONNECTED', `state ${this.current.kind}`);
    }
    return session;
  }

  /** Reads DBSIZE now (after a change made from the extension) instead of at the next heartbeat. */
  async refreshDbSize(): Promise<void> {
    const session = this.requireSession();
    const count = await session.keyCount();
    if (session === this.live) {
      this.updateConnected(countPatch(count));
    }
  }

  /** PING with its round-trip time; also refreshes DBSIZE for the status bar. */
  async ping(): Promise<{ rttMs: number; server: ServerInfo; target: Endpoint }> {
    const session = this.requireSession();
    const rttMs = await session.ping();
    const count = await session.keyCount();
    if (session === this.live) {
      this.markAnswering();
      this.updateConnected({ rttMs, ...countPatch(count) });
    }
    return { rttMs, server: session.server, target: session.endpoint };
  }

  private startSession(client: Redis | Cluster, clientName: string, target: RedisTarget, server: ServerInfo, topology: Topology): RedisSession {
    this.endSession();
    const session = new RedisSession({
      client,
      topology,
      clientName,
      endpoint: endpointOf(target),
      server,
      generation: this.generation,
      commandTimeoutMs: this.options.commandTimeoutMs,
      readOnly: () => this.options.readOnly?.() ?? 'auto',
      // A cluster has one socket per node; its endpoint host decides.
      peerAddress: topology.kind === 'cluster' ? undefined : (client as Redis).stream?.remoteAddress,
      openConnection: async (suffix) => {
        const opened = await openConnection(target, { connectTimeoutMs: this.options.connectTimeoutMs, commandTimeoutMs: this.options.commandTimeoutMs, clientName: `${clientName}-${suffix}` });
        return opened.client;
      },
      openNodeConnection: async (host, port, suffix) => {
        const opened = await openConnection({ ...target, host, port }, { connectTimeoutMs: this.options.connectTimeoutMs, commandTimeoutMs: this.options.commandTimeoutMs, clientName: `${clientName}-${suffix}` });
        return opened.client;
      },
    });
    session.onDidChangeKeys((change) => {
      this.keysEmitter.fire({ session, change });
      // The status bar's count follows the write instead of waiting for the next heartbeat.
      void this.refreshDbSize().catch(() => undefined);
    });
    this.live = session;
    return session;
  }

  /** Every later call on the ended generation's session fails at once with SESSION_ENDED. */
  private endSession(): void {
    const session = this.live;
    this.live = undefined;
    session?.dispose();
  }

  private async tryConnect(epoch: number): Promise<void> {
    const target = this.target;
    if (!target) {
      return;
    }
    this.attempt += 1;
    // Automatic retries stay "reconnecting": flashing "connecting" every few seconds would hide the outage.
    if (this.current.kind !== 'reconnecting') {
      this.setState({ kind: 'connecting', target: endpointOf(target), source: this.source, attempt: this.attempt });
    }
    try {
      clientCounter += 1;
      const clientName = `nova-redis-${process.pid}-${clientCounter}`;
      const opened = await openTarget(target, {
        connectTimeoutMs: this.options.connectTimeoutMs,
        commandTimeoutMs: this.options.commandTimeoutMs,
        clientName,
        forceStandalone: this.options.forceStandalone?.() ?? false,
        natMap: parseNatMap(this.options.natMap?.()),
      });
      const client = opened.kind === 'cluster' ? opened.cluster : opened.client;
      if (epoch !== this.epoch || this.disposed) {
        client.disconnect();
        return;
      }
      this.client = client;
      client.once(opened.kind === 'cluster' ? 'end' : 'close', () => this.onClose(client));
      const topology: Topology = opened.kind === 'cluster' ? { kind: 'cluster', cluster: opened.cluster } : opened.kind === 'sentinel' ? { kind: 'sentinel', master: opened.master } : { kind: 'standalone' };
      this.attempt = 0;
      this.generation += 1;
      this.missedHeartbeats = 0;
      this.lastDbSizeAt = Date.now();
      const session = this.startSession(client, clientName, target, opened.server, topology);
      let count: { total: number; nodes: NodeCount[] } | undefined;
      let rttMs = 0;
      try {
        const start = process.hrtime.bigint();
        count = await session.keyCount();
        rttMs = Number(process.hrtime.bigint() - start) / 1e6;
      } catch {
        count = undefined;
      }
      const cluster = await clusterSummary(session);
      if (epoch !== this.epoch || this.client !== client) {
        return;
      }
      if (opened.authNotNeeded) {
        this.log('warn', 'A password is set in REDIS_URL but the server does not require one.');
      }
      const master = opened.kind === 'sentinel' ? opened.master.address : undefined;
      const previousMaster = master !== undefined && this.lastMaster !== undefined && this.lastMaster !== master ? this.lastMaster : undefined;
      if (previousMaster) {
        this.log('warn', `The Sentinels moved the master from ${previousMaster} to ${master}.`);
      }
      this.lastMaster = master;
      this.setState({
        kind: 'connected',
        target: endpointOf(target),
        source: this.source,
        server: opened.server,
        rttMs,
        dbSize: count?.total,
        authNotNeeded: opened.authNotNeeded,
        stalledSinceMs: undefined,
        generation: this.generation,
        topology: topology.kind,
        ...(master === undefined ? {} : { master }),
        ...(previousMaster === undefined ? {} : { previousMaster }),
        ...(opened.kind === 'cluster' && count ? { nodes: count.nodes } : {}),
        ...(cluster ? { cluster } : {}),
      });
      this.scheduleHeartbeat();
    } catch (err) {
      if (epoch !== this.epoch || this.disposed) {
        return;
      }
      const error = toNovaError(err, 'connect');
      this.fail(target, error);
    }
  }

  private fail(target: RedisTarget, error: NovaError): void {
    if (isFatal(error.code)) {
      this.setState({ kind: 'failed', target: endpointOf(target), source: this.source, error });
      return;
    }
    const backoff = this.options.backoffMs ?? DEFAULT_BACKOFF;
    const retryInMs = backoff[Math.min(this.attempt, backoff.length) - 1] ?? backoff[backoff.length - 1] ?? 1000;
    this.setState({ kind: 'reconnecting', target: endpointOf(target), source: this.source, attempt: this.attempt, retryInMs, error });
    const epoch = this.epoch;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.tryConnect(epoch);
    }, retryInMs);
  }

  private onClose(client: Redis | Cluster): void {
    if (client !== this.client || this.disposed) {
      return;
    }
    this.client = undefined;
    this.endSession();
    this.stopHeartbeat();
    const target = this.target;
    if (!target) {
      return;
    }
    this.log('warn', 'The connection to Redis was lost; reconnecting.');
    this.attempt = 1;
    this.fail(target, new NovaError('CONNECTION_LOST', 'connection closed'));
  }

  private scheduleHeartbeat(): void {
    this.stopHeartbeat();
    const epoch = this.epoch;
    this.heartbeatTimer = setTimeout(
      () => {
        void this.heartbeat(epoch);
      },
      Math.min(this.options.probeMs ?? DEFAULT_PROBE_MS, this.options.heartbeatMs),
    );
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) {
      clearTimeout(this.heartbeatTimer);
      this.heartbeatTimer = undefined;
    }
  }

  /**
   * One liveness probe: DBSIZE when the key count is due, PING otherwise. Our own timer marks the
   * connection stalled well before the command timeout rejects the probe; the reply clears it.
   */
  private async heartbeat(epoch: number): Promise<void> {
    const client = this.client;
    const session = this.live;
    if (!client || !session || epoch !== this.epoch) {
      return;
    }
    const sentAt = Date.now();
    const readDbSize = sentAt - this.lastDbSizeAt >= this.options.heartbeatMs;
    const stallAfterMs = Math.min(this.options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS, this.options.commandTimeoutMs);
    const stallTimer = setTimeout(() => {
      if (client === this.client) {
        this.markStalled(sentAt);
      }
    }, stallAfterMs);
    try {
      const start = process.hrtime.bigint();
      const count = readDbSize ? await session.keyCount() : undefined;
      if (!readDbSize) {
        await session.ping();
      }
      const rttMs = Number(process.hrtime.bigint() - start) / 1e6;
      this.missedHeartbeats = 0;
      const cluster = await clusterSummary(session);
      if (client === this.client) {
        this.markAnswering();
        if (count) {
          this.lastDbSizeAt = sentAt;
          this.updateConnected({ rttMs, ...countPatch(count), ...(cluster ? { cluster } : {}) });
        }
      }
    } catch (err) {
      if (client !== this.client) {
        return;
      }
      const error = toNovaError(err, 'command');
      this.missedHeartbeats += 1;
      this.log('warn', `Heartbeat failed (${error.code}).`);
      if (error.code === 'COMMAND_TIMEOUT') {
        this.markStalled(sentAt);
      }
      if (error.code === 'COMMAND_TIMEOUT' && this.missedHeartbeats >= MAX_MISSED_HEARTBEATS) {
        // A stalled server keeps the socket open; drop it so the state says what the user sees.
        this.client = undefined;
        this.endSession();
        client.disconnect();
        this.attempt = 1;
        if (this.target) {
          this.fail(this.target, error);
        }
        return;
      }
    } finally {
      clearTimeout(stallTimer);
    }
    if (client === this.client) {
      this.scheduleHeartbeat();
    }
  }

  private markStalled(sinceMs: number): void {
    const s = this.current;
    if (s.kind === 'connected' && s.stalledSinceMs === undefined) {
      this.log('warn', `Redis has not answered for ${Date.now() - sinceMs} ms; still connected, waiting.`);
      this.updateConnected({ stalledSinceMs: sinceMs });
    }
  }

  private markAnswering(): void {
    const s = this.current;
    if (s.kind === 'connected' && s.stalledSinceMs !== undefined) {
      this.log('info', `Redis answers again after ${Date.now() - s.stalledSinceMs} ms.`);
      this.updateConnected({ stalledSinceMs: undefined });
    }
  }

  private updateConnected(patch: { rttMs?: number; dbSize?: number; nodes?: NodeCount[]; cluster?: ClusterSummary; stalledSinceMs?: number | undefined }): void {
    const s = this.current;
    if (s.kind !== 'connected') {
      return;
    }
    this.setState({ ...s, ...patch });
  }

  private teardown(): void {
    this.epoch += 1;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    this.stopHeartbeat();
    const client = this.client;
    this.client = undefined;
    this.endSession();
    client?.disconnect();
  }

  private setState(state: ConnectionState): void {
    const previous = this.current.kind;
    this.current = state;
    if (previous !== state.kind) {
      const code = 'error' in state ? ` (${state.error.code})` : '';
      this.log(state.kind === 'failed' ? 'error' : 'info', `Connection state: ${previous} → ${state.kind}${code}`);
    }
    this.stateEmitter.fire(state);
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.log?.(level, message);
  }

  dispose(): void {
    this.disposed = true;
    this.teardown();
    this.stateEmitter.dispose();
    this.keysEmitter.dispose();
  }
}
