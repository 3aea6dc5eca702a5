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
 * Whether `SCAN … MATCH pattern` (or KEYS) returns the key `subject`: a pattern of exactly `*` means
 * no filter at all on the server (it never reaches the matcher, so it also selects the empty key);
 * any other pattern goes through `stringMatch`.
 */
export function globMatch(pattern: string | Uint8Array, subject: string | Uint8Array): boolean {
  const p = typeof pattern === 'string' ? Buffer.from(pattern, 'utf8') : pattern;
  if (p.length === 1 && p[0] === 0x2a) {
    return true;
  }
  return stringMatch(p, subject);
}

/**
 * Redis' `stringmatchlen` (case-sensitive), byte for byte: `*`, `?`, `[abc]`, `[^abc]`, `[a-z]`
 * (reversed ranges allowed; the ends compare as C's signed `char`, so a range through a byte of 0x80
 * or more is what the server makes of it), `\x` for a literal x, a trailing `\` as itself, and an
 * unterminated `[` that takes the rest of the pattern as its set. Redis recurses on every `*`, which
 * is exponential on patterns such as `*a*a*a*a*b`; here the pattern is compiled into one-byte tokens
 * and stars, and matched with the classic last-star backtracking, at most pattern × key steps.
 *
 * Servers agree on every input except two the old ones treat differently: before 4.0.12 and 5.0.3, an
 * empty key matches a pattern of stars (today only the empty pattern matches it), and before 4.0.7 a
 * set ending in a backslash at the very end of the pattern reads past the pattern. Since 6.2.16,
 * 7.2.6 and 7.4.1, a pattern with more than 1,000 stars followed by more pattern matches nothing;
 * such a pattern is not given that special case here.
 */
export function stringMatch(pattern: string | Uint8Array, subject: string | Uint8Array): boolean {
  const p = typeof pattern === 'string' ? Buffer.from(pattern, 'utf8') : pattern;
  const s = typeof subject === 'string' ? Buffer.from(subject, 'utf8') : subject;
  if (s.length === 0) {
    return p.length === 0;
  }
  return matchTokens(compile(p), s);
}

/** A pattern as a list of tokens: STAR, or a test that consumes exactly one byte. */
const STAR = -1;
const ANY = -2;
/** Values >= 0 are a literal byte; objects are a set (a 256-entry membership table). */
type Token = number | Uint8Array;

/** Reads the pattern the way the server's loop does, including its handling of a cut-short set. */
function compile(p: Uint8Array): Token[] {
  const n = p.length;
  const tokens: Token[] = [];
  let i = 0;
  while (i < n) {
    const c = p[i];
    if (c === 0x2a) {
      while (i + 1 < n && p[i + 1] === 0x2a) {
        i++;
      }
      tokens.push(STAR);
    } else if (c === 0x3f) {
      tokens.push(ANY);
    } else if (c === 0x5b) {
      i++;
      const not = i < n && p[i] === 0x5e;
      if (not) {
        i++;
      }
      const member = new Uint8Array(256);
      for (;;) {
        if (i + 1 < n && p[i] === 0x5c) {
          i++;
          member[p[i]] = 1;
        } else if (i < n && p[i] === 0x5d) {
          break;
        } else if (i >= n) {
          // No closing bracket: the set ends with the pattern (the server steps back one byte so that
          // its usual step over the `]` lands on the end).
          i = n - 1;
          break;
        } else if (i + 2 < n && p[i + 1] === 0x2d) {
          let lo = signedByte(p[i]);
          let hi = signedByte(p[i + 2]);
          if (lo > hi) {
            [lo, hi] = [hi, lo];
          }
          for (let b = 0; b < 256; b++) {
            const v = signedByte(b);
            if (v >= lo && v <= hi) {
              member[b] = 1;
            }
          }
          i += 2;
        } else {
          member[p[i]] = 1;
        }
        i++;
      }
      if (not) {
        for (let b = 0; b < 256; b++) {
          member[b] ^= 1;
        }
      }
      tokens.push(member);
    } else {
      if (c === 0x5c && i + 1 < n) {
        i++;
      }
      tokens.push(p[i]);
    }
    i++;
  }
  return tokens;
}

function signedByte(b: number): number {
  return b >= 0x80 ? b - 0x100 : b;
}

function accepts(t: Token, b: number): boolean {
  return typeof t === 'number' ? t === ANY || t === b : t[b] === 1;
}

/**
 * Every token but a star consumes exactly one byte, so when a token fails it is enough to let the
 * most recent star swallow one more byte and retry from there: an earlier star taking more could
 * only lead to a position the latest star already covers.
 */
function matchTokens(tokens: Token[], s: Uint8Array): boolean {
  let ti = 0;
  let si = 0;
  let starAt = -1;
  let starFrom = 0;
  while (si < s.length) {
    const t = tokens[ti];
    if (t === STAR) {
      starAt = ti++;
      starFrom = si;
    } else if (ti < tokens.length && accepts(t, s[si])) {
      ti++;
      si++;
    } else if (starAt >= 0) {
      ti = starAt + 1;
      si = ++starFrom;
    } else {
      return false;
    }
  }
  while (tokens[ti] === STAR) {
    ti++;
  }
  return ti === tokens.length;
}
