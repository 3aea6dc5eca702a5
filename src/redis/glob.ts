/**
 * Redis glob patterns (SCAN MATCH, KEYS): escaping for a literal search, and a byte-exact local
 * matcher with the server's semantics (so a key the explorer learns about without a scan, e.g. one
 * the user just created, can be checked against the active filter).
 */

const SPECIAL = new Set([0x2a /* * */, 0x3f /* ? */, 0x5b /* [ */, 0x5d /* ] */, 0x5c /* \ */]);

/** Escapes `* ? [ ] \` so that the pattern matches exactly these bytes. */
export function escapeGlob(literal: string | Uint8Array): Buffer {
  const bytes = typeof literal === 'string' ? Buffer.from(literal, 'utf8') : literal;
  let extra = 0;
  for (const b of bytes) {
    if (SPECIAL.has(b)) {
      extra++;
    }
  }
  const out = Buffer.allocUnsafe(bytes.length + extra);
  let j = 0;
  for (const b of bytes) {
    if (SPECIAL.has(b)) {
      out[j++] = 0x5c;
    }
    out[j++] = b;
  }
  return out;
}

export type LiteralMode = 'contains' | 'prefix' | 'exact';

/** The pattern for a literal search: the text matches itself, wherever `mode` says. */
export function literalPattern(text: string | Uint8Array, mode: LiteralMode = 'contains'): Buffer {
  const core = escapeGlob(text);
  const star = Buffer.from('*');
  switch (mode) {
    case 'exact':
      return core;
    case 'prefix':
      return Buffer.concat([core, star]);
    default:
      return Buffer.concat([star, core, star]);
  }
}

/** True when the pattern matches every key (no filter in effect). */
export function matchesEverything(pattern: string | Uint8Array | undefined): boolean {
  if (pattern === undefined) {
    return true;
  }
  const bytes = typeof pattern === 'string' ? Buffer.from(pattern, 'utf8') : pattern;
  return bytes.length > 0 && bytes.every((b) => b === 0x2a);
}

/**
 * Whether `subject` matches `pattern`, with the semantics of Redis' `stringmatchlen` (case-sensitive):
 * `*`, `?`, `[abc]`, `[^abc]`, `[a-z]` (reversed ranges allowed), `\x` for a literal x, and an
 * unterminated `[` that takes the rest of the pattern as its set.
 */
export function globMatch(pattern: string | Uint8Array, subject: string | Uint8Array): boolean {
  const p = typeof pattern === 'string' ? Buffer.from(pattern, 'utf8') : pattern;
  const s = typeof subject === 'string' ? Buffer.from(subject, 'utf8') : subject;
  return matchFrom(p, 0, s, 0);
}

function matchFrom(p: Uint8Array, pi: number, s: Uint8Array, si: number): boolean {
  while (pi < p.length && si < s.length) {
    const c = p[pi];
    if (c === 0x2a) {
      while (pi + 1 < p.length && p[pi + 1] === 0x2a) {
        pi++;
      }
      if (pi + 1 === p.length) {
        return true;
      }
      for (let k = si; k < s.length; k++) {
        if (matchFrom(p, pi + 1, s, k)) {
          return true;
        }
      }
      return false;
    }
    if (c === 0x3f) {
      pi++;
      si++;
      continue;
    }
    if (c === 0x5b) {
      pi++;
      const not = p[pi] === 0x5e;
      if (not) {
        pi++;
      }
      let matched = false;
      const ch = s[si];
      for (;;) {
        if (pi >= p.length) {
          // Unterminated set: Redis stops at the end of the pattern.
          pi--;
          break;
        }
        if (p[pi] === 0x5c && pi + 1 < p.length) {
          pi++;
          if (p[pi] === ch) {
            matched = true;
          }
        } else if (p[pi] === 0x5d) {
          break;
        } else if (pi + 2 < p.length && p[pi + 1] === 0x2d) {
          let lo = p[pi];
          let hi = p[pi + 2];
          if (lo > hi) {
            [lo, hi] = [hi, lo];
          }
          if (ch >= lo && ch <= hi) {
            matched = true;
          }
          pi += 2;
        } else if (p[pi] === ch) {
          matched = true;
        }
        pi++;
      }
      if (not) {
        matched = !matched;
      }
      if (!matched) {
        return false;
      }
      pi++;
      si++;
      continue;
    }
    if (c === 0x5c && pi + 1 < p.length) {
      pi++;
    }
    if (p[pi] !== s[si]) {
      return false;
    }
    pi++;
    si++;
  }
  if (si === s.length) {
    while (pi < p.length && p[pi] === 0x2a) {
      pi++;
    }
  }
  return pi === p.length && si === s.length;
}
