/**
 * Whole-key changes: a new key, rename, duplicate, and the TTL of many keys at once. No `vscode`
 * import. None of them ever overwrites a key: a new key and a duplicate check the name under WATCH
 * or RESTORE without REPLACE, a rename is RENAMENX. Only commands Redis 3.0 has.
 */
import type Redis from 'ioredis';
import { toNovaError, type KeyClient } from './connect';
import { NovaError, isNovaError } from './errors';
import { MAX_TTL_SECONDS } from './ttl';
import type { Capabilities } from './capabilities';
import { FOLDER_SCAN_COUNT, delimiterBytes, folderPattern, guardWrite, hash53, inFolder, type BulkOptions, type WriteOptions } from './mutations';
import { KeyScanner } from './scan';

export type NewKeyValue =
  | { type: 'string'; value: Buffer }
  | { type: 'hash'; field: Buffer; value: Buffer }
  | { type: 'list'; value: Buffer }
  | { type: 'set'; member: Buffer }
  /** `score` as parseScore gives it. */
  | { type: 'zset'; member: Buffer; score: string };

async function send<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw isNovaError(err) ? err : toNovaError(err, 'command');
  }
}

function checkTtl(seconds: number | undefined): void {
  // EXPIRE with 0, a negative or a huge value deletes the key (3.0): refused here as Edit TTL does.
  if (seconds !== undefined && (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TTL_SECONDS)) {
    throw new NovaError('INVALID_TTL', `ttl ${String(seconds)}`, { max: MAX_TTL_SECONDS });
  }
}

function values(replies: [Error | null, unknown][] | null): unknown[] | null {
  if (!replies) {
    return null;
  }
  return replies.map(([err, v]) => {
    if (err) {
      throw toNovaError(err, 'command');
    }
    return v;
  });
}

/**
 * Creates `key` holding `value`, expiring in `ttlSeconds` (none: no expiry), and returns its PTTL.
 * KEY_EXISTS when the name is taken, also when someone creates it between the check and the write
 * (WATCH aborts the transaction). Value and expiry are set in one transaction: the key never
 * exists without the TTL it was given.
 */
export async function createKey(client: Redis, key: Buffer, value: NewKeyValue, ttlSeconds: number | undefined, options: WriteOptions): Promise<number> {
  guardWrite(options.readOnly);
  checkTtl(ttlSeconds);
  await send(client.watch(key));
  if (Number(await send(client.exists(key))) === 1) {
    await client.unwatch().catch(() => undefined);
    throw new NovaError('KEY_EXISTS');
  }
  const tx = client.multi();
  switch (value.type) {
    case 'string':
      tx.set(key, value.value);
      break;
    case 'hash':
      tx.hset(key, value.field, value.value);
      break;
    case 'list':
      tx.rpush(key, value.value);
      break;
    case 'set':
      tx.sadd(key, value.member);
      break;
    case 'zset':
      tx.zadd(key, value.score, value.member);
      break;
  }
  if (ttlSeconds !== undefined) {
    tx.expire(key, ttlSeconds);
  }
  tx.pttl(key);
  const replies = values(await send(tx.exec()));
  if (!replies) {
    throw new NovaError('KEY_EXISTS', 'created by someone else meanwhile');
  }
  return Number(replies[replies.length - 1]);
}

export type RenameResult = 'renamed' | 'same';

/**
 * Renames `from` to `to` on one connection (one server, or keys of one cluster slot). RENAMENX
 * keeps the TTL and never overwrites: KEY_EXISTS when `to` exists. The same name is a no-op
 * (`same`), although Redis 3.0 answers RENAME a a with an error. KEY_NOT_FOUND when `from` is gone.
 */
export async function renameKey(client: KeyClient, from: Buffer, to: Buffer, options: WriteOptions): Promise<RenameResult> {
  guardWrite(options.readOnly);
  if (from.equals(to)) {
    return 'same';
  }
  let reply: number;
  try {
    reply = Number(await client.renamenx(from, to));
  } catch (err) {
    // "ERR no such key" on every version: the one error RENAMENX gives for a missing source.
    if (/^ERR no such key/i.test((err as Error | undefined)?.message ?? '')) {
      throw new NovaError('KEY_NOT_FOUND');
    }
    throw toNovaError(err, 'command');
  }
  if (reply !== 1) {
    throw new NovaError('KEY_EXISTS');
  }
  return 'renamed';
}

