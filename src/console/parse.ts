/**
 * The line syntax of redis-cli (its `sdssplitargs`), so that what a user learnt there types the
 * same bytes here: words split on blanks; "…" takes \n \r \t \b \a \\ \" and \xHH escapes;
 * '…' takes only \' ; a closing quote must be followed by a blank or the end of the line.
 * The line is taken as UTF-8 and every argument comes back as exact bytes.
 */

export type ParseResult = { ok: true; args: Buffer[] } | { ok: false; reason: 'unbalanced' | 'after-quote' };

const SPACE = 0x20;
const isBlank = (c: number): boolean => c === SPACE || (c >= 0x09 && c <= 0x0d);
/** Outside quotes only these end a word (C's isspace also counts \v and \f when skipping). */
const endsWord = (c: number): boolean => c === SPACE || c === 0x0a || c === 0x0d || c === 0x09;
const hexValue = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) {
    return c - 0x30;
  }
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
};
const CONTROL: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x61: 0x07 };

export function parseLine(line: string | Buffer): ParseResult {
  const s = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
  const args: Buffer[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isBlank(s[i])) {
      i++;
    }
    if (i >= s.length) {
      return { ok: true, args };
    }
    const out: number[] = [];
    let quote: 0 | 0x22 | 0x27 = 0;
    let done = false;
    while (!done) {
      const c = i < s.length ? s[i] : -1;
      if (quote === 0x22) {
        if (c === -1) {
          return { ok: false, reason: 'unbalanced' };
        }
        if (c === 0x5c && s[i + 1] === 0x78 && i + 3 < s.length && hexValue(s[i + 2]) >= 0 && hexValue(s[i + 3]) >= 0) {
          out.push(hexValue(s[i + 2]) * 16 + hexValue(s[i + 3]));
          i += 3;
        } else if (c === 0x5c && i + 1 < s.length) {
          i++;
          out.push(CONTROL[s[i]] ?? s[i]);
        } else if (c === 0x22) {
          if (i + 1 < s.length && !isBlank(s[i + 1])) {
            return { ok: false, reason: 'after-quote' };
          }
          done = true;
        } else {
          out.push(c);
        }
      } else if (quote === 0x27) {
        if (c === -1) {
          return { ok: false, reason: 'unbalanced' };
        }
        if (c === 0x5c && s[i + 1] === 0x27) {
          i++;
          out.push(0x27);
        } else if (c === 0x27) {
          if (i + 1 < s.length && !isBlank(s[i + 1])) {
            return { ok: false, reason: 'after-quote' };
          }
          done = true;
        } else {
          out.push(c);
        }
      } else if (c === -1 || c === 0 || endsWord(c)) {
        done = true;
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
      } else {
        out.push(c);
      }
      if (i < s.length) {
        i++;
      }
    }
    args.push(Buffer.from(out));
  }
}

/**
 * The redis-cli quoting of bytes (its `sdscatrepr`): what the console prints for a bulk string, and
 * what "Copy as Command" writes, since parseLine reads it back to the same bytes.
 */
export function quoteBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const c of bytes) {
    switch (c) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}"`;
}

/** A word as typed in a command line: bare when it needs no quoting, else quoted. */
export function commandWord(bytes: Uint8Array): string {
  return bytes.length > 0 && bytes.every((c) => c > 0x20 && c < 0x7f && c !== 0x22 && c !== 0x27 && c !== 0x5c) ? Buffer.from(bytes).toString('latin1') : quoteBytes(bytes);
}
