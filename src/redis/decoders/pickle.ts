/**
 * Python pickle decoder (protocols 0 to 5) that executes nothing.
 *
 * A pickle is a program for a stack machine whose REDUCE / NEWOBJ / BUILD opcodes call arbitrary
 * Python callables. This machine only builds data: every call becomes a record of what would have
 * been called with which arguments. A short list of well-known callables (set, bytes, datetime,
 * Decimal, OrderedDict, copyreg helpers...) is interpreted by our own pure code to show the value a
 * Python developer expects; anything else is shown as a `__reduce__` record and flagged.
 *
 * The `pickleparser` package was evaluated and not used: it reads LONG1/LONG4 as unsigned and
 * through float arithmetic (-3000000000 became 1096511627776, 2**53+1 lost its last digit), throws
 * on integers wider than 8 bytes, leaves protocol-0 `\u` escapes undecoded, cannot tell tuples and
 * sets from lists, and calls `Reflect.construct` on whatever its name resolver returns.
 */
import { bytesLiteral } from './bytes';
import { Deadline, MAX_DEPTH, outputCap } from './budget';
import { jArray, jObject, jsonString } from './jtree';
import { flatText } from './pyrepr';
import { fail, type DecodeAttempt, type Decoder, type JNode, type Note } from './types';

export class PyBytes {
  constructor(
    readonly data: Uint8Array,
    /** bytearray rather than bytes */
    readonly mutable = false,
    /** A Python 2 `str` (bytes that were usually text). */
    readonly py2str = false,
  ) {}
}
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
export class PyList {
  constructor(readonly items: PyValue[] = []) {}
}
export class PyDict {
  constructor(
    readonly entries: Array<[PyValue, PyValue]> = [],
    /** OrderedDict, defaultdict, Counter: shown with their class. */
    readonly cls?: string,
    /** defaultdict's default_factory. */
    readonly factory?: PyValue,
  ) {}
}
export class PySet {
  constructor(
    readonly items: PyValue[] = [],
    readonly frozen = false,
  ) {}
}
/** A reference to a module attribute (class or function), from GLOBAL / STACK_GLOBAL. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}
/**
 * `instance`: an object created without calling its constructor (NEWOBJ, copyreg._reconstructor),
 * then given its state by BUILD. `call`: the recorded, never-run call `callee(*args)` of REDUCE.
 */
export class PyObject {
  state: PyValue | undefined;
  listItems: PyValue[] | undefined;
  dictItems: Array<[PyValue, PyValue]> | undefined;
  constructor(
    readonly kind: 'instance' | 'call',
    readonly callee: PyValue,
    readonly args: PyValue[],
    readonly kwargs?: PyValue,
  ) {}
}
/** Something the machine could not represent (persistent id, extension code, out-of-band buffer). */
export class PyOpaque {
  constructor(
    readonly what: string,
    readonly detail: PyValue,
  ) {}
}

/** Python int is a bigint here, float a number: they are shown differently (`1` and `1.0`). */
export type PyValue = null | boolean | bigint | number | string | PyBytes | PyTuple | PyList | PyDict | PySet | PyGlobal | PyObject | PyOpaque;

