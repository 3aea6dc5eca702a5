/**
 * Key names are bytes. The raw `Buffer` from `scanBuffer` is a key's identity; these helpers derive
 * the two strings the UI needs from it:
 * - an id that is a lossless encoding of the bytes (two keys whose lossy UTF-8 decodings are equal get
 *   different ids, and the bytes can be recovered from the id);
 * - a display form that is readable, with escapes for what is not printable UTF-8.
 */

/** Lossless, compact and safe as a tree item id: base64url of the bytes. */
export function bytesId(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Inverse of `bytesId`. */
export function bytesFromId(id: string): Buffer {
  return Buffer.from(id, 'base64url');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

/**
 * Code points shown as `\u{…}` even though they are valid UTF-8: they are invisible or reorder the
 * text around them, so a name containing them would look like another name (or like nothing).
 */
function isDeceptive(cp: number): boolean {
  return (
    (cp >= 0x80 && cp <= 0x9f) || // C1 controls
    cp === 0xad || // soft hyphen
    (cp >= 0x200b && cp <= 0x200c) || // zero-width space / non-joiner (ZWJ 200D is kept: emoji sequences use it)
    (cp >= 0x200e && cp <= 0x200f) || // LRM, RLM
    (cp >= 0x2028 && cp <= 0x202e) || // line/paragraph separators, bidi embeddings and overrides
    (cp >= 0x2060 && cp <= 0x2064) ||
    (cp >= 0x2066 && cp <= 0x2069) || // bidi isolates
    cp === 0xfeff
  );
}

/** redis-cli's own escapes, so that a name shown here can be typed there (NUL is `\\x00`, as redis-cli prints it). */
const SHORT_ESCAPES: Record<number, string> = { 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/**
 * Decodes one UTF-8 sequence at `i`. Returns the code point and its length, or -1 when the bytes are
 * not a valid, shortest-form sequence of a scalar value (overlongs, surrogates and values above
 * U+10FFFF are rejected, like TextDecoder with `fatal: true`).
 */
function decodeAt(bytes: Uint8Array, i: number): [number, number] | -1 {
  const b0 = bytes[i];
  if (b0 < 0x80) {
    return [b0, 1];
  }
  const cont = (k: number): number => {
    const b = bytes[i + k];
    return b !== undefined && (b & 0xc0) === 0x80 ? b & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? -1 : [((b0 & 0x1f) << 6) | c1, 2];
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 < 0 || c2 < 0) {
      return -1;
    }
    const cp = ((b0 & 0x0f) << 12) | (c1 << 6) | c2;
    return cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) ? -1 : [cp, 3];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) {
      return -1;
    }
    const cp = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    return cp < 0x10000 || cp > 0x10ffff ? -1 : [cp, 4];
  }
  return -1;
}

/**
 * What a name needs to be shown unambiguously. Plain printable UTF-8 is shown as is; anything else
 * (invalid bytes, control characters, invisible or bidi characters) switches the whole name to the
 * escaped form, where `\` itself is written `\\` so that an escape can never be confused with text.
 */
export function needsEscaping(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b >= 0x20 && b < 0x7f) {
      i++;
      continue;
    }
    const d = decodeAt(bytes, i);
    if (d === -1) {
      return true;
    }
    const [cp, len] = d;
    if (cp < 0x20 || cp === 0x7f || isDeceptive(cp)) {
      return true;
    }
    i += len;
  }
  return false;
}

/**
 * The readable form of a key name (or of a part of one). Valid printable UTF-8 (emoji included) is
 * kept; invalid bytes become `\xNN`, control characters `\n` `\r` `\t` or `\xNN`, invisible
 * and bidi characters `\u{NNNN}`. The empty name is shown as `""`.
 */
export function displayName(bytes: Uint8Array): string {
  if (bytes.length === 0) {
    return '""';
  }
  if (!needsEscaping(bytes)) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === 0x5c) {
      out += '\\\\';
      i++;
      continue;
    }
    if (b >= 0x20 && b < 0x7f) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const d = decodeAt(bytes, i);
    if (d === -1) {
      out += `\\x${hex2(b)}`;
      i++;
      continue;
    }
    const [cp, len] = d;
    if (cp < 0x20 || cp === 0x7f) {
      out += SHORT_ESCAPES[cp] ?? `\\x${hex2(cp)}`;
    } else if (isDeceptive(cp)) {
      out += `\\u{${cp.toString(16).padStart(4, '0')}}`;
    } else {
      out += String.fromCodePoint(cp);
    }
    i += len;
  }
  return out;
}

