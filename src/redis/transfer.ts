/**
 * Export and import of keys as NDJSON: one JSON line per key with its exact bytes, type, TTL and
 * value, after a header line. A file people can read and diff (each value is also shown decoded, as
 * the value tabs show it) and that reloads byte for byte. No `vscode` import.
 *
 * - Values are written raw as base64, element by element, not as DUMP payloads: a DUMP is tied to
 *   the server's RDB version (a 7.x DUMP does not RESTORE on NOVA's 3.0), element commands are not.
 * - Reading: one metadata round trip per batch (`fetchKeyMeta`), then one pipeline that re-checks each
 *   key's TYPE and reads small values whole; larger collections are read in bounded chunks. Memory is
 *   bounded by one batch plus the largest value.
 * - Importing: each key is built under a temporary name in its own hash slot and moved into place
 *   in the same MULTI/EXEC, with RENAMENX ("skip existing") or RENAME ("overwrite"). A key is never
 *   seen half-written, and "skip" cannot overwrite a key created meanwhile.
 * - Only commands Redis 3.0 has (TYPE PTTL GET HGETALL HSCAN LRANGE SMEMBERS SSCAN ZRANGE EXISTS SET
 *   HMSET RPUSH SADD ZADD PEXPIRE RENAME RENAMENX DEL MULTI EXEC), XRANGE/XADD only for streams, which
 *   exist only where the server has them.
 */
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { Capabilities, ServerInfo } from './capabilities';
import { toNovaError, type KeyClient } from './connect';
import { DEFAULT_COMMAND_TIMEOUT_MS, withDeadline } from './deadline';
import { Deadline, decodeElement, plainName, printCompactJson, type JNode } from './decoders';
import { jArray, jObject, jsonString } from './decoders/jtree';
import { isReplyError } from './elementPage';
import { NovaError } from './errors';
import { fetchKeyMeta, keyTypeOf, type KeyType } from './keyMeta';

export const EXPORT_FORMAT = 'nova-redis-export';
export const EXPORT_VERSION = 1;

/** Keys read per round trip. */
export const EXPORT_BATCH = 200;
/** Collections up to this many elements (and strings up to this many bytes) are read in the batch's pipeline. */
const WHOLE_ELEMENTS = 1000;
const WHOLE_STRING_BYTES = 1024 * 1024;
/** Elements per command when a large collection is read, or written, in chunks. */
const CHUNK = 1000;
/** A value decoded for the file's readable column may take this long; the raw bytes are always written. */
const DECODE_BUDGET_MS = 50;

export type ExportedType = Exclude<KeyType, 'other'>;

export type ExportValue =
  | { type: 'string'; value: Buffer }
  | { type: 'hash'; value: Array<[Buffer, Buffer]> }
  | { type: 'list'; value: Buffer[] }
  | { type: 'set'; value: Buffer[] }
  | { type: 'zset'; value: Array<[Buffer, string]> }
  | { type: 'stream'; value: Array<[string, Buffer[]]> };

/** One key as exported: exact name, value and remaining TTL (ms; null without expiry). */
export type ExportRecord = ExportValue & { key: Buffer; ttlMs: number | null };

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: number;
  /** e.g. "redis 3.0.7" or "valkey 8.0.1". */
  server: string;
  db: number;
  /** ISO date of the export: TTLs are what remained then, and are restored from the moment of import. */
  date: string;
  /** What was exported: a key, a selection, a folder (its prefix). */
  scope: string;
}

/** A key the export could not write, and why (a module type, a key that vanished is simply absent). */
export interface SkippedKey {
  key: Buffer;
  rawType: string;
}

export interface ReadResult {
  records: ExportRecord[];
  skipped: SkippedKey[];
}

export function exportHeader(server: ServerInfo, db: number, scope: string, date = new Date()): ExportHeader {
  const name = server.valkeyVersion !== undefined ? `valkey ${server.valkeyVersion}` : `${server.flavor} ${server.version}`;
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, server: name, db, date: date.toISOString(), scope };
}

