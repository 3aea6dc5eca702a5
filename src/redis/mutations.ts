/**
 * The commands that change data: TTL edits, key and folder deletion, FLUSHDB of the configured DB.
 *
 * Rules every function here follows:
 * - Read-only mode is enforced here, before any byte is sent, not only by hiding menus.
 * - Only commands Redis 3.0 has (EXPIRE, PTTL, PERSIST, DEL, SCAN, MULTI/EXEC, CLIENT GETNAME/LIST,
 *   SELECT, DBSIZE, FLUSHDB), plus UNLINK where `caps.unlink` says the server has it. Never KEYS,
 *   never FLUSHALL, never FLUSHDB ASYNC, never EXPIRE options (NX/XX, 7.0).
 * - Keys are raw bytes end to end, so a binary name hits exactly those bytes.
 * - Nothing is retried here: a command whose connection dropped before the reply has an unknown
 *   outcome (CONNECTION_LOST / COMMAND_TIMEOUT) and must not be sent again behind the user's back.
 */
import type Redis from 'ioredis';
import type { Capabilities } from './capabilities';
import { toNovaError, type KeyClient } from './connect';
import { NovaError, isNovaError } from './errors';
import { escapeGlob } from './glob';
import { MAX_TTL_SECONDS } from './ttl';

export interface WriteOptions {
  /** The read-only setting: when on, every function here refuses with READ_ONLY and sends nothing. */
  readOnly: boolean;
}

export interface Progress {
  /** Keys deleted (or counted) so far. */
  done: number;
  /** Keys SCAN returned so far, duplicates included. */
  scanned: number;
}

export interface BulkOptions extends WriteOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Called right before each DEL/UNLINK is sent: until then a failure has deleted nothing. */
  onDelete?: () => void;
}

export interface BulkResult {
  /** Keys that existed and were removed (the sum of the DEL/UNLINK replies). */
  deleted: number;
  /** True when the signal stopped the work part-way; `deleted` says how far it got. */
  cancelled: boolean;
}

/** Keys per DEL/UNLINK: bounded so one command never blocks the server for long nor builds a huge request. */
export const DELETE_BATCH = 500;

/** SCAN COUNT for folder operations. */
export const FOLDER_SCAN_COUNT = 1000;

/** Throws READ_ONLY when read-only mode is on. Called first by every changing operation. */
export function guardWrite(readOnly: boolean): void {
  if (readOnly) {
    throw new NovaError('READ_ONLY', 'read-only mode is on', { reason: 'setting' });
  }
}

async function send<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw isNovaError(err) ? err : toNovaError(err, 'command');
  }
}

/** EXEC's reply, with the first failed command's error rethrown (a transaction reports errors per command). */
async function exec(multi: ReturnType<Redis['multi']>): Promise<unknown[]> {
  const replies = await send(multi.exec());
  if (!replies) {
    throw new NovaError('UNKNOWN', 'transaction aborted');
  }
  for (const [err] of replies) {
    if (err) {
      throw toNovaError(err, 'command');
    }
  }
  return replies.map(([, value]) => value);
}

function checkSeconds(seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TTL_SECONDS) {
    // EXPIRE with 0, a negative or a huge value deletes the key: the core refuses even if the UI did not.
    throw new NovaError('INVALID_TTL', `ttl ${String(seconds)} outside 1..${MAX_TTL_SECONDS}`, { max: MAX_TTL_SECONDS });
  }
}

/**
 * Sets a key's TTL in seconds and returns the new PTTL (ms). Never creates or deletes a key: a key
 * that vanished meanwhile gives KEY_NOT_FOUND (EXPIRE replies 0 and does nothing). EXPIRE and PTTL run
 * in one transaction, so the PTTL is the one this EXPIRE set.
 */
export async function setTtl(client: KeyClient, key: Buffer, seconds: number, options: WriteOptions): Promise<number> {
  guardWrite(options.readOnly);
  checkSeconds(seconds);
  const [applied, pttl] = await exec(client.multi().expire(key, seconds).pttl(key));
  if (applied !== 1) {
    throw new NovaError('KEY_NOT_FOUND', 'EXPIRE on a missing key');
  }
  return Number(pttl);
}

