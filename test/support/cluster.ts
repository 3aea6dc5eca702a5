/**
 * A real Redis Cluster for the tests: three masters with one replica each, on loopback ports, built
 * with plain CLUSTER MEET / ADDSLOTS / REPLICATE (what Redis 3.0 has; `redis-cli --cluster` came
 * with 5.0 and redis-trib needs Ruby). Every node is a RedisServer, so it lives in its own temporary
 * directory and is killed on exit even when a test fails.
 */
import Redis from 'ioredis';
import net from 'node:net';
import { RedisServer, freePort, waitFor } from './redisServer';

export const SLOTS = 16384;

export interface ClusterOptions {
  masters?: number;
  /** Replicas per master (0 or 1 in practice). */
  replicas?: number;
  /** Extra `--name value` pairs for every node. */
  args?: string[];
  password?: string;
  /** Extra pairs for one node (masters first, then replicas), given the port it will listen on. */
  nodeArgs?: (index: number, port: number) => Promise<string[]>;
}

export interface ClusterNodeInfo {
  id: string;
  server: RedisServer;
  role: 'master' | 'replica';
  /** For a replica, the id of its master. */
  masterId?: string;
  /** Inclusive slot ranges a master serves. */
  slots: [number, number][];
}

/** Gives up on a cluster that does not settle, instead of hanging the test file. */
const SETTLE_MS = 30_000;

export class TestCluster {
  /** Slots moved by `migrateSlot` since the start, and their new owner. */
  private readonly moved = new Map<number, ClusterNodeInfo>();

  constructor(
    readonly nodes: ClusterNodeInfo[],
    private readonly password: string | undefined,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<TestCluster> {
    const masters = options.masters ?? 3;
    const replicas = options.replicas ?? 1;
    const servers: RedisServer[] = [];
    try {
      const total = masters * (1 + replicas);
      for (let i = 0; i < total; i++) {
        const port = await freeClusterPort();
        const extra = options.nodeArgs ? await options.nodeArgs(i, port) : [];
        servers.push(await RedisServer.start({ args: [...nodeArgs(options), ...extra], password: options.password, port }));
      }
      const ids = await formCluster(servers, masters, replicas);
      const infos = servers.map((server, i): ClusterNodeInfo =>
        i < masters
          ? { id: ids[i], server, role: 'master', slots: [masterRange(i, masters)] }
          : { id: ids[i], server, role: 'replica', masterId: ids[(i - masters) % masters], slots: [] },
      );
      return new TestCluster(infos, options.password);
    } catch (err) {
      await Promise.all(servers.map((s) => s.stop()));
      throw err;
    }
  }

  get masters(): ClusterNodeInfo[] {
    return this.nodes.filter((n) => n.role === 'master');
  }

  get replicas(): ClusterNodeInfo[] {
    return this.nodes.filter((n) => n.role === 'replica');
  }

  /** The seed node a client starts from. */
  get seed(): RedisServer {
    return this.nodes[0].server;
  }

  /** `redis://[:password@]127.0.0.1:port/db` of the seed node. */
  url(db = 0): string {
    return this.seed.url(db, this.password);
  }

  /** A plain client on one node (no cluster routing), for arranging and checking a node's state. */
  admin(node: ClusterNodeInfo): Redis {
    return node.server.admin(0);
  }

  /** An ioredis Cluster for seeding and checking data; RESP2, no CLIENT SETINFO. */
  client(): InstanceType<typeof Redis.Cluster> {
    return new Redis.Cluster([{ host: this.seed.host, port: this.seed.port }], {
      redisOptions: { password: this.password, protocol: 2, disableClientInfo: true },
    });
  }

  /** The master that serves `slot`. */
  ownerOf(slot: number): ClusterNodeInfo {
    const owner = this.moved.get(slot) ?? this.masters.find((m) => m.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!owner) {
      throw new Error(`no master serves slot ${slot}`);
    }
    return owner;
  }

  /** Runs `fn` on every master's own connection and returns the results in master order. */
  async onMasters<T>(fn: (client: Redis, node: ClusterNodeInfo) => Promise<T>): Promise<T[]> {
    return Promise.all(
      this.masters.map(async (m) => {
        const c = this.admin(m);
        try {
          return await fn(c, m);
        } finally {
          c.disconnect();
        }
      }),
    );
  }

  /**
   * Moves one slot's keys from its owner to `to` the way a resharding does: CLUSTER SETSLOT
   * IMPORTING on the target, MIGRATING on the source, then MIGRATE of each key (the 3.0 one-key
   * form). With `finish`, every master is told the new owner (SETSLOT NODE) and the move is over;
   * without it the slot stays half-moved, and the source answers ASK for the keys already gone.
   * Nothing happens when `to` already owns the slot.
   */
  async migrateSlot(slot: number, to: ClusterNodeInfo, finish: boolean): Promise<void> {
    const from = this.ownerOf(slot);
    if (from === to) {
      return;
    }
    const source = this.admin(from);
    const target = this.admin(to);
    try {
      await target.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', from.id);
      await source.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', to.id);
      for (;;) {
        const keys = (await source.callBuffer('CLUSTER', 'GETKEYSINSLOT', String(slot), '100')) as Buffer[];
        if (keys.length === 0) {
          break;
        }
        for (const k of keys) {
          await source.callBuffer('MIGRATE', to.server.host, String(to.server.port), k, '0', '5000');
        }
      }
      if (finish) {
        // The target first: from then on it serves the slot even before the others hear of it.
        for (const m of [to, from, ...this.masters.filter((x) => x !== to && x !== from)]) {
          const c = this.admin(m);
          try {
            await c.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id);
          } finally {
            c.disconnect();
          }
        }
        this.moved.set(slot, to);
      }
    } finally {
      source.disconnect();
      target.disconnect();
    }
  }

