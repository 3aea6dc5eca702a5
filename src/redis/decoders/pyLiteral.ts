/**
 * Reads back the Python text an edited pickle is shown as (pprint.pformat of plain data) into the
 * values the pickle encoder writes. It is a reader of literals, never an evaluator: the only names
 * it knows are None/True/False, inf/nan, and the constructors of the plain types pprint prints
 * (set, frozenset, datetime.*, Decimal). Adjacent string literals join, as pprint splits long ones.
 * Errors carry the offset where reading stopped, for the editor's diagnostic.
 */
import { MAX_DEPTH } from './budget';
import { PyBytes, PyDict, PyGlobal, PyList, PyObject, PySet, PyTuple, type PyValue } from './pickle';

export class PyLiteralError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const SIMPLE: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

const DECIMAL = /^\s*[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|s?nan\d*)\s*$/i;

type Arg = { name?: string; value: PyValue; at: number };

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function leap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function timedelta(days: bigint, seconds: bigint, micros: bigint): PyObject {
  // Normalized as Python does: 0 <= seconds < 86400, 0 <= microseconds < 10**6.
  const total = (days * 86_400n + seconds) * 1_000_000n + micros;
  const perDay = 86_400_000_000n;
  let d = total / perDay;
  if (total % perDay !== 0n && total < 0n) {
    d -= 1n;
  }
  const rest = total - d * perDay;
  return new PyObject('call', new PyGlobal('datetime', 'timedelta'), [d, rest / 1_000_000n, rest % 1_000_000n]);
}

const UTC = (): PyObject => new PyObject('call', new PyGlobal('datetime', 'timezone'), [timedelta(0n, 0n, 0n)]);

class Reader {
  private pos = 0;

  constructor(private readonly src: string) {}

  read(): PyValue {
    this.skip();
    const value = this.expr(0);
    this.skip();
    if (this.pos < this.src.length) {
      this.fail('unexpected text after the value');
    }
    return value;
  }

  private fail(reason: string, at = this.pos): never {
    throw new PyLiteralError(at, reason);
  }