class PickleError extends Error {
  constructor(
    message: string,
    readonly timedOut = false,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

/** Opcodes run at most: far more than a value someone reads in an editor, far less than fills a heap. */
const MAX_PICKLE_OPS = 4_000_000;
/** Open MARKs at once; each holds an array, and a MARK flood is a cheap way to fill a heap. */
const MAX_MARKS = 100_000;

/** push(...items) passes every item as an argument: a crafted MARK with a million items overflows the stack. */
function pushAll<T>(target: T[], items: T[]): void {
  for (const item of items) {
    target.push(item);
  }
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

export interface Unpickled {
  value: PyValue;
  protocol: number;
  /** Offset just after STOP. */
  end: number;
  badText: boolean;
}

/** Runs the pickle program over `bytes` and returns the value STOP leaves, without executing anything. */
export function unpickle(bytes: Uint8Array, deadline: Deadline = new Deadline()): Unpickled {
  let pos = 0;
  let protocol = 0;
  let badText = false;
  let stack: PyValue[] = [];
  const metastack: PyValue[][] = [];
  const memo = new Map<number, PyValue>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const take = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > bytes.length) {
      throw new PickleError(`truncated at ${pos}`);
    }
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => bytes[take(1)];
  const u16 = (): number => view.getUint16(take(2), true);
  const i32 = (): number => view.getInt32(take(4), true);
  const u32 = (): number => view.getUint32(take(4), true);
  const u64 = (): number => {
    const at = take(8);
    const value = view.getBigUint64(at, true);
    if (value > BigInt(bytes.length)) {
      throw new PickleError(`length beyond the data at ${at}`);
    }
    return Number(value);
  };
  const raw = (n: number): Uint8Array => {
    const at = take(n);
    return bytes.subarray(at, at + n);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) {
      throw new PickleError(`unterminated line at ${pos}`);
    }
    let text = '';
    for (let i = pos; i < end; i++) {
      text += String.fromCharCode(bytes[i]);
    }
    pos = end + 1;
    return text;
  };
  const utf8 = (data: Uint8Array): string => {
    try {
      return utf8Strict.decode(data);
    } catch {
      badText = true;
      return utf8Lenient.decode(data);
    }
  };
  const pop = (): PyValue => {
    if (stack.length === 0) {
      throw new PickleError(`stack underflow at ${pos - 1}`);
    }
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) {
      throw new PickleError(`stack underflow at ${pos - 1}`);
    }
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const previous = metastack.pop();
    if (!previous) {
      throw new PickleError(`no MARK at ${pos - 1}`);
    }
    stack = previous;
    return items;
  };
  const memoGet = (index: number): PyValue => {
    if (!memo.has(index)) {
      throw new PickleError(`memo ${index} missing at ${pos}`);
    }
    return memo.get(index) as PyValue;
  };
  const tupleItems = (v: PyValue): PyValue[] => {
    if (v instanceof PyTuple) {
      return v.items;
    }
    if (v instanceof PyList) {
      return v.items;
    }
    throw new PickleError(`arguments are not a tuple at ${pos - 1}`);
  };
  const append = (target: PyValue, items: PyValue[]): void => {
    if (target instanceof PyList) {
      pushAll(target.items, items);
    } else if (target instanceof PyObject) {
      pushAll((target.listItems ??= []), items);
    } else {
      throw new PickleError(`APPEND to a non-list at ${pos - 1}`);
    }
  };
  const setItems = (target: PyValue, items: PyValue[]): void => {
    if (items.length % 2 !== 0) {
      throw new PickleError(`odd SETITEMS at ${pos - 1}`);
    }
    const pairs: Array<[PyValue, PyValue]> = [];
    for (let i = 0; i < items.length; i += 2) {
      pairs.push([items[i], items[i + 1]]);
    }
    if (target instanceof PyDict) {
      pushAll(target.entries, pairs);
    } else if (target instanceof PyObject) {
      pushAll((target.dictItems ??= []), pairs);
    } else {
      throw new PickleError(`SETITEM on a non-dict at ${pos - 1}`);
    }
  };

