/**
 * Python-literal rendering of an unpickled value, laid out the way `pprint.pformat(value,
 * sort_dicts=False)` does (width 80): `datetime.datetime(2024, 1, 2, 3, 4, 5)`, `(1,)`, `{8: 120}`,
 * `{1, 2}`, `Decimal('1.5')`, `b'..'`, and custom objects as `module.Class(attr=value, ...)` (the
 * class is not available here, so its own repr cannot run).
 *
 * pprint measures the one-line repr of every container before deciding to split it, which is
 * quadratic in the depth; here the one-line repr is only built up to the width that decides, so the
 * cost stays linear. Output, nodes, depth and time are budgeted (see budget.ts).
 */
import { bytesLiteral } from './bytes';
import { Deadline, MAX_DEPTH, outputCap } from './budget';
import {
  KNOWN_CALLS,
  PyBytes,
  PyDict,
  PyGlobal,
  PyList,
  PyObject,
  PyOpaque,
  PySet,
  PyTuple,
  canonicalName,
  isTimedelta,
  qualifiedName,
  timedeltaParts,
  timedeltaStr,
  uuidText,
  type PyValue,
} from './pickle';

const WIDTH = 80;

export interface PyRenderResult {
  text: string;
  /** Names of callables that were recorded, not run. */
  opaque: Set<string>;
  recursive: boolean;
  /** Stopped by the output or node budget. */
  limited: boolean;
  /** Parts nested deeper than MAX_DEPTH shown as `...`. */
  tooDeep: boolean;
  timedOut: boolean;
}

class Stop extends Error {}
/** The output budget or the deadline ran out: what was written so far is kept. */
const STOP = new Stop('stop');
/** The one-line repr is wider than what was asked for. */
const TOO_WIDE = new Stop('too wide');

/** A line as str.splitlines(keepends=True) cuts it (\x1c-\x1e are line breaks to Python too). */
// eslint-disable-next-line no-control-regex
const LINE = /[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])?/g;

/** What repr(str) escapes: the quote, backslashes, and every character Python does not print (C*, Z* but the space). */
const ESCAPED = { "'": /[\\'\p{C}\p{Z}]/gu, '"': /[\\"\p{C}\p{Z}]/gu };

function escapeChar(ch: string): string {
  if (ch === ' ') {
    return ch;
  }
  if (ch === '\\' || ch === "'" || ch === '"') {
    return '\\' + ch;
  }
  if (ch === '\t') {
    return '\\t';
  }
  if (ch === '\n') {
    return '\\n';
  }
  if (ch === '\r') {
    return '\\r';
  }
  const cp = ch.codePointAt(0) as number;
  return cp < 0x100 ? '\\x' + cp.toString(16).padStart(2, '0') : cp < 0x10000 ? '\\u' + cp.toString(16).padStart(4, '0') : '\\U' + cp.toString(16).padStart(8, '0');
}

/** Python's repr(str). */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  return quote + s.replace(ESCAPED[quote], escapeChar) + quote;
}

/** Python's repr(float): the shortest digits that round-trip, fixed notation for exponents -4..15. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) {
    return 'nan';
  }
  if (!Number.isFinite(n)) {
    return n > 0 ? 'inf' : '-inf';
  }
  if (n === 0) {
    return Object.is(n, -0) ? '-0.0' : '0.0';
  }
  const [mantissa, expText] = Math.abs(n).toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  const sign = n < 0 ? '-' : '';
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    }
    const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${int}.${frac || '0'}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function complexPart(n: number): string {
  const text = floatRepr(n);
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

/** How a value is laid out: an atom, a container, or a call-like `Name(args, key=value)`. */
type Shape =
  | { t: 'atom'; text: string }
  | { t: 'str'; value: string }
  | { t: 'bytes'; data: Uint8Array; bytearray: boolean }
  | { t: 'seq'; open: string; close: string; items: PyValue[]; empty: string; single?: boolean }
  | { t: 'dict'; entries: Array<[PyValue, PyValue]> }
  | { t: 'call'; name: string; args: Array<[string | undefined, PyValue]> };

function asInt(v: PyValue | undefined): number | undefined {
  return typeof v === 'bigint' ? Number(v) : undefined;
}

