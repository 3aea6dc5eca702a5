/**
 * Changes to one element of a hash, list, set or sorted set, as a value tab offers them: the element
 * is named by what the tab shows (its bytes, its index on the page), never by reloading the
 * collection. No `vscode` import.
 *
 * Each edit is WATCH key → checks (TYPE, and that the element shown is still there) → MULTI → the
 * write → EXEC. A write by anyone else between the check and EXEC aborts the transaction, and the
 * check runs again on what the key has become: the edit never lands on an element the user did not
 * see. The connection must be used by nothing else meanwhile (another EXEC or UNWATCH on it would end
 * the WATCH): the session gives these edits a connection of their own, one edit at a time.
 *
 * Only commands Redis 3.0 has: TYPE, single-pair HSET, HEXISTS, HDEL, LLEN, LINDEX, LSET, LPUSHX,
 * RPUSHX, LREM, SADD, SREM, ZSCORE, plain ZADD (no NX/XX, which 3.0.0–3.0.1 lack), ZREM, EXISTS.
 * None of them touches the TTL, so a key keeps its expiry through every edit.
 */
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { toNovaError } from './connect';
import { NovaError, isNovaError } from './errors';
import { guardWrite, type WriteOptions } from './mutations';

export type CollectionType = 'hash' | 'list' | 'set' | 'zset';

/** An element as a page shows it: its first bytes, and its full length on the server. */
export interface Shown {
  bytes: Buffer;
  size: number;
}

export type CollectionEdit =
  /** A new field: refused (ELEMENT_EXISTS) when the hash has it already. */
  | { op: 'hashAdd'; field: Buffer; value: Buffer }
  /** A new value for a field the tab shows: ELEMENT_CHANGED when the field is gone. */
  | { op: 'hashSet'; field: Buffer; value: Buffer }
  | { op: 'hashDelete'; field: Buffer }
  /** The element at `index`, which the tab shows as `expected` (when on the page shown). */
  | { op: 'listSet'; index: number; expected?: Shown; value: Buffer }
  | { op: 'listPush'; end: 'head' | 'tail'; value: Buffer }
  /** The first element equal to `value`, from the head (LREM count 1). */
  | { op: 'listRemoveValue'; value: Buffer }
  /** The element at `index`, which the tab shows as `expected` (when on the page shown). */
  | { op: 'listRemoveIndex'; index: number; expected?: Shown }
  /** Adding a member the set has already changes nothing: the result says so. */
  | { op: 'setAdd'; member: Buffer }
  | { op: 'setRemove'; member: Buffer }
  /** A new member: refused (ELEMENT_EXISTS) when the sorted set has it (its score would change). */
  | { op: 'zsetAdd'; member: Buffer; score: string }
  | { op: 'zsetScore'; member: Buffer; score: string }
  | { op: 'zsetRemove'; member: Buffer };

export interface EditResult {
  /** False when the edit found nothing to do (a member already in the set). */
  changed: boolean;
  /** The key no longer exists: the edit removed its last element. */
  keyDeleted: boolean;
}

export function editType(edit: CollectionEdit): CollectionType {
  switch (edit.op) {
    case 'hashAdd':
    case 'hashSet':
    case 'hashDelete':
      return 'hash';
    case 'listSet':
    case 'listPush':
    case 'listRemoveValue':
    case 'listRemoveIndex':
      return 'list';
    case 'setAdd':
    case 'setRemove':
      return 'set';
    case 'zsetAdd':
    case 'zsetScore':
    case 'zsetRemove':
      return 'zset';
  }
}

/**
 * A score as Redis reads it, or undefined: a finite number (sent in JavaScript's shortest exact
 * form, so "1e3" and "1000" are the same score), or +inf / -inf. NaN is refused by Redis itself.
 */
export function parseScore(text: string): string | undefined {
  const t = text.trim();
  if (/^[+]?inf(inity)?$/i.test(t)) {
    return '+inf';
  }
  if (/^-inf(inity)?$/i.test(t)) {
    return '-inf';
  }
  // Decimal notation only: Number() also reads hex and binary, which strtod on the server reads differently.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) {
    return undefined;
  }
  const n = Number(t);
  return Number.isFinite(n) ? String(n) : undefined;
}

/** Attempts before giving up on a key that keeps changing under the edit. */
const ATTEMPTS = 3;

function buf(reply: Buffer | string | null): Buffer | null {
  return reply === null || Buffer.isBuffer(reply) ? reply : Buffer.from(reply);
}

function matches(actual: Buffer | null, expected: Shown): boolean {
  if (!actual || actual.length !== expected.size) {
    return false;
  }
  return actual.subarray(0, expected.bytes.length).equals(expected.bytes);
}

async function send<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw isNovaError(err) ? err : toNovaError(err, 'command');
  }
}

/** A list index that exists now, given LLEN: negative indexes are not offered (the tab shows positions). */
function checkIndex(index: number, length: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= length) {
    throw new NovaError('INDEX_OUT_OF_RANGE', `index ${String(index)} of ${length}`, { index, length });
  }
}

