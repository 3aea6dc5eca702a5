/**
 * What the console may send, decided from the server's own COMMAND reply (flags, arity, key
 * positions; present since 2.8.13, so on NOVA's 3.0) before anything leaves the machine.
 * A few rules are the console's own: it is bound to the DB of the .env, never empties the whole
 * server, and asks before commands that block or destroy.
 */
import type { Reply } from './resp';

export interface CommandSpec {
  /** Lower case; a subcommand is `container|sub` as Redis 7 names it. */
  name: string;
  /** Redis convention: N means exactly N words (name included), -N at least N. */
  arity: number;
  flags: ReadonlySet<string>;
  firstKey: number;
  lastKey: number;
  step: number;
  summary?: string;
  subcommands?: Map<string, CommandSpec>;
}

const text = (r: Reply | undefined): string => (r && (r.t === 'bulk' || r.t === 'status' || r.t === 'int') ? r.v.toString() : '');
const num = (r: Reply | undefined): number => Number(text(r)) || 0;

function specFrom(entry: Reply): CommandSpec | undefined {
  if (entry.t !== 'array' || entry.v.length < 6) {
    return undefined;
  }
  const [name, arity, flags, first, last, step] = entry.v;
  const spec: CommandSpec = {
    name: text(name).toLowerCase(),
    arity: num(arity),
    flags: new Set(flags?.t === 'array' ? flags.v.map((f) => text(f).toLowerCase()) : []),
    firstKey: num(first),
    lastKey: num(last),
    step: num(step),
  };
  const subs = entry.v[9];
  if (subs?.t === 'array' && subs.v.length > 0) {
    spec.subcommands = new Map();
    for (const s of subs.v) {
      const sub = specFrom(s);
      if (sub) {
        spec.subcommands.set(sub.name.slice(sub.name.indexOf('|') + 1), sub);
      }
    }
  }
  return spec;
}

/** Reads the summaries of a COMMAND DOCS reply (Redis 7+): name, [field, value, …] pairs. */
function applyDocs(table: Map<string, CommandSpec>, docs: Reply): void {
  if (docs.t !== 'array') {
    return;
  }
  const walk = (items: Reply[], owner?: CommandSpec): void => {
    for (let i = 0; i + 1 < items.length; i += 2) {
      const name = text(items[i]).toLowerCase();
      const fields = items[i + 1];
      const spec = owner ? owner.subcommands?.get(name.slice(name.indexOf('|') + 1)) : table.get(name);
      if (!spec || fields.t !== 'array') {
        continue;
      }
      for (let j = 0; j + 1 < fields.v.length; j += 2) {
        const field = text(fields.v[j]);
        if (field === 'summary') {
          spec.summary = text(fields.v[j + 1]);
        } else if (field === 'subcommands' && fields.v[j + 1].t === 'array') {
          walk((fields.v[j + 1] as { v: Reply[] }).v, spec);
        }
      }
    }
  };
  walk(docs.v);
}

export class CommandTable {
  private constructor(private readonly specs: Map<string, CommandSpec>) {}

  static fromReply(command: Reply, docs?: Reply): CommandTable {
    const specs = new Map<string, CommandSpec>();
    if (command.t === 'array') {
      for (const e of command.v) {
        const spec = specFrom(e);
        if (spec) {
          specs.set(spec.name, spec);
        }
      }
    }
    if (docs) {
      applyDocs(specs, docs);
    }
    return new CommandTable(specs);
  }

  static empty(): CommandTable {
    return new CommandTable(new Map());
  }

  get size(): number {
    return this.specs.size;
  }

  /** The spec of a command line: the subcommand's when Redis 7 describes one. */
  lookup(args: readonly Uint8Array[]): CommandSpec | undefined {
    const spec = this.specs.get(word(args[0]));
    if (spec?.subcommands && args.length > 1) {
      return spec.subcommands.get(word(args[1])) ?? spec;
    }
    return spec;
  }

  /** Upper-case names for completion, subcommands as `CONFIG GET`. */
  names(): string[] {
    const out: string[] = [];
    for (const spec of this.specs.values()) {
      out.push(spec.name.toUpperCase());
      for (const sub of spec.subcommands?.keys() ?? []) {
        out.push(`${spec.name} ${sub}`.toUpperCase());
      }
    }
    return out.sort();
  }

  /** Indexes of the words of `args` that are key names, from COMMAND's first/last/step. */
  keyPositions(args: readonly Uint8Array[]): number[] {
    const spec = this.lookup(args);
    if (!spec || spec.firstKey <= 0 || spec.step <= 0) {
      return [];
    }
    const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
    const out: number[] = [];
    for (let i = spec.firstKey; i <= last && i < args.length; i += spec.step) {
      out.push(i);
    }
    return out;
  }
}

export function word(b: Uint8Array | undefined): string {
  return b ? Buffer.from(b).toString('latin1').toLowerCase() : '';
}

