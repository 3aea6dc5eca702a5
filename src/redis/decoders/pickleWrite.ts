/**
 * Pickle encoder for plain data, so an edited pickle goes back the way Python would have written it
 * with the same protocol: the opcodes CPython's `pickle.dumps(value, protocol)` chooses for each type
 * (BININT1/2 before BININT before LONG1, SHORT_BINUNICODE from 4, `_codecs.encode` for bytes below 3,
 * `set` and `frozenset` as REDUCE calls below 4). It never writes memo opcodes: a loader does not need
 * them, and plain data has no cycles.
 *
 * Only plain data is accepted (`editBlocker` names what is not): None, bool, int, float, str, bytes,
 * tuple, list, dict, set, frozenset, and the datetime / Decimal calls the decoder recognizes. Anything
 * else would need the class it came from, which this side never has.
 */
import { MAX_DEPTH } from './budget';
import { floatRepr } from './pyrepr';
import { PyBytes, PyDict, PyGlobal, PyList, PyObject, PySet, PyTuple, canonicalName, qualifiedName, type PyValue } from './pickle';

/** Python's batch size for APPENDS / SETITEMS / ADDITEMS. */
const BATCH = 1000;

/** Calls whose arguments are plain data and whose result Python rebuilds without a custom class. */
const PLAIN_CALLS = new Set(['datetime.datetime', 'datetime.date', 'datetime.time', 'datetime.timedelta', 'datetime.timezone', 'decimal.Decimal']);

function isPlainTz(v: PyValue | undefined): boolean {
  return v === undefined || v === null || (v instanceof PyObject && v.kind === 'call' && qualifiedName(v.callee) === 'datetime.timezone');
}

/**
 * Why `value` cannot be re-pickled here: the first class or type name in the way, or undefined when
 * it is plain data all through.
 */
export function editBlocker(value: PyValue, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) {
    return 'nesting';
  }
  if (value === null || typeof value === 'boolean' || typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string') {
    return undefined;
  }
  if (value instanceof PyBytes) {
    return value.mutable ? 'bytearray' : value.py2str ? 'str (Python 2)' : undefined;
  }
  if (value instanceof PyTuple || value instanceof PyList || value instanceof PySet) {
    for (const item of value.items) {
      const blocked = editBlocker(item, depth + 1);
      if (blocked) {
        return blocked;
      }
    }
    return undefined;
  }
  if (value instanceof PyDict) {
    if (value.cls) {
      return value.cls;
    }
    for (const [k, v] of value.entries) {
      const blocked = editBlocker(k, depth + 1) ?? editBlocker(v, depth + 1);
      if (blocked) {
        return blocked;
      }
    }
    return undefined;
  }
  if (value instanceof PyObject) {
    const name = canonicalName(qualifiedName(value.callee));
    if (value.kind !== 'call' || !name || !PLAIN_CALLS.has(name) || value.state !== undefined || value.listItems || value.dictItems || value.kwargs) {
      return name ?? 'object';
    }
    if ((name === 'datetime.datetime' || name === 'datetime.time') && !isPlainTz(value.args[1])) {
      return canonicalName(qualifiedName(value.args[1] instanceof PyObject ? value.args[1].callee : value.args[1])) ?? 'tzinfo';
    }
    for (const arg of value.args) {
      const blocked = editBlocker(arg, depth + 1);
      if (blocked) {
        return blocked;
      }
    }
    return undefined;
  }
  if (value instanceof PyGlobal) {
    return value.qualified;
  }
  return 'object';
}

/** UTF-8 with Python's `surrogatepass`: a lone surrogate is kept as its three bytes, not replaced. */
export function utf8Surrogatepass(s: string): Buffer {
  if (!/[\ud800-\udfff]/.test(s) || Buffer.from(s, 'utf8').toString('utf8') === s) {
    return Buffer.from(s, 'utf8');
  }
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
      out.push(...Buffer.from(s.slice(i, i + 2), 'utf8'));
      i++;
    } else if (c >= 0xd800 && c < 0xe000) {
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    } else {
      out.push(...Buffer.from(s[i], 'utf8'));
    }
  }
  return Buffer.from(out);
}

/** Protocol 0's UNICODE argument: raw-unicode-escape after the replacements pickle.py makes. */
function rawUnicodeEscape(s: string): Buffer {
  const bytes: number[] = [];
  const escape = (cp: number): void => {
    const text = cp < 0x10000 ? '\\u' + cp.toString(16).padStart(4, '0') : '\\U' + cp.toString(16).padStart(8, '0');
    for (const ch of text) {
      bytes.push(ch.charCodeAt(0));
    }
  };
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 0x5c || cp === 0 || cp === 0x0a || cp === 0x0d || cp === 0x1a || cp >= 0x100) {
      escape(cp);
    } else {
      bytes.push(cp);
    }
  }
  return Buffer.from(bytes);
}

