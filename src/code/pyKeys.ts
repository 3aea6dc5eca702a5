/**
 * The cache keys a Python file uses: calls such as `cache.cache_data('ma_cle', …, ttl=3600)` or
 * `r.set(f"user:{uid}:profile", v, ex=60)`, found with a real Python parser (@lezer/python), never by
 * regular expressions over the text. The key argument becomes a template: literal bytes with
 * wildcards where the code computes something (f-string fields, `%` and `.format()` conversions,
 * concatenated variables). Names bound once in the file to something that resolves (`PREFIX =
 * "nova:"`) are resolved. No `vscode` import; the unit tests cross-check it against Python's own `ast`.
 */
import { parser } from '@lezer/python';
import type { SyntaxNode } from '@lezer/common';
import { escapeGlob } from '../redis/glob';

/** A part of a key: bytes, or a wildcard where the code computes them. */
export type KeyPart = Buffer | null;

export interface KeyUse {
  /** The method called (`cache_data`, `set`). */
  method: string;
  /** 0-based line of the call, and the offsets of the key argument in the text. */
  line: number;
  from: number;
  to: number;
  parts: KeyPart[];
  /** The TTL the call passes, in ms, when it is a number the file states. */
  ttlMs?: number;
}

/** NOVA's RedisCacheManager, then redis-py's commands that take a key first. */
export const DEFAULT_KEY_METHODS: readonly string[] = [
  'cache_data',
  'get_cached_data',
  'delete_cached_data',
  'invalidate',
  'get',
  'set',
  'setex',
  'psetex',
  'setnx',
  'getset',
  'getdel',
  'append',
  'strlen',
  'incr',
  'incrby',
  'decr',
  'decrby',
  'exists',
  'expire',
  'pexpire',
  'expireat',
  'ttl',
  'pttl',
  'persist',
  'type',
  'delete',
  'unlink',
  'hget',
  'hset',
  'hmset',
  'hgetall',
  'hdel',
  'hexists',
  'hincrby',
  'hkeys',
  'hvals',
  'hlen',
  'lpush',
  'rpush',
  'lpop',
  'rpop',
  'lrange',
  'llen',
  'lrem',
  'ltrim',
  'sadd',
  'srem',
  'smembers',
  'sismember',
  'scard',
  'zadd',
  'zrem',
  'zrange',
  'zrevrange',
  'zscore',
  'zincrby',
  'zcard',
  'xadd',
  'xrange',
  'xlen',
];

/** Where a call passes its TTL: keyword names, and the position for the methods that take it positionally. */
// Milliseconds per unit: seconds everywhere but `px`, `psetex` and `pexpire`.
const TTL_KEYWORDS: Record<string, number> = { ttl: 1000, ex: 1000, timeout: 1000, expire: 1000, time: 1000, px: 1 };
const TTL_POSITION: Record<string, { index: number; scale: number }> = {
  cache_data: { index: 2, scale: 1000 },
  setex: { index: 1, scale: 1000 },
  psetex: { index: 1, scale: 1 },
  expire: { index: 1, scale: 1000 },
  pexpire: { index: 1, scale: 1 },
};

type Value = { kind: 'parts'; parts: KeyPart[] } | { kind: 'number'; value: number } | { kind: 'unknown' };

const UNKNOWN: Value = { kind: 'unknown' };
const WILD: KeyPart[] = [null];