export type Refusal = 'select' | 'flushall' | 'otherDb' | 'readOnly' | 'readOnlyUnknown';
export type Confirmation = 'flushdb' | 'delPattern' | 'configSet' | 'shutdown' | 'debug';

export type Verdict =
  | { kind: 'send' }
  | { kind: 'refuse'; reason: Refusal }
  | { kind: 'confirm'; what: Confirmation }
  /** KEYS: ask, and offer the SCAN loop that gives the same keys without blocking the server. */
  | { kind: 'keys'; pattern: Buffer };

/** Scripts and functions may write whatever their flags say; publishing reaches the backend's subscribers. */
const MAY_WRITE = new Set(['eval', 'evalsha', 'fcall', 'script', 'function', 'publish', 'spublish']);
/** Administrative on every version, although Redis 3.0 flags CLIENT and SCRIPT only `noscript`. */
const ADMIN_SUBCOMMANDS = new Set(['client kill', 'client pause', 'client unpause', 'client no-evict', 'client reply', 'config set', 'config rewrite', 'config resetstat', 'script flush', 'script kill', 'cluster', 'acl']);
/** What read-only mode still allows when the server's COMMAND table could not be read. */
const SAFE_WITHOUT_TABLE = new Set(['ping', 'echo', 'get', 'mget', 'strlen', 'getrange', 'exists', 'type', 'ttl', 'pttl', 'dbsize', 'info', 'time', 'scan', 'hscan', 'sscan', 'zscan', 'hget', 'hmget', 'hgetall', 'hlen', 'hkeys', 'hvals', 'hexists', 'lrange', 'llen', 'lindex', 'smembers', 'scard', 'sismember', 'zrange', 'zcard', 'zscore', 'zrangebyscore', 'object', 'dump', 'multi', 'exec', 'discard', 'quit']);
const GLOB = /[*?[]/;

export function classify(args: readonly Uint8Array[], table: CommandTable, readOnly: boolean): Verdict {
  const name = word(args[0]);
  const sub = args.length > 1 ? `${name} ${word(args[1])}` : name;
  if (name === 'select') {
    return { kind: 'refuse', reason: 'select' };
  }
  if (name === 'flushall') {
    return { kind: 'refuse', reason: 'flushall' };
  }
  if (name === 'swapdb' || name === 'move' || (name === 'copy' && args.some((a, i) => i > 2 && word(a) === 'db'))) {
    return { kind: 'refuse', reason: 'otherDb' };
  }
  if (readOnly) {
    const spec = table.lookup(args);
    if (!spec) {
      if (table.size === 0 && !SAFE_WITHOUT_TABLE.has(name)) {
        return { kind: 'refuse', reason: 'readOnlyUnknown' };
      }
    } else if (spec.flags.has('write') || spec.flags.has('admin') || spec.flags.has('may_replicate') || MAY_WRITE.has(name) || ADMIN_SUBCOMMANDS.has(sub) || ADMIN_SUBCOMMANDS.has(name)) {
      return { kind: 'refuse', reason: 'readOnly' };
    }
  }
  if (name === 'keys') {
    return { kind: 'keys', pattern: Buffer.from(args[1] ?? []) };
  }
  if (name === 'flushdb') {
    return { kind: 'confirm', what: 'flushdb' };
  }
  if ((name === 'del' || name === 'unlink') && args.slice(1).some((a) => GLOB.test(Buffer.from(a).toString('latin1')))) {
    return { kind: 'confirm', what: 'delPattern' };
  }
  if (sub === 'config set') {
    return { kind: 'confirm', what: 'configSet' };
  }
  if (name === 'shutdown') {
    return { kind: 'confirm', what: 'shutdown' };
  }
  if (name === 'debug') {
    return { kind: 'confirm', what: 'debug' };
  }
  return { kind: 'send' };
}

/** Whether a command changes data, so a reply that never came means "outcome unknown". */
export function isWrite(args: readonly Uint8Array[], table: CommandTable): boolean {
  const spec = table.lookup(args);
  const name = word(args[0]);
  return spec ? spec.flags.has('write') || MAY_WRITE.has(name) || name === 'exec' : !SAFE_WITHOUT_TABLE.has(name) || name === 'exec';
}

/** Lines never kept in the history: they carry a password (redis-cli skips the same ones). */
export function isSecretLine(args: readonly Uint8Array[]): boolean {
  const name = word(args[0]);
  const sub = args.length > 1 ? `${name} ${word(args[1])}` : name;
  if (name === 'auth' || sub === 'acl setuser' || sub === 'config set' && /pass|auth/.test(word(args[2]))) {
    return true;
  }
  return (name === 'hello' || name === 'migrate') && args.some((a) => word(a) === 'auth' || word(a) === 'auth2');
}

/** The hint after a command name: its words as COMMAND counts them, and the summary when the server has docs. */
export function arityText(spec: CommandSpec): { exact: boolean; count: number } {
  return spec.arity >= 0 ? { exact: true, count: spec.arity - 1 } : { exact: false, count: -spec.arity - 1 };
}
