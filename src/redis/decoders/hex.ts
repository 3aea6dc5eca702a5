/**
 * The hex view: always available, so no value is ever hidden or shown as garbage.
 * Layout of `hexdump -C`: 8-digit hex offset, 16 bytes in two groups of 8, printable ASCII column.
 */

export const HEX_BYTES_PER_LINE = 16;

const DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** "00000000  " + 16 × "xx " + 1 extra space + " |" + 16 ASCII + "|" */
const LINE_WIDTH = 10 + 3 * HEX_BYTES_PER_LINE + 1 + 2 + HEX_BYTES_PER_LINE + 1;

/**
 * Written straight into a byte buffer (one string made at the end): a 1 MiB preview gives about
 * 5 MB of text, too much to build by string concatenation quickly.
 * @param offset the offset of `bytes[0]` within the value (continuation of an earlier dump)
 */
export function hexDump(bytes: Uint8Array, offset = 0): string {
  const lines = Math.ceil(bytes.length / HEX_BYTES_PER_LINE);
  if (lines === 0) {
    return '';
  }
  const out = Buffer.alloc(lines * (LINE_WIDTH + 1) - 1, 0x20);
  let p = 0;
  for (let line = 0; line < lines; line++) {
    const start = line * HEX_BYTES_PER_LINE;
    const end = Math.min(start + HEX_BYTES_PER_LINE, bytes.length);
    let at = offset + start;
    for (let k = 7; k >= 0; k--) {
      out[p + k] = DIGITS[at % 16];
      at = Math.floor(at / 16);
    }
    const asciiStart = p + 10 + 3 * HEX_BYTES_PER_LINE + 1 + 2;
    out[asciiStart - 1] = 0x7c;
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      const col = i - start;
      const h = p + 10 + 3 * col + (col >= 8 ? 1 : 0);
      out[h] = DIGITS[c >> 4];
      out[h + 1] = DIGITS[c & 15];
      out[asciiStart + col] = c >= 0x20 && c < 0x7f ? c : 0x2e;
    }
    const asciiEnd = asciiStart + (end - start);
    out[asciiEnd] = 0x7c;
    p += LINE_WIDTH;
    if (line < lines - 1) {
      out[p] = 0x0a;
      p += 1;
    } else {
      p = asciiEnd + 1;
    }
  }
  return out.toString('latin1', 0, p);
}
