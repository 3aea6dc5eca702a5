/**
 * JSON decoder. It validates and re-indents the text in one pass without ever building JS values, so
 * what the user sees is what is stored: integers beyond 2^53 keep their digits, `1.0` stays `1.0`,
 * escapes stay as written except `\uXXXX` of printable characters, shown as the characters.
 * Python's json.dumps writes NaN / Infinity / -Infinity by default (and json.loads reads them
 * back), so they are accepted and flagged rather than rejected.
 * A preview cut in the middle of a document is laid out up to where it stops.
 */
import { validUtf8 } from './bytes';
import { MAX_DEPTH, outputCap } from './budget';
import { fail, type DecodeAttempt, type Decoder, type Note } from './types';

export interface JsonLayout {
  ok: true;
  text: string;
  /** The input ended inside the document (only accepted when `allowIncomplete`). */
  incomplete: boolean;
  /**
   * Valid, but not laid out: nested deeper than MAX_DEPTH, or the layout would pass the output cap
   * (deep indentation multiplies the size). `text` is then empty: the caller shows the input as is.
   */
  notLaidOut?: 'depth' | 'size';
  bigNumbers: number;
  nonStandard: number;
}

export interface JsonError {
  ok: false;
  offset: number;
  reason: string;
}

const MAX_SAFE = '9007199254740991';

/** Character codes the layout looks at. */
const C = {
  Tab: 0x09,
  Lf: 0x0a,
  Cr: 0x0d,
  Space: 0x20,
  Quote: 0x22,
  Plus: 0x2b,
  Comma: 0x2c,
  Minus: 0x2d,
  Dot: 0x2e,
  Zero: 0x30,
  Nine: 0x39,
  Colon: 0x3a,
  Backslash: 0x5c,
  OpenBracket: 0x5b,
  CloseBracket: 0x5d,
  OpenBrace: 0x7b,
  CloseBrace: 0x7d,
} as const;

function isDigit(c: number): boolean {
  return c >= C.Zero && c <= C.Nine;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** `"\/bfnrt` after a backslash */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

/** Thrown when the input ends inside the document (a preview cut it). */
class Incomplete extends Error {}
const INCOMPLETE = new Incomplete('unexpected end');

/** Thrown at the first byte that is not JSON (one instance, see `bad`). */
class Bad extends Error {
  offset = 0;
  reason = '';
}
const BAD = new Bad('not JSON');

/**
 * Stops the parse at `offset`. Most values tried as JSON are not JSON (pickles, text), and a new Error
 * per failure cost more than the parse itself, for its stack trace (a quarter of an export of 100,000
 * keys). The parse is synchronous and reads the fields as soon as it catches it, so one instance serves.
 */
function bad(offset: number, reason: string): never {
  BAD.offset = offset;
  BAD.reason = reason;
  throw BAD;
}

/**
 * Output written as UTF-8 bytes into a growing buffer: tokens are copied byte for byte from the
 * input, and the text is made once at the end (much faster than concatenating millions of strings).
 */
class Out {
  buf: Buffer;
  len = 0;
  /** Set once the output is abandoned: validation goes on, nothing more is written. */
  dropped = false;
  constructor(
    capacity: number,
    private readonly cap: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64, Math.min(capacity, cap)));
  }
  private room(n: number): boolean {
    if (this.dropped) {
      return false;
    }
    if (this.len + n > this.cap) {
      this.drop();
      return false;
    }
    if (this.len + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.min(this.cap, Math.max(this.buf.length * 2, this.len + n)));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    return true;
  }
  drop(): void {
    this.dropped = true;
    this.buf = Buffer.alloc(0);
    this.len = 0;
  }
  byte(c: number): void {
    if (!this.room(1)) {
      return;
    }
    this.buf[this.len++] = c;
  }
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (!this.room(n)) {
      return;
    }
    if (n < 64) {
      // Most tokens are short: a loop beats creating a subarray view per token.
      const buf = this.buf;
      let len = this.len;
      for (let k = start; k < end; k++) {
        buf[len++] = src[k];
      }
      this.len = len;
      return;
    }
    this.buf.set(src.subarray(start, end), this.len);
    this.len += n;
  }
  /** Writes a string of characters below 256, one byte each. */
  latin1(s: string): void {
    if (!this.room(s.length)) {
      return;
    }
    for (let k = 0; k < s.length; k++) {
      this.buf[this.len++] = s.charCodeAt(k);
    }
  }
  /** Newline and 2 spaces per level. */
  newline(depth: number): void {
    if (!this.room(1 + 2 * depth)) {
      return;
    }
    this.buf[this.len++] = C.Lf;
    this.buf.fill(C.Space, this.len, this.len + 2 * depth);
    this.len += 2 * depth;
  }
  text(): string {
    return this.buf.toString('utf8', 0, this.len);
  }
}