  let ops = 0;
  while (pos < bytes.length) {
    if (deadline.poll()) {
      throw new PickleError('decoding took too long', true);
    }
    // Each opcode makes at most one object, and each object costs tens of bytes of heap.
    if (++ops > MAX_PICKLE_OPS) {
      throw new PickleError('too many objects', false, true);
    }
    const op = bytes[pos++];
    switch (op) {
      case 0x80: // PROTO
        protocol = u8();
        if (protocol > 5) {
          throw new PickleError(`unsupported protocol ${protocol}`);
        }
        break;
      case 0x95: // FRAME: framing is only an I/O hint
        u64();
        break;
      case 0x2e: // STOP
        if (metastack.length > 0 || stack.length !== 1) {
          throw new PickleError(`unbalanced stack at STOP (${pos - 1})`);
        }
        return { value: stack[0], protocol, end: pos, badText };
      case 0x28: // MARK
        // MARKs nest as deep as the data does: Python's pickler never goes near this.
        if (metastack.length >= MAX_MARKS) {
          throw new PickleError(`MARKs nested deeper than ${MAX_MARKS} at ${pos - 1}`);
        }
        metastack.push(stack);
        stack = [];
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x30: // POP: with an empty stack CPython pops a MARK (protocol 0 writes POP after a recursive tuple)
        if (stack.length > 0) {
          stack.pop();
        } else {
          popMark();
        }
        break;
      case 0x32: // DUP
        stack.push(top());
        break;

      case 0x70: // PUT
        memo.set(parseIndex(line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        stack.push(memoGet(parseIndex(line())));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;

      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x49: {
        // INT: protocol 0 also encodes booleans as I00 / I01
        const text = line();
        stack.push(text === '00' ? false : text === '01' ? true : parseDecimalInt(text));
        break;
      }
      case 0x4c: // LONG
        stack.push(parseDecimalInt(line().replace(/L$/, '')));
        break;
      case 0x4a: // BININT
        stack.push(BigInt(i32()));
        break;
      case 0x4b: // BININT1
        stack.push(BigInt(u8()));
        break;
      case 0x4d: // BININT2
        stack.push(BigInt(u16()));
        break;
      case 0x8a: // LONG1
        stack.push(twosComplement(raw(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) {
          throw new PickleError('negative LONG4 length');
        }
        stack.push(twosComplement(raw(n)));
        break;
      }
      case 0x46: // FLOAT
        stack.push(parseFloatLine(line()));
        break;
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(take(8), false));
        break;

      case 0x53: // STRING: a Python 2 str literal, quoted and escaped
        stack.push(new PyBytes(unquotePy2(line()), false, true));
        break;
      case 0x54: {
        // BINSTRING
        const n = i32();
        if (n < 0) {
          throw new PickleError('negative BINSTRING length');
        }
        stack.push(new PyBytes(raw(n), false, true));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(new PyBytes(raw(u8()), false, true));
        break;
      case 0x56: // UNICODE (raw-unicode-escape)
        stack.push(rawUnicodeEscape(line()));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(raw(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(raw(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(raw(u64())));
        break;
      case 0x42: // BINBYTES
        stack.push(new PyBytes(raw(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(new PyBytes(raw(u8())));
        break;
      case 0x8e: // BINBYTES8
        stack.push(new PyBytes(raw(u64())));
        break;
      case 0x96: // BYTEARRAY8
        stack.push(new PyBytes(raw(u64()), true));
        break;
      case 0x97: // NEXT_BUFFER: data outside the pickle, which we do not have
        stack.push(new PyOpaque('out-of-band buffer', null));
        break;
      case 0x98: // READONLY_BUFFER
        top();
        break;

      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: {
        // TUPLE (popMark swaps `stack`: take the items before reaching for it)
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push(new PyList());
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(new PyList(items));
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new PySet());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof PySet)) {
          throw new PickleError(`ADDITEMS on a non-set at ${pos - 1}`);
        }
        pushAll(set.items, items);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(new PySet(items, true));
        break;
      }

      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(new PyGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw new PickleError(`STACK_GLOBAL needs two strings at ${pos - 1}`);
        }
        stack.push(new PyGlobal(module, name));
        break;
      }
      case 0x69: {
        // INST: old-style instance creation, module and class on lines, arguments after MARK
        const module = line();
        const cls = new PyGlobal(module, line());
        const args = popMark();
        stack.push(new PyObject('instance', cls, args));
        break;
      }
      case 0x6f: {
        // OBJ
        const items = popMark();
        if (items.length === 0) {
          throw new PickleError(`OBJ without a class at ${pos - 1}`);
        }
        stack.push(new PyObject('instance', items[0], items.slice(1)));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = tupleItems(pop());
        stack.push(new PyObject('instance', pop(), args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = tupleItems(pop());
        stack.push(new PyObject('instance', pop(), args, kwargs));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = tupleItems(pop());
        stack.push(reduce(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = top();
        if (target instanceof PyObject) {
          target.state = state;
        }
        break;
      }
      case 0x50: // PERSID
        stack.push(new PyOpaque('persistent id', line()));
        break;
      case 0x51: // BINPERSID
        stack.push(new PyOpaque('persistent id', pop()));
        break;
      case 0x82: // EXT1
        stack.push(new PyOpaque('extension code', BigInt(u8())));
        break;
      case 0x83: // EXT2
        stack.push(new PyOpaque('extension code', BigInt(u16())));
        break;
      case 0x84: // EXT4
        stack.push(new PyOpaque('extension code', BigInt(i32())));
        break;
      default:
        throw new PickleError(`unknown opcode 0x${op.toString(16)} at ${pos - 1}`);
    }
  }
  throw new PickleError('no STOP opcode');
}

function parseIndex(text: string): number {
  if (!/^\d+$/.test(text)) {
    throw new PickleError('bad memo index');
  }
  return Number(text);
}

function parseDecimalInt(text: string): bigint {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) {
    throw new PickleError('bad integer');
  }
  return BigInt(t);
}

function parseFloatLine(text: string): number {
  const t = text.trim();
  if (/^[+-]?inf(inity)?$/i.test(t)) {
    return t.startsWith('-') ? -Infinity : Infinity;
  }
  if (/^[+-]?nan$/i.test(t)) {
    return NaN;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    throw new PickleError('bad float');
  }
  return Number(t);
}

/** Little-endian two's complement, as LONG1 / LONG4 store Python ints of any size. */
function twosComplement(data: Uint8Array): bigint {
  if (data.length === 0) {
    return 0n;
  }
  let value = 0n;
  for (let i = data.length - 1; i >= 0; i--) {
    value = (value << 8n) | BigInt(data[i]);
  }
  if (data[data.length - 1] & 0x80) {
    value -= 1n << BigInt(8 * data.length);
  }
  return value;
}

/** A protocol-0 STRING argument: a quoted Python 2 literal with backslash escapes. */
function unquotePy2(text: string): Uint8Array {
  const q = text[0];
  if (text.length < 2 || (q !== "'" && q !== '"') || text[text.length - 1] !== q) {
    throw new PickleError('bad STRING quoting');
  }
  const body = text.slice(1, -1);
  const out: number[] = [];
  const simple: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\' || i + 1 >= body.length) {
      out.push(body.charCodeAt(i) & 0xff);
      continue;
    }
    const e = body[i + 1];
    if (e in simple) {
      out.push(simple[e]);
      i++;
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 2, i + 4))) {
      out.push(parseInt(body.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i + 1)) as RegExpExecArray;
      out.push(parseInt(m[0], 8) & 0xff);
      i += m[0].length;
    } else if (e === '\n') {
      i++;
    } else {
      out.push(92);
    }
  }
  return Uint8Array.from(out);
}

/** Protocol-0 UNICODE argument: latin-1 bytes with \uXXXX and \UXXXXXXXX escapes. */
function rawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, four: string | undefined, eight: string | undefined) => {
    const cp = parseInt(four ?? (eight as string), 16);
    if (cp > 0x10ffff) {
      throw new PickleError('bad \\U escape');
    }
    return String.fromCodePoint(cp);
  });
}

function latin1Bytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) {
      return undefined;
    }
    out[i] = c;
  }
  return out;
}