export interface Dumped {
  /** DUMP's serialized value. */
  payload: Buffer;
  /** PTTL when it was dumped: -1 without expiry. */
  pttl: number;
}

/** DUMP and PTTL of `key` in one transaction; KEY_NOT_FOUND when it does not exist. */
export async function dumpKey(client: KeyClient, key: Buffer): Promise<Dumped> {
  const replies = values(await send(client.multi().dumpBuffer(key).pttl(key).exec()));
  const payload = replies?.[0];
  if (!Buffer.isBuffer(payload)) {
    throw new NovaError('KEY_NOT_FOUND');
  }
  return { payload, pttl: Number(replies?.[1]) };
}

/**
 * RESTORE without REPLACE, with the TTL the key had when dumped (0 = none, as RESTORE reads it):
 * KEY_EXISTS when `key` exists (BUSYKEY).
 */
export async function restoreKey(client: KeyClient, key: Buffer, dumped: Dumped, options: WriteOptions): Promise<void> {
  guardWrite(options.readOnly);
  // A key dumped in its last millisecond keeps a TTL rather than becoming persistent.
  const ttl = dumped.pttl < 0 ? 0 : Math.max(1, dumped.pttl);
  try {
    await client.restore(key, ttl, dumped.payload);
  } catch (err) {
    if (/^BUSYKEY\b/.test((err as Error | undefined)?.message ?? '')) {
      throw new NovaError('KEY_EXISTS');
    }
    throw toNovaError(err, 'command');
  }
}

/**
 * A rename across cluster slots, where RENAMENX would be CROSSSLOT: `from` is copied to `to` with
 * its TTL (RESTORE without REPLACE on `to`'s master), then deleted, in a transaction WATCHing it
 * since before the DUMP. If `from` changed meanwhile, the copy is removed again and KEY_CHANGED
 * tells the user that nothing was renamed.
 */
export async function moveKey(source: Redis, target: KeyClient, from: Buffer, to: Buffer, options: WriteOptions): Promise<RenameResult> {
  guardWrite(options.readOnly);
  if (from.equals(to)) {
    return 'same';
  }
  await send(source.watch(from));
  let dumped: Dumped;
  try {
    const payload = await send(source.dumpBuffer(from));
    if (!Buffer.isBuffer(payload)) {
      throw new NovaError('KEY_NOT_FOUND');
    }
    dumped = { payload, pttl: Number(await send(source.pttl(from))) };
    await restoreKey(target, to, dumped, options);
  } catch (err) {
    await source.unwatch().catch(() => undefined);
    throw err;
  }
  const replies = await send(source.multi().del(from).exec());
  if (!replies) {
    await send(target.del(to));
    throw new NovaError('KEY_CHANGED', 'the source changed during the move');
  }
  return 'renamed';
}

// ---------------------------------------------------------------------------------------------
// The TTL of many keys

/** Keys per pipelined batch: one round trip each, short enough to cancel between. */
export const TTL_BATCH = 500;

export interface TtlBulkResult {
  /** Keys whose TTL was set, or (clear) that had one and lost it. */
  changed: number;
  /** Keys handled: changed, gone, or (clear) already without a TTL. */
  done: number;
  cancelled: boolean;
}

/** `seconds` for EXPIRE, or `null` for PERSIST. */
export type TtlChange = number | null;

/**
 * EXPIRE (or PERSIST) on each of `keys`, pipelined on `client`, which serves all of them. Single-key
 * commands only, so nothing crosses a cluster slot. EXPIRE never creates a key; a key gone meanwhile
 * does not count.
 */
