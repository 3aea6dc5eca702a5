/**
 * A master found through Sentinels, with ioredis's own Sentinel support (`sentinels`, `name`): it
 * asks the Sentinels for the current master at every connect. The handshake on the master is the
 * one connect.ts performs on any server (RESP2, no CLIENT SETINFO, AUTH and SELECT sent by us), so
 * Sentinel keeps numbered DBs and a rejected SELECT is fatal as on one server. After a failover the
 * Sentinels close the clients of the demoted master; the connection owner reconnects, which asks
 * the Sentinels again and lands on the new master.
 */
import Redis, { type RedisOptions } from 'ioredis';
import { parseInfo } from './capabilities';
import { baseClientOptions } from './connect';
import { NovaError, toNovaError } from './errors';
import { isSentinelTarget, type SentinelTarget } from './sentinelUrl';
import { hostPort, type RedisTarget } from './url';

interface ConnectTimeouts {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** The ioredis options that turn a client into a Sentinel-resolved one; nothing for other targets. */
export function sentinelClientOptions(target: RedisTarget, o: ConnectTimeouts): Partial<RedisOptions> {
  if (!isSentinelTarget(target)) {
    return {};
  }
  const s = target.sentinel;
  return {
    sentinels: s.sentinels.map((a) => ({ host: a.host, port: a.port })),
    name: s.name,
    ...(s.password === undefined ? {} : { sentinelPassword: s.password }),
    ...(s.username === undefined ? {} : { sentinelUsername: s.username }),
    // One pass over the Sentinels per connect; the owner's backoff decides when to try again.
    sentinelRetryStrategy: () => null,
    sentinelCommandTimeout: o.commandTimeoutMs,
    failoverDetector: false,
    enableTLSForSentinelMode: false,
  };
}

export interface ReplicaEntry {
  address: string;
  state: string;
  offset?: number;
  lagSeconds?: number;
}

export interface ReplicationInfo {
  role: string;
  replicas: ReplicaEntry[];
}

/** INFO replication: the role and, on a master, its replicas (`slaveN:ip=…,port=…,state=…`). */
export function parseReplication(text: string): ReplicationInfo {
  const info = parseInfo(text);
  const replicas: ReplicaEntry[] = [];
  for (const [name, value] of info) {
    if (!/^slave\d+$/.test(name)) {
      continue;
    }
    const fields = new Map(value.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
    const host = fields.get('ip') ?? '';
    const port = Number(fields.get('port') ?? 0);
    const offset = Number(fields.get('offset'));
    const lag = Number(fields.get('lag'));
    replicas.push({
      address: hostPort({ host, port }),
      state: fields.get('state') ?? '',
      ...(Number.isFinite(offset) ? { offset } : {}),
      ...(Number.isFinite(lag) ? { lagSeconds: lag } : {}),
    });
  }
  return { role: info.get('role') ?? '', replicas };
}

export interface SentinelMaster {
  /** `host:port` of the master this connection reached. */
  address: string;
  replication: ReplicationInfo;
}

/**
 * Checks that the node the Sentinels named is a master (right after a failover a Sentinel may still
 * name the old one) and says where it is. Throws SENTINEL_NO_MASTER otherwise; that is retried.
 */
export async function describeSentinelMaster(client: Redis, target: SentinelTarget): Promise<SentinelMaster> {
  const replication = parseReplication(await client.info('replication'));
  if (replication.role !== 'master') {
    throw new NovaError('SENTINEL_NO_MASTER', `the node the sentinels named is a ${replication.role || 'node of unknown role'}`, { name: target.sentinel.name });
  }
  const socket = client.stream;
  const address = hostPort({ host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 });
  return { address, replication };
}

type SentinelAnswer = 'master' | 'no-master' | NovaError;

/** Asks one Sentinel, on a connection of our own, whether it knows a master for the service. */
async function askSentinel(target: SentinelTarget, at: { host: string; port: number }, o: ConnectTimeouts): Promise<SentinelAnswer> {
  const s = target.sentinel;
  const client = new Redis({
    ...baseClientOptions({ host: at.host, port: at.port, db: 0, tls: false }, o),
    ...(s.password === undefined ? {} : { password: s.password }),
    ...(s.username === undefined ? {} : { username: s.username }),
  });
  // connect() rejects with a bare "Connection is closed"; the cause comes as an 'error' event.
  let socketError: unknown;
  client.on('error', (err) => {
    socketError = err;
  });
  try {
    try {
      await client.connect();
    } catch (err) {
      throw socketError ?? err;
    }
    const reply = await client.call('SENTINEL', 'get-master-addr-by-name', s.name);
    return Array.isArray(reply) && reply.length === 2 ? 'master' : 'no-master';
  } catch (err) {
    const e = toNovaError(err, 'auth');
    return e.code === 'AUTH_REQUIRED' || e.code === 'WRONG_PASSWORD' ? new NovaError('SENTINEL_AUTH', e.detail) : e;
  } finally {
    client.disconnect();
  }
}

/**
 * ioredis reports any failure to find a master as "all sentinels are unreachable". Asking the
 * Sentinels ourselves tells the cases apart: a password they refuse, a service they do not watch,
 * or Sentinels that are really down. If they all name a master, the original error stands.
 */
export async function explainSentinelFailure(target: SentinelTarget, o: ConnectTimeouts, original: NovaError): Promise<NovaError> {
  const answers = await Promise.all(target.sentinel.sentinels.map((at) => askSentinel(target, at, o)));
  if (answers.includes('master')) {
    return original;
  }
  const auth = answers.find((a): a is NovaError => a instanceof NovaError && a.code === 'SENTINEL_AUTH');
  if (auth) {
    return auth;
  }
  if (answers.includes('no-master')) {
    return new NovaError('SENTINEL_NO_MASTER', 'no sentinel knows a master for the service', { name: target.sentinel.name });
  }
  return answers.find((a): a is NovaError => a instanceof NovaError) ?? original;
}
