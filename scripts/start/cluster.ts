/**
 * `npm start -- --cluster`: a throw-away Redis Cluster of three masters on free loopback ports, each a
 * private redis-server like the one of `npm start`, joined with CLUSTER MEET / ADDSLOTS (what Redis 3.0
 * has, as the tests do), and the same sample data in DB 0, the only DB of a cluster.
 */
import path from 'node:path';
import Redis from 'ioredis';
import { formCluster, freeClusterPort } from '../../test/support/cluster';
import { redisClient, writeSample } from './sample';
import { startRedis, type RedisBinary, type StartedRedis } from './redis';

export const CLUSTER_MASTERS = 3;

export interface StartedCluster {
  nodes: StartedRedis[];
  /** The seed node REDIS_URL names. */
  port: number;
  /** Where each node writes its log, and its config. */
  logFiles: string[];
  configFiles: string[];
}

/** Starts the nodes one by one (so that a failure stops what started) and forms the cluster. */
export async function startCluster(binary: RedisBinary, dir: string, started: (node: StartedRedis) => void): Promise<StartedCluster> {
  const nodes: StartedRedis[] = [];
  const logFiles: string[] = [];
  const configFiles: string[] = [];
  for (let i = 0; i < CLUSTER_MASTERS; i++) {
    const logFile = path.join(dir, `node-${i + 1}.log`);
    configFiles.push(path.join(dir, `node-${i + 1}`, 'redis.conf'));
    const node = await startRedis(binary, path.join(dir, `node-${i + 1}`), logFile, {
      extraConfig: ['cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 5000'],
      pickPort: freeClusterPort,
    });
    started(node);
    nodes.push(node);
    logFiles.push(logFile);
  }
  await formCluster(
    nodes.map((n) => ({ host: '127.0.0.1', port: n.port, admin: () => redisClient(n.port, 0) })),
    CLUSTER_MASTERS,
    0,
  );
  return { nodes, port: nodes[0].port, logFiles, configFiles };
}

/**
 * The sample data written through ioredis's Cluster. The sample is written in pipelines, and a
 * Cluster pipeline must stay on one node: here each queued command is sent on its own through the
 * Cluster (which routes it by key), all at once, and `exec` gathers their replies as a pipeline would.
 * A DEL of several keys is split per key, since they may live in different slots.
 */
function routedPipelines(cluster: InstanceType<typeof Redis.Cluster>): Redis {
  const pipeline = (): unknown => {
    const sent: Promise<unknown>[] = [];
    const queue: Record<string, unknown> = new Proxy(
      {},
      {
        get: (_target, name: string) => {
          if (name === 'exec') {
            return async () => (await Promise.allSettled(sent)).map((r) => (r.status === 'fulfilled' ? [null, r.value] : [r.reason as Error, null]));
          }
          return (...args: unknown[]) => {
            const send = (cluster as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name].bind(cluster);
            sent.push(name === 'del' ? Promise.all(args.map((k) => send(k))) : send(...args));
            return queue;
          };
        },
      },
    );
    return queue;
  };
  return { pipeline } as unknown as Redis;
}

/** Seeds the cluster; resolves to its key count (the masters' DBSIZE summed) and the big value's size. */
export async function seedClusterSample(seedPort: number, generatedKeys: number): Promise<{ keys: number; bigValueBytes: number }> {
  const cluster = new Redis.Cluster([{ host: '127.0.0.1', port: seedPort }], {
    // Redis 3.0 knows neither HELLO nor CLIENT SETINFO.
    redisOptions: { protocol: 2, disableClientInfo: true },
    clusterRetryStrategy: () => null,
  });
  try {
    const bigValueBytes = await writeSample(routedPipelines(cluster), generatedKeys);
    const sizes = await Promise.all(cluster.nodes('master').map((n) => n.dbsize()));
    return { keys: sizes.reduce((a, b) => a + b, 0), bigValueBytes };
  } finally {
    cluster.disconnect();
  }
}