/** `persisted`: the key had a TTL and now has none; `was-persistent`: it had none already. */
export type PersistResult = 'persisted' | 'was-persistent';

/**
 * Removes a key's TTL. PERSIST replies 0 both for a missing key and for one without a TTL; the PTTL
 * sent in the same transaction tells them apart (-2 missing → KEY_NOT_FOUND).
 */
export async function persist(client: KeyClient, key: Buffer, options: WriteOptions): Promise<PersistResult> {
  guardWrite(options.readOnly);
  const [removed, pttl] = await exec(client.multi().persist(key).pttl(key));
  if (Number(pttl) === -2) {
    throw new NovaError('KEY_NOT_FOUND', 'PERSIST on a missing key');
  }
  return removed === 1 ? 'persisted' : 'was-persistent';
}

function deleteBatch(client: Redis, caps: Capabilities, keys: Buffer[]): Promise<number> {
  return send(caps.unlink ? client.unlink(...keys) : client.del(...keys));
}

/**
 * Deletes exactly these keys (raw bytes), with UNLINK where the server has it, else DEL, in batches.
 * Returns how many existed and were deleted; keys already gone simply do not count.
 */
export function deleteKeys(client: Redis, caps: Capabilities, keys: readonly Buffer[], options: BulkOptions): Promise<BulkResult> {
  return deleteInBatches(keys, options, (batch) => deleteBatch(client, caps, batch));
}

/**
 * The batching, progress and cancellation of `deleteKeys`, around a function that deletes one
 * batch and returns how many keys it removed (a cluster splits each batch by slot).
 */
export async function deleteInBatches(keys: readonly Buffer[], options: BulkOptions, deleteOne: (batch: Buffer[]) => Promise<number>): Promise<BulkResult> {
  guardWrite(options.readOnly);
  let deleted = 0;
  for (let i = 0; i < keys.length; i += DELETE_BATCH) {
    if (options.signal?.aborted) {
      return { deleted, cancelled: true };
    }
    deleted += await deleteOne(keys.slice(i, i + DELETE_BATCH));
    options.onProgress?.({ done: deleted, scanned: Math.min(i + DELETE_BATCH, keys.length) });
  }
  return { deleted, cancelled: false };
}

/**
 * The SCAN MATCH pattern of a folder: `prefix + delimiter + *`, both parts glob-escaped, so that
 * `nova:cache` matches neither `nova:cache2:x` nor `nova:cachex:y`, and a prefix holding `*`, `?` or
 * `[` matches itself only.
 */
export function folderPattern(prefix: Uint8Array, delimiter: string | Uint8Array): Buffer {
  return Buffer.concat([escapeGlob(prefix), escapeGlob(delimiter), Buffer.from('*')]);
}

/**
 * Whether a key lies in the folder whose path bytes are `prefix`, in the explorer's sense: splitting
 * the key greedily from the left on the delimiter (as the key tree does) puts a delimiter right after
 * the prefix. For a one-byte delimiter this is "starts with prefix + delimiter"; for a longer one it
 * also rules out matches that straddle the end of the prefix (`a:` + `::` inside `a:::x`).
 *
 * A key equal to the prefix itself is NOT in the folder: the tree shows it next to the folder, in the
 * parent, so deleting the folder leaves it (and the count in the modal does not include it).
 */
export function inFolder(key: Uint8Array, prefix: Uint8Array, delimiter: Uint8Array): boolean {
  const p = prefix.length;
  const dl = delimiter.length;
  if (dl === 0 || key.length < p + dl) {
    return false;
  }
  for (let i = 0; i < p; i++) {
    if (key[i] !== prefix[i]) {
      return false;
    }
  }
  let i = 0;
  while (i <= p) {
    if (delimiterAt(key, i, delimiter)) {
      if (i === p) {
        return true;
      }
      i += dl;
    } else {
      i++;
    }
  }
  return false;
}

function delimiterAt(key: Uint8Array, at: number, delimiter: Uint8Array): boolean {
  if (at + delimiter.length > key.length) {
    return false;
  }
  for (let j = 0; j < delimiter.length; j++) {
    if (key[at + j] !== delimiter[j]) {
      return false;
    }
  }
  return true;
}