/** Python's `encode_long`: little-endian two's complement in the fewest bytes (none for 0). */
function encodeLong(n: bigint): Buffer {
  if (n === 0n) {
    return Buffer.alloc(0);
  }
  const out: number[] = [];
  let x = n;
  for (;;) {
    const byte = Number(x & 0xffn);
    out.push(byte);
    x >>= 8n;
    if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) {
      break;
    }
  }
  return Buffer.from(out);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

class Writer {
  private readonly parts: Buffer[] = [];

  constructor(private readonly protocol: number) {}

  bytes(): Buffer {
    const body = Buffer.concat([...this.parts, Buffer.from('.')]);
    if (this.protocol < 2) {
      return body;
    }
    const header = Buffer.from([0x80, this.protocol]);
    if (this.protocol < 4) {
      return Buffer.concat([header, body]);
    }
    const frame = Buffer.alloc(9);
    frame[0] = 0x95;
    frame.writeBigUInt64LE(BigInt(body.length), 1);
    return Buffer.concat([header, frame, body]);
  }

  private op(...codes: number[]): void {
    this.parts.push(Buffer.from(codes));
  }

  private raw(b: Buffer): void {
    this.parts.push(b);
  }

  private ascii(s: string): void {
    this.parts.push(Buffer.from(s, 'latin1'));
  }

  value(v: PyValue, depth: number): void {
    if (depth > MAX_DEPTH) {
      throw new Error('nested too deeply');
    }
    if (v === null) {
      this.op(0x4e);
    } else if (typeof v === 'boolean') {
      if (this.protocol >= 2) {
        this.op(v ? 0x88 : 0x89);
      } else {
        this.ascii(v ? 'I01\n' : 'I00\n');
      }
    } else if (typeof v === 'bigint') {
      this.int(v);
    } else if (typeof v === 'number') {
      this.float(v);
    } else if (typeof v === 'string') {
      this.str(v);
    } else if (v instanceof PyBytes) {
      this.pyBytes(v.data);
    } else if (v instanceof PyTuple) {
      this.tuple(v.items, depth);
    } else if (v instanceof PyList) {
      this.list(v.items, depth);
    } else if (v instanceof PyDict) {
      this.dict(v.entries, depth);
    } else if (v instanceof PySet) {
      this.set(v, depth);
    } else if (v instanceof PyObject && v.callee instanceof PyGlobal) {
      this.global(v.callee.module, v.callee.name);
      this.tuple(v.args, depth);
      this.op(0x52);
    } else {
      throw new Error('not plain data');
    }
  }

  private int(n: bigint): void {
    if (this.protocol >= 1) {
      if (n >= 0n && n <= 0xffn) {
        this.op(0x4b, Number(n));
        return;
      }
      if (n >= 0n && n <= 0xffffn) {
        this.op(0x4d, Number(n & 0xffn), Number(n >> 8n));
        return;
      }
      if (n >= -0x80000000n && n <= 0x7fffffffn) {
        const b = Buffer.alloc(5);
        b[0] = 0x4a;
        b.writeInt32LE(Number(n), 1);
        this.raw(b);
        return;
      }
    }
    if (this.protocol >= 2) {
      const encoded = encodeLong(n);
      if (encoded.length < 256) {
        this.op(0x8a, encoded.length);
      } else {
        this.op(0x8b);
        this.raw(u32(encoded.length));
      }
      this.raw(encoded);
      return;
    }
    this.ascii(n >= -0x80000000n && n <= 0x7fffffffn ? `I${n}\n` : `L${n}L\n`);
  }

  private float(n: number): void {
    if (this.protocol >= 1) {
      const b = Buffer.alloc(9);
      b[0] = 0x47;
      b.writeDoubleBE(n, 1);
      this.raw(b);
      return;
    }
    this.ascii(`F${floatRepr(n)}\n`);
  }

  private str(s: string): void {
    if (this.protocol < 1) {
      this.op(0x56);
      this.raw(rawUnicodeEscape(s));
      this.op(0x0a);
      return;
    }
    const data = utf8Surrogatepass(s);
    if (this.protocol >= 4 && data.length < 256) {
      this.op(0x8c, data.length);
    } else {
      this.op(0x58);
      this.raw(u32(data.length));
    }
    this.raw(data);
  }

  private pyBytes(data: Uint8Array): void {
    if (this.protocol >= 3) {
      if (data.length < 256) {
        this.op(0x43, data.length);
      } else {
        this.op(0x42);
        this.raw(u32(data.length));
      }
      this.raw(Buffer.from(data));
      return;
    }
    // What pickle.py writes for bytes below protocol 3, where there is no bytes opcode.
    if (data.length === 0) {
      this.global('builtins', 'bytes');
      this.tuple([], 0);
    } else {
      this.global('_codecs', 'encode');
      this.tuple([Buffer.from(data).toString('latin1'), 'latin1'], 0);
    }
    this.op(0x52);
  }

  private global(module: string, name: string): void {
    if (this.protocol >= 4) {
      this.str(module);
      this.str(name);
      this.op(0x93);
      return;
    }
    // fix_imports: Python 3 names as Python 2 knows them, for the protocols Python 2 reads.
    const m = this.protocol < 3 && module === 'builtins' ? '__builtin__' : module;
    this.ascii(`c${m}\n${name}\n`);
  }