function timedeltaRepr(v: PyObject): string | undefined {
  const parts = timedeltaParts(v);
  if (!parts) {
    return undefined;
  }
  const [d, s, us] = parts;
  const out = [d ? `days=${d}` : '', s ? `seconds=${s}` : '', us ? `microseconds=${us}` : ''].filter(Boolean);
  return `datetime.timedelta(${out.length ? out.join(', ') : '0'})`;
}

function callName(v: PyValue | undefined): string | undefined {
  return v instanceof PyObject && v.kind === 'call' ? canonicalName(qualifiedName(v.callee)) : undefined;
}

/** repr of a tzinfo, or undefined when it is not one we know. */
function tzRepr(tz: PyValue | undefined): string | undefined {
  if (!(tz instanceof PyObject)) {
    return undefined;
  }
  const name = callName(tz);
  if (name === 'datetime.timezone' && isTimedelta(tz.args[0])) {
    const offset = timedeltaRepr(tz.args[0] as PyObject) as string;
    const label = tz.args[1];
    if (offset === 'datetime.timedelta(0)' && label === undefined) {
      return 'datetime.timezone.utc';
    }
    return `datetime.timezone(${offset}${typeof label === 'string' ? ', ' + strRepr(label) : ''})`;
  }
  if (name === 'zoneinfo.ZoneInfo._unpickle' && typeof tz.args[0] === 'string') {
    return `zoneinfo.ZoneInfo(key=${strRepr(tz.args[0])})`;
  }
  if (name === 'pytz._UTC') {
    return '<UTC>';
  }
  if (name === 'pytz._p' && typeof tz.args[0] === 'string') {
    const [zone, offset, dst, abbr] = tz.args;
    if (typeof offset === 'bigint' && typeof dst === 'bigint' && typeof abbr === 'string') {
      return `<DstTzInfo ${strRepr(zone)} ${abbr}${timedeltaStr(0n, offset, 0n)} ${dst === 0n ? 'STD' : 'DST'}>`;
    }
    return `<StaticTzInfo ${strRepr(zone)}>`;
  }
  return undefined;
}

function withTz(base: string, tz: PyValue | undefined, fold: boolean): string | undefined {
  let text = base;
  if (tz !== undefined && tz !== null) {
    const r = tzRepr(tz);
    if (r === undefined) {
      return undefined;
    }
    text = `${text.slice(0, -1)}, tzinfo=${r})`;
  }
  return fold ? `${text.slice(0, -1)}, fold=1)` : text;
}

/** repr of datetime, date, time, timedelta, timezone (CPython's own algorithms). */
function temporalRepr(name: string, call: PyObject): string | undefined {
  const state = call.args[0] instanceof PyBytes ? call.args[0].data : undefined;
  switch (name) {
    case 'datetime.datetime': {
      if (!state || state.length !== 10 || (state[2] & 0x7f) < 1 || (state[2] & 0x7f) > 12) {
        return undefined;
      }
      const fields = [(state[0] << 8) | state[1], state[2] & 0x7f, state[3], state[4], state[5], state[6], (state[7] << 16) | (state[8] << 8) | state[9]];
      if (fields[6] === 0) {
        fields.pop();
        if (fields[5] === 0) {
          fields.pop();
        }
      }
      return withTz(`datetime.datetime(${fields.join(', ')})`, call.args[1], (state[2] & 0x80) !== 0);
    }
    case 'datetime.date': {
      if (state && state.length === 4) {
        return `datetime.date(${(state[0] << 8) | state[1]}, ${state[2]}, ${state[3]})`;
      }
      const ints = call.args.map(asInt);
      return ints.length === 3 && ints.every((i) => i !== undefined) ? `datetime.date(${ints.join(', ')})` : undefined;
    }
    case 'datetime.time': {
      if (!state || state.length !== 6) {
        return undefined;
      }
      const [h, mi, s] = [state[0] & 0x7f, state[1], state[2]];
      const us = (state[3] << 16) | (state[4] << 8) | state[5];
      const rest = us ? `, ${s}, ${us}` : s ? `, ${s}` : '';
      return withTz(`datetime.time(${h}, ${mi}${rest})`, call.args[1], (state[0] & 0x80) !== 0);
    }
    case 'datetime.timedelta':
      return timedeltaRepr(call);
    case 'datetime.timezone':
      return tzRepr(call);
    default:
      return undefined;
  }
}

