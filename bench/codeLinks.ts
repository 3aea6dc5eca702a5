/**
 * Code links benchmark (part of `npm run bench`, or alone: `npx tsx bench/codeLinks.ts`).
 *
 * - lens_parse_ms: finding the key uses of a 2,000-line Python file (parse with @lezer/python and
 *   template extraction), what a lens request costs before any server is asked.
 * - lens_lookup_ms: what the server answers for one screen of lenses (40 exact keys in one metadata
 *   round trip, 10 patterns each in one bounded SCAN) on a DB of 100,000 keys.
 *
 * Medians of 15 runs after a warm-up, on a redis-server started by the harness.
 */
import { findKeyUses, exactKey, templateGlob } from '../src/code/pyKeys';
import { serverInfoFromInfo } from '../src/redis/capabilities';
import { fetchKeyMeta } from '../src/redis/keyMeta';
import { samplePattern } from '../src/redis/patternSample';
import { RedisServer } from '../test/support/redisServer';
import { seedNovaData } from '../test/support/seed';
import { log, median, round, timed } from './measure';

const LINES = 2000;
const RUNS = 15;

/** A Python module of about LINES lines in the backend's style: helpers that read and write the cache. */
export function pythonFile(lines = LINES): string {
  const out = ['import json', 'from services.cache_manager import RedisCacheManager', '', 'PREFIX = "nova:cache:"', 'cache = RedisCacheManager()', ''];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `async def handler_${i}(uid, item):`,
      `    """Reads and refreshes entry ${i}."""`,
      `    data = await cache.get_cached_data(f"{PREFIX}user:{uid}:${i}")`,
      '    if data is None:',
      `        data = {"id": uid, "n": ${i}, "item": item}`,
      `        await cache.cache_data(f"{PREFIX}user:{uid}:${i}", data, ttl=3600)`,
      `    await cache.cache_data("nova:cache:search:${i}", json.dumps(data), ttl=600)`,
      '    return data',
      '',
    );
  }
  return out.join('\n');
}

export async function runCodeLinksBench(): Promise<Record<string, number>> {
  const source = pythonFile();
  findKeyUses(source);
  const parse: number[] = [];
  let uses = findKeyUses(source);
  for (let i = 0; i < RUNS; i++) {
    parse.push(await timed(() => Promise.resolve((uses = findKeyUses(source)))));
  }
  const server = await RedisServer.start();
  const client = server.admin(1);
  try {
    const caps = serverInfoFromInfo(await client.info('server')).caps;
    log('code links: seeding 100,000 keys');
    await seedNovaData(client, { keys: 100_000, prefix: 'nova' });
    const exact = uses.map((u) => exactKey(u.parts)).filter((k): k is Buffer => k !== undefined).slice(0, 40);
    const patterns = uses.filter((u) => !exactKey(u.parts)).slice(0, 10).map((u) => templateGlob(u.parts));
    const screen = (): Promise<unknown> => Promise.all([fetchKeyMeta(client, caps, exact), ...patterns.map((p) => samplePattern(client, p))]);
    await screen();
    const lookup: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      lookup.push(await timed(screen));
    }
    const figures = { lens_file_lines: source.split('\n').length, lens_uses: uses.length, lens_parse_ms: round(median(parse), 2), lens_lookup_ms: round(median(lookup), 2) };
    log(`code links: parse ${figures.lens_parse_ms} ms for ${figures.lens_file_lines} lines, one screen looked up in ${figures.lens_lookup_ms} ms`);
    return figures;
  } finally {
    client.disconnect();
    await server.stop();
  }
}

export function codeLinksRows(r: Record<string, unknown>): [string, unknown, string][] {
  if (r.lens_parse_ms === undefined) {
    return [];
  }
  return [
    [`lens_parse_ms (${String(r.lens_file_lines)} lines, ${String(r.lens_uses)} uses)`, r.lens_parse_ms, 'well under a keystroke'],
    ['lens_lookup_ms (one screen: 40 keys, 10 patterns)', r.lens_lookup_ms, ''],
  ];
}

if (require.main === module) {
  runCodeLinksBench()
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`code links benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