/** Turns user input into key bytes: text is taken as UTF-8, exactly as typed (no unescaping). */
export function keyBytes(input: string | Uint8Array): Buffer {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** How `decodeEscapes` reads a backslash: the one-letter escapes it knows, and what an unknown one is. */
export interface EscapeRules {
  /** `\n` and the like: the letter after the backslash, and its byte. */
  controls: Readonly<Record<string, number>>;
  /** An unknown escape (or a lone backslash at the end, a code point that is not one) is an error; otherwise it stands for itself. */
  strict: boolean;
}

/**
 * The bytes of a text written with escapes: `\xHH`, `\u{…}` (a code point, as UTF-8) and the one-letter
 * `controls`. Undefined only under `strict`, when an escape is malformed.
 */
export function decodeEscapes(text: string, rules: EscapeRules): Buffer | undefined {
  const out: Buffer[] = [];
  let plain = '';
  const flush = (): void => {
    if (plain) {
      out.push(Buffer.from(plain, 'utf8'));
      plain = '';
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\') {
      plain += c;
      continue;
    }
    if (i + 1 >= text.length) {
      if (rules.strict) {
        return undefined;
      }
      plain += c;
      continue;
    }
    const next = text[i + 1];
    const hex = /^x([0-9a-fA-F]{2})/.exec(text.slice(i + 1, i + 4));
    if (hex) {
      flush();
      out.push(Buffer.from([parseInt(hex[1], 16)]));
      i += 3;
      continue;
    }
    const unicode = /^u\{([0-9a-fA-F]{1,6})\}/.exec(text.slice(i + 1, i + 11));
    if (unicode) {
      const n = parseInt(unicode[1], 16);
      if (n <= 0x10ffff && !(rules.strict && n >= 0xd800 && n <= 0xdfff)) {
        plain += String.fromCodePoint(n);
        i += unicode[0].length;
        continue;
      }
      if (rules.strict) {
        return undefined;
      }
    }
    const control = Object.hasOwn(rules.controls, next) ? rules.controls[next] : undefined;
    if (control !== undefined) {
      flush();
      out.push(Buffer.from([control]));
    } else if (rules.strict) {
      return undefined;
    } else {
      plain += next;
    }
    i += 1;
  }
  flush();
  return Buffer.concat(out);
}

/**
 * A name typed as redis-cli reads it inside "…": `\xHH`, `\n` `\r` `\t` `\b` `\a`, plus the `\u{…}` the
 * Keys view shows for invisible characters. Any other escaped character stands for itself, as in
 * redis-cli (`\\` is `\`, `\0` is `0` there: NUL is `\x00`).
 */
const REDIS_CLI_ESCAPES: EscapeRules = { controls: { n: 0x0a, r: 0x0d, t: 0x09, b: 0x08, a: 0x07 }, strict: false };

function unescapeName(text: string): Buffer {
  // Never undefined: redis-cli's rules accept every text.
  return decodeEscapes(text, REDIS_CLI_ESCAPES) ?? Buffer.from(text, 'utf8');
}

/**
 * The keys a name typed by the user may stand for, the likelier first. A name in double quotes is read
 * as redis-cli reads it; a name with a backslash is first read with the escapes the Keys view shows
 * (`nova:bin:\xff\x00`), then as typed, because a printable name that contains a backslash is shown
 * as it is (`C:\tmp`); `""` is the empty name, as the Keys view shows it.
 */
export function typedKeyCandidates(input: string): Buffer[] {
  if (input === '""') {
    return [Buffer.alloc(0)];
  }
  if (input.length >= 2 && input.startsWith('"') && input.endsWith('"')) {
    return [unescapeName(input.slice(1, -1))];
  }
  const literal = Buffer.from(input, 'utf8');
  if (!input.includes('\\')) {
    return [literal];
  }
  const decoded = unescapeName(input);
  return decoded.equals(literal) ? [literal] : [decoded, literal];
}