// Reading

async function send<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  try {
    return await withDeadline(promise, timeoutMs);
  } catch (err) {
    throw toNovaError(err, 'command');
  }
}

function wholeRead(type: ExportedType): (string | Buffer)[] {
  switch (type) {
    case 'string':
      return ['GET'];
    case 'hash':
      return ['HGETALL'];
    case 'list':
      return ['LRANGE', '__KEY__', '0', '-1'];
    case 'set':
      return ['SMEMBERS'];
    case 'zset':
      return ['ZRANGE', '__KEY__', '0', '-1', 'WITHSCORES'];
    case 'stream':
      return ['XRANGE', '__KEY__', '-', '+'];
  }
}

function withKey(args: (string | Buffer)[], key: Buffer): (string | Buffer)[] {
  return args.length === 1 ? [args[0], key] : args.map((a) => (a === '__KEY__' ? key : a));
}

function pairs(flat: Buffer[]): Array<[Buffer, Buffer]> {
  const out: Array<[Buffer, Buffer]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    out.push([flat[i], flat[i + 1]]);
  }
  return out;
}

function toValue(type: ExportedType, reply: unknown): ExportValue {
  switch (type) {
    case 'string':
      return { type, value: reply as Buffer };
    case 'hash':
      return { type, value: pairs(reply as Buffer[]) };
    case 'list':
    case 'set':
      return { type, value: reply as Buffer[] };
    case 'zset':
      return { type, value: pairs(reply as Buffer[]).map(([m, s]) => [m, s.toString()]) };
    case 'stream':
      return { type, value: (reply as Array<[Buffer, Buffer[]]>).map(([id, fields]) => [id.toString(), fields]) };
  }
}

/** A value too large for the batch's reply: a string on its own, a collection in chunks (HSCAN/SSCAN repeat elements: kept once). */
async function readChunked(client: KeyClient, type: ExportedType, key: Buffer, timeoutMs: number): Promise<ExportValue | null> {
  if (type === 'string') {
    // A large string alone in its request, so that one big reply does not hold up the batch's.
    const value = await send(client.getBuffer(key), timeoutMs);
    return value === null ? null : { type, value };
  }
  if (type === 'list' || type === 'zset') {
    const items: Buffer[] = [];
    for (let start = 0; ; start += CHUNK) {
      const args = type === 'list' ? ['LRANGE', key, String(start), String(start + CHUNK - 1)] : ['ZRANGE', key, String(start), String(start + CHUNK - 1), 'WITHSCORES'];
      const page = (await send(client.callBuffer(args[0] as string, ...args.slice(1)), timeoutMs)) as Buffer[];
      items.push(...page);
      if (page.length < (type === 'list' ? CHUNK : 2 * CHUNK)) {
        break;
      }
    }
    return items.length === 0 ? null : toValue(type, items);
  }
  if (type === 'stream') {
    const entries: Array<[Buffer, Buffer[]]> = [];
    let start = '-';
    for (;;) {
      const page = (await send(client.callBuffer('XRANGE', key, start, '+', 'COUNT', String(CHUNK)), timeoutMs)) as Array<[Buffer, Buffer[]]>;
      // Each page after the first starts at the last id read; that entry is not repeated.
      entries.push(...(start === '-' ? page : page.slice(1)));
      if (page.length < CHUNK) {
        break;
      }
      start = page[page.length - 1][0].toString();
    }
    return entries.length === 0 ? null : toValue(type, entries);
  }
  const command = type === 'hash' ? 'HSCAN' : 'SSCAN';
  const seen = new Map<string, Buffer[]>();
  let cursor = '0';
  do {
    const [next, flat] = (await send(client.callBuffer(command, key, cursor, 'COUNT', String(CHUNK)), timeoutMs)) as [Buffer, Buffer[]];
    cursor = next.toString();
    const step = type === 'hash' ? 2 : 1;
    for (let i = 0; i < flat.length; i += step) {
      seen.set(flat[i].toString('latin1'), flat.slice(i, i + step));
    }
  } while (cursor !== '0');
  if (seen.size === 0) {
    return null;
  }
  const flat = [...seen.values()].flat();
  return toValue(type, flat);
}