export function qualifiedName(v: PyValue): string | undefined {
  return v instanceof PyGlobal ? `${v.module}.${v.name}` : undefined;
}

/** Python 2 names that Python 3 writes for protocols below 3 (fix_imports). */
export function canonicalName(name: string | undefined): string | undefined {
  return name?.replace(/^__builtin__\./, 'builtins.').replace(/^copy_reg\./, 'copyreg.');
}

/**
 * Protocols 2-3 cannot write NEWOBJ_EX: an object with __getnewargs_ex__ is pickled as a call of
 * `functools.partial(cls.__new__, cls, *args, **kwargs)`, whose state BUILD sets. Read it back as the
 * instance it creates.
 */
function partialNew(callee: PyValue, args: PyValue[]): PyObject | undefined {
  if (!(callee instanceof PyObject) || callee.kind !== 'call' || qualifiedName(callee.callee) !== 'functools.partial' || args.length > 0) {
    return undefined;
  }
  const state = callee.state;
  if (!(state instanceof PyTuple) || state.items.length < 3) {
    return undefined;
  }
  const [func, partialArgs, keywords] = state.items;
  if (!(func instanceof PyGlobal) || !func.name.endsWith('.__new__') || !(partialArgs instanceof PyTuple) || partialArgs.items.length === 0) {
    return undefined;
  }
  const [cls, ...rest] = partialArgs.items;
  return new PyObject('instance', cls, rest, keywords instanceof PyDict ? keywords : undefined);
}

/**
 * Interprets REDUCE for callables whose result is plain data; the rest become recorded calls.
 * Our own code produces the result: nothing named by the pickle runs.
 */
function reduce(callee: PyValue, args: PyValue[]): PyValue {
  const partial = partialNew(callee, args);
  if (partial) {
    return partial;
  }
  const name = canonicalName(qualifiedName(callee));
  switch (name) {
    case '_codecs.encode': {
      // How protocols 0-2 store bytes: encode(bytes.decode('latin1'), 'latin1').
      const [text, encoding] = args;
      if (typeof text === 'string' && (encoding === 'latin1' || encoding === 'latin-1')) {
        const data = latin1Bytes(text);
        if (data) {
          return new PyBytes(data);
        }
      }
      break;
    }
    case 'builtins.bytes':
    case 'builtins.bytearray': {
      const mutable = name === 'builtins.bytearray';
      if (args.length === 0) {
        return new PyBytes(new Uint8Array(0), mutable);
      }
      const [first, encoding] = args;
      if (first instanceof PyBytes) {
        return new PyBytes(first.data, mutable);
      }
      if (typeof first === 'string' && (encoding === 'latin1' || encoding === 'latin-1')) {
        const data = latin1Bytes(first);
        if (data) {
          return new PyBytes(data, mutable);
        }
      }
      break;
    }
    case 'builtins.set':
    case 'builtins.frozenset': {
      const frozen = name === 'builtins.frozenset';
      if (args.length === 0) {
        return new PySet([], frozen);
      }
      const [items] = args;
      if (items instanceof PyList || items instanceof PyTuple || items instanceof PySet) {
        return new PySet([...items.items], frozen);
      }
      break;
    }
    case 'collections.OrderedDict':
    case 'collections.defaultdict':
    case 'collections.Counter': {
      const dict = new PyDict([], name, name === 'collections.defaultdict' ? args[0] ?? null : undefined);
      const source = name === 'collections.defaultdict' ? args[1] : args[0];
      if (source instanceof PyDict) {
        pushAll(dict.entries, source.entries);
      } else if (source instanceof PyList || source instanceof PyTuple) {
        for (const pair of source.items) {
          if ((pair instanceof PyList || pair instanceof PyTuple) && pair.items.length === 2) {
            dict.entries.push([pair.items[0], pair.items[1]]);
          }
        }
      }
      return dict;
    }
    case 'collections.deque': {
      const [items] = args;
      return new PyList(items instanceof PyList || items instanceof PyTuple ? [...items.items] : []);
    }
    case 'copyreg._reconstructor': {
      // copyreg._reconstructor(cls, base, state) is how protocols 0-1 create instances; for subclasses
      // of tuple, int, str, list, dict..., `state` is base(obj): the contents (a namedtuple's fields).
      const [cls, base, state] = args;
      if (state === undefined || state === null) {
        return new PyObject('instance', cls, []);
      }
      const tupleBase = canonicalName(qualifiedName(base)) === 'builtins.tuple' && state instanceof PyTuple;
      return new PyObject('instance', cls, tupleBase ? [...state.items] : [state]);
    }
    case 'copyreg.__newobj__': {
      const [cls, ...rest] = args;
      return new PyObject('instance', cls, rest);
    }
    case 'copyreg.__newobj_ex__': {
      const [cls, newArgs, kwargs] = args;
      return new PyObject('instance', cls, newArgs instanceof PyTuple ? newArgs.items : [], kwargs);
    }
    case 'builtins.getattr': {
      // Enum members and nested names (ZoneInfo._unpickle) are pickled as getattr(obj, 'name').
      const [owner, attr] = args;
      if (owner instanceof PyGlobal && typeof attr === 'string') {
        return new PyGlobal(owner.module, `${owner.name}.${attr}`);
      }
      break;
    }
    default:
      break;
  }
  return new PyObject('call', callee, args);
}