  /** Sum of every master's DBSIZE, read node by node. */
  async totalKeys(): Promise<number> {
    const sizes = await this.onMasters((c) => c.dbsize());
    return sizes.reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.server.stop()));
  }
}

/** A node also listens on port + 10000 for the cluster bus (before 7.0 that offset is fixed). */
export async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + 10000 <= 65535 && (await portIsFree(port + 10000))) {
      return port;
    }
  }
  throw new Error('no free port pair for a cluster node');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function nodeArgs(options: ClusterOptions): string[] {
  return [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    // Short enough that a killed master is noticed within the test's watchdogs.
    '--cluster-node-timeout',
    '3000',
    ...(options.args ?? []),
  ];
}

/** A node to join into a cluster: where it listens and a plain connection to it. */
export interface ClusterMember {
  host: string;
  port: number;
  admin(db?: number): Redis;
}

/** The inclusive slot range master `m` of `masters` serves: the slots split evenly, in order. */
export function masterRange(m: number, masters: number): [number, number] {
  return [Math.floor((m * SLOTS) / masters), Math.floor(((m + 1) * SLOTS) / masters) - 1];
}

/**
 * Joins fresh cluster-enabled nodes into one cluster: the first `masters` serve the slots split
 * evenly, each following node replicates master (its index - masters) % masters. Waits until every
 * node agrees and the cluster is ok; returns the node ids, in the nodes' order.
 */
export async function formCluster(nodes: readonly ClusterMember[], masters: number, replicas: number): Promise<string[]> {
  const clients = nodes.map((s) => s.admin(0));
  try {
    const ids = await Promise.all(clients.map(async (c) => String(await c.call('CLUSTER', 'MYID').catch(() => myIdFromNodes(c)))));
    for (let i = 1; i < clients.length; i++) {
      await clients[i].call('CLUSTER', 'MEET', nodes[0].host, String(nodes[0].port));
    }
    for (let m = 0; m < masters; m++) {
      const [start, end] = masterRange(m, masters);
      const slots: string[] = [];
      for (let s = start; s <= end; s++) {
        slots.push(String(s));
      }
      await clients[m].call('CLUSTER', 'ADDSLOTS', ...slots);
    }
    await waitFor('every node to know every other', async () => {
      const views = await Promise.all(clients.map((c) => c.call('CLUSTER', 'NODES') as Promise<string>));
      return views.every((v) => v.trim().split('\n').filter((l) => !/\b(handshake|noaddr)\b/.test(l)).length === nodes.length);
    }, SETTLE_MS);
    for (let r = 0; r < masters * replicas; r++) {
      await clients[masters + r].call('CLUSTER', 'REPLICATE', ids[r % masters]);
    }
    await waitFor('cluster_state:ok on every node', async () => {
      const states = await Promise.all(clients.map((c) => c.call('CLUSTER', 'INFO') as Promise<string>));
      return states.every((s) => s.includes('cluster_state:ok'));
    }, SETTLE_MS);
    await waitFor('every replica to be in sync with its master', async () => {
      const repl = await Promise.all(clients.slice(masters).map((c) => c.info('replication')));
      return repl.every((text) => /master_link_status:up/.test(text));
    }, SETTLE_MS);
    // Each node must also see the replicas with their role, or ioredis may route to a stale view.
    await waitFor('every node to see every replica', async () => {
      const views = await Promise.all(clients.map((c) => c.call('CLUSTER', 'NODES') as Promise<string>));
      return views.every((v) => (v.match(/\bslave\b/g) ?? []).length === masters * replicas);
    }, SETTLE_MS);
    return ids;
  } finally {
    for (const c of clients) {
      c.disconnect();
    }
  }
}

/** CLUSTER MYID came with 3.2; on 3.0 the id is on the `myself` line of CLUSTER NODES. */
async function myIdFromNodes(c: Redis): Promise<string> {
  const text = (await c.call('CLUSTER', 'NODES')) as string;
  const line = text.split('\n').find((l) => /\bmyself\b/.test(l));
  if (!line) {
    throw new Error('no myself line in CLUSTER NODES');
  }
  return line.split(' ')[0];
}