// One read-only script per batch: TYPE, PTTL and, for values small enough, the value itself, so a
// batch costs one command where a pipeline needs three per key (the client's per-command cost is what
// bounds an export). Only commands Redis 3.0 has, XRANGE only for a key whose TYPE is stream. A value
// over the limits, or past the batch's byte budget, comes back as its type alone and is read apart.
const READ_SCRIPT = `
local out = {}
local budget = tonumber(ARGV[1])
for i = 1, #KEYS do
  local k = KEYS[i]
  local t = redis.call('TYPE', k)['ok']
  local ttl = -2
  local v = 0
  if t ~= 'none' then
    ttl = redis.call('PTTL', k)
    if t == 'string' then
      local n = redis.call('STRLEN', k)
      if n <= budget and n <= ${WHOLE_STRING_BYTES} then budget = budget - n; v = redis.call('GET', k) end
    elseif budget > 0 then
      local n = -1
      if t == 'hash' then n = redis.call('HLEN', k)
      elseif t == 'list' then n = redis.call('LLEN', k)
      elseif t == 'set' then n = redis.call('SCARD', k)
      elseif t == 'zset' then n = redis.call('ZCARD', k)
      elseif t == 'stream' and ARGV[2] == '1' then n = redis.call('XLEN', k)
      end
      if n >= 0 and n <= ${WHOLE_ELEMENTS} then
        if t == 'hash' then v = redis.call('HGETALL', k)
        elseif t == 'list' then v = redis.call('LRANGE', k, 0, -1)
        elseif t == 'set' then v = redis.call('SMEMBERS', k)
        elseif t == 'zset' then v = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
        else v = redis.call('XRANGE', k, '-', '+')
        end
        -- Elements are not measured here (HSTRLEN is 3.2+): a whole collection counts as a kilobyte each.
        budget = budget - n * 1024
      end
    end
  end
  out[#out + 1] = t
  out[#out + 1] = ttl
  out[#out + 1] = v
end
return out
`;

/** Bytes of values one script call returns, at most (larger values are read apart). */
const SCRIPT_BUDGET_BYTES = 8 * 1024 * 1024;

export interface ReadOptions {
  timeoutMs?: number;
  /** Read through the batch script (one server, or keys of one slot); false: pipelines only. */
  script?: boolean;
}

/** Clients whose server refused the script (EVAL renamed, a proxy): they use the pipelines from then on. */
const scriptRefused = new WeakSet<KeyClient>();

/** The batch through READ_SCRIPT; null when the server refused the script. */
async function readViaScript(client: KeyClient, caps: Capabilities, keys: readonly Buffer[], timeoutMs: number): Promise<ReadResult | null> {
  // Through a pipeline: its replies keep the server's error apart from a failed connection.
  const pipe = client.pipeline();
  pipe.callBuffer('EVAL', READ_SCRIPT, String(keys.length), ...keys, String(SCRIPT_BUDGET_BYTES), caps.streams ? '1' : '0');
  const [[err, result] = [new Error('no reply'), null]] = (await send(pipe.exec(), timeoutMs)) ?? [];
  if (err) {
    if (isReplyError(err)) {
      return null;
    }
    throw toNovaError(err, 'command');
  }
  const reply = result as unknown[];
  const records: ExportRecord[] = [];
  const skipped: SkippedKey[] = [];
  const apart: Buffer[] = [];
  keys.forEach((key, i) => {
    const rawType = String(reply[3 * i]);
    const type = rawType === 'none' ? 'none' : keyTypeOf(rawType);
    const ttl = Number(reply[3 * i + 1]);
    const value = reply[3 * i + 2];
    if (type === 'none') {
      return;
    }
    if (type === 'other' || (type === 'stream' && !caps.streams)) {
      skipped.push({ key, rawType });
      return;
    }
    if (typeof value === 'number') {
      apart.push(key);
      return;
    }
    const read = toValue(type, value);
    if (type === 'string' || (read.value as unknown[]).length > 0) {
      records.push({ ...read, key, ttlMs: ttlOf(ttl) });
    }
  });
  if (apart.length > 0) {
    const rest = await readViaPipelines(client, caps, apart, timeoutMs);
    records.push(...rest.records);
    skipped.push(...rest.skipped);
  }
  return { records, skipped };
}