/** Integer digits beyond ±(2^53 - 1): JavaScript (and many JSON tools) would round them. */
function isBigInteger(src: Uint8Array, start: number, end: number): boolean {
  const digits = end - start;
  if (digits !== MAX_SAFE.length) {
    return digits > MAX_SAFE.length;
  }
  for (let k = 0; k < digits; k++) {
    const d = src[start + k] - MAX_SAFE.charCodeAt(k);
    if (d !== 0) {
      return d > 0;
    }
  }
  return false;
}

/** Characters that stay escaped: invisible, line-breaking or direction-changing (they could hide text). */
function keepEscaped(cp: number): boolean {
  return (
    cp < 0xa0 ||
    cp === 0xad ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0xfeff ||
    (cp >= 0xfff9 && cp <= 0xfffb)
  );
}

function hexValue(src: Uint8Array, at: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = src[at + k];
    v = v * 16 + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
  }
  return v;
}

/**
 * Python's json.dumps escapes every non-ASCII character by default (ensure_ascii), so a French
 * name is stored as "Zo\u00e9". Showing "Zoé" is the same JSON value and what the team reads.
 * Returns the UTF-8 bytes (as a binary string) and how many input bytes the escape(s) took, or
 * undefined to keep the escape as written (control, invisible and unpaired surrogate characters).
 */
