/**
 * The cache report against real servers: its figures against exact values the test computes from
 * the seeded DB itself (counts and TTL buckets exact, memory exactly what the method measures on each
 * key), the sampled report within its stated margins of the full one, and each memory path: MEMORY
 * USAGE where the server has it, DEBUG OBJECT on the 3.0 path, value sizes with DEBUG renamed away.
 *
 * The "expires soon" keys live 59 s: only a run far slower than any normal one (a hang) could see
 * them expire before the report reads them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { REDIS_3_0_CAPS, capabilitiesFor, type Capabilities } from '../../src/redis/capabilities';
import { buildCacheReport, ttlBucket, type CacheReport, type NamespaceStats, type TtlCounts } from '../../src/redis/report';
import { bytesId } from '../../src/redis/keyName';
import { RedisServer, binaryAtLeast, binaryVersion } from '../support/redisServer';
import { seedNovaData } from '../support/seed';
import { stopWithClients } from '../support/clients';

const DB = 1;
const SAMPLE_DB = 2;

/** The small, exactly known keyspace: what a NOVA cache with a few problems looks like. */
async function seedKnown(c: Redis): Promise<void> {
  const p = c.pipeline();
  for (let i = 0; i < 300; i++) {
    p.set(`nova:cache:user:${i}`, JSON.stringify({ id: i, name: `user ${i}` }), 'EX', 3600);
  }
  for (let i = 0; i < 200; i++) {
    p.set(`nova:cache:product:${i}`, 'x'.repeat(20 + (i % 50)), 'EX', 7200);
  }
  for (let i = 0; i < 7; i++) {
    p.set(`nova:cache:product:leak${i}`, 'forever');
  }
  for (let i = 0; i < 100; i++) {
    p.set(`nova:session:${i}`, `s${i}`, 'PX', 59_000);
  }
  for (let i = 0; i < 50; i++) {
    p.hmset(`nova:user:${i}:profile`, { id: String(i), email: `u${i}@example.com`, locale: i % 2 ? 'fr' : 'en' });
  }
  for (let i = 0; i < 20; i++) {
    p.rpush(`nova:queue:emails:${i}`, 'a', 'bb', 'ccc');
    p.sadd(`nova:tags:${i}`, 't1', 't22', 't333');
    p.zadd(`nova:board:${i}`, 1, 'm1', 2, 'm22');
    p.expire(`nova:board:${i}`, 200_000);
  }
  for (let i = 0; i < 10; i++) {
    p.set(`:1:views.decorators.cache.page${i}`, 'old', 'EX', 600);
    p.set(`:2:views.decorators.cache.page${i}`, 'new', 'EX', 600);
  }
  for (let i = 0; i < 30; i++) {
    p.set(`celery-task-meta-${i}`, '{"status":"SUCCESS"}', 'EX', 86_400);
  }
  for (const [err] of (await p.exec()) ?? []) {
    if (err) {
      throw err;
    }
  }
}

interface Truth {
  keys: Map<string, number>;
  ttl: Map<string, TtlCounts>;
  withTtl: Map<string, number>;
  memory: Map<string, number>;
}

type Measure = (c: Redis, key: Buffer, type: string) => Promise<number>;

/** Every prefix of a key's folders, by the same rule as the tree (':' here), and '' for the DB. */
function prefixesOf(key: Buffer): string[] {
  const out = [''];
  const name = key.toString('latin1');
  for (let i = name.indexOf(':'); i >= 0; i = name.indexOf(':', i + 1)) {
    if (out.length > 4) {
      break;
    }
    out.push(bytesId(Buffer.from(name.slice(0, i + 1), 'latin1')));
  }
  return out;
}

/** Reads every key one by one (the slow, obvious way) and sums per namespace. */
async function truth(c: Redis, measure: Measure): Promise<Truth> {
  const t: Truth = { keys: new Map(), ttl: new Map(), withTtl: new Map(), memory: new Map() };
  let cursor = '0';
  const seen = new Set<string>();
  do {
    const [next, keys] = await c.scanBuffer(cursor, 'COUNT', 500);
    cursor = next.toString();
    for (const key of keys) {
      if (seen.has(key.toString('latin1'))) {
        continue;
      }
      seen.add(key.toString('latin1'));
      const type = await c.type(key);
      const pttl = await c.pttl(key);
      const mem = await measure(c, key, type);
      for (const id of prefixesOf(key)) {
        t.keys.set(id, (t.keys.get(id) ?? 0) + 1);
        const b = t.ttl.get(id) ?? { soon: 0, hour: 0, day: 0, longer: 0, none: 0 };
        b[ttlBucket(pttl)]++;
        t.ttl.set(id, b);
        t.withTtl.set(id, (t.withTtl.get(id) ?? 0) + (pttl >= 0 ? 1 : 0));
        t.memory.set(id, (t.memory.get(id) ?? 0) + mem);
      }
    }
  } while (cursor !== '0');
  return t;
}

