/**
 * Metadata of the keys the explorer shows: type, TTL and size, for a whole page of keys in one round
 * trip (never one request per key).
 *
 * The page goes to the server as one small read-only Lua script (EVAL exists since 2.6, so on NOVA's
 * 3.0 too) that runs TYPE, PTTL and the size command matching the type for each key. A pipeline cannot
 * do that in one round trip: the size command depends on the type. Where scripting is refused (EVAL
 * renamed away, a proxy, a server out of memory under noeviction), the same data comes from two
 * pipelines instead. MEMORY USAGE is separate and on demand (tooltips), only where the server has it.
 */
import type { Capabilities } from './capabilities';
import { DEFAULT_COMMAND_TIMEOUT_MS, withDeadline } from './deadline';
import { toNovaError, type KeyClient } from './connect';

export type KeyType = 'string' | 'hash' | 'list' | 'set' | 'zset' | 'stream' | 'other';

export const KEY_TYPES: readonly KeyType[] = ['string', 'hash', 'list', 'set', 'zset', 'stream', 'other'];

export interface KeyMeta {
  type: KeyType;
  /** The type as the server named it (module types keep their own name, e.g. `ReJSON-RL`). */
  rawType: string;
  /** Time to live in ms when fetched; null when the key has no expiry. */
  ttlMs: number | null;
  /** When the key expires on the local clock (fetch time + TTL); null when it has no expiry. */
  expiresAt: number | null;
  /** Bytes for strings, elements for collections; null when the type has no cheap length. */
  size: number | null;
  fetchedAt: number;
}

/** Maps a TYPE reply to the explorer's types: 'none' means the key does not exist (any more). */
export function keyTypeOf(raw: string): KeyType | 'none' {
  switch (raw) {
    case 'none':
    case 'string':
    case 'hash':
    case 'list':
    case 'set':
    case 'zset':
    case 'stream':
      return raw;
    default:
      return 'other';
  }
}

const SIZE_COMMAND: Partial<Record<KeyType, string>> = {
  string: 'STRLEN',
  hash: 'HLEN',
  list: 'LLEN',
  set: 'SCARD',
  zset: 'ZCARD',
  stream: 'XLEN',
};

/** The size command for a type on this server, if there is one (XLEN only where streams exist). */
export function sizeCommand(type: KeyType, caps: Capabilities): string | undefined {
  if (type === 'stream' && !caps.streams) {
    return undefined;
  }
  return SIZE_COMMAND[type];
}

// Only commands Redis 3.0 has, except XLEN, which runs only for a key whose TYPE is 'stream' (a type
// that exists only on servers that have XLEN) and only when the caller's capabilities allow it.
const META_SCRIPT = `
local out = {}
for i = 1, #KEYS do
  local k = KEYS[i]
  local t = redis.call('TYPE', k)['ok']
  local ttl = -2
  local size = -1
  if t ~= 'none' then
    ttl = redis.call('PTTL', k)
    if t == 'string' then size = redis.call('STRLEN', k)
    elseif t == 'hash' then size = redis.call('HLEN', k)
    elseif t == 'list' then size = redis.call('LLEN', k)
    elseif t == 'set' then size = redis.call('SCARD', k)
    elseif t == 'zset' then size = redis.call('ZCARD', k)
    elseif t == 'stream' and ARGV[1] == '1' then size = redis.call('XLEN', k)
    end
  end
  out[#out + 1] = t
  out[#out + 1] = ttl
  out[#out + 1] = size
end
return out
`;

/**
 * Keys per script call. A script pays about 5 µs per key on the server (three Lua-to-Redis calls), so
 * 100 keys keep one call under a millisecond, far from the 10 ms slowlog threshold; a page of 200 keys
 * is two calls in the same pipeline, still one round trip.
 */
export const KEYS_PER_SCRIPT = 100;

/** Clients whose server refused the script, and until when not to try it again. */
const scriptRefused = new WeakMap<KeyClient, number>();
const RETRY_SCRIPT_AFTER_MS = 60_000;

export interface MetaOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The local clock, for `expiresAt` (tests pass their own). */
  now?: () => number;
  /** Skip the script and use the two-pipeline path (for tests of that path). */
  noScript?: boolean;
}

/**
 * Type, TTL and size of each key, index-aligned with `keys`; null for a key that does not exist (it
 * vanished between SCAN and now, or expired).
 */
