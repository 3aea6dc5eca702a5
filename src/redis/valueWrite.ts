/**
 * Editing a string value: the text it is edited as, that text encoded back the way the value was
 * stored, and the save itself. No `vscode` import.
 *
 * The save is one Lua script (EVAL exists since 2.6), not WATCH … MULTI/EXEC: the session shares one
 * connection between the tree, the value tabs and the edit, and any EXEC another part sends between
 * our WATCH and our EXEC would drop the WATCH, so a concurrent write would go unnoticed. The script
 * runs atomically: it compares the stored value with the one the edit started from (by SHA-1, so the
 * old value is not sent back), reads the remaining PTTL, writes the value and sets that PTTL again.
 * That keeps the TTL on every version, including those without `SET … KEEPTTL` (before 6.0).
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import type Redis from 'ioredis';
import { decodeBytes, type DecoderId } from './decoders';
import { validUtf8 } from './decoders/bytes';
import { gunzip, inflate } from './decoders/compression';
import { layoutJson } from './decoders/json';
import { jsonStyle, parseJsonValue, writeJson, type JsonStyle } from './decoders/jsonWrite';
import { msgpackEditText, writeMsgpack } from './decoders/msgpackWrite';
import { unpickle } from './decoders/pickle';
import { editBlocker, pickleProtocol, writePickle } from './decoders/pickleWrite';
import { PyLiteralError, readPyLiteral } from './decoders/pyLiteral';
import { renderPython } from './decoders/pyrepr';
import { guardWrite, type WriteOptions } from './mutations';
import type { KeyClient } from './connect';
import { NovaError } from './errors';

export type EditLayer = 'gzip' | 'zlib' | 'cachelib';

export type EditLeaf =
  | { kind: 'json'; style: JsonStyle }
  | { kind: 'text' }
  | { kind: 'msgpack'; float32: boolean }
  | { kind: 'pickle'; protocol: number };

export interface EditForm {
  /** Outermost first: what is undone, in reverse, after the leaf is encoded. */
  layers: EditLayer[];
  leaf: EditLeaf;
  /** What the editor shows. */
  text: string;
  language: 'json' | 'plaintext' | 'python';
}

/** Why a value stays read-only. `names`: the classes in a pickle. */
export type EditBlock =
  | { code: 'BINARY' }
  | { code: 'PICKLE_CLASSES'; names: string }
  | { code: 'PICKLE_INVALID' }
  | { code: 'MSGPACK_BINARY' }
  | { code: 'MSGPACK_EXTENSION' }
  | { code: 'MSGPACK_KEYS' }
  | { code: 'TOO_LARGE' };

export type Editability = { ok: true; form: EditForm } | { ok: false; block: EditBlock };

/** What a whole string value may expand to and still be edited (the viewer's own cap). */
const MAX_EDIT_INFLATED = 64 * 1024 * 1024;

/**
 * The editable form of a whole string value, decoded as the viewer decodes it (`decoder`: the one
 * the user chose with View Value As, if any).
 */
export function editForm(bytes: Buffer, decoder?: DecoderId): Editability {
  const decoded = decodeBytes(bytes, { decoder, maxInflatedBytes: MAX_EDIT_INFLATED });
  if (!decoded.complete) {
    return { ok: false, block: { code: 'TOO_LARGE' } };
  }
  const layers: EditLayer[] = [];
  let inner = bytes;
  for (const id of decoded.chain) {
    if (id === 'gzip' || id === 'zlib') {
      const out = id === 'gzip' ? gunzip(inner, false, MAX_EDIT_INFLATED) : inflate(inner, false, MAX_EDIT_INFLATED);
      if (!out.ok) {
        return { ok: false, block: { code: 'TOO_LARGE' } };
      }
      layers.push(id);
      inner = out.bytes;
      continue;
    }
    if (id === 'pickle' && decoded.framework === 'cachelib' && inner[0] === 0x21) {
      layers.push('cachelib');
      inner = inner.subarray(1);
    }
    return leafForm(layers, id, inner);
  }
  return { ok: false, block: { code: 'BINARY' } };
}