const memoryUsage: Measure = async (c, key) => Number(await c.call('MEMORY', 'USAGE', key, 'SAMPLES', '5'));

const debugObject: Measure = async (c, key) => {
  const reply = String(await c.call('DEBUG', 'OBJECT', key));
  return Number(/serializedlength:(\d+)/.exec(reply)?.[1]) + key.length;
};

/** The value's bytes read whole (every collection here is smaller than the report's member sample). */
const valueSizes: Measure = async (c, key, type) => {
  switch (type) {
    case 'string':
      return key.length + (await c.strlen(key));
    case 'hash': {
      const all = await c.hgetallBuffer(key);
      return key.length + Object.entries(all).reduce((n, [f, v]) => n + Buffer.byteLength(f) + v.length, 0);
    }
    case 'list':
      return key.length + (await c.lrangeBuffer(key, 0, -1)).reduce((n, b) => n + b.length, 0);
    case 'set':
      return key.length + (await c.smembersBuffer(key)).reduce((n, b) => n + b.length, 0);
    case 'zset':
      return key.length + (await c.zrangeBuffer(key, '0', '-1')).reduce((n, b) => n + b.length + 8, 0);
    default:
      return 0;
  }
};

function byPath(report: CacheReport, path: string): NamespaceStats {
  const ns = report.namespaces.find((n) => n.path === path && n.depth > 0);
  assert.ok(ns, `namespace ${path} is in the report (${report.namespaces.map((n) => n.path).join(', ')})`);
  return ns;
}

/** Every listed namespace's figures against the truth: counts, TTL buckets and memory exact. */
function assertExact(report: CacheReport, t: Truth): void {
  assert.equal(report.sampled, false);
  for (const ns of report.namespaces) {
    const where = `namespace "${ns.path}"`;
    assert.equal(ns.keys, t.keys.get(ns.id), `${where}: keys`);
    assert.deepEqual(ns.ttl, t.ttl.get(ns.id), `${where}: TTL buckets`);
    assert.equal(ns.withTtl, t.withTtl.get(ns.id), `${where}: keys with a TTL`);
    assert.equal(ns.memory, t.memory.get(ns.id), `${where}: memory (${report.memoryMethod})`);
    assert.equal(ns.keysMargin, 0);
  }
}

function assertWarnings(report: CacheReport): void {
  const leak = report.warnings.find((w) => w.kind === 'noTtlInCache');
  assert.ok(leak && leak.kind === 'noTtlInCache', 'the keys without TTL in the cache are reported');
  assert.equal(leak.path, 'nova:cache');
  assert.equal(leak.keys, 7);
  assert.ok(leak.examples.every((e) => e.startsWith('nova:cache:product:leak')), leak.examples.join());
  assert.equal(report.warnings.filter((w) => w.kind === 'noTtlInCache').length, 1, 'one warning, on the highest namespace');
  const def = report.warnings.filter((w) => w.kind === 'defaultTtlOnly');
  assert.deepEqual(
    def.map((w) => w.path),
    ['nova:cache:user'],
    'only the namespace that always takes the default 3600 s',
  );
  const skew = report.warnings.find((w) => w.kind === 'djangoVersionSkew');
  assert.ok(skew && skew.kind === 'djangoVersionSkew');
  assert.equal(skew.prefix, '');
  assert.deepEqual(skew.versions, [
    { version: '1', keys: 10 },
    { version: '2', keys: 10 },
  ]);
  assert.equal(report.warnings.filter((w) => w.kind === 'djangoVersionSkew').length, 1, 'nova:user:<id>: is not a Django version');
}

async function startServer(config: string[] = []): Promise<{ server: RedisServer; admin: Redis; reader: Redis }> {
  const server = await RedisServer.start({ config });
  const admin = server.admin(DB);
  await seedKnown(admin);
  return { server, admin, reader: server.admin(DB) };
}