export async function applyTtl(client: Redis, keys: readonly Buffer[], change: TtlChange, moved?: KeyClient): Promise<number> {
  if (keys.length === 0) {
    return 0;
  }
  const pipe = client.pipeline();
  for (const k of keys) {
    if (change === null) {
      pipe.persist(k);
    } else {
      pipe.expire(k, change);
    }
  }
  const replies = (await send(pipe.exec())) ?? [];
  let changed = 0;
  const again: Buffer[] = [];
  keys.forEach((key, i) => {
    const [err, reply] = replies[i] ?? [new Error('no reply'), null];
    if (err) {
      const e = toNovaError(err, 'command');
      if (!moved || e.code !== 'CLUSTER_MOVED') {
        throw e;
      }
      again.push(key);
    } else if (Number(reply) === 1) {
      changed++;
    }
  });
  // Keys whose slot moved away from `client` (a resharding): one by one through ioredis's Cluster,
  // which follows MOVED and ASK. The others' replies above are counted once.
  for (const key of again) {
    if (Number(await send(change === null ? moved!.persist(key) : moved!.expire(key, change))) === 1) {
      changed++;
    }
  }
  return changed;
}

/**
 * The TTL of exactly these keys, in batches of TTL_BATCH, cancellable between batches.
 * `clientFor` groups a batch by the connection that serves each key (one server: one group); on a
 * cluster, `moved` (ioredis's Cluster) serves the keys whose slot moved to another master meanwhile.
 */
export async function setTtlOfKeys(
  keys: readonly Buffer[],
  change: TtlChange,
  clientsFor: (batch: Buffer[]) => Map<Redis, Buffer[]>,
  options: BulkOptions,
  moved?: KeyClient,
): Promise<TtlBulkResult> {
  guardWrite(options.readOnly);
  checkTtl(change ?? undefined);
  let changed = 0;
  let done = 0;
  for (let i = 0; i < keys.length; i += TTL_BATCH) {
    if (options.signal?.aborted) {
      return { changed, done, cancelled: true };
    }
    const batch = keys.slice(i, i + TTL_BATCH);
    const counts = await Promise.all([...clientsFor(batch)].map(([client, group]) => applyTtl(client, group, change, moved)));
    changed += counts.reduce((a, b) => a + b, 0);
    done += batch.length;
    options.onProgress?.({ done, scanned: done });
  }
  return { changed, done, cancelled: false };
}

/**
 * The TTL of every key under a folder (see `inFolder`): each of `scanned` (the one server, or every
 * cluster master) is walked with SCAN MATCH, never KEYS, and each page is changed as it arrives,
 * grouped by `clientsFor`. A key SCAN returns twice is changed once. Cancellable between pages.
 */
export async function setTtlOfFolder(
  scanned: readonly Redis[],
  caps: Capabilities,
  prefix: Buffer,
  delimiter: string,
  change: TtlChange,
  clientsFor: (batch: Buffer[]) => Map<Redis, Buffer[]>,
  options: BulkOptions,
  moved?: KeyClient,
): Promise<TtlBulkResult> {
  guardWrite(options.readOnly);
  checkTtl(change ?? undefined);
  const d = delimiterBytes(delimiter);
  const seen = new Set<number>();
  let changed = 0;
  let done = 0;
  let cancelled = false;
  await Promise.all(
    scanned.map(async (client) => {
      const scanner = new KeyScanner(client, caps, { match: folderPattern(prefix, d), count: FOLDER_SCAN_COUNT });
      while (!scanner.done) {
        if (options.signal?.aborted) {
          cancelled = true;
          return;
        }
        let page;
        try {
          page = await scanner.next({ signal: options.signal });
        } catch (err) {
          if (isNovaError(err, 'CANCELLED')) {
            cancelled = true;
            return;
          }
          throw err;
        }
        const keys = page.keys.filter((k) => {
          const h = hash53(k);
          const fresh = inFolder(k, prefix, d) && !seen.has(h);
          seen.add(h);
          return fresh;
        });
        const counts = await Promise.all([...clientsFor(keys)].map(([c, group]) => applyTtl(c, group, change, moved)));
        changed += counts.reduce((a, b) => a + b, 0);
        done += keys.length;
        options.onProgress?.({ done, scanned: done });
      }
    }),
  );
  return { changed, done, cancelled };
}
