/**
 * Opens whatever a target points at: one server, a Redis Cluster (detected, not configured), or a
 * master found through Sentinels. The one-server handshake always comes first (connect.ts); its
 * `INFO cluster` then says whether to switch to an ioredis Cluster built from the same target.
 */
import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import { serverInfoFromInfo, type ServerInfo } from './capabilities';
import {
  checkAnnouncedReachable,
  checkClusterDb,
  clusterClient,
  clusterEnabled,
  connectCluster,
  masterNodes,
  parseClusterNodes,
  type NodeAddress,
} from './cluster';
import { openConnection, toNovaError, type ConnectOptions, type OpenConnection } from './connect';
import { NovaError, isNovaError } from './errors';
import { describeSentinelMaster, explainSentinelFailure, type SentinelMaster } from './sentinel';
import { isSentinelTarget } from './sentinelUrl';
import type { RedisTarget } from './url';

export interface TopologyOptions extends ConnectOptions {
  /** `nova.cluster.forceStandalone`: talk to the seed node as one server (a cluster proxy). */
  forceStandalone?: boolean;
  /** Parsed `nova.cluster.natMap`. */
  natMap?: Record<string, NodeAddress>;
}

export type Opened =
  | (OpenConnection & { kind: 'standalone' })
  | (OpenConnection & { kind: 'sentinel'; master: SentinelMaster })
  | { kind: 'cluster'; cluster: Cluster; server: ServerInfo; authNotNeeded: boolean };

/** Whether the server the client is on runs in cluster mode; a server that refuses INFO cluster does not. */
async function isCluster(client: Redis): Promise<boolean> {
  try {
    return clusterEnabled(await client.info('cluster'));
  } catch {
    return false;
  }
}

/**
 * A DB other than 0 fails at SELECT on a cluster: tell that apart from a DB the server lacks, or a
 * connection that dropped, by asking the same server, on DB 0, whether it is a cluster (never by
 * reading the error text).
 */
async function explainRefusedDb(target: RedisTarget, options: TopologyOptions, original: NovaError): Promise<NovaError> {
  let probe: OpenConnection | undefined;
  try {
    probe = await openConnection({ ...target, db: 0 }, { ...options, clientName: `${options.clientName}:probe` });
    if (await isCluster(probe.client)) {
      return new NovaError('CLUSTER_DB', `db ${target.db} requested from a cluster that has only db 0`, { db: target.db });
    }
  } catch {
    // The probe is only there to explain the first error; that error stands.
  } finally {
    probe?.client.disconnect();
  }
  return original;
}

export async function openTarget(target: RedisTarget, options: TopologyOptions): Promise<Opened> {
  let opened: OpenConnection;
  try {
    opened = await openConnection(target, options);
  } catch (err) {
    if (isSentinelTarget(target)) {
      throw isNovaError(err, 'DB_OUT_OF_RANGE') ? err : await explainSentinelFailure(target, options, toNovaError(err, 'connect'));
    }
    // A cluster refuses SELECT with an error of its own, which the handshake does not take for a
    // missing DB: either way, ask the server whether it is a cluster.
    if ((isNovaError(err, 'DB_OUT_OF_RANGE') || isNovaError(err, 'CONNECTION_LOST')) && target.db !== 0) {
      throw await explainRefusedDb(target, options, err);
    }
    throw err;
  }
  if (isSentinelTarget(target)) {
    try {
      return { ...opened, kind: 'sentinel', master: await describeSentinelMaster(opened.client, target) };
    } catch (err) {
      opened.client.disconnect();
      throw toNovaError(err);
    }
  }
  if (options.forceStandalone || !(await isCluster(opened.client))) {
    return { ...opened, kind: 'standalone' };
  }
  const { client, server, authNotNeeded } = opened;
  let cluster: Cluster | undefined;
  try {
    checkClusterDb(target.db, server);
    const nodes = parseClusterNodes((await client.cluster('NODES')) as string);
    await checkAnnouncedReachable(nodes, options.natMap, options.connectTimeoutMs);
    // The seed connection leaves under another name, so the Cluster's own connection to that node
    // is the only one named `clientName` (the flush check counts on that).
    await client.client('SETNAME', `${options.clientName}:seed`);
    client.disconnect();
    cluster = clusterClient(target, options);
    await connectCluster(cluster);
    // Every master answers with the server the handshake identified; ask one for the record.
    const first = masterNodes(cluster)[0];
    const clusterServer = first ? serverInfoFromInfo(await first.client.info('server')) : server;
    return { kind: 'cluster', cluster, server: clusterServer, authNotNeeded };
  } catch (err) {
    client.disconnect();
    cluster?.disconnect();
    throw toNovaError(err, 'connect');
  }
}