function readableEscape(src: Uint8Array, at: number, n: number): { utf8: string; length: number } | undefined {
  let cp = hexValue(src, at + 2);
  let length = 6;
  if (cp >= 0xd800 && cp <= 0xdbff) {
    if (at + 12 > n || src[at + 6] !== C.Backslash || src[at + 7] !== 0x75) {
      return undefined;
    }
    for (let k = 8; k < 12; k++) {
      if (!isHex(src[at + k])) {
        return undefined;
      }
    }
    const low = hexValue(src, at + 8);
    if (low < 0xdc00 || low > 0xdfff) {
      return undefined;
    }
    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    length = 12;
  } else if (cp >= 0xdc00 && cp <= 0xdfff) {
    return undefined;
  }
  if (keepEscaped(cp)) {
    return undefined;
  }
  return { utf8: Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1'), length };
}

/** One layout run: the input, the position in it, and the output so far. */
class Layout {
  private i = 0;
  private readonly n: number;
  private readonly out: Out;
  private bigNumbers = 0;
  private nonStandard = 0;
  private tooDeep = false;
  /** true = object, false = array */
  private readonly stack: boolean[] = [];

  constructor(private readonly src: Uint8Array) {
    this.n = src.length;
    this.out = new Out(this.n + (this.n >> 1), outputCap(this.n));
  }

  private ws(): void {
    while (this.i < this.n) {
      const c = this.src[this.i];
      if (c !== C.Space && c !== C.Lf && c !== C.Cr && c !== C.Tab) {
        return;
      }
      this.i++;
    }
  }
  private need(): number {
    if (this.i >= this.n) {
      throw INCOMPLETE;
    }
    return this.src[this.i];
  }

  private readString(): void {
    const start = this.i;
    /** Start of the input not copied to the output yet (escapes may be replaced). */
    let pending = start;
    this.i++;
    for (;;) {
      // Plain characters in a local loop: strings are most of a JSON document.
      const src = this.src;
      const n = this.n;
      let j = this.i;
      let c = 0;
      while (j < n) {
        c = src[j];
        if (c === C.Quote || c === C.Backslash || c < 0x20) {
          break;
        }
        j++;
      }
      this.i = j;
      if (this.i >= this.n) {
        this.out.copy(this.src, pending, this.n);
        throw INCOMPLETE;
      }
      if (c === C.Quote) {
        this.i++;
        this.out.copy(this.src, pending, this.i);
        return;
      }
      if (c < 0x20) {
        bad(this.i, 'control character in string');
      }
      // c is a backslash
      if (this.i + 1 >= this.n) {
        this.i = this.n;
        continue;
      }
      const e = this.src[this.i + 1];
      if (e === 0x75 /* u */) {
        for (let k = 2; k < 6 && this.i + k < this.n; k++) {
          if (!isHex(this.src[this.i + k])) {
            bad(this.i, 'bad \\u escape');
          }
        }
        if (this.i + 6 > this.n) {
          this.i = this.n;
          continue;
        }
        const shown = readableEscape(this.src, this.i, this.n);
        if (shown) {
          this.out.copy(this.src, pending, this.i);
          this.out.latin1(shown.utf8);
          this.i += shown.length;
          pending = this.i;
        } else {
          this.i += 6;
        }
        continue;
      }
      if (!SIMPLE_ESCAPES.has(e)) {
        bad(this.i, 'bad escape');
      }
      this.i += 2;
    }
  }

  private readLiteral(word: string): void {
    for (let k = 0; k < word.length; k++) {
      if (this.i + k >= this.n) {
        this.out.copy(this.src, this.i, this.n);
        this.i = this.n;
        throw INCOMPLETE;
      }
      if (this.src[this.i + k] !== word.charCodeAt(k)) {
        bad(this.i, 'unexpected character');
      }
    }
    this.out.latin1(word);
    this.i += word.length;
  }

  private readNumber(): void {
    const start = this.i;
    if (this.src[this.i] === C.Minus) {
      this.i++;
      if (this.i < this.n && this.src[this.i] === 0x49 /* I */) {
        this.out.byte(C.Minus);
        this.readLiteral('Infinity');
        this.nonStandard++;
        return;
      }
    }
    const intStart = this.i;
    if (this.i >= this.n) {
      this.out.copy(this.src, start, this.i);
      throw INCOMPLETE;
    }
    let c = this.src[this.i];
    if (c === C.Zero) {
      this.i++;
    } else if (isDigit(c)) {
      while (this.i < this.n && isDigit(this.src[this.i])) {
        this.i++;
      }
    } else {
      bad(this.i, 'bad number');
    }
    const intEnd = this.i;
    let integer = true;
    if (this.i < this.n && this.src[this.i] === C.Dot) {
      integer = false;
      this.i++;
      const fracStart = this.i;
      while (this.i < this.n && isDigit(this.src[this.i])) {
        this.i++;
      }
      if (this.i === fracStart && this.i < this.n) {
        bad(this.i, 'bad number');
      }
    }
    c = this.i < this.n ? this.src[this.i] : 0;
    if (c === 0x65 || c === 0x45) {
      integer = false;
      this.i++;
      if (this.i < this.n && (this.src[this.i] === C.Plus || this.src[this.i] === C.Minus)) {
        this.i++;
      }
      const expStart = this.i;
      while (this.i < this.n && isDigit(this.src[this.i])) {
        this.i++;
      }
      if (this.i === expStart && this.i < this.n) {
        bad(this.i, 'bad number');
      }
    }
    this.out.copy(this.src, start, this.i);
    if (this.i >= this.n && this.stack.length > 0) {
      // A number that reaches the end of a cut document may be missing digits.
      throw INCOMPLETE;
    }
    if (!isDigit(this.src[this.i - 1])) {
      if (this.i >= this.n) {
        throw INCOMPLETE;
      }
      bad(this.i, 'bad number');
    }
    if (integer && isBigInteger(this.src, intStart, intEnd)) {
      this.bigNumbers++;
    }
  }

  /** Reads a scalar, or opens a container; returns true when a container was opened. */
  private readValue(): boolean {
    const c = this.need();
    switch (c) {
      case C.OpenBrace:
      case C.OpenBracket: {
        this.i++;
        this.ws();
        const close = c === C.OpenBrace ? C.CloseBrace : C.CloseBracket;
        if (this.stack.length >= MAX_DEPTH && !this.tooDeep) {
          // Deeper than real data goes: validate on, but show the text as stored.
          this.tooDeep = true;
          this.out.drop();
        }
        this.out.byte(c);
        if (this.i < this.n && this.src[this.i] === close) {
          this.i++;
          this.out.byte(close);
          return false;
        }
        this.stack.push(c === C.OpenBrace);
        return true;
      }
      case C.Quote:
        this.readString();
        return false;
      case 0x74:
        this.readLiteral('true');
        return false;
      case 0x66:
        this.readLiteral('false');
        return false;
      case 0x6e:
        this.readLiteral('null');
        return false;
      case 0x4e:
        this.readLiteral('NaN');
        this.nonStandard++;
        return false;
      case 0x49:
        this.readLiteral('Infinity');
        this.nonStandard++;
        return false;
      default:
        if (c === C.Minus || isDigit(c)) {
          this.readNumber();
          return false;
        }
        bad(this.i, 'unexpected character');
    }
  }

  /** After `{` or `,` in an object: `"key": ` then the value. */
  private readKey(): void {
    this.ws();
    if (this.need() !== C.Quote) {
      bad(this.i, 'expected a key');
    }
    this.out.newline(this.stack.length);
    this.readString();
    this.ws();
    if (this.need() !== C.Colon) {
      bad(this.i, 'expected a colon');
    }
    this.i++;
    this.out.byte(C.Colon);
    this.out.byte(C.Space);
    this.ws();
  }

  private nextItem(): void {
    if (this.stack[this.stack.length - 1]) {
      this.readKey();
    } else {
      this.ws();
      this.out.newline(this.stack.length);
    }
  }

  run(allowIncomplete: boolean): JsonLayout | JsonError {
    try {
      this.ws();
      if (this.i >= this.n) {
        return { ok: false, offset: 0, reason: 'empty' };
      }
      let opened = this.readValue();
      for (;;) {
        if (opened) {
          this.nextItem();
          opened = this.readValue();
          continue;
        }
        this.ws();
        if (this.stack.length === 0) {
          if (this.i < this.n) {
            bad(this.i, 'text after the document');
          }
          break;
        }
        const c = this.need();
        const isObject = this.stack[this.stack.length - 1];
        if (c === C.Comma) {
          this.i++;
          this.out.byte(C.Comma);
          this.nextItem();
          opened = this.readValue();
          continue;
        }
        if (c === (isObject ? C.CloseBrace : C.CloseBracket)) {
          this.i++;
          this.stack.pop();
          this.out.newline(this.stack.length);
          this.out.byte(c);
          continue;
        }
        bad(this.i, 'expected a comma or a closing bracket');
      }
    } catch (err) {
      if (err instanceof Bad) {
        return { ok: false, offset: err.offset, reason: err.reason };
      }
      if (err === INCOMPLETE) {
        if (!allowIncomplete) {
          return { ok: false, offset: this.n, reason: 'unexpected end' };
        }
        return this.result(true);
      }
      throw err;
    }
    return this.result(false);
  }

  private result(incomplete: boolean): JsonLayout {
    const notLaidOut = this.tooDeep ? 'depth' : this.out.dropped ? 'size' : undefined;
    return { ok: true, text: notLaidOut ? '' : this.out.text(), incomplete, bigNumbers: this.bigNumbers, nonStandard: this.nonStandard, notLaidOut };
  }
}

/**
 * Validates `input` as one JSON document and lays it out with 2-space indentation. Works on UTF-8
 * bytes (a string is encoded first); string contents are not checked for UTF-8 here.
 */
export function layoutJson(input: string | Uint8Array, allowIncomplete = false): JsonLayout | JsonError {
  return new Layout(typeof input === 'string' ? Buffer.from(input, 'utf8') : input).run(allowIncomplete);
}

function startsLikeJson(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      continue;
    }
    // { [ " digit - t f n N I
    return c === 0x7b || c === 0x5b || c === 0x22 || isDigit(c) || c === 0x2d || c === 0x74 || c === 0x66 || c === 0x6e || c === 0x4e || c === 0x49;
  }
  return false;
}