  /** Whitespace, newlines and comments: the header lines are comments. */
  private skip(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
        this.pos++;
      } else if (c === '#') {
        while (this.pos < s.length && s[this.pos] !== '\n') {
          this.pos++;
        }
      } else if (c === '\\' && s[this.pos + 1] === '\n') {
        this.pos += 2;
      } else {
        break;
      }
    }
  }

  private eat(ch: string): boolean {
    this.skip();
    if (this.src[this.pos] === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(ch: string): void {
    if (!this.eat(ch)) {
      this.fail(`"${ch}" expected`);
    }
  }

  private expr(depth: number): PyValue {
    if (depth > MAX_DEPTH) {
      this.fail('nested too deeply');
    }
    this.skip();
    const s = this.src;
    const c = s[this.pos];
    if (c === undefined) {
      this.fail('a value is missing');
    }
    if (c === '-' || c === '+') {
      this.pos++;
      const at = this.pos;
      const v = this.expr(depth + 1);
      if (typeof v === 'bigint') {
        return c === '-' ? -v : v;
      }
      if (typeof v === 'number') {
        return c === '-' ? -v : v;
      }
      this.fail('a number is expected after the sign', at);
    }
    if (c === '(') {
      this.pos++;
      const items = this.sequence(')', depth);
      if (items.values.length === 1 && !items.trailingComma) {
        return items.values[0];
      }
      return new PyTuple(items.values);
    }
    if (c === '[') {
      this.pos++;
      return new PyList(this.sequence(']', depth).values);
    }
    if (c === '{') {
      this.pos++;
      return this.braces(depth);
    }
    if (/[0-9.]/.test(c)) {
      return this.number();
    }
    if (c === "'" || c === '"') {
      return this.strings();
    }
    if (/[A-Za-z_]/.test(c)) {
      const start = this.pos;
      const name = this.dotted();
      if (/^[rRbBuU]{1,2}$/.test(name) && (s[this.pos] === "'" || s[this.pos] === '"')) {
        this.pos = start;
        return this.strings();
      }
      return this.named(name, start, depth);
    }
    this.fail(`unexpected "${c}"`);
  }

  private sequence(close: string, depth: number): { values: PyValue[]; trailingComma: boolean } {
    const values: PyValue[] = [];
    let trailingComma = false;
    for (;;) {
      if (this.eat(close)) {
        return { values, trailingComma };
      }
      values.push(this.expr(depth + 1));
      trailingComma = this.eat(',');
      if (!trailingComma) {
        this.expect(close);
        return { values, trailingComma };
      }
    }
  }

  private braces(depth: number): PyValue {
    if (this.eat('}')) {
      return new PyDict([]);
    }
    const first = this.expr(depth + 1);
    if (this.eat(':')) {
      const entries: Array<[PyValue, PyValue]> = [[first, this.expr(depth + 1)]];
      while (this.eat(',')) {
        if (this.eat('}')) {
          return new PyDict(entries);
        }
        const k = this.expr(depth + 1);
        this.expect(':');
        entries.push([k, this.expr(depth + 1)]);
      }
      this.expect('}');
      return new PyDict(entries);
    }
    const items = [first];
    while (this.eat(',')) {
      if (this.eat('}')) {
        return new PySet(items);
      }
      items.push(this.expr(depth + 1));
    }
    this.expect('}');
    return new PySet(items);
  }

  private number(): PyValue {
    const m = /^(?:(\d[\d_]*)(?![.eEjJ\d])|((?:\d[\d_]*)?\.?\d*(?:[eE][+-]?\d+)?))/.exec(this.src.slice(this.pos, this.pos + 400));
    const text = m?.[0] ?? '';
    const at = this.pos;
    if (!text || text === '.') {
      this.fail('not a number');
    }
    this.pos += text.length;
    if (m?.[1] !== undefined) {
      const digits = text.replace(/_/g, '');
      if (digits.length > 1 && digits.startsWith('0') && /[1-9]/.test(digits)) {
        this.fail('leading zeros are not allowed in Python integers', at);
      }
      return BigInt(digits);
    }
    const n = Number(text.replace(/_/g, ''));
    if (Number.isNaN(n)) {
      this.fail('not a number', at);
    }
    return n;
  }

  private dotted(): string {
    const m = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/.exec(this.src.slice(this.pos, this.pos + 200)) as RegExpExecArray;
    this.pos += m[0].length;
    return m[0];
  }

  /** One or more adjacent literals of one kind (str or bytes), joined. */
  private strings(): PyValue {
    const start = this.pos;
    const parts: Array<{ bytes: boolean; text: string; data?: number[] }> = [];
    for (;;) {
      this.skip();
      const m = /^([rRbBuU]{0,2})(['"])/.exec(this.src.slice(this.pos, this.pos + 3));
      if (!m || (parts.length > 0 && !/['"]/.test(this.src[this.pos + m[1].length]))) {
        break;
      }
      parts.push(this.literal());
    }
    if (parts.some((p) => p.bytes !== parts[0].bytes)) {
      this.fail('cannot join text and bytes literals', start);
    }
    if (parts[0].bytes) {
      return new PyBytes(Uint8Array.from(parts.flatMap((p) => p.data ?? [])));
    }
    return parts.map((p) => p.text).join('');
  }

  private literal(): { bytes: boolean; text: string; data?: number[] } {
    const s = this.src;
    const prefix = (/^[rRbBuU]{0,2}/.exec(s.slice(this.pos)) as RegExpExecArray)[0].toLowerCase();
    if (!['', 'r', 'u', 'b', 'br', 'rb'].includes(prefix)) {
      this.fail(`unknown string prefix "${prefix}"`);
    }
    const isBytes = prefix.includes('b');
    const isRaw = prefix.includes('r');
    this.pos += prefix.length;
    const quote = s.startsWith(s[this.pos].repeat(3), this.pos) ? s[this.pos].repeat(3) : s[this.pos];
    const open = this.pos;
    this.pos += quote.length;
    let text = '';
    const data: number[] = [];
    const put = (cp: number, at: number): void => {
      if (isBytes) {
        if (cp > 0xff) {
          this.fail('bytes literals hold only ASCII characters and \\x escapes', at);
        }
        data.push(cp);
      } else {
        text += String.fromCodePoint(cp);
      }
    };
    for (;;) {
      if (this.pos >= s.length) {
        this.fail('the string is not closed', open);
      }
      if (s.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        return { bytes: isBytes, text, data };
      }
      const at = this.pos;
      const ch = s[this.pos];
      if (ch === '\n' && quote.length === 1) {
        this.fail('the string is not closed on its line', open);
      }
      if (ch !== '\\' || isRaw) {
        if (isRaw && ch === '\\' && this.pos + 1 < s.length) {
          put(0x5c, at);
          this.pos++;
          put(s.codePointAt(this.pos) as number, this.pos);
          this.pos += s[this.pos].length;
          continue;
        }
        const cp = s.codePointAt(this.pos) as number;
        if (isBytes && cp > 0x7f) {
          this.fail('bytes literals hold only ASCII characters and \\x escapes', at);
        }
        put(cp, at);
        this.pos += cp > 0xffff ? 2 : 1;
        continue;
      }
      const e = s[this.pos + 1];
      this.pos += 2;
      if (e === undefined) {
        this.fail('the string is not closed', open);
      }
      if (e === '\n') {
        continue;
      }
      if (e in SIMPLE) {
        put(SIMPLE[e].charCodeAt(0), at);
      } else if (/[0-7]/.test(e)) {
        const m = /^[0-7]{1,3}/.exec(s.slice(this.pos - 1, this.pos + 2)) as RegExpExecArray;
        this.pos += m[0].length - 1;
        put(parseInt(m[0], 8), at);
      } else if (e === 'x' || (!isBytes && (e === 'u' || e === 'U'))) {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = s.slice(this.pos, this.pos + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) {
          this.fail(`\\${e} needs ${n} hexadecimal digits`, at);
        }
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) {
          this.fail('not a Unicode code point', at);
        }
        this.pos += n;
        if (cp >= 0xd800 && cp < 0xe000) {
          // A lone surrogate (Python allows it in str): kept as the one code unit.
          text += String.fromCharCode(cp);
        } else {
          put(cp, at);
        }
      } else {
        // Python keeps an unknown escape as written.
        put(0x5c, at);
        put(e.codePointAt(0) as number, at);
      }
    }
  }

  private named(name: string, at: number, depth: number): PyValue {
    switch (name) {
      case 'None':
        return null;
      case 'True':
        return true;
      case 'False':
        return false;
      case 'inf':
        return Infinity;
      case 'nan':
        return NaN;
      case 'datetime.timezone.utc':
        return UTC();
      default:
        break;
    }
    if (!this.eat('(')) {
      this.fail(`unknown name "${name}": only plain data can be saved`, at);
    }
    const args = this.args(depth);
    return this.call(name, args, at);
  }

  private args(depth: number): Arg[] {
    const args: Arg[] = [];
    for (;;) {
      if (this.eat(')')) {
        return args;
      }
      this.skip();
      const at = this.pos;
      const kw = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(this.src.slice(this.pos, this.pos + 100));
      if (kw) {
        this.pos += kw[0].length;
      } else if (args.some((a) => a.name)) {
        this.fail('a positional argument cannot follow a keyword argument');
      }
      args.push({ name: kw?.[1], value: this.expr(depth + 1), at });
      if (!this.eat(',')) {
        this.expect(')');
        return args;
      }
    }
  }

  private call(name: string, args: Arg[], at: number): PyValue {
    switch (name) {
      case 'set':
      case 'frozenset': {
        const [only] = this.bind(name, args, [], at);
        if (args.length === 0) {
          return new PySet([], name === 'frozenset');
        }
        if (only instanceof PySet || only instanceof PyList || only instanceof PyTuple) {
          return new PySet([...only.items], name === 'frozenset');
        }
        if (only instanceof PyDict && only.entries.length === 0) {
          return new PySet([], name === 'frozenset');
        }
        return this.fail(`${name}() takes a set, list or tuple`, at);
      }
      case 'float': {
        const [text] = this.bind(name, args, ['x'], at);
        const n = typeof text === 'string' ? Number(text.trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity')) : NaN;
        if (typeof text === 'string' && /^\s*[+-]?nan\s*$/i.test(text)) {
          return NaN;
        }
        if (Number.isNaN(n)) {
          this.fail("float() takes a text such as 'inf'", at);
        }
        return n;
      }
      case 'Decimal':
      case 'decimal.Decimal': {
        const [text] = this.bind(name, args, ['value'], at);
        if (typeof text !== 'string' || !DECIMAL.test(text)) {
          this.fail("Decimal() takes a number as text, such as Decimal('1.50')", at);
        }
        return new PyObject('call', new PyGlobal('decimal', 'Decimal'), [text.trim()]);
      }
      case 'datetime.timedelta': {
        const v = this.bind(name, args, ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'], at);
        const ints = v.map((x, i) => this.int(x, at, i < 3 ? undefined : 'timedelta() takes whole numbers here'));
        const [days, seconds, micros, millis, minutes, hours, weeks] = ints;
        return timedelta(days + weeks * 7n, seconds + minutes * 60n + hours * 3600n, micros + millis * 1000n);
      }
      case 'datetime.timezone': {
        const [offset, label] = this.bind(name, args, ['offset', 'name'], at);
        if (!(offset instanceof PyObject) || !(offset.callee instanceof PyGlobal) || offset.callee.name !== 'timedelta') {
          this.fail('timezone() takes a datetime.timedelta', at);
        }
        if (label !== undefined && typeof label !== 'string') {
          this.fail('the timezone name is a text', at);
        }
        return new PyObject('call', new PyGlobal('datetime', 'timezone'), label === undefined ? [offset] : [offset, label]);
      }
      case 'datetime.date': {
        const [y, m, d] = this.bind(name, args, ['year', 'month', 'day'], at).map((x) => Number(this.int(x, at)));
        this.checkDate(y, m, d, at);
        return new PyObject('call', new PyGlobal('datetime', 'date'), [new PyBytes(Uint8Array.from([y >> 8, y & 0xff, m, d]))]);
      }
      case 'datetime.time': {
        const v = this.bind(name, args, ['hour', 'minute', 'second', 'microsecond', 'tzinfo', 'fold'], at);
        const [h, mi, s, us] = v.slice(0, 4).map((x) => Number(this.int(x, at)));
        const fold = Number(this.int(v[5], at));
        this.checkClock(h, mi, s, us, fold, at);
        const state = Uint8Array.from([h | (fold ? 0x80 : 0), mi, s, us >> 16, (us >> 8) & 0xff, us & 0xff]);
        return this.withTz('time', state, v[4], at);
      }
      case 'datetime.datetime': {
        const v = this.bind(name, args, ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo', 'fold'], at);
        const [y, m, d, h, mi, s, us] = v.slice(0, 7).map((x) => Number(this.int(x, at)));
        const fold = Number(this.int(v[8], at));
        this.checkDate(y, m, d, at);
        this.checkClock(h, mi, s, us, fold, at);
        const state = Uint8Array.from([y >> 8, y & 0xff, m | (fold ? 0x80 : 0), d, h, mi, s, us >> 16, (us >> 8) & 0xff, us & 0xff]);
        return this.withTz('datetime', state, v[7], at);
      }
      default:
        return this.fail(`unknown name "${name}": only plain data can be saved`, at);
    }
  }

  private withTz(kind: 'datetime' | 'time', state: Uint8Array, tz: PyValue | undefined, at: number): PyObject {
    if (tz !== undefined && tz !== null && !(tz instanceof PyObject && tz.callee instanceof PyGlobal && tz.callee.name === 'timezone')) {
      this.fail('tzinfo must be a datetime.timezone', at);
    }
    const args: PyValue[] = [new PyBytes(state)];
    if (tz !== undefined && tz !== null) {
      args.push(tz);
    }
    return new PyObject('call', new PyGlobal('datetime', kind), args);
  }

  private checkDate(y: number, m: number, d: number, at: number): void {
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > (m === 2 && leap(y) ? 29 : DAYS_IN_MONTH[m - 1])) {
      this.fail('not a valid date', at);
    }
  }

  private checkClock(h: number, mi: number, s: number, us: number, fold: number, at: number): void {
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || us < 0 || us > 999_999 || (fold !== 0 && fold !== 1)) {
      this.fail('not a valid time of day', at);
    }
  }

  private int(v: PyValue | undefined, at: number, message = 'a whole number is expected'): bigint {
    if (v === undefined) {
      return 0n;
    }
    if (typeof v !== 'bigint') {
      this.fail(message, at);
    }
    return v;
  }

  /** Positional and keyword arguments matched to `names`, as Python binds them. */
  private bind(fn: string, args: Arg[], names: string[], at: number): Array<PyValue | undefined> {
    const out = Array.from({ length: Math.max(1, names.length) }, (): PyValue | undefined => undefined);
    const max = fn === 'set' || fn === 'frozenset' ? 1 : names.length;
    let i = 0;
    for (const a of args) {
      const index = a.name === undefined ? i++ : names.indexOf(a.name);
      if (index < 0 || index >= max) {
        this.fail(a.name === undefined ? `too many arguments for ${fn}()` : `${fn}() has no argument "${a.name}"`, a.at);
      }
      if (out[index] !== undefined) {
        this.fail(`${fn}() got "${names[index]}" twice`, a.at);
      }
      out[index] = a.value;
    }
    if ((fn === 'datetime.date' || fn === 'datetime.datetime') && out.slice(0, 3).some((v) => v === undefined)) {
      this.fail(`${fn}() needs year, month and day`, at);
    }
    if ((fn === 'float' || fn.endsWith('Decimal') || fn === 'datetime.timezone') && out[0] === undefined) {
      this.fail(`${fn}() needs an argument`, at);
    }
    return out;
  }
}

/** Reads the Python text of plain data. Throws PyLiteralError with the offset of the problem. */
export function readPyLiteral(text: string): PyValue {
  return new Reader(text).read();
}
