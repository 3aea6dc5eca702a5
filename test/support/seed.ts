/**
 * Fast, deterministic seeding of a keyspace shaped like NOVA's cache, for tests, the benchmark, the
 * end-to-end suite and `npm start`.
 *
 * Only commands Redis 3.0 has are sent (SET with EX/PX, HMSET, RPUSH, SADD, ZADD, PEXPIRE), in
 * pipelines of a few thousand commands: one round trip per batch instead of one per command.
 * The same options always produce the same keys, values and TTLs, so a benchmark run is repeatable.
 */
import type Redis from 'ioredis';
import { prng } from '../../src/util/prng';

export interface SeedOptions {
  /** How many keys to write. */
  keys: number;
  /** SELECTs this DB on the given client first (the client stays on it afterwards). */
  db?: number;
  /** PRNG seed; the same seed gives the same data. */
  seed?: number;
  /** First namespace segment, `nova` by default. */
  prefix?: string;
  /** TTLs are drawn between these bounds (seconds). The defaults keep every key alive for a benchmark run. */
  minTtlSeconds?: number;
  maxTtlSeconds?: number;
  /** Commands per pipeline. */
  batch?: number;
  onProgress?: (written: number, total: number) => void;
}

export type SeedType = 'string' | 'hash' | 'list' | 'set' | 'zset';

export interface SeedSummary {
  keys: number;
  byType: Record<SeedType, number>;
  withTtl: number;
  /** Keys that sit at the root (no `:` in the name), like Celery's result keys. */
  rootKeys: number;
}

const ENTITIES = ['user', 'product', 'order', 'category', 'search', 'recommendation', 'inventory', 'price'];
const API_RESOURCES = ['products', 'orders', 'users', 'stats', 'catalog'];
const QUEUES = ['emails', 'notifications', 'exports', 'webhooks'];
const BOARDS = ['sales', 'views', 'downloads', 'ratings'];

function hex(rand: () => number, chars: number): string {
  let s = '';
  while (s.length < chars) {
    s += Math.floor(rand() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  }
  return s.slice(0, chars);
}

/** A UUID-looking string that embeds `i`, so names stay unique whatever the PRNG draws. */
function uuidFor(rand: () => number, i: number): string {
  const h = hex(rand, 20) + i.toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function seedNovaData(client: Redis, options: SeedOptions): Promise<SeedSummary> {
  const total = Math.max(0, Math.floor(options.keys));
  const rand = prng(options.seed ?? 1);
  const ns = options.prefix ?? 'nova';
  const minTtl = options.minTtlSeconds ?? 3600;
  const maxTtl = Math.max(minTtl, options.maxTtlSeconds ?? 7 * 86400);
  const batch = options.batch ?? 4000;
  const summary: SeedSummary = {
    keys: 0,
    byType: { string: 0, hash: 0, list: 0, set: 0, zset: 0 },
    withTtl: 0,
    rootKeys: 0,
  };
  if (options.db !== undefined) {
    await client.select(options.db);
  }
  const ttl = (): number => minTtl + Math.floor(rand() * (maxTtl - minTtl + 1));
  const stamp = (): string => new Date(1_700_000_000_000 + Math.floor(rand() * 3e10)).toISOString();

  let pipe = client.pipeline();
  let queued = 0;
  const flush = async (): Promise<void> => {
    if (queued === 0) {
      return;
    }
    const results = await pipe.exec();
    for (const [err] of results ?? []) {
      if (err) {
        throw err;
      }
    }
    pipe = client.pipeline();
    queued = 0;
    options.onProgress?.(summary.keys, total);
  };

  for (let i = 0; i < total; i++) {
    const r = rand();
    let commands = 1;
    if (r < 0.42) {
      const entity = ENTITIES[Math.floor(rand() * ENTITIES.length)];
      const value = JSON.stringify({
        id: i,
        name: `${entity} ${i}`,
        active: rand() < 0.8,
        score: Math.round(rand() * 10000) / 100,
        updated_at: stamp(),
      });
      pipe.set(`${ns}:cache:${entity}:${i}`, value, 'EX', ttl());
      summary.byType.string++;
      summary.withTtl++;
    } else if (r < 0.5) {
      const resource = API_RESOURCES[Math.floor(rand() * API_RESOURCES.length)];
      const value = JSON.stringify({ page: i % 50, items: [i, i + 1, i + 2], total: 1000 + (i % 977) });
      pipe.set(`${ns}:cache:api:v1:${resource}:${i}`, value, 'PX', ttl() * 1000);
      summary.byType.string++;
      summary.withTtl++;
    } else if (r < 0.65) {
      const value = JSON.stringify({ user_id: Math.floor(rand() * 100000), csrf: hex(rand, 16), created_at: stamp() });
      pipe.set(`${ns}:session:${hex(rand, 24)}${i.toString(16).padStart(8, '0')}`, value, 'EX', ttl());
      summary.byType.string++;
      summary.withTtl++;
    } else if (r < 0.75) {
      const key = `${ns}:user:${i}:profile`;
      pipe.hmset(key, {
        id: String(i),
        email: `user${i}@example.com`,
        locale: rand() < 0.7 ? 'fr' : 'en',
        plan: rand() < 0.2 ? 'pro' : 'free',
        last_login: stamp(),
      });
      if (rand() < 0.7) {
        pipe.pexpire(key, ttl() * 1000);
        summary.withTtl++;
        commands++;
      }
      summary.byType.hash++;
    } else if (r < 0.83) {
      const key = rand() < 0.5 ? `${ns}:queue:${QUEUES[i % QUEUES.length]}:${i}` : `${ns}:feed:${i}`;
      const n = 3 + Math.floor(rand() * 6);
      const items: string[] = [];
      for (let j = 0; j < n; j++) {
        items.push(JSON.stringify({ event: 'item', seq: j, at: stamp() }));
      }
      pipe.rpush(key, ...items);
      if (rand() < 0.5) {
        pipe.pexpire(key, ttl() * 1000);
        summary.withTtl++;
        commands++;
      }
      summary.byType.list++;
    } else if (r < 0.91) {
      const key = `${ns}:tags:${i}`;
      const n = 2 + Math.floor(rand() * 6);
      const members: string[] = [];
      for (let j = 0; j < n; j++) {
        members.push(`tag${Math.floor(rand() * 200)}`);
      }
      pipe.sadd(key, ...members);
      summary.byType.set++;
    } else if (r < 0.98) {
      const key = `${ns}:leaderboard:${BOARDS[i % BOARDS.length]}:${i}`;
      const n = 3 + Math.floor(rand() * 8);
      const args: (string | number)[] = [];
      for (let j = 0; j < n; j++) {
        args.push(Math.floor(rand() * 100000), `member${j}`);
      }
      pipe.zadd(key, ...args);
      summary.byType.zset++;
    } else {
      // Celery's result backend writes these at the root, next to the app's namespaced keys.
      const value = JSON.stringify({ status: 'SUCCESS', result: i, date_done: stamp() });
      pipe.set(`celery-task-meta-${uuidFor(rand, i)}`, value, 'EX', ttl());
      summary.byType.string++;
      summary.withTtl++;
      summary.rootKeys++;
    }
    summary.keys++;
    queued += commands;
    if (queued >= batch) {
      await flush();
    }
  }
  await flush();
  return summary;
}