export const jsonDecoder: Decoder = {
  id: 'json',
  decode(bytes, options): DecodeAttempt {
    const partial = options.partial === true;
    if (!startsLikeJson(bytes)) {
      return fail('not JSON');
    }
    const utf8 = validUtf8(bytes, partial);
    if (!utf8.ok) {
      return fail('not UTF-8');
    }
    const layout = layoutJson(bytes.subarray(0, utf8.length), partial);
    if (!layout.ok) {
      return fail(`${layout.reason} at ${layout.offset}`);
    }
    const notes: Note[] = [];
    if (layout.notLaidOut) {
      notes.push(layout.notLaidOut === 'depth' ? { code: 'JSON_TOO_DEEP', args: { limit: MAX_DEPTH } } : { code: 'JSON_TOO_LARGE' });
    }
    if (layout.incomplete) {
      notes.push({ code: 'JSON_INCOMPLETE' });
    }
    if (layout.bigNumbers > 0) {
      notes.push({ code: 'JSON_BIG_NUMBERS', args: { count: layout.bigNumbers } });
    }
    if (layout.nonStandard > 0) {
      notes.push({ code: 'JSON_NON_STANDARD', args: { count: layout.nonStandard } });
    }
    return {
      ok: true,
      payload: layout.notLaidOut ? { kind: 'text', text: bytes.toString('utf8', 0, utf8.length) } : { kind: 'json', node: layout.text },
      chain: ['json'],
      notes,
      complete: !partial,
    };
  },
};