/** The value of a Python string literal's body (escapes applied unless raw), as bytes. */
export function stringLiteral(text: string): { bytes: Buffer; format: boolean } | undefined {
  const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(text);
  if (!m) {
    return undefined;
  }
  const prefix = m[1].toLowerCase();
  const quote = m[2];
  if (!text.endsWith(quote) || text.length < m[0].length + quote.length) {
    return undefined;
  }
  const body = text.slice(m[0].length, text.length - quote.length);
  const raw = prefix.includes('r');
  const bytes = prefix.includes('b');
  return { bytes: unescape(body, raw, bytes), format: prefix.includes('f') };
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

function unescape(body: string, raw: boolean, bytes: boolean): Buffer {
  if (raw) {
    return Buffer.from(body, bytes ? 'latin1' : 'utf8');
  }
  const out: Buffer[] = [];
  let text = '';
  const flush = (): void => {
    if (text) {
      out.push(Buffer.from(text, bytes ? 'latin1' : 'utf8'));
      text = '';
    }
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) {
      text += c;
      continue;
    }
    const n = body[++i];
    if (n === '\n') {
      continue;
    }
    if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      const code = parseInt(body.slice(i + 1, i + 3), 16);
      if (bytes) {
        flush();
        out.push(Buffer.from([code]));
      } else {
        text += String.fromCharCode(code);
      }
      i += 2;
    } else if (/[0-7]/.test(n) && !(n === '0' && !/[0-7]/.test(body[i + 1] ?? ''))) {
      const digits = /^[0-7]{1,3}/.exec(body.slice(i))?.[0] ?? n;
      const code = parseInt(digits, 8);
      if (bytes) {
        flush();
        out.push(Buffer.from([code & 0xff]));
      } else {
        text += String.fromCharCode(code);
      }
      i += digits.length - 1;
    } else if (!bytes && (n === 'u' || n === 'U') && /^[0-9a-fA-F]+$/.test(body.slice(i + 1, i + (n === 'u' ? 5 : 9)))) {
      const len = n === 'u' ? 4 : 8;
      text += String.fromCodePoint(parseInt(body.slice(i + 1, i + 1 + len), 16));
      i += len;
    } else if (n in SIMPLE_ESCAPES) {
      text += SIMPLE_ESCAPES[n];
    } else {
      // An unknown escape keeps its backslash, as Python does.
      text += `\\${n}`;
    }
  }
  flush();
  return Buffer.concat(out);
}

/** `%s`, `%(name)d`, `%-5.2f`: each conversion becomes a wildcard, `%%` a percent sign. */
function percentTemplate(bytes: Buffer): KeyPart[] {
  const text = bytes.toString('latin1');
  const parts: KeyPart[] = [];
  const re = /%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    parts.push(Buffer.from(text.slice(last, m.index), 'latin1'));
    parts.push(m[1] === '%' ? Buffer.from('%') : null);
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'latin1'));
  return parts;
}

/** `{}`, `{0}`, `{name:>5}`: each field becomes a wildcard, `{{` and `}}` braces. */
function formatTemplate(bytes: Buffer): KeyPart[] {
  const text = bytes.toString('latin1');
  const parts: KeyPart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      literal += c;
      i++;
    } else if (c === '{') {
      const end = text.indexOf('}', i);
      parts.push(Buffer.from(literal, 'latin1'), null);
      literal = '';
      i = end < 0 ? text.length : end;
    } else {
      literal += c;
    }
  }
  parts.push(Buffer.from(literal, 'latin1'));
  return parts;
}

class FileScope {
  private readonly bindings = new Map<string, SyntaxNode | null>();
  private readonly resolving = new Set<string>();

  constructor(
    private readonly text: string,
    root: SyntaxNode,
  ) {
    // Names bound exactly once in the file by a plain `NAME = expression`.
    const cursor = root.cursor();
    do {
      if (cursor.name === 'AssignStatement') {
        const target = cursor.node.firstChild;
        const op = target?.nextSibling;
        const value = op?.nextSibling;
        if (target?.name === 'VariableName' && op?.name === 'AssignOp' && value && !value.nextSibling) {
          const name = this.src(target);
          this.bindings.set(name, this.bindings.has(name) ? null : value);
        }
      }
    } while (cursor.next());
  }