function leafForm(layers: EditLayer[], id: DecoderId, bytes: Buffer): Editability {
  switch (id) {
    case 'json': {
      const layout = layoutJson(bytes);
      if (!layout.ok) {
        return { ok: false, block: { code: 'BINARY' } };
      }
      const text = layout.notLaidOut ? bytes.toString('utf8') : layout.text;
      return { ok: true, form: { layers, leaf: { kind: 'json', style: jsonStyle(bytes) }, text, language: 'json' } };
    }
    case 'text':
      if (!validUtf8(bytes, false).ok) {
        return { ok: false, block: { code: 'BINARY' } };
      }
      return { ok: true, form: { layers, leaf: { kind: 'text' }, text: bytes.toString('utf8'), language: 'plaintext' } };
    case 'msgpack': {
      const m = msgpackEditText(bytes);
      if (!m.ok) {
        const code = m.reason === 'keys' ? 'MSGPACK_KEYS' : m.reason === 'extension' ? 'MSGPACK_EXTENSION' : 'MSGPACK_BINARY';
        return { ok: false, block: { code } };
      }
      return { ok: true, form: { layers, leaf: { kind: 'msgpack', float32: m.float32 }, text: m.text, language: 'json' } };
    }
    case 'pickle': {
      let value;
      try {
        const u = unpickle(bytes);
        if (u.end !== bytes.length || u.badText) {
          return { ok: false, block: { code: 'PICKLE_INVALID' } };
        }
        value = u.value;
      } catch {
        return { ok: false, block: { code: 'PICKLE_INVALID' } };
      }
      const blocked = editBlocker(value);
      if (blocked) {
        return { ok: false, block: { code: 'PICKLE_CLASSES', names: blocked } };
      }
      const py = renderPython(value, bytes.length);
      if (py.limited || py.tooDeep || py.timedOut || py.recursive) {
        return { ok: false, block: { code: 'TOO_LARGE' } };
      }
      return { ok: true, form: { layers, leaf: { kind: 'pickle', protocol: pickleProtocol(bytes) }, text: py.text, language: 'python' } };
    }
    default:
      return { ok: false, block: { code: 'BINARY' } };
  }
}

/** Character offset of a UTF-8 byte offset into `text`. */
function charOffset(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}

function invalid(kind: 'json' | 'python', offset: number, reason: string): NovaError {
  return new NovaError('EDIT_INVALID', `${kind}: ${reason} at ${offset}`, { kind, offset, reason });
}

function validJson(text: string): void {
  try {
    // Native, and enough for standard JSON; only text it refuses (NaN, Infinity, or an error to
    // locate) goes through the slower layout.
    JSON.parse(text);
    return;
  } catch {
    // Checked below.
  }
  const layout = layoutJson(text);
  if (!layout.ok) {
    throw invalid('json', charOffset(text, layout.offset), layout.reason);
  }
}

/**
 * The bytes to store for the edited `text`. Throws EDIT_INVALID (args: kind, offset in characters,
 * reason) when the text does not parse; nothing is to be written then.
 */
export function encodeEdit(form: EditForm, text: string): Buffer {
  let bytes: Buffer;
  const leaf = form.leaf;
  switch (leaf.kind) {
    case 'text':
      bytes = Buffer.from(text, 'utf8');
      break;
    case 'json':
      validJson(text);
      bytes = writeJson(text, leaf.style);
      break;
    case 'msgpack':
      validJson(text);
      try {
        bytes = writeMsgpack(parseJsonValue(text), leaf.float32);
      } catch (err) {
        throw invalid('json', 0, err instanceof Error ? err.message : 'cannot be packed');
      }
      break;
    case 'pickle':
      try {
        bytes = writePickle(readPyLiteral(text), leaf.protocol);
      } catch (err) {
        if (err instanceof PyLiteralError) {
          throw invalid('python', err.offset, err.reason);
        }
        throw invalid('python', 0, err instanceof Error ? err.message : 'cannot be pickled');
      }
      break;
  }
  for (const layer of [...form.layers].reverse()) {
    bytes = layer === 'gzip' ? zlib.gzipSync(bytes) : layer === 'zlib' ? zlib.deflateSync(bytes) : Buffer.concat([Buffer.from('!'), bytes]);
  }
  return bytes;
}