/**
 * Reads these keys (all served by `client`: one server, or one cluster master for keys of its slots).
 * Keys that vanished meanwhile are left out; keys of a module type are reported as skipped.
 */
export async function readRecords(client: KeyClient, caps: Capabilities, keys: readonly Buffer[], options: ReadOptions = {}): Promise<ReadResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  if (options.script !== false && !scriptRefused.has(client) && keys.length > 0) {
    const viaScript = await readViaScript(client, caps, keys, timeoutMs);
    if (viaScript) {
      return viaScript;
    }
    scriptRefused.add(client);
  }
  return readViaPipelines(client, caps, keys, timeoutMs);
}

/**
 * Reads `keys` in batches of EXPORT_BATCH through `read` and hands each batch's result to `sink`, in
 * order. The next batch is asked for before the sink runs, so the server reads it while this process
 * encodes and writes the last one. Stops before the next batch once `signal` is aborted.
 */
export async function readInBatches(
  keys: readonly Buffer[],
  read: (batch: Buffer[]) => Promise<ReadResult>,
  sink: (result: ReadResult) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const start = (from: number): Promise<ReadResult> | undefined => {
    if (from >= keys.length || signal?.aborted) {
      return undefined;
    }
    const pending = read(keys.slice(from, from + EXPORT_BATCH));
    // Awaited below; until then its failure must not count as unhandled.
    pending.catch(() => undefined);
    return pending;
  };
  let pending = start(0);
  for (let from = 0; pending; from += EXPORT_BATCH) {
    const result = await pending;
    pending = start(from + EXPORT_BATCH);
    await sink(result);
  }
}

/** The same without scripting: the metadata round trip, then one pipeline of TYPE, PTTL and the read per key. */
async function readViaPipelines(client: KeyClient, caps: Capabilities, keys: readonly Buffer[], timeoutMs: number): Promise<ReadResult> {
  const metas = await fetchKeyMeta(client, caps, keys, { timeoutMs });
  const records: ExportRecord[] = [];
  const skipped: SkippedKey[] = [];
  const whole: Array<{ key: Buffer; type: ExportedType }> = [];
  const chunked: Array<{ key: Buffer; type: ExportedType }> = [];
  keys.forEach((key, i) => {
    const meta = metas[i];
    if (!meta) {
      return;
    }
    if (meta.type === 'other' || (meta.type === 'stream' && !caps.streams)) {
      skipped.push({ key, rawType: meta.rawType });
      return;
    }
    const type = meta.type;
    const small = meta.size === null || meta.size <= (type === 'string' ? WHOLE_STRING_BYTES : WHOLE_ELEMENTS);
    (small ? whole : chunked).push({ key, type });
  });
  // TYPE again in front of each read: a key replaced by another type in between is read again alone.
  const pipe = client.pipeline();
  for (const { key, type } of whole) {
    pipe.callBuffer('TYPE', key);
    pipe.callBuffer('PTTL', key);
    const args = withKey(wholeRead(type), key);
    pipe.callBuffer(args[0] as string, ...args.slice(1));
  }
  const replies = whole.length > 0 ? ((await send(pipe.exec(), timeoutMs)) ?? []) : [];
  const again: Buffer[] = [];
  whole.forEach(({ key, type }, i) => {
    const [typeErr, typeReply] = replies[3 * i] ?? [new Error('no reply'), null];
    const [ttlErr, ttlReply] = replies[3 * i + 1] ?? [new Error('no reply'), null];
    const [readErr, readReply] = replies[3 * i + 2] ?? [new Error('no reply'), null];
    const err = typeErr ?? ttlErr;
    if (err) {
      throw toNovaError(err, 'command');
    }
    const nowType = String(typeReply);
    if (nowType === 'none') {
      return;
    }
    if (nowType !== type || readErr) {
      again.push(key);
      return;
    }
    const value = toValue(type, readReply);
    if (type !== 'string' && (value.value as unknown[]).length === 0) {
      return;
    }
    records.push({ ...value, key, ttlMs: ttlOf(Number(ttlReply)) });
  });
  for (const { key, type } of chunked) {
    const ttl = Number(await send(client.pttl(key), timeoutMs));
    const value = await readChunked(client, type, key, timeoutMs);
    if (value && ttl !== -2) {
      records.push({ ...value, key, ttlMs: ttlOf(ttl) });
    }
  }
  if (again.length > 0) {
    // Rare (a concurrent rewrite): one more pass with fresh metadata for just these keys.
    const retry = await readViaPipelines(client, caps, again, timeoutMs);
    records.push(...retry.records);
    skipped.push(...retry.skipped);
  }
  return { records, skipped };
}

