/**
 * Opens one connection and performs a handshake that Redis 3.0 accepts without a single error:
 * no HELLO (RESP2 only), no CLIENT SETINFO, AUTH and SELECT sent by us so that a rejected SELECT is
 * fatal instead of leaving the client in DB 0 (what ioredis does on its own).
 */
import Redis, { type Cluster } from 'ioredis';
import { NovaError, classifyError, isNovaError, toNovaError, type ErrorPhase } from './errors';
import { serverInfoFromInfo, type ServerInfo } from './capabilities';
import { sentinelClientOptions } from './sentinel';
import type { RedisTarget } from './url';

// The engine modules import the mapping from here; it lives next to the codes.
export { classifyError, toNovaError } from './errors';

/**
 * What serves the commands on one key: the one server, or ioredis's Cluster, which sends them to
 * the master that owns the key's slot and follows MOVED and ASK while the cluster reshards.
 */
export type KeyClient = Redis | Cluster;

export interface ConnectOptions {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** CLIENT SETNAME value: lets a later check find this very connection in CLIENT LIST. */
  clientName: string;
}

export interface OpenConnection {
  client: Redis;
  server: ServerInfo;
  /** Set when a password was given but the server has none: the backend may fail where we do not. */
  authNotNeeded: boolean;
}

/** Options for every client the extension creates, whatever the server version. */
export function baseClientOptions(target: RedisTarget, o: Pick<ConnectOptions, 'connectTimeoutMs' | 'commandTimeoutMs'>) {
  return {
    host: target.host,
    port: target.port,
    tls: target.tls ? { servername: target.host } : undefined,
    protocol: 2 as const,
    disableClientInfo: true,
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    // Reconnection belongs to the connection owner, which re-runs the whole handshake; ioredis
    // must never resend a command (a DEL or FLUSHDB) on a new socket by itself.
    retryStrategy: () => null,
    reconnectOnError: null,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 0,
    connectTimeout: o.connectTimeoutMs,
    commandTimeout: o.commandTimeoutMs,
    keepAlive: 10_000,
    ...sentinelClientOptions(target, o),
  };
}

/**
 * Connects, authenticates, selects the DB and identifies the server. On any failure the socket is
 * closed and a coded error thrown; no partially set-up client ever escapes.
 */
export async function openConnection(target: RedisTarget, options: ConnectOptions): Promise<OpenConnection> {
  const client = new Redis(baseClientOptions(target, options));
  // Errors surface through the awaited calls below and through the owner's 'close' handler;
  // without a listener ioredis would print them, AUTH arguments included, to the console.
  let socketError: unknown;
  client.on('error', (err) => {
    socketError = err;
  });
  let phase: ErrorPhase = 'connect';
  try {
    await client.connect();
    let authNotNeeded = false;
    let server: ServerInfo | undefined;
    if (target.username !== undefined) {
      // AUTH with a username needs Redis 6; ask the server what it is before sending it, when it lets us.
      try {
        server = serverInfoFromInfo(await client.info('server'));
      } catch (err) {
        if (classifyError(err, 'command') !== 'AUTH_REQUIRED') {
          throw err;
        }
      }
      if (server && !server.caps.aclUsers) {
        throw new NovaError('ACL_UNSUPPORTED', `server ${server.version} has no ACL users`, { version: server.version });
      }
    }
    if (target.password !== undefined || target.username !== undefined) {
      phase = 'auth';
      try {
        if (target.username !== undefined) {
          await client.auth(target.username, target.password ?? '');
        } else {
          await client.auth(target.password ?? '');
        }
      } catch (err) {
        const message = err instanceof Error ? err.message : '';
        if (target.username === undefined && classifyError(err, 'auth') === 'AUTH_NOT_NEEDED') {
          authNotNeeded = true;
        } else if (target.username !== undefined && /wrong number of arguments/i.test(message)) {
          throw new NovaError('ACL_UNSUPPORTED', 'the server rejected AUTH with a username');
        } else {
          throw err;
        }
      }
    }
    phase = 'select';
    await client.select(target.db);
    phase = 'command';
    server ??= serverInfoFromInfo(await client.info('server'));
    await client.client('SETNAME', options.clientName);
    return { client, server, authNotNeeded };
  } catch (err) {
    client.disconnect();
    // ioredis rejects connect() with a bare "Connection is closed"; the cause came as an 'error' event.
    const cause = phase === 'connect' && socketError !== undefined && !isNovaError(err) ? socketError : err;
    const nova = toNovaError(cause, phase);
    if (phase === 'select' && nova.code === 'DB_OUT_OF_RANGE') {
      throw new NovaError('DB_OUT_OF_RANGE', nova.detail, { db: target.db });
    }
    throw nova;
  }
}