/** A bare class or function name the way a Python developer writes it. */
function shortName(qualified: string): string {
  return qualified.replace(/^builtins\./, '');
}

function shapeOf(v: PyValue, opaque: Set<string>): Shape {
  if (v === null) {
    return { t: 'atom', text: 'None' };
  }
  if (typeof v === 'boolean') {
    return { t: 'atom', text: v ? 'True' : 'False' };
  }
  if (typeof v === 'bigint') {
    return { t: 'atom', text: v.toString() };
  }
  if (typeof v === 'number') {
    return { t: 'atom', text: floatRepr(v) };
  }
  if (typeof v === 'string') {
    return { t: 'str', value: v };
  }
  if (v instanceof PyBytes) {
    if (v.py2str) {
      const text = pyText(v.data);
      if (text !== undefined) {
        return { t: 'str', value: text };
      }
    }
    return { t: 'bytes', data: v.data, bytearray: v.mutable };
  }
  if (v instanceof PyList) {
    return { t: 'seq', open: '[', close: ']', items: v.items, empty: '[]' };
  }
  if (v instanceof PyTuple) {
    return { t: 'seq', open: '(', close: ')', items: v.items, empty: '()', single: v.items.length === 1 };
  }
  if (v instanceof PySet) {
    const items = sortedLikePprint(v.items);
    return v.frozen ? { t: 'seq', open: 'frozenset({', close: '})', items, empty: 'frozenset()' } : { t: 'seq', open: '{', close: '}', items, empty: 'set()' };
  }
  if (v instanceof PyDict) {
    if (v.cls === undefined) {
      return { t: 'dict', entries: v.entries };
    }
    const dict = new PyDict(v.entries);
    const args: Array<[string | undefined, PyValue]> = v.cls === 'collections.defaultdict' ? [[undefined, v.factory ?? null], [undefined, dict]] : [[undefined, dict]];
    return v.entries.length === 0 && v.cls !== 'collections.defaultdict' ? { t: 'atom', text: `${shortName(v.cls).replace(/^collections\./, '')}()` } : { t: 'call', name: v.cls.replace(/^collections\./, ''), args };
  }
  if (v instanceof PyGlobal) {
    return { t: 'atom', text: v.module === 'builtins' ? `<class '${v.name}'>` : v.qualified };
  }
  if (v instanceof PyOpaque) {
    return { t: 'call', name: `<${v.what}>`, args: v.detail === null ? [] : [[undefined, v.detail]] };
  }
  return objectShape(v, opaque);
}

function objectShape(obj: PyObject, opaque: Set<string>): Shape {
  const name = canonicalName(qualifiedName(obj.callee));
  if (obj.kind === 'call' && name !== undefined) {
    if (name.startsWith('datetime.') || name === 'zoneinfo.ZoneInfo._unpickle' || name.startsWith('pytz.')) {
      const text = name.startsWith('datetime.') ? temporalRepr(name, obj) : tzRepr(obj);
      if (text !== undefined) {
        return { t: 'atom', text };
      }
    }
    if (name === 'decimal.Decimal' && typeof obj.args[0] === 'string') {
      return { t: 'atom', text: `Decimal(${strRepr(obj.args[0])})` };
    }
    if (name === 'builtins.complex' && obj.args.every((a) => typeof a === 'number')) {
      const [re = 0, im = 0] = obj.args;
      const imText = `${complexPart(im)}j`;
      return { t: 'atom', text: re === 0 && !Object.is(re, -0) ? imText : `(${complexPart(re)}${im < 0 || Object.is(im, -0) || Number.isNaN(im) ? '' : '+'}${imText})` };
    }
  }
  if (obj.kind === 'instance' && name === 'uuid.UUID') {
    const text = uuidText(obj);
    if (text !== undefined) {
      return { t: 'atom', text: `UUID('${text}')` };
    }
  }
  const label = name ?? '<object>';
  if (obj.kind === 'call' && !KNOWN_CALLS.has(label)) {
    opaque.add(label);
  }
  // Positional: NEWOBJ's arguments, or the contents of a subclass of a builtin (copyreg._reconstructor).
  const args: Array<[string | undefined, PyValue]> = obj.args.map((a) => [undefined, a]);
  if (obj.kwargs instanceof PyDict) {
    for (const [k, v] of obj.kwargs.entries) {
      args.push([typeof k === 'string' ? k : flatText(k), v]);
    }
  }
  addState(obj.state, args);
  if (obj.listItems) {
    args.push([undefined, new PyList(obj.listItems)]);
  }
  if (obj.dictItems) {
    args.push([undefined, new PyDict(obj.dictItems)]);
  }
  return { t: 'call', name: shortName(label), args };
}