  private tuple(items: readonly PyValue[], depth: number): void {
    if (items.length === 0 && this.protocol >= 1) {
      this.op(0x29);
      return;
    }
    if (this.protocol >= 2 && items.length <= 3) {
      for (const item of items) {
        this.value(item, depth + 1);
      }
      this.op(0x84 + items.length);
      return;
    }
    this.op(0x28);
    for (const item of items) {
      this.value(item, depth + 1);
    }
    this.op(0x74);
  }

  /** APPENDS / SETITEMS / ADDITEMS in batches, or the one-item opcode for a batch of one. */
  private batched<T>(items: readonly T[], write: (item: T) => void, many: number, one: number | undefined): void {
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH);
      if (batch.length === 1 && one !== undefined) {
        write(batch[0]);
        this.op(one);
        continue;
      }
      this.op(0x28);
      batch.forEach(write);
      this.op(many);
    }
  }

  private list(items: readonly PyValue[], depth: number): void {
    if (this.protocol < 1) {
      this.ascii('(l');
      for (const item of items) {
        this.value(item, depth + 1);
        this.op(0x61);
      }
      return;
    }
    this.op(0x5d);
    this.batched(items, (item) => this.value(item, depth + 1), 0x65, 0x61);
  }

  private dict(entries: ReadonlyArray<[PyValue, PyValue]>, depth: number): void {
    const pair = ([k, v]: [PyValue, PyValue]): void => {
      this.value(k, depth + 1);
      this.value(v, depth + 1);
    };
    if (this.protocol < 1) {
      this.ascii('(d');
      for (const entry of entries) {
        pair(entry);
        this.op(0x73);
      }
      return;
    }
    this.op(0x7d);
    this.batched(entries, pair, 0x75, 0x73);
  }

  private set(s: PySet, depth: number): void {
    if (this.protocol < 4) {
      this.global('builtins', s.frozen ? 'frozenset' : 'set');
      this.tuple([new PyList([...s.items])], depth);
      this.op(0x52);
      return;
    }
    if (s.frozen) {
      this.op(0x28);
      for (const item of s.items) {
        this.value(item, depth + 1);
      }
      this.op(0x91);
      return;
    }
    this.op(0x8f);
    this.batched(s.items, (item) => this.value(item, depth + 1), 0x90, undefined);
  }
}

/** Pickles plain data with `protocol` (0 to 5). Throws when the value is not plain data. */
export function writePickle(value: PyValue, protocol: number): Buffer {
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 5) {
    throw new Error(`unsupported protocol ${protocol}`);
  }
  const blocked = editBlocker(value);
  if (blocked) {
    throw new Error(`not plain data: ${blocked}`);
  }
  const w = new Writer(protocol);
  w.value(value, 0);
  return w.bytes();
}

/** Protocol 0 opcodes whose argument is one text line (two for GLOBAL and INST). */
const LINE_ARGS: Record<number, number> = { 0x49: 1, 0x4c: 1, 0x46: 1, 0x53: 1, 0x56: 1, 0x70: 1, 0x67: 1, 0x50: 1, 0x63: 2, 0x69: 2 };
/** Protocol 1 opcodes: fixed-size arguments. */
const FIXED_ARGS: Record<number, number> = { 0x4b: 1, 0x4d: 2, 0x4a: 4, 0x47: 8, 0x71: 1, 0x68: 1, 0x72: 4, 0x6a: 4 };
/** Protocol 1 opcodes without arguments (EMPTY_LIST/DICT/TUPLE, APPENDS, SETITEMS, BINPERSID, OBJ). */
const BINARY_NO_ARGS = new Set([0x5d, 0x7d, 0x29, 0x65, 0x75, 0x51, 0x6f]);
/** Protocol 1 opcodes with a length-prefixed argument: SHORT_BINSTRING, BINSTRING, BINUNICODE. */
const SIZED_ARGS: Record<number, number> = { 0x55: 1, 0x54: 4, 0x58: 4 };

/**
 * The protocol a pickle was written with: PROTO's argument from 2 on; below that, 1 if any opcode
 * only protocol 1 has appears, else 0 (text opcodes only).
 */
export function pickleProtocol(bytes: Uint8Array): number {
  if (bytes.length >= 2 && bytes[0] === 0x80) {
    return bytes[1];
  }
  let pos = 0;
  while (pos < bytes.length) {
    const op = bytes[pos++];
    if (op === 0x2e) {
      return 0;
    }
    if (op in FIXED_ARGS || op in SIZED_ARGS || BINARY_NO_ARGS.has(op)) {
      return 1;
    }
    for (let lines = LINE_ARGS[op] ?? 0; lines > 0; lines--) {
      while (pos < bytes.length && bytes[pos] !== 0x0a) {
        pos++;
      }
      pos++;
    }
  }
  return 0;
}