type Multi = ReturnType<Redis['multi']>;

interface Plan {
  /** Queues the write; its replies come back in order. */
  write: (tx: Multi) => void;
  /** What the replies mean. */
  result: (replies: unknown[]) => boolean;
}

/**
 * Checks, on the WATCHed key, that the edit applies to what the tab showed, and plans the write.
 * Runs again after an aborted EXEC, on what the key has become.
 */
async function plan(client: Redis, key: Buffer, edit: CollectionEdit): Promise<Plan> {
  const ok = (n: unknown): boolean => Number(n) > 0;
  switch (edit.op) {
    case 'hashAdd': {
      if (Number(await send(client.hexists(key, edit.field))) === 1) {
        throw new NovaError('ELEMENT_EXISTS', 'field exists');
      }
      return { write: (tx) => tx.hset(key, edit.field, edit.value), result: () => true };
    }
    case 'hashSet': {
      if (Number(await send(client.hexists(key, edit.field))) !== 1) {
        throw new NovaError('ELEMENT_CHANGED', 'field gone');
      }
      return { write: (tx) => tx.hset(key, edit.field, edit.value), result: () => true };
    }
    case 'hashDelete':
      return { write: (tx) => tx.hdel(key, edit.field), result: ([n]) => ok(n) };
    case 'listSet':
    case 'listRemoveIndex': {
      checkIndex(edit.index, Number(await send(client.llen(key))));
      if (edit.expected && !matches(buf(await send(client.lindexBuffer(key, edit.index))), edit.expected)) {
        throw new NovaError('ELEMENT_CHANGED', `index ${edit.index} holds another element`);
      }
      if (edit.op === 'listSet') {
        return { write: (tx) => tx.lset(key, edit.index, edit.value), result: () => true };
      }
      // No "remove at index" in Redis: the element becomes a value nobody else can hold, which
      // LREM then removes. Both run in one transaction, so no one ever sees the marker.
      const marker = Buffer.concat([Buffer.from('\u0000nova-removed:'), randomBytes(16)]);
      return { write: (tx) => tx.lset(key, edit.index, marker).lrem(key, 1, marker), result: ([, n]) => ok(n) };
    }
    case 'listPush':
      // The X forms never create the key: a list deleted meanwhile stays deleted.
      return { write: (tx) => (edit.end === 'head' ? tx.lpushx(key, edit.value) : tx.rpushx(key, edit.value)), result: ([n]) => ok(n) };
    case 'listRemoveValue':
      return { write: (tx) => tx.lrem(key, 1, edit.value), result: ([n]) => ok(n) };
    case 'setAdd':
      return { write: (tx) => tx.sadd(key, edit.member), result: ([n]) => ok(n) };
    case 'setRemove':
      return { write: (tx) => tx.srem(key, edit.member), result: ([n]) => ok(n) };
    case 'zsetAdd':
    case 'zsetScore': {
      const score = await send(client.zscore(key, edit.member));
      if (edit.op === 'zsetAdd' && score !== null) {
        throw new NovaError('ELEMENT_EXISTS', 'member exists');
      }
      if (edit.op === 'zsetScore' && score === null) {
        throw new NovaError('ELEMENT_CHANGED', 'member gone');
      }
      return { write: (tx) => tx.zadd(key, edit.score, edit.member), result: () => true };
    }
    case 'zsetRemove':
      return { write: (tx) => tx.zrem(key, edit.member), result: ([n]) => ok(n) };
  }
}

/**
 * Applies one edit to the collection at `key` (raw bytes) on `client`, the connection that serves
 * the key. KEY_NOT_FOUND when the key is gone, WRONG_TYPE when it holds another type, ELEMENT_CHANGED
 * when the element shown is no longer there, KEY_CHANGED when it kept changing under the edit.
 */
export async function editCollection(client: Redis, key: Buffer, edit: CollectionEdit, options: WriteOptions): Promise<EditResult> {
  guardWrite(options.readOnly);
  const type = editType(edit);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    await send(client.watch(key));
    let p: Plan;
    try {
      const actual = String(await send(client.type(key)));
      if (actual === 'none') {
        throw new NovaError('KEY_NOT_FOUND');
      }
      if (actual !== type) {
        throw new NovaError('WRONG_TYPE', 'the key holds another type', { expected: type, actual });
      }
      p = await plan(client, key, edit);
    } catch (err) {
      await client.unwatch().catch(() => undefined);
      throw err;
    }
    const tx = client.multi();
    p.write(tx);
    tx.exists(key);
    const replies = await send(tx.exec());
    if (!replies) {
      // Someone wrote the key between the check and EXEC: check again on what it is now.
      continue;
    }
    const values = replies.map(([err, value]) => {
      if (err) {
        throw toNovaError(err, 'command');
      }
      return value;
    });
    const exists = Number(values[values.length - 1]) === 1;
    return { changed: p.result(values.slice(0, -1)), keyDeleted: !exists };
  }
  throw new NovaError('KEY_CHANGED', `the key changed ${ATTEMPTS} times during the edit`);
}