export function delimiterBytes(delimiter: string | Uint8Array): Buffer {
  const d = typeof delimiter === 'string' ? Buffer.from(delimiter, 'utf8') : Buffer.from(delimiter);
  if (d.length === 0) {
    // Without a delimiter there are no folders; deleting "everything under" a prefix is not this operation.
    throw new NovaError('UNSUPPORTED', 'folder operation without a delimiter');
  }
  return d;
}

/**
 * Visits the folder's keys page by page (SCAN MATCH, never KEYS), each page filtered with `inFolder`
 * as a byte-exact check on top of the glob; a null prefix visits the whole DB. Stops between pages
 * when the signal fires.
 */
export async function scanFolder(
  client: Redis,
  prefix: Buffer | null,
  delimiter: Buffer,
  signal: AbortSignal | undefined,
  onPage: (keys: Buffer[], returned: number) => Promise<void>,
): Promise<boolean> {
  const pattern = prefix === null ? Buffer.from('*') : folderPattern(prefix, delimiter);
  let cursor = '0';
  do {
    if (signal?.aborted) {
      return false;
    }
    // The typings only take a string pattern; a Buffer keeps a binary prefix exact.
    const [next, page] = await send(client.callBuffer('SCAN', cursor, 'MATCH', pattern, 'COUNT', FOLDER_SCAN_COUNT) as Promise<[Buffer, Buffer[]]>);
    cursor = next.toString();
    await onPage(
      prefix === null ? page : page.filter((k) => inFolder(k, prefix, delimiter)),
      page.length,
    );
  } while (cursor !== '0');
  return true;
}

/**
 * Deletes exactly the keys under a folder (see `inFolder`), by SCAN MATCH + DEL/UNLINK per page.
 * Cancellable between pages; `deleted` is exact (the sum of the server's replies, so a key SCAN
 * returned twice counts once). Keys created under the folder while this runs may or may not be
 * deleted, as with any SCAN.
 */
export async function deleteFolder(
  client: Redis,
  caps: Capabilities,
  prefix: Buffer,
  delimiter: string | Uint8Array,
  options: BulkOptions,
): Promise<BulkResult> {
  guardWrite(options.readOnly);
  const d = delimiterBytes(delimiter);
  let deleted = 0;
  let scanned = 0;
  const finished = await scanFolder(client, prefix, d, options.signal, async (keys, returned) => {
    scanned += returned;
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      options.onDelete?.();
      deleted += await deleteBatch(client, caps, keys.slice(i, i + DELETE_BATCH));
    }
    options.onProgress?.({ done: deleted, scanned });
  });
  return { deleted, cancelled: !finished };
}

export interface CountResult {
  /** Distinct keys seen under the folder. */
  count: number;
  cancelled: boolean;
}

/**
 * Counts the keys `deleteFolder` would delete, for the confirmation. Duplicates from SCAN are
 * removed through a 53-bit hash of each name (memory stays small for a million keys; a collision,
 * about 1 in 10^4 at that size, would make the count one lower). The count is a snapshot: keys may
 * come and go before the user confirms.
 */
export async function countFolder(
  client: Redis,
  prefix: Buffer,
  delimiter: string | Uint8Array,
  options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
): Promise<CountResult> {
  const d = delimiterBytes(delimiter);
  const seen = new Set<number>();
  let scanned = 0;
  const finished = await scanFolder(client, prefix, d, options.signal, (keys, returned) => {
    scanned += returned;
    for (const k of keys) {
      seen.add(hash53(k));
    }
    options.onProgress?.({ done: seen.size, scanned });
    return Promise.resolve();
  });
  return { count: seen.size, cancelled: !finished };
}

/** Two 32-bit FNV-1a variants folded into a 53-bit integer. */
export function hash53(bytes: Uint8Array): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i], 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/** One line of CLIENT LIST, as `field → value`. */
export function parseClientList(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) {
      continue;
    }
    const fields = new Map<string, string>();
    for (const part of line.split(' ')) {
      const eq = part.indexOf('=');
      if (eq > 0) {
        fields.set(part.slice(0, eq), part.slice(eq + 1));
      }
    }
    out.push(fields);
  }
  return out;
}

export interface FlushResult {
  db: number;
  /** DBSIZE right before the flush, in the same transaction (counts expired keys not yet reclaimed). */
  keysBefore: number;
}

