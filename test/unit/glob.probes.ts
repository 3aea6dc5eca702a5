/** Patterns that make a backtracking matcher exponential, run by glob.test.ts under a watchdog. */
import { globMatch } from '../../src/redis/glob';

export interface Probe {
  pattern: string;
  length: number;
  tail: string;
  matched: boolean;
}

const PATTERNS = ['*a*a*a*a*a*a*b', '*a*a*a*a*a*a*a*b', '*?*?*?*?*?*?*?c', '*[a-b]*a*a*a*a*a*[^a]'];

export function pathological(): Probe[] {
  const out: Probe[] = [];
  for (const pattern of PATTERNS) {
    for (const length of [60, 200, 1000]) {
      // All a's: no match, the worst case for backtracking. Then a's ending in the byte that matches.
      for (const tail of ['a', 'b', 'c']) {
        const key = 'a'.repeat(length - 1) + tail;
        out.push({ pattern, length, tail, matched: globMatch(pattern, key) });
      }
    }
  }
  return out;
}