function ttlOf(pttl: number): number | null {
  return pttl < 0 ? null : pttl;
}

// Lines

function b64(bytes: Buffer): string {
  return bytes.toString('base64');
}

/** The key as text when that is exact (valid UTF-8), else base64. */
function keyField(key: Buffer): { key: string } | { key_b64: string } {
  return isUtf8(key) ? { key: key.toString('utf8') } : { key_b64: b64(key) };
}

function decoded(bytes: Buffer): { decoder: string; node: JNode } {
  const element = decodeElement(bytes, { deadline: new Deadline(DECODE_BUDGET_MS) });
  return { decoder: element.chain.join('+') || 'text', node: element.node };
}

/** The value as the value tabs show it, as JSON text: digits as stored, nothing re-parsed. */
function readable(record: ExportRecord): JNode {
  switch (record.type) {
    case 'string':
      return decoded(record.value).node;
    case 'hash':
      return jObject(record.value.map(([f, v]) => [plainName(f), decoded(v).node]));
    case 'list':
    case 'set':
      return jArray(record.value.map((v) => decoded(v).node));
    case 'zset':
      return jArray(record.value.map(([m, s]) => jArray([decoded(m).node, SCORE_JSON.test(s) ? s : jsonString(s)])));
    case 'stream':
      return jArray(record.value.map(([id, fields]) => jArray([jsonString(id), jObject(pairs(fields).map(([f, v]) => [plainName(f), decoded(v).node]))])));
  }
}

function rawField(record: ExportRecord): unknown {
  switch (record.type) {
    case 'string':
      return b64(record.value);
    case 'hash':
      return record.value.map(([f, v]) => [b64(f), b64(v)]);
    case 'list':
    case 'set':
      return record.value.map(b64);
    case 'zset':
      return record.value.map(([m, s]) => [b64(m), s]);
    case 'stream':
      return record.value.map(([id, fields]) => [id, fields.map(b64)]);
  }
}

/** A score that is also a JSON number (`inf` is not: it stays a string). */
const SCORE_JSON = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/** One NDJSON line (no newline). `decoded` adds the readable column (string values: with their decoder). */
export function recordLine(record: ExportRecord, options: { decoded?: boolean } = {}): string {
  const line: Record<string, unknown> = { ...keyField(record.key), type: record.type, ttl_ms: record.ttlMs, raw: rawField(record) };
  if (options.decoded === false) {
    return JSON.stringify(line);
  }
  if (record.type === 'string') {
    const { decoder, node } = decoded(record.value);
    line.decoder = decoder;
    return `${JSON.stringify(line).slice(0, -1)},"decoded":${printCompactJson(node)}}`;
  }
  return `${JSON.stringify(line).slice(0, -1)},"decoded":${printCompactJson(readable(record))}}`;
}