/**
 * FLUSHDB of the configured DB, after checking on the server that this very connection is on it.
 *
 * The check: CLIENT GETNAME and CLIENT LIST, in one transaction on this connection (CLIENT ID and
 * CLIENT INFO do not exist on 3.0). The connection owner gives each connection a unique name; the
 * name must be `clientName` when given (else the connection's own), exactly one CLIENT LIST line may
 * carry it, and its `db=` must be `expectedDb`. Anything else is WRONG_DB and nothing is flushed.
 *
 * The flush: MULTI, SELECT expectedDb, DBSIZE, FLUSHDB, EXEC. A transaction cannot make the flush
 * conditional on the check (no conditionals in MULTI; CLIENT is not allowed in scripts), so the
 * window between the two is closed another way: a connection's DB changes only through a SELECT on
 * that connection, and restating the SELECT inside the very transaction that flushes pins FLUSHDB to
 * `expectedDb` whatever ran in between. That SELECT cannot fail: the check just saw this connection
 * on that index, and the number of databases is fixed at server start. The check comes first all
 * the same, because a connection found elsewhere (a failed SELECT at connect time, another client
 * object) means something is wrong and the user must not be told the flush went as confirmed.
 *
 * Always a synchronous FLUSHDB, never ASYNC (4.0+) nor FLUSHALL: one code path for every server, and
 * the reply arrives once the data is gone. A reply lost to a dropped connection or a timeout leaves
 * the outcome unknown (CONNECTION_LOST / COMMAND_TIMEOUT): the caller must not re-send, but re-read.
 */
export async function flushDatabase(
  client: Redis,
  _caps: Capabilities,
  expectedDb: number,
  clientName: string | undefined,
  options: WriteOptions,
): Promise<FlushResult> {
  guardWrite(options.readOnly);
  await verifyConnectionDb(client, expectedDb, clientName);
  return flushVerified(client, expectedDb, options);
}

/**
 * The check of `flushDatabase`, on its own: it only reads, so a failure here (a timeout, a dropped
 * connection) means nothing was flushed, which a caller can say for sure.
 */
export async function verifyConnectionDb(client: Redis, expectedDb: number, clientName: string | undefined): Promise<void> {
  if (!Number.isSafeInteger(expectedDb) || expectedDb < 0) {
    throw new NovaError('DB_INVALID', `db ${String(expectedDb)}`);
  }
  let ownName: unknown;
  let list: unknown;
  try {
    [ownName, list] = await exec(client.multi().client('GETNAME').client('LIST'));
  } catch (err) {
    // A server where CLIENT is disabled or renamed cannot prove which DB this connection is on.
    const nova = isNovaError(err) ? err : toNovaError(err, 'command');
    if (nova.code === 'UNKNOWN') {
      throw new NovaError('WRONG_DB', `cannot verify the DB: ${nova.detail}`, { expected: expectedDb });
    }
    throw nova;
  }
  const own = typeof ownName === 'string' ? ownName : Buffer.isBuffer(ownName) ? ownName.toString('utf8') : '';
  const name = clientName ?? own;
  if (name === '' || own !== name) {
    throw new NovaError('WRONG_DB', 'this connection does not carry the expected client name', { expected: expectedDb });
  }
  const lines = parseClientList(typeof list === 'string' ? list : Buffer.isBuffer(list) ? list.toString('utf8') : '').filter((f) => f.get('name') === name);
  if (lines.length !== 1) {
    throw new NovaError('WRONG_DB', `${lines.length} connections named ${name}`, { expected: expectedDb });
  }
  const actual = Number(lines[0].get('db'));
  if (actual !== expectedDb) {
    throw new NovaError('WRONG_DB', `connection is on db ${lines[0].get('db') ?? '?'}`, { expected: expectedDb, actual });
  }
}

/** The flush of `flushDatabase`, for a connection `verifyConnectionDb` just checked. */
export async function flushVerified(client: Redis, expectedDb: number, options: WriteOptions): Promise<FlushResult> {
  guardWrite(options.readOnly);
  const [, keysBefore] = await exec(client.multi().select(expectedDb).dbsize().flushdb());
  return { db: expectedDb, keysBefore: Number(keysBefore) };
}
