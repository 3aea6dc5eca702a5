/**
 * A master, one replica and three Sentinels on loopback ports (`redis-server <config> --sentinel`),
 * for the failover tests. Every process is a RedisServer with its own temporary directory (a
 * Sentinel rewrites its config file) and is killed on exit even when a test fails.
 */
import type Redis from 'ioredis';
import { RedisServer, binaryVersion, waitFor } from './redisServer';

export const SERVICE_NAME = 'novamaster';

export interface SentinelSetOptions {
  /** requirepass of the master and the replica (the Sentinels get it as auth-pass). */
  password?: string;
  /** requirepass of the Sentinels themselves (Redis 5.0.1+). */
  sentinelPassword?: string;
}

/** Gives up on a set-up or failover that does not settle, instead of hanging the test file. */
const SETTLE_MS = 30_000;

export class TestSentinelSet {
  constructor(
    /** Index 0 is the master at start, 1 the replica; a failover swaps their roles. */
    readonly data: RedisServer[],
    readonly sentinels: RedisServer[],
    private readonly options: SentinelSetOptions,
  ) {}

  static async start(options: SentinelSetOptions = {}): Promise<TestSentinelSet> {
    const started: RedisServer[] = [];
    try {
      // No 5 s wait before a full sync (the default delay where diskless sync is on, 7.0+).
      const auth = ['--repl-diskless-sync-delay', '0', ...(options.password !== undefined ? ['--masterauth', options.password] : [])];
      const master = await RedisServer.start({ password: options.password, args: auth });
      started.push(master);
      const replica = await RedisServer.start({ password: options.password, args: [...auth, '--slaveof', master.host, String(master.port)] });
      started.push(replica);
      const sentinels: RedisServer[] = [];
      for (let i = 0; i < 3; i++) {
        const s = await RedisServer.start({ sentinel: true, config: sentinelConfig(master, options), password: options.sentinelPassword });
        started.push(s);
        sentinels.push(s);
      }
      const set = new TestSentinelSet([master, replica], sentinels, options);
      await set.settle(master);
      return set;
    } catch (err) {
      await Promise.all(started.map((s) => s.stop()));
      throw err;
    }
  }

  /** `redis+sentinel://[:password@]h:p,h:p,h:p/service[/db][?sentinel_password=…]` */
  url(db?: number): string {
    const auth = this.options.password !== undefined ? `:${encodeURIComponent(this.options.password)}@` : '';
    const hosts = this.sentinels.map((s) => `${s.host}:${s.port}`).join(',');
    const query = this.options.sentinelPassword !== undefined ? `?sentinel_password=${encodeURIComponent(this.options.sentinelPassword)}` : '';
    return `redis+sentinel://${auth}${hosts}/${SERVICE_NAME}${db === undefined ? '' : `/${db}`}${query}`;
  }

  /** The data node the Sentinels currently name as master. */
  async currentMaster(): Promise<RedisServer> {
    const port = await this.masterPortSeenBy(this.sentinels[0]);
    const found = this.data.find((d) => d.port === port);
    if (!found) {
      throw new Error(`the sentinels name an unknown master on port ${port}`);
    }
    return found;
  }

  /**
   * SENTINEL FAILOVER, then waits until every Sentinel names the other node and it says it is the
   * master. The old master becomes its replica a few seconds later; nothing here waits for that.
   */
  async failover(): Promise<RedisServer> {
    const before = await this.currentMaster();
    const next = this.data.find((d) => d !== before) as RedisServer;
    const s = this.sentinelAdmin(this.sentinels[0]);
    try {
      // NOGOODSLAVE: the Sentinel has no recent enough INFO from the replica yet (3.0 refreshes it
      // every 10 s); the same request succeeds once it has.
      await waitFor(
        'a Sentinel to accept SENTINEL FAILOVER',
        async () => {
          try {
            await s.call('SENTINEL', 'FAILOVER', SERVICE_NAME);
            return true;
          } catch (err) {
            if (err instanceof Error && err.message.startsWith('NOGOODSLAVE')) {
              await new Promise((resolve) => setTimeout(resolve, 250));
              return false;
            }
            throw err;
          }
        },
        30_000,
      );
    } finally {
      s.disconnect();
    }
    await this.settle(next, false);
    return next;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.data, ...this.sentinels].map((s) => s.stop()));
  }

  private sentinelAdmin(s: RedisServer): Redis {
    return s.admin(0);
  }

  private async masterPortSeenBy(s: RedisServer): Promise<number> {
    const c = this.sentinelAdmin(s);
    try {
      const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', SERVICE_NAME)) as [string, string] | null;
      return addr ? Number(addr[1]) : -1;
    } finally {
      c.disconnect();
    }
  }

  /**
   * Every Sentinel names `master`, knows one replica and the two other Sentinels, the master says it
   * is one and its replica's link is up: only then can a failover (or a client) rely on the set.
   */
  private async settle(master: RedisServer, withReplica = true): Promise<void> {
    await waitFor(
      `the sentinels to agree on ${master.port} and know the replica and each other`,
      async () => {
        for (const s of this.sentinels) {
          const c = this.sentinelAdmin(s);
          try {
            const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', SERVICE_NAME)) as [string, string] | null;
            if (!addr || Number(addr[1]) !== master.port) {
              return false;
            }
            const fields = pairs((await c.call('SENTINEL', 'master', SERVICE_NAME)) as string[]);
            const replicas = (await c.call('SENTINEL', 'slaves', SERVICE_NAME)) as string[][];
            const replicaOk = !withReplica || replicas.some((r) => !/s_down|o_down|disconnected/.test(pairs(r).get('flags') ?? 'x'));
            if (fields.get('num-other-sentinels') !== '2' || !replicaOk || /s_down|o_down/.test(fields.get('flags') ?? '')) {
              return false;
            }
          } finally {
            c.disconnect();
          }
        }
        const m = master.admin(0);
        try {
          const info = await m.info('replication');
          return /role:master/.test(info) && (!withReplica || /slave0:.*state=online/.test(info));
        } finally {
          m.disconnect();
        }
      },
      SETTLE_MS,
    );
  }
}

function sentinelConfig(master: RedisServer, options: SentinelSetOptions): string[] {
  const lines = [
    `sentinel monitor ${SERVICE_NAME} ${master.host} ${master.port} 2`,
    `sentinel down-after-milliseconds ${SERVICE_NAME} 1000`,
    `sentinel failover-timeout ${SERVICE_NAME} 3000`,
    `sentinel parallel-syncs ${SERVICE_NAME} 1`,
  ];
  if (options.password !== undefined) {
    lines.push(`sentinel auth-pass ${SERVICE_NAME} ${options.password}`);
  }
  return lines;
}

/** SENTINEL MASTER / SLAVES reply a flat field, value, field, value… list. */
function pairs(flat: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    out.set(flat[i], flat[i + 1]);
  }
  return out;
}

/** Sentinels accept requirepass from 5.0.1 on. */
export function sentinelPasswordSupported(): boolean {
  const [major, minor, patch] = binaryVersion();
  return major > 5 || (major === 5 && (minor > 0 || patch >= 1));
}
