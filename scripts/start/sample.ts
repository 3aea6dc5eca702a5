/**
 * The sample data of `npm start`: DB 1 looks like NOVA's cache, DB 0 holds one marker key.
 *
 * The hand-picked values are the bytes Python wrote (test/fixtures/sample, made by make_fixtures.py):
 * json.dumps strings as RedisCacheManager.cache_data stores them, pickles, a gzip'd JSON. Around them,
 * a few thousand generated keys, fewer than the key tree scans in full when it opens, so that every key
 * the sample README names is on the first screen. Only Redis 3.0 commands are sent.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { seedNovaData } from '../../test/support/seed';
import { SMALL_DB_KEYS } from '../../src/redis/explorerModel';

export const fixturesDir = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'sample');

/** A key whose name is not valid UTF-8 and holds a NUL and a newline. */
export const BINARY_KEY = Buffer.concat([Buffer.from('nova:bin:'), Buffer.from([0xff, 0x00, 0x0a])]);
export const BIG_KEY = 'nova:cache:export:products';
export const MARKER_KEY = 'nova:start:marker';
/** Below the tree's "small database" size (5,000 keys), which it scans to the end at once. */
export const DEFAULT_GENERATED_KEYS = 4000;
export { SMALL_DB_KEYS };

export interface SampleSummary {
  db1Keys: number;
  bigValueBytes: number;
}

interface JsonFixture {
  key: string;
  ttl: number;
  value: string;
}

export function redisClient(port: number, db: number): Redis {
  return new Redis({
    host: '127.0.0.1',
    port,
    db,
    // Redis 3.0 knows neither HELLO nor CLIENT SETINFO.
    protocol: 2,
    disableClientInfo: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
}

/**
 * JSON text with the separators and ASCII escapes of Python's json.dumps defaults, for the values made
 * here rather than by Python. Integral floats would print as `1` instead of `1.0`: the data has none.
 */
export function pyJsonDumps(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map(pyJsonDumps).join(', ')}]`;
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      return `{${Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${pyJsonDumps(k)}: ${pyJsonDumps(v)}`)
        .join(', ')}}`;
    default:
      throw new Error(`no JSON for a ${typeof value}`);
  }
}

/** About 2 MB of JSON, above the viewer's 1 MB preview threshold. */
export function bigExportValue(): string {
  const products: unknown[] = [];
  for (let i = 0; i < 12000; i++) {
    products.push({
      sku: `P-${String(i).padStart(6, '0')}`,
      name: `Produit ${i}`,
      category: `Catégorie ${i % 40}`,
      price: 4.99 + (i % 500) * 1.25,
      stock: (i * 37) % 250,
      tags: ['export', i % 2 === 0 ? 'pair' : 'impair'],
      updated_at: `2025-10-${String(1 + (i % 9)).padStart(2, '0')}T06:00:00`,
    });
  }
  return pyJsonDumps({ generated_at: '2025-10-09T06:00:00', count: products.length, products });
}

function fixture(name: string): Buffer {
  return readFileSync(path.join(fixturesDir, name));
}

function checked(results: [Error | null, unknown][] | null): void {
  const failed = (results ?? []).find(([err]) => err);
  if (failed?.[0]) {
    throw failed[0];
  }
}

export async function seedSample(port: number, generatedKeys = DEFAULT_GENERATED_KEYS): Promise<SampleSummary> {
  const db1 = redisClient(port, 1);
  const db0 = redisClient(port, 0);
  try {
    const bigValueBytes = await writeSample(db1, generatedKeys);
    checked(await db0.pipeline().set(MARKER_KEY, 'DB 0 of the npm start server: the sample cache is in DB 1.').exec());
    return { db1Keys: await db1.dbsize(), bigValueBytes };
  } finally {
    db1.disconnect();
    db0.disconnect();
  }
}

/** The sample keys, into the DB `db1` is on; resolves to the size of the big value. */
export async function writeSample(db1: Redis, generatedKeys: number): Promise<number> {
  await seedNovaData(db1, { keys: generatedKeys, seed: 20251009 });
  const big = bigExportValue();
  const jsonValues = JSON.parse(fixture('json-values.json').toString('utf8')) as JsonFixture[];
  const hashKey = 'nova:user:42:profile';
  const listKey = 'nova:queue:emails';
  const zsetKey = 'nova:leaderboard:sales';
  const setKey = 'nova:tags:product:CH-1001';
  const pipe = db1.pipeline();
  // The generated keys may already use one of these names, with another type or extra fields.
  pipe.del(hashKey, listKey, zsetKey, setKey, ...jsonValues.map((v) => v.key));
  for (const { key, ttl, value } of jsonValues) {
    pipe.set(key, value, 'EX', ttl);
  }
  pipe.set('nova:cache:report:daily', fixture('report-daily.p4.pickle'), 'EX', 3600);
  pipe.set('nova:cache:report:weekly', fixture('report-weekly.p5.pickle'), 'EX', 3600);
  pipe.set('nova:cache:catalog:gz', fixture('catalog.json.gz'), 'EX', 3600);
  pipe.set(BIG_KEY, big, 'EX', 3600);
  pipe.hmset(hashKey, {
    id: '42',
    name: 'Zoé Dupont',
    email: 'zoe.dupont@example.com',
    locale: 'fr',
    plan: 'pro',
    last_login: '2025-10-09T08:30:15',
  });
  pipe.rpush(
    listKey,
    pyJsonDumps({ to: 'zoe.dupont@example.com', template: 'bienvenue', attempt: 1 }),
    pyJsonDumps({ to: 'lucas.martin@example.com', template: 'reinitialisation-mot-de-passe', attempt: 1 }),
    pyJsonDumps({ to: 'john.smith@example.com', template: 'facture', attempt: 3 }),
  );
  pipe.zadd(zsetKey, 48211.75, 'CH-1001', 31877.5, 'CH-1002', 1299, 'CH-1003', 0, 'CH-1004');
  pipe.sadd(setKey, 'course', 'homme', 'femme', 'promo');
  pipe.set(BINARY_KEY, 'A key whose name is not UTF-8: nova:bin: then the bytes FF 00 0A.');
  checked(await pipe.exec());
  return Buffer.byteLength(big);
}