export function sha1(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** A whole string value and its TTL, read together. */
export interface LoadedString {
  bytes: Buffer;
  /** -1 without expiry. */
  pttl: number;
}

/** TYPE, PTTL and GET in one transaction. KEY_NOT_FOUND when missing, WRONG_TYPE when not a string. */
export async function readWholeString(client: KeyClient, key: Buffer): Promise<LoadedString> {
  const results = await client.multi().callBuffer('TYPE', key).callBuffer('PTTL', key).callBuffer('GET', key).exec();
  if (!results) {
    throw new NovaError('UNKNOWN', 'transaction discarded');
  }
  const type = String(results[0][1]);
  if (type === 'none') {
    throw new NovaError('KEY_NOT_FOUND');
  }
  if (type !== 'string') {
    throw new NovaError('WRONG_TYPE', 'not a string', { expected: 'string', actual: type });
  }
  for (const [err] of results) {
    if (err) {
      throw err;
    }
  }
  return { pttl: Number(results[1][1]), bytes: results[2][1] as Buffer };
}

/**
 * ARGV: mode (`check`: only if the value's SHA-1 is ARGV[2]; `force`: whatever it is; `create`:
 * only if the key is missing, with PTTL ARGV[4] or none when not positive), expected SHA-1, value, ttl.
 * Replies {status, pttl or type}.
 */
const SAVE_SCRIPT = `
local key = KEYS[1]
local t = redis.call('TYPE', key)['ok']
if ARGV[1] == 'create' then
  if t ~= 'none' then return {'exists', t} end
  redis.call('SET', key, ARGV[3])
  local ttl = tonumber(ARGV[4])
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
  return {'saved', ttl}
end
if t == 'none' then return {'gone', ''} end
if t ~= 'string' then return {'type', t} end
if ARGV[1] == 'check' and redis.sha1hex(redis.call('GET', key)) ~= ARGV[2] then return {'changed', ''} end
local ttl = redis.call('PTTL', key)
redis.call('SET', key, ARGV[3])
if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
return {'saved', ttl}
`;

export type SaveMode =
  /** Only if the stored value is still the one the edit started from. */
  | { mode: 'check'; expectedSha1: string }
  /** Whatever the key holds now (the user chose to overwrite). */
  | { mode: 'force' }
  /** Only if the key is missing (expired or deleted meanwhile), with this PTTL (-1: none). */
  | { mode: 'create'; pttl: number };

export type SaveOutcome =
  /** Written; `pttl` is the TTL it kept (-1: none). */
  | { status: 'saved'; pttl: number }
  /** The stored value is not the one the edit started from: nothing written. */
  | { status: 'changed' }
  /** The key is gone (expired or deleted): nothing written. */
  | { status: 'gone' }
  /** Creating again, but the key exists again: nothing written. */
  | { status: 'exists' }
  /** The key now holds another type: nothing written. */
  | { status: 'type'; type: string };

export async function saveString(client: KeyClient, key: Buffer, value: Buffer, how: SaveMode, options: WriteOptions): Promise<SaveOutcome> {
  guardWrite(options.readOnly);
  const expected = how.mode === 'check' ? how.expectedSha1 : '';
  const ttl = how.mode === 'create' ? Math.max(-1, Math.floor(how.pttl)) : -1;
  const reply = await client.callBuffer('EVAL', SAVE_SCRIPT, 1, key, how.mode, expected, value, String(ttl));
  if (!Array.isArray(reply) || reply.length < 2) {
    throw new NovaError('UNKNOWN', 'unexpected reply shape');
  }
  const status = String(reply[0]);
  const extra = reply[1] as unknown;
  switch (status) {
    case 'saved':
      return { status: 'saved', pttl: Number(extra) > 0 ? Number(extra) : -1 };
    case 'changed':
      return { status: 'changed' };
    case 'gone':
      return { status: 'gone' };
    case 'exists':
      return { status: 'exists' };
    case 'type':
      return { status: 'type', type: String(extra) };
    default:
      throw new NovaError('UNKNOWN', `unexpected status ${status}`);
  }
}

/** Margin before a loaded TTL runs out within which a save takes the checked path instead. */
const EXPIRY_MARGIN_MS = 250;

/**
 * The WATCH of one edited string, held from the moment the edit loads the value until it is saved, on
 * a connection of its own (any EXEC or UNWATCH on a shared connection would drop it). A save is then
 * MULTI, SET, PEXPIREAT (the expiry the key had when loaded, as the server's clock has it), EXEC: the
 * server does what a plain SET + PEXPIRE does, and any write by anyone since the load, TTL changes
 * included, makes EXEC refuse. The checked script (`saveString`, which hashes the stored value on the
 * server) remains for what a watch cannot answer: `save` returns undefined after the connection was
 * lost (the server forgot the WATCH), near the loaded expiry, and when EXEC refused, so that the script
 * tells a conflict, a deletion and an expiry apart.
 */
export class StringWatch {
  private lost = false;
  /** Absolute expiry in the server's milliseconds, or -1 without one. */
  private expireAtMs = -1;
  /** Server clock minus this process's clock, measured at load. */
  private clockOffsetMs = 0;

  private constructor(
    private readonly conn: Redis,
    private readonly key: Buffer,
    private readonly onDispose: (watch: StringWatch) => void,
  ) {
    // The WATCH goes with the connection (which never reconnects by itself): then only the checked path is safe.
    conn.on('close', () => (this.lost = true));
    conn.on('error', () => (this.lost = true));
  }

  /**
   * Takes the watch and reads the value on `conn`, a connection of the edit's own to the same server and
   * DB, which the watch then owns. KEY_NOT_FOUND / WRONG_TYPE as readWholeString; `conn` is closed on
   * any failure.
   */
  static async open(conn: Redis, key: Buffer, onDispose: (watch: StringWatch) => void = () => undefined): Promise<{ watch: StringWatch; loaded: LoadedString }> {
    try {
      const before = Date.now();
      const replies = (await conn.pipeline().callBuffer('WATCH', key).callBuffer('TYPE', key).callBuffer('PTTL', key).callBuffer('GET', key).call('TIME').exec()) ?? [];
      const after = Date.now();
      for (const [err] of replies) {
        if (err) {
          throw err;
        }
      }
      const type = String(replies[1]?.[1]);
      if (type === 'none') {
        throw new NovaError('KEY_NOT_FOUND');
      }
      if (type !== 'string') {
        throw new NovaError('WRONG_TYPE', 'not a string', { expected: 'string', actual: type });
      }
      const pttl = Number(replies[2]?.[1]);
      const [seconds, micros] = replies[4]?.[1] as [string, string];
      const serverNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const watch = new StringWatch(conn, key, onDispose);
      watch.clockOffsetMs = serverNow - (before + after) / 2;
      watch.expireAtMs = pttl > 0 ? serverNow + pttl : -1;
      return { watch, loaded: { bytes: replies[3]?.[1] as Buffer, pttl } };
    } catch (err) {
      conn.disconnect();
      throw err;
    }
  }

  /** Whether a save can still go through the watch. */
  get usable(): boolean {
    return !this.lost && this.conn.status === 'ready';
  }

  /**
   * Writes `value` if nobody wrote the key since it was loaded (or since the last save through this
   * watch), keeping its expiry; undefined when the checked path must decide (see the class).
   */
  async save(value: Buffer, options: WriteOptions): Promise<SaveOutcome | undefined> {
    guardWrite(options.readOnly);
    if (!this.usable || (this.expireAtMs > 0 && Date.now() + this.clockOffsetMs > this.expireAtMs - EXPIRY_MARGIN_MS)) {
      return undefined;
    }
    const tx = this.conn.multi().callBuffer('EXISTS', this.key).callBuffer('SET', this.key, value);
    if (this.expireAtMs > 0) {
      tx.callBuffer('PEXPIREAT', this.key, String(this.expireAtMs));
    }
    const results = await tx.exec();
    if (!results) {
      // EXEC refused: the key was written, deleted or expired meanwhile. The checked path says which.
      this.lost = true;
      return undefined;
    }
    for (const [err] of results) {
      if (err) {
        throw err;
      }
    }
    this.rearm(value);
    if (Number(results[0][1]) === 0) {
      // Only an expiry leaves EXEC alone on servers that do not count it as a write: the SET made the
      // key again and PEXPIREAT, in the past, removed it at once. Nothing was lost; it is gone.
      return { status: 'gone' };
    }
    return { status: 'saved', pttl: this.expireAtMs > 0 ? Math.max(1, this.expireAtMs - (Date.now() + this.clockOffsetMs)) : -1 };
  }

  /**
   * EXEC ended the WATCH. Watching again after it leaves a moment in which another write would go
   * unseen, so the value is checked right after the new WATCH (off the save's path): if it is not what
   * was just written, the next save takes the checked path, which sees the difference.
   */
  private rearm(written: Buffer): void {
    const check = this.conn.pipeline().callBuffer('WATCH', this.key).call('EVAL', "return redis.sha1hex(redis.call('GET', KEYS[1]) or '')", 1, this.key).exec();
    this.lost = true;
    check.then(
      (replies) => {
        // Hashed here, once the reply is in: not on the save's own time.
        const ok = replies?.every(([err]) => !err) && String(replies?.[1]?.[1]) === sha1(written);
        this.lost = !ok || this.conn.status !== 'ready';
      },
      () => (this.lost = true),
    );
  }

  dispose(): void {
    this.lost = true;
    this.conn.disconnect();
    this.onDispose(this);
  }
}