export async function fetchKeyMeta(
  client: KeyClient,
  caps: Capabilities,
  keys: readonly Buffer[],
  options: MetaOptions = {},
): Promise<(KeyMeta | null)[]> {
  if (keys.length === 0) {
    return [];
  }
  const now = options.now ?? Date.now;
  const refusedUntil = scriptRefused.get(client);
  if (!options.noScript && (refusedUntil === undefined || refusedUntil < now())) {
    const viaScript = await metaViaScript(client, caps, keys, options, now);
    if (viaScript) {
      return viaScript;
    }
    scriptRefused.set(client, now() + RETRY_SCRIPT_AFTER_MS);
  }
  return metaViaPipelines(client, caps, keys, options, now);
}

function makeMeta(rawType: string, pttl: number, size: number, fetchedAt: number): KeyMeta | null {
  const type = keyTypeOf(rawType);
  if (type === 'none' || pttl === -2) {
    return null;
  }
  const ttlMs = pttl >= 0 ? pttl : null;
  return {
    type,
    rawType,
    ttlMs,
    expiresAt: ttlMs === null ? null : fetchedAt + ttlMs,
    size: size >= 0 ? size : null,
    fetchedAt,
  };
}

/** Null when the server refused the script (an error reply), so the caller falls back. */
async function metaViaScript(
  client: KeyClient,
  caps: Capabilities,
  keys: readonly Buffer[],
  options: MetaOptions,
  now: () => number,
): Promise<(KeyMeta | null)[] | null> {
  const pipe = client.pipeline();
  for (let i = 0; i < keys.length; i += KEYS_PER_SCRIPT) {
    const chunk = keys.slice(i, i + KEYS_PER_SCRIPT);
    pipe.call('EVAL', META_SCRIPT, String(chunk.length), ...chunk, caps.streams ? '1' : '0');
  }
  const sentAt = now();
  const replies = await withDeadline(pipe.exec(), options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS, options.signal);
  const out: (KeyMeta | null)[] = [];
  for (const [err, reply] of replies ?? []) {
    if (err) {
      if (isReplyError(err)) {
        return null;
      }
      throw toNovaError(err);
    }
    const flat = reply as (string | number)[];
    for (let j = 0; j < flat.length; j += 3) {
      out.push(makeMeta(String(flat[j]), Number(flat[j + 1]), Number(flat[j + 2]), sentAt));
    }
  }
  return out.length === keys.length ? out : null;
}

async function metaViaPipelines(
  client: KeyClient,
  caps: Capabilities,
  keys: readonly Buffer[],
  options: MetaOptions,
  now: () => number,
): Promise<(KeyMeta | null)[]> {
  const deadline = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const first = client.pipeline();
  for (const k of keys) {
    first.type(k);
    first.pttl(k);
  }
  const sentAt = now();
  const tp = (await withDeadline(first.exec(), deadline, options.signal)) ?? [];
  const types: string[] = [];
  const ttls: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const [e1, t] = tp[2 * i] ?? [new Error('no reply'), null];
    const [e2, p] = tp[2 * i + 1] ?? [new Error('no reply'), null];
    if (e1 || e2) {
      throw toNovaError(e1 ?? e2);
    }
    types.push(String(t));
    ttls.push(Number(p));
  }
  const second = client.pipeline();
  const sized: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const t = keyTypeOf(types[i]);
    const cmd = t === 'none' ? undefined : sizeCommand(t, caps);
    if (cmd) {
      second.call(cmd, keys[i]);
      sized.push(i);
    }
  }
  const sizes = new Array<number>(keys.length).fill(-1);
  if (sized.length > 0) {
    const sp = (await withDeadline(second.exec(), deadline, options.signal)) ?? [];
    sized.forEach((keyIndex, j) => {
      const [err, n] = sp[j] ?? [null, null];
      // WRONGTYPE here means the key was replaced between the two round trips: size unknown.
      sizes[keyIndex] = err ? -1 : Number(n);
    });
  }
  return keys.map((_, i) => makeMeta(types[i], ttls[i], sizes[i], sentAt));
}

function isReplyError(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'ReplyError';
}

/**
 * MEMORY USAGE of one key, for a tooltip. Undefined (and nothing sent) where the server lacks the
 * command (Redis < 4, NOVA's 3.0); null when the key does not exist.
 */
export async function fetchMemoryUsage(
  client: KeyClient,
  caps: Capabilities,
  key: Buffer,
  options: MetaOptions = {},
): Promise<number | null | undefined> {
  if (!caps.memoryUsage) {
    return undefined;
  }
  const reply = await withDeadline(client.call('MEMORY', 'USAGE', key), options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS, options.signal);
  return reply === null ? null : Number(reply);
}