/** BUILD's state: `__dict__`, or `(__dict__, slots)` for classes with __slots__; anything else is passed to __setstate__. */
function addState(state: PyValue | undefined, args: Array<[string | undefined, PyValue]>): void {
  if (state === undefined || state === null) {
    return;
  }
  const slotted = state instanceof PyTuple && state.items.length === 2 && (state.items[0] === null || state.items[0] instanceof PyDict) && state.items[1] instanceof PyDict;
  if (!(state instanceof PyDict) && !slotted) {
    args.push(['__setstate__', state]);
    return;
  }
  for (const part of state instanceof PyDict ? [state] : (state).items) {
    if (part instanceof PyDict) {
      for (const [k, v] of part.entries) {
        args.push([typeof k === 'string' ? k : flatText(k), v]);
      }
    }
  }
}

/** pprint sorts set items; mixed types that Python cannot compare keep their pickled order. */
function sortedLikePprint(items: PyValue[]): PyValue[] {
  if (items.every((i) => typeof i === 'string')) {
    return [...(items)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  if (items.every((i) => typeof i === 'bigint' || typeof i === 'number' || typeof i === 'boolean')) {
    const num = (i: PyValue): number => (typeof i === 'boolean' ? Number(i) : Number(i));
    return [...items].sort((a, b) => num(a) - num(b));
  }
  return items;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function pyText(data: Uint8Array): string | undefined {
  try {
    return utf8.decode(data);
  } catch {
    return undefined;
  }
}

/** Values that can contain themselves (and so count for recursion and depth). */
function isContainer(v: PyValue): v is PyList | PyTuple | PySet | PyDict | PyObject | PyOpaque {
  return v instanceof PyList || v instanceof PyTuple || v instanceof PySet || v instanceof PyDict || v instanceof PyObject || v instanceof PyOpaque;
}

/** One rendering run: the output, the budgets, and the containers being visited (recursion). */
class Printer {
  private parts: string[] = [];
  private len = 0;
  private nodes = 0;
  private depth = 0;
  private readonly visiting = new Set<object>();
  readonly opaque = new Set<string>();
  recursive = false;
  limited = false;
  tooDeep = false;

  constructor(
    private readonly maxChars: number,
    private readonly maxNodes: number,
    private readonly deadline: Deadline,
  ) {}

  text(): string {
    return this.parts.join('');
  }

  write(s: string): void {
    if (this.len + s.length > this.maxChars) {
      this.parts.push(s.slice(0, Math.max(0, this.maxChars - this.len)));
      this.len = this.maxChars;
      this.limited = true;
      throw STOP;
    }
    this.parts.push(s);
    this.len += s.length;
  }

  private tick(): void {
    if (++this.nodes > this.maxNodes) {
      this.limited = true;
      throw STOP;
    }
    if (this.deadline.poll()) {
      throw STOP;
    }
  }

  /** Visits a container, or says how its recursion shows; `undefined` means go ahead (then `leave`). */
  private enter(v: PyValue): string | undefined {
    if (!isContainer(v)) {
      return undefined;
    }
    if (this.visiting.has(v)) {
      this.recursive = true;
      return v instanceof PyList ? '[...]' : v instanceof PyDict ? '{...}' : v instanceof PyTuple ? '(...)' : '...';
    }
    if (this.depth >= MAX_DEPTH) {
      this.tooDeep = true;
      return '...';
    }
    this.visiting.add(v);
    this.depth++;
    return undefined;
  }

  private leave(v: PyValue): void {
    if (isContainer(v)) {
      this.visiting.delete(v);
      this.depth--;
    }
  }

  /** The one-line repr, written through `w` (which may stop it early). */
  flat(v: PyValue, w: (s: string) => void): void {
    this.tick();
    const stop = this.enter(v);
    if (stop !== undefined) {
      w(stop);
      return;
    }
    try {
      const shape = shapeOf(v, this.opaque);
      switch (shape.t) {
        case 'atom':
          w(shape.text);
          return;
        case 'str':
          w(strRepr(shape.value));
          return;
        case 'bytes':
          w(shape.bytearray ? `bytearray(${bytesLiteral(shape.data)})` : bytesLiteral(shape.data));
          return;
        case 'seq':
          if (shape.items.length === 0) {
            w(shape.empty);
            return;
          }
          w(shape.open);
          shape.items.forEach((item, i) => {
            if (i > 0) {
              w(', ');
            }
            this.flat(item, w);
          });
          w(shape.single ? ',' + shape.close : shape.close);
          return;
        case 'dict':
          w('{');
          shape.entries.forEach(([k, item], i) => {
            w(i > 0 ? ', ' : '');
            this.flat(k, w);
            w(': ');
            this.flat(item, w);
          });
          w('}');
          return;
        case 'call':
          w(shape.name + '(');
          shape.args.forEach(([label, item], i) => {
            w(i > 0 ? ', ' : '');
            if (label !== undefined) {
              w(label + '=');
            }
            this.flat(item, w);
          });
          w(')');
          return;
      }
    } finally {
      this.leave(v);
    }
  }

  /** The one-line repr if it is at most `max` characters (flat's `finally` undoes the visits of an early stop). */
  fits(v: PyValue, max: number): string | undefined {
    let out = '';
    try {
      this.flat(v, (s) => {
        out += s;
        if (out.length > max) {
          throw TOO_WIDE;
        }
      });
      return out;
    } catch (err) {
      if (err !== TOO_WIDE) {
        throw err;
      }
      return undefined;
    }
  }

  /** pprint's _format: the one-line repr when it fits, else the container split over lines. */
  format(v: PyValue, indent: number, allowance: number, level: number): void {
    const rep = this.fits(v, WIDTH - indent - allowance);
    if (rep !== undefined) {
      this.write(rep);
      return;
    }
    this.tick();
    const stop = this.enter(v);
    if (stop !== undefined) {
      this.write(stop);
      return;
    }
    try {
      this.split(shapeOf(v, this.opaque), indent, allowance, level + 1);
    } finally {
      this.leave(v);
    }
  }

  private split(shape: Shape, indent: number, allowance: number, level: number): void {
    switch (shape.t) {
      case 'atom':
        this.write(shape.text);
        return;
      case 'str':
        this.str(shape.value, indent, allowance, level);
        return;
      case 'bytes':
        if (shape.bytearray) {
          this.write('bytearray(');
          this.bytes(shape.data, indent + 10, allowance + 1, level + 1);
          this.write(')');
        } else {
          this.bytes(shape.data, indent, allowance, level);
        }
        return;
      case 'seq': {
        if (shape.items.length === 0) {
          this.write(shape.empty);
          return;
        }
        this.write(shape.open);
        const close = shape.single ? ',' + shape.close : shape.close;
        this.items(shape.items, indent + shape.open.length - 1, allowance + close.length, level);
        this.write(close);
        return;
      }
      case 'dict': {
        this.write('{');
        const inner = indent + 1;
        const last = shape.entries.length - 1;
        shape.entries.forEach(([k, item], i) => {
          const before = this.len;
          this.flat(k, (s) => this.write(s));
          const keyLength = this.len - before;
          this.write(': ');
          this.format(item, inner + keyLength + 2, i === last ? allowance + 1 : 1, level);
          if (i !== last) {
            this.write(',\n' + ' '.repeat(inner));
          }
        });
        this.write('}');
        return;
      }
      case 'call': {
        this.write(shape.name + '(');
        const inner = indent + shape.name.length + 1;
        const last = shape.args.length - 1;
        shape.args.forEach(([label, item], i) => {
          const prefix = label === undefined ? '' : label + '=';
          this.write(prefix);
          this.format(item, inner + prefix.length, i === last ? allowance + 1 : 1, level);
          if (i !== last) {
            this.write(',\n' + ' '.repeat(inner));
          }
        });
        this.write(')');
        return;
      }
    }
  }

  /** pprint's _format_items (not compact). */
  private items(items: PyValue[], indent: number, allowance: number, level: number): void {
    const inner = indent + 1;
    items.forEach((item, i) => {
      if (i > 0) {
        this.write(',\n' + ' '.repeat(inner));
      }
      this.format(item, inner, i === items.length - 1 ? allowance : 1, level);
    });
  }

  /** pprint's _pprint_str: a long string as adjacent literals, split after whitespace. */
  private str(s: string, indent: number, allowance: number, level: number): void {
    if (s.length === 0) {
      this.write("''");
      return;
    }
    const lines = s.match(LINE)?.filter(Boolean) ?? [s];
    if (level === 1) {
      indent += 1;
      allowance += 1;
    }
    let maxWidth1 = WIDTH - indent;
    const chunks: string[] = [];
    lines.forEach((line, i) => {
      this.tick();
      const rep = strRepr(line);
      if (i === lines.length - 1) {
        maxWidth1 -= allowance;
      }
      if (rep.length <= maxWidth1) {
        chunks.push(rep);
        return;
      }
      const parts = line.match(/\S*\s*/gu) ?? [line];
      parts.pop();
      let maxWidth2 = WIDTH - indent;
      let current = '';
      parts.forEach((part, j) => {
        const candidate = current + part;
        if (j === parts.length - 1 && i === lines.length - 1) {
          maxWidth2 -= allowance;
        }
        if (strRepr(candidate).length > maxWidth2) {
          if (current) {
            chunks.push(strRepr(current));
          }
          current = part;
        } else {
          current = candidate;
        }
      });
      if (current) {
        chunks.push(strRepr(current));
      }
    });
    if (chunks.length === 1) {
      this.write(chunks[0]);
      return;
    }
    this.write(level === 1 ? '(' : '');
    chunks.forEach((rep, i) => this.write((i > 0 ? '\n' + ' '.repeat(indent) : '') + rep));
    this.write(level === 1 ? ')' : '');
  }

  /** pprint's _pprint_bytes: 4-byte groups packed into literals that fit the width. */
  private bytes(data: Uint8Array, indent: number, allowance: number, level: number): void {
    if (data.length <= 4) {
      this.write(bytesLiteral(data));
      return;
    }
    const parens = level === 1;
    if (parens) {
      indent += 1;
      allowance += 1;
      this.write('(');
    }
    let width = WIDTH - indent;
    const last = Math.floor(data.length / 4) * 4;
    let start = 0;
    let end = 0;
    let first = true;
    const emit = (): void => {
      this.write((first ? '' : '\n' + ' '.repeat(indent)) + bytesLiteral(data.subarray(start, end)));
      first = false;
    };
    for (let i = 0; i < data.length; i += 4) {
      this.tick();
      const next = Math.min(i + 4, data.length);
      if (i === last) {
        width -= allowance;
      }
      if (bytesLiteral(data.subarray(start, next)).length > width) {
        if (end > start) {
          emit();
        }
        start = i;
      }
      end = next;
    }
    if (end > start) {
      emit();
    }
    if (parens) {
      this.write(')');
    }
  }
}

/** A one-line repr for a label (dict key that is not a string, attribute name); capped at 1,000 characters. */
export function flatText(v: PyValue, max = 1000): string {
  const p = new Printer(max, 10 * max, new Deadline());
  try {
    p.flat(v, (s) => p.write(s));
  } catch (err) {
    if (!(err instanceof Stop)) {
      throw err;
    }
    return p.text() + '…';
  }
  return p.text();
}

/** Renders `value` like pprint.pformat(value, sort_dicts=False), within the budgets. */
export function renderPython(value: PyValue, inputBytes: number, deadline: Deadline = new Deadline()): PyRenderResult {
  const p = new Printer(outputCap(inputBytes), Math.max(200_000, 8 * inputBytes), deadline);
  try {
    p.format(value, 0, 0, 0);
  } catch (err) {
    if (!(err instanceof Stop) || err === TOO_WIDE) {
      throw err;
    }
  }
  const truncated = p.limited || deadline.expired;
  return {
    text: p.text() + (truncated ? ' …' : ''),
    opaque: p.opaque,
    recursive: p.recursive,
    limited: p.limited,
    tooDeep: p.tooDeep,
    timedOut: deadline.expired,
  };
}
