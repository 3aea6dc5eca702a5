/**
 * MessagePack for editing: the value as JSON text, and that text packed again. Only what JSON can
 * say survives a round trip, so a value holding binary data, extension types (timestamps) or maps
 * with non-text keys stays read-only. Integers and floats are told apart in both directions (1 and
 * 1.0 differ in MessagePack), which the generic decoder cannot do, hence this small reader.
 */
import { jArray, jObject, jsonString, printJson } from './jtree';
import type { JsonValue } from './jsonWrite';
import type { JNode } from './types';
import { MAX_DEPTH } from './budget';

export type MsgpackEditable =
  | { ok: true; text: string; /** Floats were stored as float32 (and only so). */ float32: boolean }
  | { ok: false; reason: 'binary' | 'extension' | 'keys' | 'invalid' };

class Blocked extends Error {
  constructor(readonly reason: 'binary' | 'extension' | 'keys' | 'invalid') {
    super(reason);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A float as JSON text that still reads as a float (`1.0`, not `1`). */
function floatText(n: number): string {
  if (Number.isNaN(n)) {
    return 'NaN';
  }
  if (!Number.isFinite(n)) {
    return n > 0 ? 'Infinity' : '-Infinity';
  }
  const s = String(n);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

export function msgpackEditText(bytes: Buffer): MsgpackEditable {
  let pos = 0;
  let f32 = 0;
  let f64 = 0;
  const need = (n: number): void => {
    if (pos + n > bytes.length) {
      throw new Blocked('invalid');
    }
  };
  const str = (n: number): string => {
    need(n);
    try {
      return utf8.decode(bytes.subarray(pos, (pos += n)));
    } catch {
      throw new Blocked('binary');
    }
  };
  const read = (depth: number): JNode => {
    if (depth > MAX_DEPTH) {
      throw new Blocked('invalid');
    }
    need(1);
    const b = bytes[pos++];
    const seq = (n: number): JNode => jArray(Array.from({ length: n }, () => read(depth + 1)));
    const map = (n: number): JNode => {
      const entries: Array<[string, JNode]> = [];
      for (let i = 0; i < n; i++) {
        need(1);
        const k = bytes[pos];
        const isStr = (k >= 0xa0 && k <= 0xbf) || (k >= 0xd9 && k <= 0xdb);
        if (!isStr) {
          throw new Blocked('keys');
        }
        const key = JSON.parse(read(depth + 1) as string) as string;
        entries.push([key, read(depth + 1)]);
      }
      return jObject(entries);
    };
    const uint = (n: number): number => {
      need(n);
      const v = bytes.readUIntBE(pos, n);
      pos += n;
      return v;
    };
    if (b <= 0x7f) {
      return String(b);
    }
    if (b >= 0xe0) {
      return String(b - 0x100);
    }
    if (b >= 0x80 && b <= 0x8f) {
      return map(b & 0x0f);
    }
    if (b >= 0x90 && b <= 0x9f) {
      return seq(b & 0x0f);
    }
    if (b >= 0xa0 && b <= 0xbf) {
      return jsonString(str(b & 0x1f));
    }
    switch (b) {
      case 0xc0:
        return 'null';
      case 0xc2:
        return 'false';
      case 0xc3:
        return 'true';
      case 0xca:
        need(4);
        f32++;
        return floatText(bytes.readFloatBE((pos += 4) - 4));
      case 0xcb:
        need(8);
        f64++;
        return floatText(bytes.readDoubleBE((pos += 8) - 8));
      case 0xcc:
      case 0xcd:
      case 0xce:
        return String(uint(1 << (b - 0xcc)));
      case 0xcf:
        need(8);
        return bytes.readBigUInt64BE((pos += 8) - 8).toString();
      case 0xd0:
        need(1);
        return String(bytes.readInt8((pos += 1) - 1));
      case 0xd1:
        need(2);
        return String(bytes.readInt16BE((pos += 2) - 2));
      case 0xd2:
        need(4);
        return String(bytes.readInt32BE((pos += 4) - 4));
      case 0xd3:
        need(8);
        return bytes.readBigInt64BE((pos += 8) - 8).toString();
      case 0xd9:
      case 0xda:
      case 0xdb:
        return jsonString(str(uint(1 << (b - 0xd9))));
      case 0xdc:
      case 0xdd:
        return seq(uint(b === 0xdc ? 2 : 4));
      case 0xde:
      case 0xdf:
        return map(uint(b === 0xde ? 2 : 4));
      case 0xc4:
      case 0xc5:
      case 0xc6:
        throw new Blocked('binary');
      default:
        // c7-c9 ext, d4-d8 fixext; c1 is never used.
        throw new Blocked(b === 0xc1 ? 'invalid' : 'extension');
    }
  };
  try {
    const node = read(0);
    if (pos !== bytes.length) {
      return { ok: false, reason: 'invalid' };
    }
    return { ok: true, text: printJson(node), float32: f32 > 0 && f64 === 0 };
  } catch (err) {
    if (err instanceof Blocked) {
      return { ok: false, reason: err.reason };
    }
    throw err;
  }
}

function head(small: number, base8: number, n: number, out: Buffer[]): void {
  if (n < 16 && small >= 0) {
    out.push(Buffer.from([small | n]));
  } else if (n < 0x10000 && base8 !== 0) {
    const b = Buffer.alloc(3);
    b[0] = base8;
    b.writeUInt16BE(n, 1);
    out.push(b);
  } else {
    const b = Buffer.alloc(5);
    b[0] = base8 + 1;
    b.writeUInt32BE(n, 1);
    out.push(b);
  }
}

function writeInt(n: bigint, out: Buffer[]): void {
  if (n >= 0n && n <= 0x7fn) {
    out.push(Buffer.from([Number(n)]));
  } else if (n < 0n && n >= -32n) {
    out.push(Buffer.from([Number(n) & 0xff]));
  } else if (n >= 0n) {
    const size = n <= 0xffn ? 1 : n <= 0xffffn ? 2 : n <= 0xffffffffn ? 4 : 8;
    if (n > 0xffffffffffffffffn) {
      throw new RangeError('integer beyond 64 bits');
    }
    const b = Buffer.alloc(1 + size);
    b[0] = size === 1 ? 0xcc : size === 2 ? 0xcd : size === 4 ? 0xce : 0xcf;
    if (size === 8) {
      b.writeBigUInt64BE(n, 1);
    } else {
      b.writeUIntBE(Number(n), 1, size);
    }
    out.push(b);
  } else {
    const size = n >= -0x80n ? 1 : n >= -0x8000n ? 2 : n >= -0x80000000n ? 4 : 8;
    if (n < -0x8000000000000000n) {
      throw new RangeError('integer beyond 64 bits');
    }
    const b = Buffer.alloc(1 + size);
    b[0] = size === 1 ? 0xd0 : size === 2 ? 0xd1 : size === 4 ? 0xd2 : 0xd3;
    if (size === 8) {
      b.writeBigInt64BE(n, 1);
    } else {
      b.writeIntBE(Number(n), 1, size);
    }
    out.push(b);
  }
}

/** Packs a JSON value in the smallest encodings, floats as float32 when `float32`. */
export function writeMsgpack(value: JsonValue, float32: boolean): Buffer {
  const out: Buffer[] = [];
  const put = (v: JsonValue): void => {
    switch (v.t) {
      case 'null':
        out.push(Buffer.from([0xc0]));
        return;
      case 'bool':
        out.push(Buffer.from([v.v ? 0xc3 : 0xc2]));
        return;
      case 'num': {
        if (/^-?\d+$/.test(v.text)) {
          writeInt(BigInt(v.text), out);
          return;
        }
        const n = v.text === 'NaN' ? NaN : v.text === 'Infinity' ? Infinity : v.text === '-Infinity' ? -Infinity : Number(v.text);
        const b = Buffer.alloc(float32 ? 5 : 9);
        b[0] = float32 ? 0xca : 0xcb;
        if (float32) {
          b.writeFloatBE(n, 1);
        } else {
          b.writeDoubleBE(n, 1);
        }
        out.push(b);
        return;
      }
      case 'str': {
        const data = Buffer.from(v.v, 'utf8');
        if (data.length < 32) {
          out.push(Buffer.from([0xa0 | data.length]));
        } else if (data.length < 0x100) {
          out.push(Buffer.from([0xd9, data.length]));
        } else {
          head(-1, 0xda, data.length, out);
        }
        out.push(data);
        return;
      }
      case 'arr':
        head(0x90, 0xdc, v.items.length, out);
        v.items.forEach(put);
        return;
      case 'obj':
        head(0x80, 0xde, v.entries.length, out);
        for (const [k, item] of v.entries) {
          put({ t: 'str', v: k });
          put(item);
        }
        return;
    }
  };
  put(value);
  return Buffer.concat(out);
}