export function headerLine(header: ExportHeader): string {
  return JSON.stringify(header);
}

// Parsing

function invalid(line: number, detail: string): NovaError {
  return new NovaError('IMPORT_INVALID', `line ${line}: ${detail}`, { line });
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fromB64(value: unknown, line: number): Buffer {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !B64.test(value)) {
    throw invalid(line, 'not base64');
  }
  return Buffer.from(value, 'base64');
}

function list(value: unknown, line: number): unknown[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(line, 'raw is not a non-empty array');
  }
  return value;
}

function pair(value: unknown, line: number): [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw invalid(line, 'not a pair');
  }
  return [value[0], value[1]];
}

const SCORE = /^(?:[-+]?inf|[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)$/i;

function parseValue(type: unknown, raw: unknown, line: number): ExportValue {
  switch (type) {
    case 'string':
      return { type, value: fromB64(raw, line) };
    case 'hash':
      return { type, value: list(raw, line).map((p) => pair(p, line)).map(([f, v]) => [fromB64(f, line), fromB64(v, line)]) };
    case 'list':
    case 'set':
      return { type, value: list(raw, line).map((v) => fromB64(v, line)) };
    case 'zset':
      return {
        type,
        value: list(raw, line)
          .map((p) => pair(p, line))
          .map(([m, s]) => {
            if (typeof s !== 'string' || !SCORE.test(s)) {
              throw invalid(line, 'score is not a number');
            }
            return [fromB64(m, line), s];
          }),
      };
    case 'stream':
      return {
        type,
        value: list(raw, line)
          .map((p) => pair(p, line))
          .map(([id, fields]) => {
            if (typeof id !== 'string' || !/^\d+-\d+$/.test(id) || !Array.isArray(fields) || fields.length % 2 !== 0) {
              throw invalid(line, 'stream entry');
            }
            return [id, fields.map((f) => fromB64(f, line))];
          }),
      };
    default:
      throw invalid(line, 'unknown type');
  }
}

/** The header, when `text` is one; throws IMPORT_INVALID for anything else that looks like a header. */
export function parseHeader(text: string, line = 1): ExportHeader {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(line, 'not JSON');
  }
  const h = json as Partial<ExportHeader> | null;
  if (!h || h.format !== EXPORT_FORMAT) {
    throw invalid(line, 'not a NOVA Redis export');
  }
  if (h.version !== EXPORT_VERSION) {
    throw invalid(line, `format version ${String(h.version)}`);
  }
  return h as ExportHeader;
}

/** One record line; the decoded column is ignored (the raw bytes are the value). */
export function parseRecord(text: string, line: number): ExportRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(line, 'not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(line, 'not an object');
  }
  const o = json as Record<string, unknown>;
  const key = typeof o.key === 'string' ? Buffer.from(o.key, 'utf8') : o.key_b64 !== undefined ? fromB64(o.key_b64, line) : undefined;
  if (!key) {
    throw invalid(line, 'no key');
  }
  const ttl = o.ttl_ms;
  if (ttl !== null && !(typeof ttl === 'number' && Number.isSafeInteger(ttl) && ttl >= 0)) {
    throw invalid(line, 'ttl_ms');
  }
  return { ...parseValue(o.type, o.raw, line), key, ttlMs: ttl };
}

// Importing

export type ImportMode = 'skip' | 'overwrite';

export interface ImportPlan {
  /** Records in the file. */
  total: number;
  /** Their keys that exist in the DB now. */
  existing: number;
  /** A few of those, for the confirmation. */
  examples: Buffer[];
}

