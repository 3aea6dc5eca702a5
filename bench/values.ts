/**
 * Value viewer benchmark (part of `npm run bench`, or alone: `npx tsx bench/values.ts`).
 *
 * - large_string_preview_ms: opening a 64 MB JSON string and rendering its preview (STRLEN +
 *   GETRANGE in one MULTI, then decode and layout), against large_string_get_ms, a plain full GET
 *   of the same value with the same client. Target: ratio <= 0.05.
 * - big_hash_first_page_ms: opening and rendering the first page of a 1,000,000-field hash, against
 *   the same for a 100-field hash. Target: ratio <= 1.5.
 *
 * Each figure is the median of several runs after a warm-up (the two hashes alternately), on a
 * redis-server started by the harness.
 */
import { RedisServer } from '../test/support/redisServer';
import { bigJsonBytes, seedHash, MILLION } from '../test/support/bigValues';
import { ValueSession } from '../src/redis/values';
import { serverInfoFromInfo } from '../src/redis/capabilities';

const WARMUP = 2;

function middle(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function median(runs: number, run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) {
    await run();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    times.push(await timed(run));
  }
  return middle(times);
}

/** Alternates the two runs so load from other processes affects both alike. */
async function medianPair(runs: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  for (let i = 0; i < WARMUP; i++) {
    await a();
    await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    ta.push(await timed(a));
    tb.push(await timed(b));
  }
  return [middle(ta), middle(tb)];
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export async function runValueBench(): Promise<Record<string, number>> {
  const server = await RedisServer.start();
  const admin = server.admin(1);
  const reader = server.admin(1);
  try {
    const caps = serverInfoFromInfo(await reader.info('server')).caps;

    const big = Buffer.from('bench:value:string');
    await admin.set(big, bigJsonBytes());
    const previewFetch = await median(15, () => ValueSession.open(reader, caps, big));
    const preview = await median(15, async () => (await ValueSession.open(reader, caps, big)).render());
    const get = await median(5, () => reader.getBuffer(big));
    await admin.del(big);

    const bigHash = 'bench:value:hash:1m';
    const smallHash = 'bench:value:hash:100';
    await seedHash(admin, bigHash, MILLION);
    await seedHash(admin, smallHash, 100);
    const firstPage = async (key: string): Promise<number> => {
      const view = (await ValueSession.open(reader, caps, Buffer.from(key))).render();
      return view.body.length;
    };
    const [bigFirst, smallFirst] = await medianPair(31, () => firstPage(bigHash), () => firstPage(smallHash));
    await admin.del(bigHash, smallHash);

    return {
      large_string_preview_ms: round(preview),
      large_string_preview_fetch_ms: round(previewFetch),
      large_string_get_ms: round(get),
      large_string_preview_ratio: round(preview / get, 4),
      big_hash_first_page_ms: round(bigFirst),
      small_hash_first_page_ms: round(smallFirst),
      big_hash_first_page_ratio: round(bigFirst / smallFirst, 3),
    };
  } finally {
    admin.disconnect();
    reader.disconnect();
    await server.stop();
  }
}

if (require.main === module) {
  runValueBench().then(
    (results) => {
      for (const [name, value] of Object.entries(results)) {
        process.stdout.write(`${name}: ${value}\n`);
      }
    },
    (err: unknown) => {
      process.stderr.write(`value benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
