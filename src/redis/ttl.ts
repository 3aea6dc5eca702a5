/**
 * TTL input and display, with no I/O and no user-facing text (the UI localizes).
 *
 * A TTL typo must never delete a key: EXPIRE with 0 or a negative value deletes it on every version,
 * and on Redis 3.0 `EXPIRE k 9223372036854775807` replies 1 and deletes it too (the server multiplies
 * the seconds by 1000 in a signed 64-bit integer, which wraps to a time in the past). So the input is
 * refused before any command is sent unless it is a whole number of seconds in [1, MAX_TTL_SECONDS].
 */

/**
 * Ten years of 365 days. Far from any overflow on every server version (seconds × 1000 + now must fit
 * a signed 64-bit integer, i.e. about 9.2e15 s), below 2^31 − 1 seconds (so even code that holds
 * seconds in a 32-bit `long`, as the Windows port's LLP64 build does, cannot wrap), and longer than
 * any cache entry anyone means to set: a larger number is far more likely a typo (extra zeros).
 */
export const MAX_TTL_SECONDS = 10 * 365 * 86_400;

export type TtlInputError = 'empty' | 'zero' | 'negative' | 'too-large' | 'syntax';

export type TtlInput = { seconds: number } | { persist: true } | { error: TtlInputError };

export type TtlUnit = 'w' | 'd' | 'h' | 'm' | 's';

const UNIT_SECONDS: Record<TtlUnit, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };

/** Unit words accepted in the input, in English and French, lower case. */
const UNIT_WORDS: Record<string, TtlUnit> = {
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  seconde: 's',
  secondes: 's',
  m: 'm',
  mn: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  heure: 'h',
  heures: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
  j: 'd',
  jour: 'd',
  jours: 'd',
  w: 'w',
  wk: 'w',
  week: 'w',
  weeks: 'w',
  sem: 'w',
  semaine: 'w',
  semaines: 'w',
};

/** Words meaning "no expiry" (PERSIST). A bare -1 is not one: negative numbers are refused. */
const PERSIST_WORDS = new Set(['persist', 'none', 'never', 'no expiry', 'jamais', 'aucune', 'aucun', '∞']);

/** A trailing bare number after hours or minutes, as in the French "1h30" or "2m30". */
const NEXT_UNIT: Partial<Record<TtlUnit, TtlUnit>> = { h: 'm', m: 's' };

/** Longer digit runs are certainly too large, and would lose precision as a JS number. */
const MAX_DIGITS = 15;

/**
 * Reads what the user typed: plain seconds (`3600`), durations (`90s`, `15m`, `1h`, `2d`, `1w`),
 * combinations in any order with or without spaces (`1h30m`, `1d 2h`, `1h30`), any case, English or
 * French unit words, or a "no expiry" word. Decimals are refused (`1.5h`: the decimal separator differs
 * between English and French, and `1h30m` says it without ambiguity), and so is a unit given twice.
 */
export function parseTtlInput(text: string): TtlInput {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (t === '') {
    return { error: 'empty' };
  }
  if (PERSIST_WORDS.has(t)) {
    return { persist: true };
  }
  let body = t;
  let negative = false;
  if (body.startsWith('-') || body.startsWith('−')) {
    negative = true;
    body = body.slice(1).trimStart();
  }
  const total = parseDuration(body);
  if (total === 'syntax') {
    return { error: 'syntax' };
  }
  if (total === 0) {
    return { error: 'zero' };
  }
  if (negative) {
    return { error: 'negative' };
  }
  if (total === 'too-large' || total > MAX_TTL_SECONDS) {
    return { error: 'too-large' };
  }
  return { seconds: total };
}

function parseDuration(body: string): number | 'syntax' | 'too-large' {
  if (/^\d+$/.test(body)) {
    return digits(body);
  }
  const token = /(\d+) ?([a-zé]+)? ?/y;
  const seen = new Set<TtlUnit>();
  let total = 0;
  let tooLarge = false;
  let last: TtlUnit | undefined;
  let pos = 0;
  while (pos < body.length) {
    token.lastIndex = pos;
    const m = token.exec(body);
    if (!m) {
      return 'syntax';
    }
    pos = token.lastIndex;
    let unit: TtlUnit | undefined;
    if (m[2] !== undefined) {
      unit = UNIT_WORDS[m[2]];
    } else if (pos === body.length && last !== undefined) {
      unit = NEXT_UNIT[last];
    }
    if (unit === undefined || seen.has(unit)) {
      return 'syntax';
    }
    seen.add(unit);
    last = unit;
    const n = digits(m[1]);
    if (n === 'too-large') {
      tooLarge = true;
    } else {
      total += n * UNIT_SECONDS[unit];
    }
  }
  if (tooLarge) {
    return 'too-large';
  }
  return total > Number.MAX_SAFE_INTEGER ? 'too-large' : total;
}

function digits(s: string): number | 'too-large' {
  const trimmed = s.replace(/^0+(?=\d)/, '');
  return trimmed.length > MAX_DIGITS ? 'too-large' : Number(trimmed);
}

/** A TTL split into units; the UI picks how many to show and localizes them. */
export interface TtlParts {
  d: number;
  h: number;
  m: number;
  s: number;
}

/**
 * Splits a remaining time in milliseconds (a PTTL reply) into days, hours, minutes and seconds.
 * Rounds up to the second, so that a TTL just set to 3600 (PTTL 3599998) reads 1 h, not 59 min 59 s,
 * and a key about to expire still shows 1 s rather than 0. Negative replies (-1 no expiry, -2 no key)
 * have no parts: they are the UI's to word.
 */
export function formatTtl(ms: number): TtlParts | undefined {
  if (!Number.isFinite(ms) || ms < 0) {
    return undefined;
  }
  let rest = Math.ceil(ms / 1000);
  const d = Math.floor(rest / 86_400);
  rest -= d * 86_400;
  const h = Math.floor(rest / 3_600);
  rest -= h * 3_600;
  const m = Math.floor(rest / 60);
  return { d, h, m, s: rest - m * 60 };
}

/**
 * The `count` most significant units, starting at the first non-zero one and skipping zeros after it
 * (`2 d 3 h`, `59 min`, `1 h 5 s` with count 2 gives `1 h`). Zero seconds gives `[['s', 0]]`.
 */
export function significantParts(parts: TtlParts, count = 2): [Exclude<TtlUnit, 'w'>, number][] {
  const order: Exclude<TtlUnit, 'w'>[] = ['d', 'h', 'm', 's'];
  const first = order.findIndex((u) => parts[u] !== 0);
  if (first < 0) {
    return [['s', 0]];
  }
  return order
    .slice(first, first + count)
    .filter((u) => parts[u] !== 0)
    .map((u) => [u, parts[u]]);
}

/**
 * The current TTL written in the input syntax (`1h30m`, `2d3h`, `45s`), to prefill the edit box:
 * language-neutral and read back exactly by `parseTtlInput`. Undefined when there is no TTL.
 */
export function ttlInputText(ms: number): string | undefined {
  const p = formatTtl(ms);
  if (!p) {
    return undefined;
  }
  const text = (['d', 'h', 'm', 's'] as const)
    .filter((u) => p[u] !== 0)
    .map((u) => `${p[u]}${u}`)
    .join('');
  return text === '' ? '0s' : text;
}
