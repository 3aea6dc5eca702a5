/**
 * A master found through Sentinels, with ioredis's own Sentinel support (`sentinels`, `name`): it
 * asks the Sentinels for the current master at every connect. The handshake on the master is the
 * one connect.ts performs on any server (RESP2, no CLIENT SETINFO, AUTH and SELECT sent by us), so
 * Sentinel keeps numbered DBs and a rejected SELECT is fatal as on one server. After a failover the
 * Sentinels close the clients of the demoted master; the connection owner reconnects, which asks
 * the Sentinels again and lands on the new master.
 */
import type Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { parseInfo } from './capabilities';
import { NovaError, toNovaError } from './errors';
import { isSentinelTarget, type SentinelTarget } from './sentinelUrl';
import { hostPort, type RedisTarget } from './url';

/** The ioredis options that turn a client into a Sentinel-resolved one; nothing for other targets. */
export function sentinelClientOptions(target: RedisTarget, o: { connectTimeoutMs: number; commandTimeoutMs: number }): Partial<RedisOptions> {
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
