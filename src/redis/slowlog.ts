/**
 * SLOWLOG GET, read and masked for display. SLOWLOG exists on every version NOVA meets (2.2 on);
 * the client address and name of each entry come from 4.0 on.
 *
 * Servers before 6.0 log AUTH with its password when it is slow (or when `slowlog-log-slower-than`
 * is 0), and every version logs the values that writes carry: cached user data, session tokens. So
 * the arguments are masked before anything leaves this module: credentials become `***`, values
 * become their size (`‹52 bytes›`); command names, keys and options stay readable.
 */
import type Redis from 'ioredis';
import { DEFAULT_COMMAND_TIMEOUT_MS, withDeadline } from './deadline';
import { displayName } from './keyName';

export interface SlowlogEntry {
  id: number;
  /** When the command ran, in ms since the epoch (the server logs whole seconds). */
  time: number;
  /** How long it ran, in microseconds (the server's own execution time, not the round trip). */
  durationUs: number;
  /** The command and its arguments, masked; the server's own "... (N more ...)" markers kept. */
  args: string[];
  /** `ip:port` of the client (4.0+). */
  client?: string;
  /** CLIENT SETNAME of the client, when it set one (4.0+). */
  clientName?: string;
}

export const MASK = '***';

/** What the server puts in place of arguments past the 32nd, and of bytes past the 128th of one. */
const MORE_ARGS = /^\.\.\. \((\d+) more arguments\)$/;
const MORE_BYTES = /\.\.\. \((\d+) more bytes\)$/;

type Masker = (args: Buffer[]) => Set<number>;

/** Indexes from `from` on, every `step`-th. */
function every(from: number, step = 1): Masker {
  return (args) => {
    const out = new Set<number>();
    for (let i = from; i < args.length; i += step) {
      out.add(i);
    }
    return out;
  };
}

function at(...indexes: number[]): Masker {
  return () => new Set(indexes);
}

/** The arguments that follow an option word (`AUTH`, `AUTH2`), case-insensitively. */
function afterWord(word: string, count: number): Masker {
  return (args) => {
    const out = new Set<number>();
    args.forEach((a, i) => {
      if (i > 0 && a.toString('latin1').toUpperCase() === word) {
        for (let j = 1; j <= count; j++) {
          out.add(i + j);
        }
      }
    });
    return out;
  };
}

/** EVAL script numkeys key... arg...: the ARGV part carries the values. */
const scriptArgs: Masker = (args) => {
  const numkeys = Number(args[2]?.toString('latin1'));
  return Number.isInteger(numkeys) && numkeys >= 0 ? every(3 + numkeys)(args) : every(3)(args);
};

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ...: the members. */
const zaddMembers: Masker = (args) => {
  const out = new Set<number>();
  let i = 2;
  while (i < args.length && /^(?:NX|XX|GT|LT|CH|INCR)$/i.test(args[i].toString('latin1'))) {
    i++;
  }
  for (i += 1; i < args.length; i += 2) {
    out.add(i);
  }
  return out;
};

/** Arguments that are credentials: shown as `***`. */
const SECRET: Record<string, Masker> = {
  auth: every(1),
  hello: afterWord('AUTH', 2),
  migrate: (args) => new Set([...afterWord('AUTH', 1)(args), ...afterWord('AUTH2', 2)(args)]),
  // ACL SETUSER name >password #hash ...: every rule after the name may hold one.
  acl: (args) => (args[1]?.toString('latin1').toLowerCase() === 'setuser' ? every(3)(args) : new Set()),
  config: (args) => (args[1]?.toString('latin1').toLowerCase() === 'set' && /^(?:requirepass|masterauth|masteruser)$/i.test(args[2]?.toString('latin1') ?? '') ? every(3)(args) : new Set()),
};

/** Arguments that are values: shown as their size. */
const VALUES: Record<string, Masker> = {
  set: at(2),
  setnx: at(2),
  getset: at(2),
  append: at(2),
  setex: at(3),
  psetex: at(3),
  setrange: at(3),
  mset: every(2, 2),
  msetnx: every(2, 2),
  hset: every(3, 2),
  hmset: every(3, 2),
  hsetnx: at(3),
  lpush: every(2),
  rpush: every(2),
  lpushx: every(2),
  rpushx: every(2),
  lset: at(3),
  linsert: at(3, 4),
  lrem: at(3),
  sadd: every(2),
  srem: every(2),
  sismember: at(2),
  smove: at(3),
  zadd: zaddMembers,
  zrem: every(2),
  publish: at(2),
  restore: at(3),
  xadd: every(2),
  eval: scriptArgs,
  evalsha: scriptArgs,
};

function sizeOf(arg: Buffer): number {
  const text = arg.toString('latin1');
  const more = MORE_BYTES.exec(text);
  // A cut argument: the server kept its first bytes and said how many more there were.
  return more ? Buffer.byteLength(text.slice(0, more.index), 'latin1') + Number(more[1]) : arg.length;
}

/** The command as it can be shown: credentials as `***`, values as `‹n bytes›` (the caller localizes `bytes`). */
export function maskCommand(args: Buffer[], valueText: (bytes: number) => string = (n) => `‹${n} bytes›`): string[] {
  const name = args[0]?.toString('latin1').toLowerCase() ?? '';
  const secret = SECRET[name]?.(args) ?? new Set<number>();
  const values = VALUES[name]?.(args) ?? new Set<number>();
  return args.map((arg, i) => {
    if (i > 0 && MORE_ARGS.test(arg.toString('latin1'))) {
      return arg.toString('latin1');
    }
    if (secret.has(i)) {
      return MASK;
    }
    if (values.has(i)) {
      return valueText(sizeOf(arg));
    }
    return displayName(arg);
  });
}

/** The last `count` entries, newest first, masked. */
export async function readSlowlog(client: Redis, count = 128, options: { timeoutMs?: number; valueText?: (bytes: number) => string } = {}): Promise<SlowlogEntry[]> {
  const reply: unknown = await withDeadline(client.callBuffer('SLOWLOG', 'GET', String(count)), options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  return parseSlowlog(reply, options.valueText);
}

export function parseSlowlog(reply: unknown, valueText?: (bytes: number) => string): SlowlogEntry[] {
  if (!Array.isArray(reply)) {
    return [];
  }
  const out: SlowlogEntry[] = [];
  for (const raw of reply as unknown[]) {
    if (!Array.isArray(raw) || raw.length < 4) {
      continue;
    }
    const [id, ts, us, args, addr, name] = raw as [unknown, unknown, unknown, unknown, unknown, unknown];
    const entry: SlowlogEntry = {
      id: Number(id),
      time: Number(ts) * 1000,
      durationUs: Number(us),
      args: maskCommand(Array.isArray(args) ? (args as unknown[]).map(toBuffer) : [], valueText),
    };
    if (addr !== undefined) {
      entry.client = toBuffer(addr).toString('utf8');
    }
    const clientName = name === undefined ? '' : toBuffer(name).toString('utf8');
    if (clientName !== '') {
      entry.clientName = clientName;
    }
    out.push(entry);
  }
  return out;
}

function toBuffer(v: unknown): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(String(v));
}