/** EXISTS for each key of a batch (one round trip), for the dry run. */
export async function existingKeys(client: KeyClient, keys: readonly Buffer[], timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<boolean[]> {
  const pipe = client.pipeline();
  for (const key of keys) {
    pipe.exists(key);
  }
  const replies = (await send(pipe.exec(), timeoutMs)) ?? [];
  return keys.map((_, i) => {
    const [err, n] = replies[i] ?? [new Error('no reply'), null];
    if (err) {
      throw toNovaError(err, 'command');
    }
    return Number(n) === 1;
  });
}

/**
 * A temporary name that hashes to the same cluster slot as `key`, so that RENAME into place is legal
 * on a cluster too: the key's own hash tag when it has one, else the whole key as the tag. Undefined
 * for the rare name that neither form keeps in its slot (a `}` without a tag before it).
 */
export function stagingKey(key: Buffer): Buffer | undefined {
  const suffix = Buffer.from(`:nova-import:${randomBytes(8).toString('hex')}`);
  const open = key.indexOf(0x7b);
  const close = open >= 0 ? key.indexOf(0x7d, open + 1) : -1;
  if (open >= 0 && close > open + 1) {
    return Buffer.concat([key, suffix]);
  }
  if (key.length > 0 && !key.includes(0x7d)) {
    return Buffer.concat([Buffer.from('{'), key, Buffer.from('}'), suffix]);
  }
  return undefined;
}

function createCommands(value: ExportValue, target: Buffer): (string | Buffer)[][] {
  const chunks = <T>(items: T[], size: number): T[][] => {
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += size) {
      out.push(items.slice(i, i + size));
    }
    return out;
  };
  switch (value.type) {
    case 'string':
      return [['SET', target, value.value]];
    case 'hash':
      return chunks(value.value, CHUNK).map((c) => ['HMSET', target, ...c.flat()]);
    case 'list':
      return chunks(value.value, CHUNK).map((c) => ['RPUSH', target, ...c]);
    case 'set':
      return chunks(value.value, CHUNK).map((c) => ['SADD', target, ...c]);
    case 'zset':
      return chunks(value.value, CHUNK).map((c) => ['ZADD', target, ...c.flatMap(([m, s]): (string | Buffer)[] => [s, m])]);
    case 'stream':
      return value.value.map(([id, fields]) => ['XADD', target, id, ...fields]);
  }
}

export type ImportOutcome = 'created' | 'overwritten' | 'skipped';

/**
 * Writes one record into the DB `client` is on. The TTL starts again from now. `skip` leaves an
 * existing key untouched, also one created while the import runs.
 */