  src(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  evaluate(node: SyntaxNode): Value {
    switch (node.name) {
      case 'String': {
        const lit = stringLiteral(this.src(node));
        return lit ? { kind: 'parts', parts: [lit.bytes] } : UNKNOWN;
      }
      case 'FormatString':
        return this.formatString(node);
      case 'Number': {
        const n = Number(this.src(node).replace(/_/g, ''));
        return Number.isFinite(n) ? { kind: 'number', value: n } : UNKNOWN;
      }
      case 'ParenthesizedExpression': {
        const inner = node.firstChild?.nextSibling;
        return inner ? this.evaluate(inner) : UNKNOWN;
      }
      case 'VariableName':
        return this.variable(this.src(node));
      case 'BinaryExpression':
        return this.binary(node);
      case 'CallExpression':
        return this.formatCall(node);
      case 'ContinuedString': {
        const parts: KeyPart[] = [];
        for (let c = node.firstChild; c; c = c.nextSibling) {
          const v = this.evaluate(c);
          if (v.kind !== 'parts') {
            return UNKNOWN;
          }
          parts.push(...v.parts);
        }
        return { kind: 'parts', parts };
      }
      default:
        return UNKNOWN;
    }
  }

  private variable(name: string): Value {
    const bound = this.bindings.get(name);
    if (!bound || this.resolving.has(name)) {
      return UNKNOWN;
    }
    this.resolving.add(name);
    try {
      return this.evaluate(bound);
    } finally {
      this.resolving.delete(name);
    }
  }

  private formatString(node: SyntaxNode): Value {
    const text = this.src(node);
    const head = /^[rRbBuUfF]{1,2}('''|"""|'|")/.exec(text);
    if (!head) {
      return UNKNOWN;
    }
    const raw = /r/i.test(head[0]);
    const open = node.from + head[0].length;
    const close = node.to - head[1].length;
    const parts: KeyPart[] = [];
    let at = open;
    const literal = (from: number, to: number): void => {
      const chunk = this.text.slice(from, to).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
      parts.push(unescape(chunk, raw, false));
    };
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === 'FormatReplacement') {
        literal(at, c.from);
        parts.push(...this.replacement(c));
        at = c.to;
      }
    }
    literal(at, close);
    return { kind: 'parts', parts };
  }

  /** `{PREFIX}` of a name the file binds to text is that text; any other field is a wildcard. */
  private replacement(field: SyntaxNode): KeyPart[] {
    const inner = field.firstChild?.nextSibling;
    if (inner?.name === 'VariableName' && inner.nextSibling?.name === '}' && !inner.nextSibling.nextSibling) {
      const v = this.variable(this.src(inner));
      if (v.kind === 'parts') {
        return v.parts;
      }
    }
    return WILD;
  }

  private binary(node: SyntaxNode): Value {
    const left = node.firstChild;
    const op = left?.nextSibling;
    const right = op?.nextSibling;
    if (!left || !op || !right) {
      return UNKNOWN;
    }
    const operator = this.src(op);
    if (operator === '+') {
      const a = this.evaluate(left);
      const b = this.evaluate(right);
      if (a.kind === 'number' && b.kind === 'number') {
        return { kind: 'number', value: a.value + b.value };
      }
      if (a.kind === 'number' || b.kind === 'number') {
        return UNKNOWN;
      }
      // A string plus something unknown: the unknown side is a wildcard.
      if (a.kind === 'unknown' && b.kind === 'unknown') {
        return UNKNOWN;
      }
      return { kind: 'parts', parts: [...(a.kind === 'parts' ? a.parts : WILD), ...(b.kind === 'parts' ? b.parts : WILD)] };
    }
    if (operator === '*') {
      const a = this.evaluate(left);
      const b = this.evaluate(right);
      return a.kind === 'number' && b.kind === 'number' ? { kind: 'number', value: a.value * b.value } : UNKNOWN;
    }
    if (operator === '%') {
      const a = this.evaluate(left);
      if (a.kind === 'parts' && a.parts.length === 1 && a.parts[0]) {
        return { kind: 'parts', parts: percentTemplate(a.parts[0]) };
      }
    }
    return UNKNOWN;
  }

  /** `"…".format(…)`; any other call is unknown. */
  private formatCall(node: SyntaxNode): Value {
    const callee = node.firstChild;
    if (callee?.name !== 'MemberExpression') {
      return UNKNOWN;
    }
    const object = callee.firstChild;
    const property = callee.lastChild;
    if (!object || property?.name !== 'PropertyName' || this.src(property) !== 'format') {
      return UNKNOWN;
    }
    const base = this.evaluate(object);
    if (base.kind === 'parts' && base.parts.length === 1 && base.parts[0]) {
      return { kind: 'parts', parts: formatTemplate(base.parts[0]) };
    }
    return UNKNOWN;
  }
}

/** Merges adjacent bytes and adjacent wildcards, drops empty bytes. */
export function normalizeParts(parts: KeyPart[]): KeyPart[] {
  const out: KeyPart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (p === null) {
      if (last !== null || out.length === 0) {
        out.push(null);
      }
    } else if (p.length > 0) {
      if (last instanceof Buffer) {
        out[out.length - 1] = Buffer.concat([last, p]);
      } else {
        out.push(p);
      }
    }
  }
  return out;
}

/** The exact key, when the template has no wildcard. */
export function exactKey(parts: readonly KeyPart[]): Buffer | undefined {
  return parts.every((p) => p !== null) ? Buffer.concat(parts) : undefined;
}

/** The SCAN MATCH pattern of a template: literal bytes escaped, `*` for each wildcard. */
export function templateGlob(parts: readonly KeyPart[]): Buffer {
  return Buffer.concat(parts.map((p) => (p === null ? Buffer.from('*') : escapeGlob(p))));
}

/** The bytes before the first wildcard. */
export function templatePrefix(parts: readonly KeyPart[]): Buffer {
  const first = parts.findIndex((p) => p === null);
  return Buffer.concat((first < 0 ? parts : parts.slice(0, first)) as Buffer[]);
}

function argumentsOf(text: string, argList: SyntaxNode): { positional: SyntaxNode[]; keywords: Map<string, SyntaxNode> } {
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  let c = argList.firstChild?.nextSibling ?? null;
  while (c && c.name !== ')') {
    if (c.name === ',') {
      c = c.nextSibling;
      continue;
    }
    const next = c.nextSibling;
    if (c.name === 'VariableName' && next?.name === 'AssignOp' && next.nextSibling) {
      keywords.set(text.slice(c.from, c.to), next.nextSibling);
      c = next.nextSibling.nextSibling;
      continue;
    }
    if (c.name === '*' || c.name === '**') {
      // *args / **kwargs: what follows is not a positional argument we can place.
      return { positional, keywords };
    }
    positional.push(c);
    c = next;
  }
  return { positional, keywords };
}

/**
 * Every call in `text` to one of `methods` whose first argument is a key the file spells out, fully
 * or in part (a bare variable tells nothing and is left out).
 */
export function findKeyUses(text: string, methods: ReadonlySet<string> = new Set(DEFAULT_KEY_METHODS)): KeyUse[] {
  const tree = parser.parse(text);
  const scope = new FileScope(text, tree.topNode);
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    lineStarts.push(i + 1);
  }
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  };
  const uses: KeyUse[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.name !== 'CallExpression') {
      continue;
    }
    const call = cursor.node;
    const callee = call.firstChild;
    const argList = call.lastChild;
    if (callee?.name !== 'MemberExpression' || argList?.name !== 'ArgList') {
      continue;
    }
    const property = callee.lastChild;
    if (property?.name !== 'PropertyName') {
      continue;
    }
    const method = scope.src(property);
    if (!methods.has(method)) {
      continue;
    }
    const { positional, keywords } = argumentsOf(text, argList);
    const keyNode = positional[0] ?? keywords.get('key') ?? keywords.get('name');
    if (!keyNode) {
      continue;
    }
    const value = scope.evaluate(keyNode);
    if (value.kind !== 'parts') {
      continue;
    }
    const parts = normalizeParts(value.parts);
    if (parts.length === 0 || parts.every((p) => p === null)) {
      continue;
    }
    const use: KeyUse = { method, line: lineOf(call.from), from: keyNode.from, to: keyNode.to, parts };
    const ttl = ttlOf(scope, method, positional, keywords);
    if (ttl !== undefined) {
      use.ttlMs = ttl;
    }
    uses.push(use);
  } while (cursor.next());
  return uses;
}

function ttlOf(scope: FileScope, method: string, positional: SyntaxNode[], keywords: Map<string, SyntaxNode>): number | undefined {
  for (const [name, scale] of Object.entries(TTL_KEYWORDS)) {
    const node = keywords.get(name);
    if (node) {
      const v = scope.evaluate(node);
      return v.kind === 'number' ? Math.round(v.value * scale) : undefined;
    }
  }
  const at = TTL_POSITION[method];
  const node = at ? positional[at.index] : undefined;
  if (node) {
    const v = scope.evaluate(node);
    return v.kind === 'number' ? Math.round(v.value * at.scale) : undefined;
  }
  return undefined;
}