// ---------------------------------------------------------------------------------------------
// Shared by both renderings (JSON here, Python in pyrepr.ts).

/** Callables whose recorded calls are rendered as the value they stand for (no opaque note). */
export const KNOWN_CALLS = new Set([
  'datetime.datetime',
  'datetime.date',
  'datetime.time',
  'datetime.timedelta',
  'datetime.timezone',
  'decimal.Decimal',
  'builtins.complex',
  'zoneinfo.ZoneInfo._unpickle',
  'pytz._p',
  'pytz._UTC',
]);

/**
 * Memo references let a small pickle describe a huge tree (each level referencing the previous one
 * twice doubles it). Data that is not shared needs at least one byte per node, so a budget
 * proportional to the input renders every honest pickle and stops the blow-ups.
 */
export function renderBudget(inputBytes: number): number {
  return Math.max(100_000, 4 * inputBytes);
}

export function isTimedelta(v: PyValue | undefined): boolean {
  return v instanceof PyObject && v.kind === 'call' && qualifiedName(v.callee) === 'datetime.timedelta';
}

/** (days, seconds, microseconds) of a pickled timedelta, exactly (a float loses microseconds at 999999999 days). */
export function timedeltaParts(v: PyValue | undefined): [bigint, bigint, bigint] | undefined {
  if (!(v instanceof PyObject) || !isTimedelta(v) || !v.args.every((a) => typeof a === 'bigint')) {
    return undefined;
  }
  const [d = 0n, s = 0n, us = 0n] = v.args;
  return [d, s, us];
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function pad(n: number | bigint, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Python's str(timedelta): "-1 day, 23:59:59.500000", in integer arithmetic. */
export function timedeltaStr(days: bigint, seconds: bigint, micros: bigint): string {
  const total = (days * 86_400n + seconds) * 1_000_000n + micros;
  const d = floorDiv(total, 86_400_000_000n);
  let rest = total - d * 86_400_000_000n;
  const us = rest % 1_000_000n;
  rest /= 1_000_000n;
  const clock = `${rest / 3600n}:${pad((rest % 3600n) / 60n)}:${pad(rest % 60n)}${us ? '.' + pad(us, 6) : ''}`;
  return d ? `${d} day${d === 1n || d === -1n ? '' : 's'}, ${clock}` : clock;
}

export function uuidText(obj: PyObject): string | undefined {
  if (!(obj.state instanceof PyDict)) {
    return undefined;
  }
  const entry = obj.state.entries.find(([k]) => k === 'int');
  if (!entry || typeof entry[1] !== 'bigint' || entry[1] < 0n || entry[1] >= 1n << 128n) {
    return undefined;
  }
  const hex = entry[1].toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------
// JSON rendering ("View Value As → JSON", and pickles inside collections): PyValue -> JSON tree.

interface RenderContext {
  budget: number;
  /** Characters of leaves still allowed: a shared 1 MB string referenced 100,000 times is 100 GB. */
  chars: number;
  depth: number;
  visiting: Set<object>;
  opaque: Set<string>;
  recursive: boolean;
  limited: boolean;
  tooDeep: boolean;
  deadline: Deadline;
}

function asBytes(v: PyValue | undefined): Uint8Array | undefined {
  return v instanceof PyBytes ? v.data : undefined;
}

function asInt(v: PyValue | undefined): number | undefined {
  return typeof v === 'bigint' ? Number(v) : undefined;
}

function micros(us: number): string {
  return us ? '.' + pad(us, 6) : '';
}

/** Python's timezone offset notation (+HH:MM, with seconds only when present). */
function offsetText(totalMicros: bigint): string {
  const sign = totalMicros < 0n ? '-' : '+';
  let rest = totalMicros < 0n ? -totalMicros : totalMicros;
  const us = rest % 1_000_000n;
  rest /= 1_000_000n;
  const s = rest % 60n;
  return `${sign}${pad(rest / 3600n)}:${pad((rest % 3600n) / 60n)}${s || us ? ':' + pad(s) : ''}${us ? '.' + pad(us, 6) : ''}`;
}

function timedeltaMicros(v: PyValue | undefined): bigint | undefined {
  const parts = timedeltaParts(v);
  return parts && (parts[0] * 86_400n + parts[1]) * 1_000_000n + parts[2];
}

/** A tzinfo as an ISO suffix: `+02:00`, `+01:00[CET]` for a named offset, `[Europe/Paris]` for a zone. */
function tzSuffix(tz: PyValue | undefined): string | undefined {
  if (tz === undefined || tz === null) {
    return '';
  }
  if (tz instanceof PyObject && tz.kind === 'call') {
    const name = canonicalName(qualifiedName(tz.callee));
    if (name === 'datetime.timezone') {
      const offset = timedeltaMicros(tz.args[0]);
      const label = tz.args[1];
      return offset === undefined ? undefined : offsetText(offset) + (typeof label === 'string' ? `[${label}]` : '');
    }
    if (name === 'zoneinfo.ZoneInfo._unpickle' && typeof tz.args[0] === 'string') {
      return `[${tz.args[0]}]`;
    }
    if (name === 'pytz._UTC') {
      return '+00:00';
    }
    if (name === 'pytz._p' && typeof tz.args[0] === 'string') {
      const offset = tz.args[1];
      return typeof offset === 'bigint' ? `${offsetText(offset * 1_000_000n)}[${tz.args[0]}]` : `[${tz.args[0]}]`;
    }
  }
  return undefined;
}

function dateText(y: number, m: number, d: number): string {
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

function clockText(h: number, mi: number, s: number, us: number): string {
  return `${pad(h)}:${pad(mi)}:${pad(s)}${micros(us)}`;
}

/** datetime / date / time / timedelta / timezone as the isoformat() / str() text Python shows. */
function temporalText(name: string, call: PyObject): string | undefined {
  const state = asBytes(call.args[0]);
  if (name === 'datetime.datetime') {
    let parts: number[] | undefined;
    if (state && state.length === 10) {
      parts = [(state[0] << 8) | state[1], state[2] & 0x7f, state[3], state[4], state[5], state[6], (state[7] << 16) | (state[8] << 8) | state[9]];
    } else if (typeof call.args[0] === 'bigint') {
      const ints = call.args.slice(0, 7).map(asInt);
      parts = [0, 1, 2, 3, 4, 5, 6].map((i) => ints[i] ?? 0);
    }
    if (!parts || parts[1] < 1 || parts[1] > 12) {
      return undefined;
    }
    const tz = tzSuffix(state ? call.args[1] : call.args[7]);
    if (tz === undefined) {
      return undefined;
    }
    return `${dateText(parts[0], parts[1], parts[2])}T${clockText(parts[3], parts[4], parts[5], parts[6])}${tz}`;
  }
  if (name === 'datetime.date') {
    if (state && state.length === 4) {
      return dateText((state[0] << 8) | state[1], state[2], state[3]);
    }
    const [y, m, d] = call.args.map(asInt);
    return y !== undefined && m !== undefined && d !== undefined ? dateText(y, m, d) : undefined;
  }
  if (name === 'datetime.time') {
    if (state && state.length === 6) {
      const tz = tzSuffix(call.args[1]);
      return tz === undefined ? undefined : clockText(state[0] & 0x7f, state[1], state[2], (state[3] << 16) | (state[4] << 8) | state[5]) + tz;
    }
    return undefined;
  }
  if (name === 'datetime.timedelta') {
    const parts = timedeltaParts(call);
    return parts && timedeltaStr(...parts);
  }
  if (name === 'datetime.timezone') {
    return tzSuffix(call);
  }
  return undefined;
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function floatText(n: number): string {
  if (Number.isNaN(n)) {
    return jsonString('NaN');
  }
  if (!Number.isFinite(n)) {
    return jsonString(n > 0 ? 'Infinity' : '-Infinity');
  }
  if (Object.is(n, -0)) {
    return '-0.0';
  }
  // Python shows floats with a decimal point (1.0); keep that so ints and floats stay distinct.
  return Number.isInteger(n) && Math.abs(n) < 1e16 ? n.toFixed(1) : String(n);
}

function dictKey(k: PyValue, ctx: RenderContext): string {
  if (typeof k === 'string') {
    return k;
  }
  if (k instanceof PyBytes && k.py2str) {
    const text = textOf(k);
    if (text !== undefined) {
      return text;
    }
  }
  // A key that is not a string shows as its Python repr, capped: a crafted key can expand without end.
  // No complete repr ends with an ellipsis: that one was cut.
  const text = flatText(k);
  if (text.endsWith('…')) {
    ctx.limited = true;
  }
  return text;
}

export function textOf(b: PyBytes): string | undefined {
  try {
    return utf8Strict.decode(b.data);
  } catch {
    return undefined;
  }
}

function leaf(text: string, ctx: RenderContext): string {
  ctx.chars -= text.length;
  if (ctx.chars < 0) {
    ctx.limited = true;
    return jsonString('…');
  }
  return text;
}

function renderPy(value: PyValue, ctx: RenderContext): JNode {
  if (ctx.budget <= 0 || ctx.chars <= 0 || ctx.deadline.poll()) {
    ctx.limited ||= !ctx.deadline.expired;
    return jsonString('…');
  }
  ctx.budget--;
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  if (typeof value === 'bigint') {
    return leaf(value.toString(), ctx);
  }
  if (typeof value === 'number') {
    return floatText(value);
  }
  if (typeof value === 'string') {
    return leaf(jsonString(value), ctx);
  }
  if (value instanceof PyBytes) {
    const text = value.py2str ? textOf(value) : undefined;
    return leaf(jsonString(text ?? bytesLiteral(value.data)), ctx);
  }
  if (value instanceof PyGlobal) {
    return jObject([['__global__', leaf(jsonString(value.qualified), ctx)]]);
  }
  if (value instanceof PyOpaque) {
    ctx.opaque.add(value.what);
    return jObject([['__unsupported__', jsonString(value.what)], ['detail', renderPy(value.detail, ctx)]]);
  }
  if (ctx.visiting.has(value)) {
    ctx.recursive = true;
    return jsonString('<recursion>');
  }
  if (ctx.depth >= MAX_DEPTH) {
    ctx.tooDeep = true;
    return jsonString('…');
  }
  ctx.visiting.add(value);
  ctx.depth++;
  try {
    if (value instanceof PyList || value instanceof PyTuple || value instanceof PySet) {
      return jArray(value.items.map((item) => renderPy(item, ctx)));
    }
    if (value instanceof PyDict) {
      return jObject(value.entries.map(([k, v]) => [leaf(dictKey(k, ctx), ctx), renderPy(v, ctx)]));
    }
    return renderObject(value, ctx);
  } finally {
    ctx.depth--;
    ctx.visiting.delete(value);
  }
}

function renderObject(obj: PyObject, ctx: RenderContext): JNode {
  const name = canonicalName(qualifiedName(obj.callee));
  if (obj.kind === 'call' && name !== undefined) {
    if (name.startsWith('datetime.')) {
      const text = temporalText(name, obj);
      if (text !== undefined) {
        return jsonString(text);
      }
    }
    if (name === 'decimal.Decimal' && typeof obj.args[0] === 'string') {
      // Decimal keeps its exact digits: JSON number text when it is one, else ("NaN") a string.
      return leaf(JSON_NUMBER.test(obj.args[0]) ? obj.args[0] : jsonString(obj.args[0]), ctx);
    }
    const parts = obj.args.filter((a): a is number => typeof a === 'number');
    if (name === 'builtins.complex' && parts.length === obj.args.length) {
      const [re = 0, im = 0] = parts;
      return jsonString(`(${re}${im < 0 || Object.is(im, -0) ? '-' : '+'}${Math.abs(im)}j)`);
    }
  }
  if (obj.kind === 'instance' && name === 'uuid.UUID') {
    const text = uuidText(obj);
    if (text !== undefined) {
      return jsonString(text);
    }
  }
  const entries: Array<[string, JNode]> = [];
  if (obj.kind === 'call') {
    const label = name ?? flatText(obj.callee);
    if (!KNOWN_CALLS.has(label)) {
      ctx.opaque.add(label);
    }
    entries.push(['__reduce__', leaf(jsonString(label), ctx)]);
  } else {
    entries.push(['__class__', leaf(jsonString(name ?? flatText(obj.callee)), ctx)]);
  }
  if (obj.args.length > 0) {
    entries.push(['__args__', jArray(obj.args.map((a) => renderPy(a, ctx)))]);
  }
  if (obj.kwargs !== undefined && !(obj.kwargs instanceof PyDict && obj.kwargs.entries.length === 0)) {
    entries.push(['__kwargs__', renderPy(obj.kwargs, ctx)]);
  }
  addState(obj.state, entries, ctx);
  if (obj.listItems) {
    entries.push(['__items__', jArray(obj.listItems.map((v) => renderPy(v, ctx)))]);
  }
  if (obj.dictItems) {
    entries.push(['__items__', jObject(obj.dictItems.map(([k, v]) => [leaf(dictKey(k, ctx), ctx), renderPy(v, ctx)]))]);
  }
  return jObject(entries);
}

/** The attributes BUILD gave the object: `__dict__`, or `(__dict__, slots)` for classes with __slots__. */
function addState(state: PyValue | undefined, entries: Array<[string, JNode]>, ctx: RenderContext): void {
  if (state === undefined || state === null) {
    return;
  }
  const dicts: PyDict[] = [];
  if (state instanceof PyDict) {
    dicts.push(state);
  } else if (state instanceof PyTuple && state.items.length === 2 && (state.items[0] === null || state.items[0] instanceof PyDict) && state.items[1] instanceof PyDict) {
    for (const part of state.items) {
      if (part instanceof PyDict) {
        dicts.push(part);
      }
    }
  } else {
    entries.push(['__state__', renderPy(state, ctx)]);
    return;
  }
  for (const dict of dicts) {
    for (const [k, v] of dict.entries) {
      entries.push([leaf(dictKey(k, ctx), ctx), renderPy(v, ctx)]);
    }
  }
}

/** What a rendering of a pickle stopped at, as notes. */
export function renderNotes(r: { opaque: Set<string>; recursive: boolean; limited: boolean; tooDeep: boolean; timedOut: boolean }, deadline: Deadline): Note[] {
  const notes: Note[] = [];
  if (r.opaque.size > 0) {
    notes.push({ code: 'PICKLE_OPAQUE', args: { names: [...r.opaque].sort().join(', ') } });
  }
  if (r.recursive) {
    notes.push({ code: 'PICKLE_RECURSIVE' });
  }
  if (r.tooDeep) {
    notes.push({ code: 'DEPTH_LIMIT', args: { limit: MAX_DEPTH } });
  }
  if (r.limited) {
    notes.push({ code: 'RENDER_LIMIT' });
  }
  if (r.timedOut) {
    notes.push({ code: 'DECODE_TIMEOUT', args: { seconds: deadline.ms / 1000 } });
  }
  return notes;
}

export interface PickleJson {
  node: JNode;
  notes: Note[];
  complete: boolean;
}

/** The pickle as a JSON tree (dict keys that are not strings become their Python repr). */
export function renderPickleJson(value: PyValue, inputBytes: number, deadline: Deadline = new Deadline()): PickleJson {
  const ctx: RenderContext = {
    budget: renderBudget(inputBytes),
    chars: outputCap(inputBytes),
    depth: 0,
    visiting: new Set(),
    opaque: new Set(),
    recursive: false,
    limited: false,
    tooDeep: false,
    deadline,
  };
  const node = renderPy(value, ctx);
  const notes = renderNotes({ ...ctx, timedOut: deadline.expired }, deadline);
  return { node, notes, complete: !ctx.limited && !ctx.tooDeep && !deadline.expired };
}

function looksLikeTextPickle(bytes: Buffer): boolean {
  // Protocol 0/1 pickles end with STOP and begin with an opcode that can start a value.
  return bytes.length >= 3 && bytes[bytes.length - 1] === 0x2e && '(}])cdlItLFSVXUTJKMGN'.includes(String.fromCharCode(bytes[0]));
}

export function hasPickleHeader(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

export const pickleDecoder: Decoder = {
  id: 'pickle',
  decode(bytes, options): DecodeAttempt {
    if (options.partial) {
      return hasPickleHeader(bytes) ? fail('needs the full value', { code: 'NEEDS_FULL_VALUE', args: { decoder: 'pickle' } }) : fail('not a pickle');
    }
    if (options.auto && !hasPickleHeader(bytes) && !looksLikeTextPickle(bytes)) {
      return fail('not a pickle');
    }
    const deadline = options.deadline ?? new Deadline();
    let result: Unpickled;
    try {
      result = unpickle(bytes, deadline);
    } catch (err) {
      if (err instanceof PickleError && err.timedOut) {
        return fail(err.message, { code: 'DECODE_TIMEOUT', args: { seconds: deadline.ms / 1000 } });
      }
      if (err instanceof PickleError && err.tooLarge) {
        return fail(err.message, { code: 'RENDER_LIMIT' });
      }
      return fail(err instanceof PickleError ? err.message : 'invalid pickle');
    }
    const trailing = bytes.length - result.end;
    if (trailing > 0 && options.auto) {
      return fail(`${trailing} bytes after STOP`);
    }
    const notes: Note[] = [];
    if (result.badText) {
      notes.push({ code: 'PICKLE_BAD_TEXT' });
    }
    if (trailing > 0) {
      notes.push({ code: 'PICKLE_TRAILING_BYTES', args: { count: trailing } });
    }
    return { ok: true, payload: { kind: 'pickle', value: result.value, inputBytes: bytes.length }, chain: ['pickle'], notes, complete: true };
  },
};