describe('cache report', () => {
  const realCaps: Capabilities = capabilitiesFor(binaryVersion());
  let s: { server: RedisServer; admin: Redis; reader: Redis } | undefined;

  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await stopWithClients(s?.server, s?.admin, s?.reader);
  });

  test('full report with the server own memory method: every figure exact, and the warnings', async (t) => {
    const { admin, reader } = s!;
    const report = await buildCacheReport(reader, realCaps, { delimiter: ':', mode: 'full' });
    const method = binaryAtLeast(4) ? 'memory-usage' : 'debug-object';
    t.diagnostic(`redis-server ${binaryVersion().join('.')}: ${report.memoryMethod}`);
    assert.equal(report.memoryMethod, method);
    assertExact(report, await truth(admin, method === 'memory-usage' ? memoryUsage : debugObject));
    assert.equal(report.root.keys, 767);
    assert.equal(byPath(report, 'nova:cache').keys, 507);
    assert.deepEqual(byPath(report, 'nova').ttl, { soon: 100, hour: 300, day: 200, longer: 20, none: 97 });
    assertWarnings(report);
    const first = report.biggest[0];
    assert.ok(first.memory >= report.biggest[report.biggest.length - 1].memory, 'biggest first');
  });

  test('a folder report covers that folder only, its sub-namespaces one level down', async () => {
    const { admin, reader } = s!;
    const report = await buildCacheReport(reader, realCaps, { delimiter: ':', mode: 'full', prefix: Buffer.from('nova:cache:') });
    assert.equal(report.scope.path, 'nova:cache');
    assert.equal(report.root.keys, 507);
    assert.deepEqual(
      report.namespaces.filter((n) => n.depth === 1).map((n) => n.path).sort(),
      ['nova:cache:product', 'nova:cache:user'],
    );
    const full = await truth(admin, binaryAtLeast(4) ? memoryUsage : debugObject);
    assert.equal(byPath(report, 'nova:cache:product').keys, full.keys.get(bytesId(Buffer.from('nova:cache:product:'))));
    assert.deepEqual(report.root.ttl, full.ttl.get(bytesId(Buffer.from('nova:cache:'))));
  });

  test('a sampled report of a large DB: counts and memory within their stated margins of the full report', async (t) => {
    const { server, reader } = s!;
    const big = server.admin(SAMPLE_DB);
    try {
      await seedNovaData(big, { keys: 30_000 });
      await reader.select(SAMPLE_DB);
      const full = await buildCacheReport(reader, realCaps, { delimiter: ':', mode: 'full' });
      const sampled = await buildCacheReport(reader, realCaps, { delimiter: ':', sampleKeys: 6000, detailKeys: 1500 });
      assert.equal(sampled.sampled, true);
      assert.ok(sampled.keysSeen >= 6000 && sampled.keysSeen < 9000, `${sampled.keysSeen} keys seen`);
      assert.ok(sampled.keysDetailed <= 1700, `${sampled.keysDetailed} keys detailed`);
      t.diagnostic(`${sampled.keysSeen} keys seen, ${sampled.keysDetailed} detailed, ${sampled.durationMs} ms vs ${full.durationMs} ms`);
      const levels = full.namespaces.filter((n) => n.depth <= 2 && n.keys >= 300);
      assert.ok(levels.length >= 8, `${levels.length} namespaces compared`);
      for (const f of levels) {
        const e = sampled.namespaces.find((n) => n.id === f.id);
        assert.ok(e, `namespace ${f.path} found by the sample`);
        assert.ok(e.depth === 0 || e.keysMargin > 0, `${f.path}: a margin is stated`);
        assert.ok(Math.abs(e.keys - f.keys) <= e.keysMargin, `${f.path}: ${e.keys} ± ${e.keysMargin} keys, really ${f.keys}`);
        assert.ok(Math.abs(e.memory - f.memory) <= e.memoryMargin, `${f.path}: ${e.memory} ± ${e.memoryMargin} B, really ${f.memory}`);
        const ttlShare = (x: NamespaceStats): number => x.withTtl / x.keys;
        // A share of the detailed keys: within 3.29 standard errors (99.9 %) at worst (p = 0.5).
        const shareMargin = 3.29 * Math.sqrt(0.25 / e.detailed);
        assert.ok(Math.abs(ttlShare(e) - ttlShare(f)) <= shareMargin, `${f.path}: TTL share ${ttlShare(e)} vs ${ttlShare(f)} (${e.detailed} detailed)`);
      }
      // A folder too small for a sample to say much is read in full: its figures are exact.
      const tags = await buildCacheReport(reader, realCaps, { delimiter: ':', sampleKeys: 6000, detailKeys: 1500, prefix: Buffer.from('nova:tags:') });
      assert.equal(tags.sampled, false);
      assert.equal(tags.root.keys, byPath(full, 'nova:tags').keys);
      assert.deepEqual(tags.root.ttl, byPath(full, 'nova:tags').ttl);
    } finally {
      await reader.select(DB);
      await big.flushdb();
      big.disconnect();
    }
  });

  test('a stall shorter than its retries is waited out: the report completes, exact', async () => {
    const { server, reader } = s!;
    server.pause();
    const resume = setTimeout(() => server.resume(), 500);
    try {
      // Each read waits 400 ms, then is sent again after a pause: the third attempt leaves after 1.4 s.
      const report = await buildCacheReport(reader, realCaps, { delimiter: ':', mode: 'full', timeoutMs: 400 });
      assert.equal(report.root.keys, 767);
    } finally {
      clearTimeout(resume);
      server.resume();
    }
  });

  test('progress is reported and a cancelled report stops with CANCELLED', async () => {
    const { reader } = s!;
    const abort = new AbortController();
    const seen: number[] = [];
    await assert.rejects(
      buildCacheReport(reader, realCaps, {
        delimiter: ':',
        mode: 'full',
        signal: abort.signal,
        onProgress: (p) => {
          seen.push(p.seen);
          abort.abort();
        },
      }),
      (err: Error & { code?: string }) => err.code === 'CANCELLED',
    );
    assert.ok(seen.length >= 1);
  });
});

