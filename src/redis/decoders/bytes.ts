/** Byte-level helpers shared by the decoders. */
import { isUtf8 } from 'node:buffer';

/**
 * Drops a multi-byte UTF-8 sequence cut at the end of a preview, so a prefix of valid text still
 * validates. Returns the length to keep.
 */
export function utf8CompleteLength(bytes: Uint8Array): number {
  const n = bytes.length;
  // A sequence is at most 4 bytes: look back over at most 3 continuation bytes for its lead byte.
  for (let back = 1; back <= Math.min(4, n); back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) {
      continue;
    }
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** Valid UTF-8, allowing a sequence cut at the very end when the bytes are only a prefix. */
export function validUtf8(bytes: Buffer, partial: boolean): { ok: boolean; length: number } {
  const length = partial ? utf8CompleteLength(bytes) : bytes.length;
  return { ok: isUtf8(bytes.subarray(0, length)), length };
}

/** C0 controls that do not occur in ordinary text (tab, newlines, form feed and escape do). */
function isOddControl(c: number): boolean {
  return c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1b;
}

/**
 * Counts the odd control characters, and whether there is a NUL: text that has them is more likely
 * binary data that happens to be valid UTF-8.
 */
export function controlProfile(bytes: Uint8Array): { odd: number; nul: boolean } {
  let odd = 0;
  let nul = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c < 0x20 && isOddControl(c)) {
      odd++;
      if (c === 0) {
        nul = true;
      }
    }
  }
  return { odd, nul };
}

/** Text a person would read: valid UTF-8, no NUL, and at most 1% odd control characters. */
export function looksLikeText(bytes: Buffer, partial: boolean): boolean {
  const { ok, length } = validUtf8(bytes, partial);
  if (!ok) {
    return false;
  }
  const { odd, nul } = controlProfile(bytes.subarray(0, length));
  return !nul && odd * 100 <= length;
}

/** No odd control character at all: bytes that could only be text (used against MessagePack false positives). */
export function isCleanText(bytes: Buffer): boolean {
  return isUtf8(bytes) && controlProfile(bytes).odd === 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Python's notation for bytes (`b'\x00ab'`): the Python developers who wrote the values read it at
 * a glance, and it cannot be mistaken for text.
 */
export function bytesLiteral(bytes: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (let i = 0; i < bytes.length; i++) {
    hasSingle ||= bytes[i] === 0x27;
    hasDouble ||= bytes[i] === 0x22;
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  // Written into one buffer: appending to a string byte by byte builds a rope of millions of nodes.
  const out = Buffer.allocUnsafe(4 * bytes.length + 3);
  let n = 0;
  const put = (c: number): void => {
    out[n++] = c;
  };
  put(0x62);
  put(quote);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x5c || c === quote) {
      put(0x5c);
      put(c);
    } else if (c === 0x09 || c === 0x0a || c === 0x0d) {
      put(0x5c);
      put(c === 0x09 ? 0x74 : c === 0x0a ? 0x6e : 0x72);
    } else if (c >= 0x20 && c < 0x7f) {
      put(c);
    } else {
      put(0x5c);
      put(0x78);
      put(HEX_DIGITS[c >> 4]);
      put(HEX_DIGITS[c & 15]);
    }
  }
  put(quote);
  return out.toString('latin1', 0, n);
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** Space-separated hex pairs, for a forced hex view of a collection element. */
export function hexPairs(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    parts[i] = HEX[bytes[i]];
  }
  return parts.join(' ');
}

export { HEX };
