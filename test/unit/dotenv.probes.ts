/** .env files that used to freeze the parser or crash it, read by dotenv.test.ts under a watchdog. */
import { readRedisUrl, type DotenvWarningCode } from '../../src/config/dotenvParse';

export interface DotenvProbe {
  name: string;
  url: string | null;
  line: number | null;
  codes: Partial<Record<DotenvWarningCode, number>>;
}

const URL = 'REDIS_URL=redis://:p%40ss@localhost:6379/1';

const FILES: Record<string, () => string> = {
  // An unclosed `${` rescanned to the end from each of its 40,000 copies.
  'unclosed references': () => `A=${'${'.repeat(40_000)}\n${URL}\n`,
  // npm dotenv reads `K: v`, python-dotenv skips it: one warning per key, each needing its line.
  'KEY: value lines': () => `${Array.from({ length: 20_000 }, (_, i) => `K${i}: v`).join('\n')}\n${URL}\n`,
  // npm dotenv's regular expression recurses per character of a quoted value.
  'huge quoted value': () => `${URL}\nBIG="${'x'.repeat(10_000_000)}"\n`,
  // A run of spaces not followed by `#`, tried as an inline comment from each of its characters.
  'long run of spaces': () => `A=x${' '.repeat(200_000)}y\n${URL}\n`,
};

export function pathological(): DotenvProbe[] {
  return Object.entries(FILES).map(([name, make]) => {
    const read = readRedisUrl(make());
    const codes: Partial<Record<DotenvWarningCode, number>> = {};
    for (const w of read.warnings) {
      codes[w.code] = (codes[w.code] ?? 0) + 1;
    }
    return { name, url: read.url ?? null, line: read.line ?? null, codes };
  });
}