export async function importRecord(client: KeyClient, caps: Capabilities, record: ExportRecord, mode: ImportMode, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<ImportOutcome> {
  if (record.type === 'stream' && !caps.streams) {
    throw new NovaError('UNSUPPORTED', 'streams need Redis 5.0');
  }
  const staging = stagingKey(record.key);
  if (!staging && mode === 'skip' && (await existingKeys(client, [record.key], timeoutMs))[0]) {
    // No same-slot staging name: checked just before the write (not atomically, for these rare names).
    return 'skipped';
  }
  const target = staging ?? record.key;
  const tx = client.multi();
  tx.exists(record.key);
  tx.del(target);
  for (const [command, ...args] of createCommands(record, target)) {
    tx.callBuffer(command as string, ...args);
  }
  if (record.ttlMs !== null) {
    tx.pexpire(target, Math.max(1, record.ttlMs));
  }
  if (staging) {
    tx.callBuffer(mode === 'skip' ? 'RENAMENX' : 'RENAME', staging, record.key);
    tx.del(staging);
  }
  const replies = await send(tx.exec(), timeoutMs);
  if (!replies) {
    throw new NovaError('UNKNOWN', 'transaction aborted');
  }
  for (const [err] of replies) {
    if (err) {
      throw toNovaError(err, 'command');
    }
  }
  const existed = Number(replies[0][1]) === 1;
  if (staging && mode === 'skip') {
    const renamed = Number(replies[replies.length - 2][1]) === 1;
    return renamed ? 'created' : 'skipped';
  }
  return existed ? 'overwritten' : 'created';
}

// Python fixture

function pyBytes(bytes: Buffer): string {
  let out = "b'";
  for (const b of bytes) {
    if (b === 0x5c) {
      out += '\\\\';
    } else if (b === 0x27) {
      out += "\\'";
    } else if (b >= 0x20 && b < 0x7f) {
      out += String.fromCharCode(b);
    } else if (b === 0x0a) {
      out += '\\n';
    } else {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}'`;
}

/** A Python literal that redis-py writes as exactly these bytes: text where it is UTF-8, bytes otherwise. */
export function pyLiteral(bytes: Buffer): string {
  if (!isUtf8(bytes)) {
    return pyBytes(bytes);
  }
  // JSON string escapes are valid Python string escapes, except that Python has no `\/` (never emitted).
  return JSON.stringify(bytes.toString('utf8'));
}

function pyScore(score: string): string {
  const lower = score.toLowerCase();
  if (lower === 'inf' || lower === '+inf') {
    return "float('inf')";
  }
  if (lower === '-inf') {
    return "float('-inf')";
  }
  return score;
}

function fixtureCalls(record: ExportRecord): string[] {
  const k = pyLiteral(record.key);
  switch (record.type) {
    case 'string':
      return [`pipe.set(${k}, ${pyLiteral(record.value)})`];
    case 'hash':
      // HSET field by field: redis-py's mapping= form sends a multi-field HSET, which Redis 3.0 lacks.
      return record.value.map(([f, v]) => `pipe.hset(${k}, ${pyLiteral(f)}, ${pyLiteral(v)})`);
    case 'list':
      return [`pipe.rpush(${k}, ${record.value.map(pyLiteral).join(', ')})`];
    case 'set':
      return [`pipe.sadd(${k}, ${record.value.map(pyLiteral).join(', ')})`];
    case 'zset':
      return [`pipe.zadd(${k}, {${record.value.map(([m, s]) => `${pyLiteral(m)}: ${pyScore(s)}`).join(', ')}})`];
    case 'stream':
      return record.value.map(([id, fields]) => `pipe.xadd(${k}, {${pairs(fields).map(([f, v]) => `${pyLiteral(f)}: ${pyLiteral(v)}`).join(', ')}}, id=${JSON.stringify(id)})`);
  }
}

/** The start of a fixture module; `fixtureRecord` lines follow, then `fixtureEnd`. */
export function fixtureStart(header: ExportHeader): string {
  return [
    `"""Cache state exported by NOVA Redis from ${header.server}, DB ${header.db}, on ${header.date} (${header.scope}).`,
    '',
    'load_cache(r) recreates these keys with redis-py (or fakeredis); TTLs start again from now.',
    'The nova_cache pytest fixture does it on the Redis of REDIS_URL and removes the keys afterwards.',
    '"""',
    'import os',
    '',
    'import redis',
    '',
    '',
    'def load_cache(r):',
    '    keys = []',
    '    pipe = r.pipeline(transaction=False)',
  ].join('\n');
}

export function fixtureRecord(record: ExportRecord): string {
  const k = pyLiteral(record.key);
  const lines = [`    pipe.delete(${k})`, ...fixtureCalls(record).map((c) => `    ${c}`)];
  if (record.ttlMs !== null) {
    lines.push(`    pipe.pexpire(${k}, ${Math.max(1, record.ttlMs)})`);
  }
  lines.push(`    keys.append(${k})`);
  return lines.join('\n');
}

export function fixtureEnd(): string {
  return [
    '    pipe.execute()',
    '    return keys',
    '',
    '',
    'try:',
    '    import pytest',
    'except ImportError:',
    '    pytest = None',
    '',
    'if pytest is not None:',
    '',
    '    @pytest.fixture',
    '    def nova_cache():',
    '        r = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/1"))',
    '        keys = load_cache(r)',
    '        yield r',
    '        if keys:',
    '            r.delete(*keys)',
    '',
  ].join('\n');
}