describe('cache report, the 3.0 path with DEBUG allowed', () => {
  let d: { server: RedisServer; admin: Redis; reader: Redis } | undefined;
  before(async () => {
    d = await startServer();
  });
  after(async () => {
    await stopWithClients(d?.server, d?.admin, d?.reader);
  });

  test('the 3.0 path with DEBUG allowed: DEBUG OBJECT serializedlength, nothing 3.0 lacks sent', async () => {
    const { admin, reader } = d!;
    await admin.config('RESETSTAT');
    const report = await buildCacheReport(reader, REDIS_3_0_CAPS, { delimiter: ':', mode: 'full' });
    assert.equal(report.memoryMethod, 'debug-object');
    assert.equal(report.debugRefused, false);
    const stats = await admin.info('commandstats');
    assert.doesNotMatch(stats, /cmdstat_memory:/, 'no MEMORY USAGE under 3.0 capabilities');
    assertExact(report, await truth(admin, debugObject));
    assertWarnings(report);
  });


  test('DEBUG OBJECT is never sent to a value too big to serialise cheaply: its size is estimated instead', async () => {
    const { admin, reader } = d!;
    for (let i = 0; i < 12_000; i += 1000) {
      const fields: Record<string, string> = {};
      for (let f = i; f < i + 1000; f++) {
        fields[`field${f}`] = `value${f}`;
      }
      await admin.hmset('nova:big:hash', fields);
    }
    await admin.config('RESETSTAT');
    const report = await buildCacheReport(reader, REDIS_3_0_CAPS, { delimiter: ':', mode: 'full' });
    assert.equal(report.memoryMethod, 'debug-object');
    assert.equal(report.memoryFallbackKeys, 1, 'the big hash');
    const debugCalls = Number(/^cmdstat_debug:calls=(\d+)/m.exec(await admin.info('commandstats'))?.[1]);
    // One probe, then every key but the big hash.
    assert.equal(debugCalls, 1 + report.root.keys - 1);
    const big = report.biggest.find((k) => k.name === 'nova:big:hash');
    assert.ok(big && big.size === 12_000 && big.memory > 12_000 * 10, JSON.stringify(big));
    await admin.del('nova:big:hash');
  });
});

describe('cache report, DEBUG renamed away', () => {
  let s: { server: RedisServer; admin: Redis; reader: Redis } | undefined;
  before(async () => {
    s = await startServer(['rename-command DEBUG ""']);
  });
  after(async () => {
    await stopWithClients(s?.server, s?.admin, s?.reader);
  });

  test('the 3.0 path falls back to value sizes, says so, and its figures match the values', async () => {
    const { admin, reader } = s!;
    const report = await buildCacheReport(reader, REDIS_3_0_CAPS, { delimiter: ':', mode: 'full' });
    assert.equal(report.memoryMethod, 'value-sizes');
    assert.equal(report.debugRefused, true);
    assert.equal(report.memoryUnknownKeys, 0);
    assertExact(report, await truth(admin, valueSizes));
    assertWarnings(report);
  });
});
