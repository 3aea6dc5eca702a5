/**
 * Value readers: what a key holds, read without ever loading more than a page or a preview, and
 * decoded for display. No `vscode` import: the UI renders `ValueView`s into read-only documents.
 *
 * - The caller owns the client (connected, DB selected). Sessions never store it, never SELECT.
 * - The key is raw bytes and only Buffer commands are used, so binary names reach exactly that key.
 * - Every read is one MULTI/EXEC that repeats TYPE: the type, TTL, size and content always belong
 *   together, and a key that changed type or vanished in between is detected, never misread.
 * - Only commands Redis 3.0 has (TYPE PTTL STRLEN GETRANGE GET HLEN HSCAN SCARD SSCAN ZCARD ZRANGE
 *   ZREVRANGE LLEN LRANGE MULTI EXEC); XLEN / XRANGE only when the capabilities say streams exist.
 * - Values are data: nothing here logs or scrubs them.
 */
import type { KeyClient } from './connect';
import type { Capabilities } from './capabilities';
import {
  decodeDocument,
  decodeElement,
  applicableDecoders,
  mergeNotes,
  orderedDecoders,
  plainName,
  printJson,
  Deadline,
  DEFAULT_MAX_HEX_BYTES,
  DECODER_IDS,
  type DecoderId,
  type JNode,
  type Note,
} from './decoders';
import { utf8CompleteLength } from './decoders/bytes';
import { DEFAULT_MAX_INFLATED_BYTES } from './decoders/compression';
import { jArray, jObject, jsonString } from './decoders/jtree';
import { PAGE_SCRIPT, cutLocally, isReplyError, parseScriptedPage, type Cut, type PageLimits, type PagedKind, type PagedType } from './elementPage';
import { NovaError } from './errors';
import { keyFramework } from './frameworks';

/** Strings up to this size are shown whole; longer ones start with a preview. */
export const DEFAULT_PREVIEW_THRESHOLD = 1024 * 1024;
/** What a preview fetches: enough to recognize the content, quick to lay out (a pretty-printed 1 MB JSON takes tens of ms). */
export const DEFAULT_PREVIEW_BYTES = 256 * 1024;
/** First page: small, so a 1,000,000-element collection opens as fast as a 100-element one. */
export const DEFAULT_PAGE_SIZE = 100;
/** Each "load more" after that. */
export const DEFAULT_LOAD_MORE_SIZE = 1000;
/** Collection elements longer than this are not read whole: their first bytes and their size are shown. */
export const DEFAULT_MAX_ELEMENT_BYTES = 1024 * 1024;
/** What is read of an element longer than the cap. */
export const DEFAULT_ELEMENT_PREVIEW_BYTES = 1024;
/** A page stops once it holds this many bytes, whatever its element count. */
export const DEFAULT_MAX_PAGE_BYTES = 8 * 1024 * 1024;
/** What one compressed element may expand to. */
export const DEFAULT_MAX_ELEMENT_INFLATED_BYTES = 4 * 1024 * 1024;
/** What the elements decoded for one page may expand to, together. */
export const DEFAULT_MAX_PAGE_INFLATED_BYTES = 16 * 1024 * 1024;

export interface ValueReadOptions {
  /** Strings longer than this are previewed (GETRANGE) until "load all". Default 1 MiB. */
  previewThreshold?: number;
  /** Bytes a preview fetches (at most the threshold). Default 256 KiB. */
  previewBytes?: number;
  /** Elements in the first page: COUNT hint of HSCAN/SSCAN, length of LRANGE/ZRANGE/XRANGE ranges. */
  pageSize?: number;
  /** Elements each "load more" fetches (same meaning). */
  loadMoreSize?: number;
  /** Cap of the hex view. */
  maxHexBytes?: number;
  /** Cap of what gzip/zlib may expand to. */
  maxInflatedBytes?: number;
  /** Collection elements longer than this show only their first `elementPreviewBytes`. */
  maxElementBytes?: number;
  elementPreviewBytes?: number;
  /** Bytes after which a collection page stops. */
  maxPageBytes?: number;
  /** Expansion caps of compressed elements: each, and all those of one page. */
  maxElementInflatedBytes?: number;
  maxPageInflatedBytes?: number;
  /** Sorted sets: lowest score first (ZRANGE, Redis's own order, the default) or highest first (ZREVRANGE). */
  zsetOrder?: ZsetOrder;
}

export type ZsetOrder = 'lowestFirst' | 'highestFirst';

/** The type names TYPE returns that the viewer reads. */
export type ReadableType = 'string' | 'hash' | 'list' | 'set' | 'zset' | 'stream';

export interface ValueHeader {
  /** The key's raw bytes (its identity). */
  key: Buffer;
  /** As TYPE reports it (`string`, `hash`, ..., or a module type name). */
  type: string;
  /** PTTL when the content was read: milliseconds, or -1 when the key does not expire. */
  pttl: number;
  /** Bytes (STRLEN) for strings, elements (HLEN, LLEN, SCARD, ZCARD, XLEN) for the rest; undefined when unsupported. */
  size: number | undefined;
  sizeUnit: 'bytes' | 'elements';
  /** Bytes or elements loaded so far. */
  loaded: number;
  /** The body shows only part of the value (a preview, more pages, or a display cap). */
  partial: boolean;
  /** `loadMore` would fetch more: the rest of a string, or the next page. */
  canLoadMore: boolean;
  /** Decoders applied, in detection order; for collections, those some element needed. */
  decoders: DecoderId[];
  /** The decoder the user chose, if any. */
  requested?: DecoderId;
  /** VS Code language id for the document (`python` for a pickle shown as Python would). */
  language: 'json' | 'plaintext' | 'python';
  notes: Note[];
  /** The Python cache framework that wrote the value, when recognized (`cachelib`, `django`, `rq`, `celery`). */
  framework?: string;
  /** A type the viewer does not read (then the body is empty and notes has UNSUPPORTED_TYPE). */
  unsupported: boolean;
  /** Sorted sets: the order of the members shown. */
  order?: ZsetOrder;
}

export interface ValueView {
  header: ValueHeader;
  body: string;
}

type Reply = unknown;

function bufferOf(reply: Reply): Buffer {
  if (Buffer.isBuffer(reply)) {
    return reply;
  }
  if (typeof reply === 'string') {
    return Buffer.from(reply);
  }
  throw new NovaError('UNKNOWN', 'unexpected reply shape');
}

function numberOf(reply: Reply): number {
  if (typeof reply === 'number') {
    return reply;
  }
  const n = Number(Buffer.isBuffer(reply) ? reply.toString() : reply);
  if (!Number.isFinite(n)) {
    throw new NovaError('UNKNOWN', 'unexpected reply shape');
  }
  return n;
}

function arrayOf(reply: Reply): Reply[] {
  if (!Array.isArray(reply)) {
    throw new NovaError('UNKNOWN', 'unexpected reply shape');
  }
  return reply;
}

type Command = [name: string, ...args: Array<string | number | Buffer>];

interface Together {
  type: string;
  pttl: number;
  /** Replies of the extra commands; only read them once `type` is the one they were chosen for. */
  replies: Reply[];
}

/**
 * Runs `TYPE key; PTTL key; ...commands` atomically. Fails with KEY_NOT_FOUND when the key is gone.
 * When the key holds `expected`, errors in the other replies are raised; when it holds another type
 * (changed since the commands were chosen), their WRONGTYPE errors are expected and only `type` counts.
 */
async function readTogether(client: KeyClient, key: Buffer, expected: string, commands: Command[]): Promise<Together> {
  const tx = client.multi();
  tx.callBuffer('TYPE', key);
  tx.callBuffer('PTTL', key);
  for (const [name, ...args] of commands) {
    tx.callBuffer(name, ...args);
  }
  const results = await tx.exec();
  if (!results) {
    throw new NovaError('UNKNOWN', 'transaction discarded');
  }
  const [typeErr, typeReply] = results[0];
  if (typeErr) {
    throw new NovaError('UNKNOWN', typeErr.message);
  }
  const type = bufferOf(typeReply).toString();
  if (type === 'none') {
    throw new NovaError('KEY_NOT_FOUND');
  }
  if (type !== expected) {
    return { type, pttl: -1, replies: [] };
  }
  const replies = results.slice(1).map(([err, reply]) => {
    if (err) {
      throw new NovaError('UNKNOWN', err.message);
    }
    return reply;
  });
  return { type, pttl: numberOf(replies[0]), replies: replies.slice(1) };
}

/** The stream ID right after `id` (XRANGE's exclusive `(` start only exists since 6.2). */
export function nextStreamId(id: string): string {
  const [ms, seq = '0'] = id.split('-');
  const s = BigInt(seq);
  return s >= 18446744073709551615n ? `${BigInt(ms) + 1n}-0` : `${ms}-${s + 1n}`;
}

/** A sorted-set score as JSON: a number, or a string for ±inf. */
function scoreNode(reply: Reply): JNode {
  const text = bufferOf(reply).toString();
  const n = Number(text);
  return Number.isFinite(n) ? String(n) : jsonString(text);
}

interface Element {
  /** Bytes to decode (hash value, list item, member, stream field value); only the first ones when `size` is larger. */
  value: Buffer;
  /** The element's length on the server. */
  size: number;
}
interface HashEntry extends Element {
  field: Buffer;
  fieldSize: number;
}
interface ZsetEntry extends Element {
  score: JNode;
  /** The score as the server wrote it, for an edit that starts from it. */
  scoreText: string;
}

/** A loaded element as an edit names it: the bytes read (all of them unless `size` is larger). */
export interface LoadedElement {
  /** Position among the loaded elements; for a list, its index when the page was read. */
  index: number;
  /** Hash field. */
  field?: Cut;
  /** Hash value, list item, set or sorted-set member. */
  value: Cut;
  /** Sorted-set score, as the server wrote it. */
  score?: string;
}
interface StreamField extends Element {
  field: Buffer;
  fieldSize: number;
}
interface StreamEntry {
  id: string;
  fields: StreamField[];
}

type Content =
  | { type: 'string'; bytes: Buffer }
  | { type: 'hash'; entries: HashEntry[]; seen: Set<string>; cursor: string }
  | { type: 'set'; members: Element[]; seen: Set<string>; cursor: string }
  | { type: 'list'; items: Element[] }
  | { type: 'zset'; items: ZsetEntry[] }
  /** `next`: the first ID of the next XRANGE page. */
  | { type: 'stream'; entries: StreamEntry[]; next: string }
  | { type: 'unsupported' };

/** Elements decoded so far with `decoder`, in display order; a new page only adds to them. */
interface Rendered {
  decoder: DecoderId | undefined;
  nodes: DecodedNode[];
}

interface DecodedNode {
  node: JNode;
  chain: DecoderId[];
  notes: Note[];
  undecoded: boolean;
  json: boolean;
  /** Only the element's first bytes were read. */
  cut: boolean;
}

const MAX_TYPE_RETRIES = 3;
/** Without the page script, HSCAN / SSCAN pages stay small: their values arrive whatever their size. */
const PLAIN_SCAN_COUNT = 10;

/** An element cut by the page budget: its first bytes as text (or Python bytes), and an ellipsis. */
function cutText(bytes: Buffer): string {
  return plainName(bytes.subarray(0, utf8CompleteLength(bytes))) + '…';
}

/** A hash or stream field name as shown: cut like a value when only its first bytes were read. */
function fieldName(e: { field: Buffer; fieldSize: number }): string {
  return e.fieldSize > e.field.length ? cutText(e.field) : plainName(e.field);
}

function cutNode(e: { value: Buffer }): JNode {
  return jsonString(cutText(e.value));
}

/**
 * One opened value: the loaded bytes or elements, and where the next page starts. Plain data plus
 * the capabilities; the client is passed to each call that needs the server.
 */
export class ValueSession {
  private content: Content;
  private pttl = -1;
  private size: number | undefined;
  private done: boolean;
  private rendered: Rendered | undefined;
  /** The server refused the page script: pages come from the plain commands. */
  private plainPages = false;
  /** The last page stopped at its byte budget with this many bytes. */
  private pageBytesStop: number | undefined;

  private constructor(
    readonly key: Buffer,
    readonly type: string,
    private readonly caps: Capabilities,
    private readonly options: Required<ValueReadOptions>,
  ) {
    this.content = { type: 'unsupported' };
    this.done = true;
  }

  /**
   * Reads the first page (or the preview) of `key`. KEY_NOT_FOUND when it does not exist; if its type
   * changes while it is being opened, it is read again as what it has become.
   */
  static async open(client: KeyClient, caps: Capabilities, key: Buffer, options: ValueReadOptions = {}): Promise<ValueSession> {
    const threshold = Math.max(1, Math.floor(options.previewThreshold ?? DEFAULT_PREVIEW_THRESHOLD));
    const opts: Required<ValueReadOptions> = {
      previewThreshold: threshold,
      previewBytes: Math.min(threshold, Math.max(1, Math.floor(options.previewBytes ?? DEFAULT_PREVIEW_BYTES))),
      pageSize: Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE)),
      loadMoreSize: Math.max(1, Math.floor(options.loadMoreSize ?? DEFAULT_LOAD_MORE_SIZE)),
      maxHexBytes: options.maxHexBytes ?? DEFAULT_MAX_HEX_BYTES,
      maxInflatedBytes: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES,
      maxElementBytes: Math.max(1, Math.floor(options.maxElementBytes ?? DEFAULT_MAX_ELEMENT_BYTES)),
      elementPreviewBytes: Math.max(1, Math.floor(options.elementPreviewBytes ?? DEFAULT_ELEMENT_PREVIEW_BYTES)),
      maxPageBytes: Math.max(1, Math.floor(options.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES)),
      maxElementInflatedBytes: options.maxElementInflatedBytes ?? DEFAULT_MAX_ELEMENT_INFLATED_BYTES,
      maxPageInflatedBytes: options.maxPageInflatedBytes ?? DEFAULT_MAX_PAGE_INFLATED_BYTES,
      zsetOrder: options.zsetOrder ?? 'lowestFirst',
    };
    for (let attempt = 0; attempt < MAX_TYPE_RETRIES; attempt++) {
      const type = bufferOf(await client.callBuffer('TYPE', key)).toString();
      if (type === 'none') {
        throw new NovaError('KEY_NOT_FOUND');
      }
      const session = new ValueSession(key, type, caps, opts);
      if (await session.readFirst(client)) {
        return session;
      }
    }
    throw new NovaError('WRONG_TYPE', 'the key kept changing type while it was read');
  }

  private readable(): ReadableType | undefined {
    switch (this.type) {
      case 'string':
      case 'hash':
      case 'list':
      case 'set':
      case 'zset':
        return this.type;
      case 'stream':
        return this.caps.streams ? 'stream' : undefined;
      default:
        return undefined;
    }
  }

  /** First read; false when the type changed since TYPE (the caller starts over). */
  private async readFirst(client: KeyClient): Promise<boolean> {
    const type = this.readable();
    const key = this.key;
    switch (type) {
      case undefined: {
        const { type: now, pttl } = await readTogether(client, key, this.type, []);
        this.pttl = pttl;
        return now === this.type;
      }
      case 'string': {
        const r = await readTogether(client, key, type, [
          ['STRLEN', key],
          ['GETRANGE', key, 0, this.options.previewBytes - 1],
        ]);
        if (r.type !== type) {
          return false;
        }
        this.pttl = r.pttl;
        this.size = numberOf(r.replies[0]);
        this.content = { type, bytes: bufferOf(r.replies[1]) };
        this.done = this.content.bytes.length >= this.size;
        // Sized now: between the preview and the threshold, the value is shown whole.
        return this.done || this.size > this.options.previewThreshold || (await this.readWholeString(client, false));
      }
      case 'hash':
      case 'set':
        this.content = type === 'hash' ? { type, entries: [], seen: new Set(), cursor: '0' } : { type, members: [], seen: new Set(), cursor: '0' };
        return this.readPage(client, this.options.pageSize, false);
      case 'list':
        this.content = { type, items: [] };
        return this.readPage(client, this.options.pageSize, false);
      case 'zset':
        this.content = { type, items: [] };
        return this.readPage(client, this.options.pageSize, false);
      case 'stream':
        this.content = { type, entries: [], next: '-' };
        return this.readPage(client, this.options.pageSize, false);
    }
  }

  /**
   * Next page of a collection. Returns false on a type change when `strict` is false (opening);
   * throws WRONG_TYPE when it is true (load more on an open document).
   */
  private async readPage(client: KeyClient, page: number, strict: boolean): Promise<boolean> {
    const c = this.content;
    if (!this.plainPages && c.type !== 'string' && c.type !== 'unsupported') {
      try {
        return await this.readScriptedPage(client, page, strict);
      } catch (err) {
        if (!isReplyError(err) && !(err instanceof NovaError && err.code === 'UNKNOWN')) {
          throw err;
        }
        this.plainPages = true;
      }
    }
    return this.readPlainPage(client, page, strict);
  }

  private limits(count: number): PageLimits {
    return { count, maxElementBytes: this.options.maxElementBytes, previewBytes: this.options.elementPreviewBytes, maxPageBytes: this.options.maxPageBytes };
  }

  /** A page through PAGE_SCRIPT: big elements arrive cut, and the page stops at its byte budget. */
  private async readScriptedPage(client: KeyClient, page: number, strict: boolean): Promise<boolean> {
    const c = this.content;
    const key = this.key;
    const position = c.type === 'hash' || c.type === 'set' ? c.cursor : c.type === 'list' || c.type === 'zset' ? String(c.items.length) : c.type === 'stream' ? c.next : '0';
    const lengthCommand = c.type === 'hash' ? 'HLEN' : c.type === 'set' ? 'SCARD' : c.type === 'list' ? 'LLEN' : c.type === 'stream' ? 'XLEN' : 'ZCARD';
    const l = this.limits(page);
    const r = await readTogether(client, key, this.type, [
      [lengthCommand, key],
      ['EVAL', PAGE_SCRIPT, 1, key, this.pageKind(), position, l.count, l.maxElementBytes, l.previewBytes, l.maxPageBytes],
    ]);
    const size = this.adopt(r, strict);
    if (size === undefined) {
      return false;
    }
    const result = parseScriptedPage(r.replies[1]);
    this.addCuts(result.cuts);
    switch (c.type) {
      case 'hash':
      case 'set':
        c.cursor = result.next;
        this.done = c.cursor === '0';
        break;
      case 'list':
      case 'zset':
        this.done = result.done || c.items.length >= size;
        break;
      case 'stream':
        this.done = result.done || c.entries.length >= size;
        break;
      default:
        break;
    }
    this.pageBytesStop = !this.done && result.bytes >= l.maxPageBytes ? result.bytes : undefined;
    return true;
  }

  /** What the page script reads: the collection's type, or `zrev` for a sorted set read highest first. */
  private pageKind(): PagedKind {
    const t = this.content.type;
    return t === 'zset' && this.options.zsetOrder === 'highestFirst' ? 'zrev' : (t as PagedType);
  }

  /**
   * Adds the elements of a page, as HSCAN / SSCAN / LRANGE / ZRANGE WITHSCORES lay them out, and
   * stream entries as ID, count of words, field, value, field, value...
   */
  private addCuts(cuts: Cut[]): void {
    const c = this.content;
    switch (c.type) {
      case 'hash':
        for (let i = 0; i + 1 < cuts.length; i += 2) {
          const field = cuts[i];
          // SCAN may return an element twice.
          const id = `${field.size}:${field.bytes.toString('latin1')}`;
          if (!c.seen.has(id)) {
            c.seen.add(id);
            c.entries.push({ field: field.bytes, fieldSize: field.size, value: cuts[i + 1].bytes, size: cuts[i + 1].size });
          }
        }
        break;
      case 'set':
        for (const member of cuts) {
          const id = `${member.size}:${member.bytes.toString('latin1')}`;
          if (!c.seen.has(id)) {
            c.seen.add(id);
            c.members.push({ value: member.bytes, size: member.size });
          }
        }
        break;
      case 'list':
        for (const item of cuts) {
          c.items.push({ value: item.bytes, size: item.size });
        }
        break;
      case 'zset':
        for (let i = 0; i + 1 < cuts.length; i += 2) {
          c.items.push({ value: cuts[i].bytes, size: cuts[i].size, score: scoreNode(cuts[i + 1].bytes), scoreText: cuts[i + 1].bytes.toString() });
        }
        break;
      case 'stream':
        for (let i = 0; i + 1 < cuts.length; ) {
          const id = cuts[i].bytes.toString();
          const words = Number(cuts[i + 1].bytes.toString());
          const fields: StreamField[] = [];
          for (let j = i + 2; j + 1 < i + 2 + words && j + 1 < cuts.length; j += 2) {
            fields.push({ field: cuts[j].bytes, fieldSize: cuts[j].size, value: cuts[j + 1].bytes, size: cuts[j + 1].size });
          }
          c.entries.push({ id, fields });
          i += 2 + words;
        }
        if (c.entries.length > 0) {
          c.next = nextStreamId(c.entries[c.entries.length - 1].id);
        }
        break;
      default:
        break;
    }
  }

  /**
   * A page with the plain commands (no scripting on this server): a small COUNT keeps the page
   * close to its size, and big elements are cut here, after they arrived.
   */
  private async readPlainPage(client: KeyClient, page: number, strict: boolean): Promise<boolean> {
    const c = this.content;
    const key = this.key;
    let commands: Command[];
    switch (c.type) {
      case 'hash':
        commands = [['HLEN', key], ['HSCAN', key, c.cursor, 'COUNT', Math.min(page, PLAIN_SCAN_COUNT)]];
        break;
      case 'set':
        commands = [['SCARD', key], ['SSCAN', key, c.cursor, 'COUNT', Math.min(page, PLAIN_SCAN_COUNT)]];
        break;
      case 'list':
        commands = [['LLEN', key], ['LRANGE', key, c.items.length, c.items.length + page - 1]];
        break;
      case 'zset':
        commands = [['ZCARD', key], [this.options.zsetOrder === 'highestFirst' ? 'ZREVRANGE' : 'ZRANGE', key, c.items.length, c.items.length + page - 1, 'WITHSCORES']];
        break;
      case 'stream':
        // Entries arrive whole here, however big their values: few per page.
        commands = [['XLEN', key], ['XRANGE', key, c.next, '+', 'COUNT', Math.min(page, PLAIN_SCAN_COUNT)]];
        break;
      default:
        return true;
    }
    const r = await readTogether(client, key, this.type, commands);
    const size = this.adopt(r, strict);
    if (size === undefined) {
      return false;
    }
    const reply = r.replies[1];
    const cut = (items: Reply[]): Cut[] => cutLocally(items.map(bufferOf), this.limits(page));
    switch (c.type) {
      case 'hash':
      case 'set': {
        const [cursor, flat] = arrayOf(reply);
        this.addCuts(cut(arrayOf(flat)));
        c.cursor = bufferOf(cursor).toString();
        this.done = c.cursor === '0';
        break;
      }
      case 'list': {
        const items = arrayOf(reply);
        this.addCuts(cut(items));
        this.done = items.length < page || c.items.length >= size;
        break;
      }
      case 'zset': {
        const flat = arrayOf(reply);
        this.addCuts(cut(flat));
        this.done = flat.length / 2 < page || c.items.length >= size;
        break;
      }
      case 'stream': {
        const entries = arrayOf(reply);
        const flat: Cut[] = [];
        for (const raw of entries) {
          const [id, words] = arrayOf(raw);
          const idBytes = bufferOf(id);
          const count = Buffer.from(String(arrayOf(words).length));
          flat.push({ bytes: idBytes, size: idBytes.length }, { bytes: count, size: count.length }, ...cut(arrayOf(words)));
        }
        this.addCuts(flat);
        this.done = entries.length < Math.min(page, PLAIN_SCAN_COUNT) || c.entries.length >= size;
        break;
      }
    }
    return true;
  }

  get canLoadMore(): boolean {
    return !this.done;
  }

  /** The elements of a hash, list, set or sorted set loaded so far, in display order. */
  loadedElements(): LoadedElement[] {
    const c = this.content;
    const cut = (e: Element): Cut => ({ bytes: e.value, size: e.size });
    switch (c.type) {
      case 'hash':
        return c.entries.map((e, index) => ({ index, field: { bytes: e.field, size: e.fieldSize }, value: cut(e) }));
      case 'set':
        return c.members.map((e, index) => ({ index, value: cut(e) }));
      case 'list':
        return c.items.map((e, index) => ({ index, value: cut(e) }));
      case 'zset':
        return c.items.map((e, index) => ({ index, value: cut(e), score: e.scoreText }));
      default:
        return [];
    }
  }

  /** A string's bytes as loaded (the whole value unless `canLoadMore`); undefined for other types. */
  loadedString(): Buffer | undefined {
    return this.content.type === 'string' ? this.content.bytes : undefined;
  }

  /** The size the last read reported: bytes of a string, elements of a collection. */
  get reportedSize(): number | undefined {
    return this.size;
  }

  /**
   * Strings: loads the whole value. Collections: the next page, from the saved cursor or offset.
   * KEY_NOT_FOUND if the key is gone, WRONG_TYPE if it now holds another type.
   */
  async loadMore(client: KeyClient): Promise<void> {
    if (this.done) {
      return;
    }
    if (this.content.type === 'string') {
      await this.readWholeString(client, true);
      return;
    }
    await this.readPage(client, this.options.loadMoreSize, true);
  }

  /**
   * Takes the TTL and the size (the first extra reply) from a read and returns the size. On a type
   * change since the value was opened: undefined when `strict` is false (opening), WRONG_TYPE when
   * it is true.
   */
  private adopt(r: Together, strict: boolean): number | undefined {
    if (r.type !== this.type) {
      if (strict) {
        throw new NovaError('WRONG_TYPE', 'the key changed type', { expected: this.type, actual: r.type });
      }
      return undefined;
    }
    this.pttl = r.pttl;
    this.size = numberOf(r.replies[0]);
    return this.size;
  }

  /**
   * The whole string with GET, so the result is one consistent value even if it changed since the
   * preview. On a type change: false when `strict` is false (opening), WRONG_TYPE when it is true.
   */
  private async readWholeString(client: KeyClient, strict: boolean): Promise<boolean> {
    const r = await readTogether(client, this.key, this.type, [['STRLEN', this.key], ['GET', this.key]]);
    const size = this.adopt(r, strict);
    if (size === undefined) {
      return false;
    }
    this.content = { type: 'string', bytes: bufferOf(r.replies[1]) };
    this.done = true;
    return true;
  }

  /** The decoders that apply to this value, for the "View Value As…" picker. */
  applicableDecoders(): DecoderId[] {
    const c = this.content;
    if (c.type === 'string') {
      return applicableDecoders(c.bytes, !this.done, this.options.maxInflatedBytes);
    }
    if (c.type === 'unsupported') {
      return [];
    }
    // Elements differ from one another: every decoder is offered, each element falls back on its own.
    return [...DECODER_IDS];
  }

  /**
   * Whether `decoder` decodes this value: a string as a whole, a collection in every loaded element.
   * Only a decoder that does is worth remembering.
   */
  decodesWith(decoder: DecoderId): boolean {
    const c = this.content;
    if (c.type === 'string') {
      return this.applicableDecoders().includes(decoder);
    }
    return c.type !== 'unsupported' && !this.render(decoder).header.notes.some((n) => n.code === 'ELEMENTS_UNDECODED');
  }

  /** Lays out what is loaded, decoded automatically or with the decoder the user chose. */
  render(decoder?: DecoderId): ValueView {
    const c = this.content;
    const base = {
      key: this.key,
      type: this.type,
      pttl: this.pttl,
      size: this.size,
      requested: decoder,
      canLoadMore: !this.done,
    };
    if (c.type === 'unsupported') {
      return {
        header: { ...base, sizeUnit: 'elements', loaded: 0, partial: false, decoders: [], language: 'plaintext', notes: [{ code: 'UNSUPPORTED_TYPE', args: { type: this.type } }], unsupported: true },
        body: '',
      };
    }
    if (c.type === 'string') {
      const doc = decodeDocument(c.bytes, {
        decoder,
        partial: !this.done,
        maxHexBytes: this.options.maxHexBytes,
        maxInflatedBytes: this.options.maxInflatedBytes,
      });
      const known = keyFramework(this.key, this.type, doc.chain, doc.framework);
      return {
        header: {
          ...base,
          sizeUnit: 'bytes',
          loaded: c.bytes.length,
          partial: !this.done || !doc.complete,
          decoders: doc.chain,
          language: doc.language,
          notes: [...known.notes, ...doc.notes],
          framework: known.framework,
          unsupported: false,
        },
        body: doc.body,
      };
    }
    const nodes = this.decodedElements(decoder);
    const notes = this.collectionNotes(nodes, decoder);
    let tree: JNode;
    let loaded: number;
    let next = 0;
    const take = (): JNode => nodes[next++].node;
    switch (c.type) {
      case 'hash':
        loaded = c.entries.length;
        tree = jObject(c.entries.map((e) => [fieldName(e), take()]));
        break;
      case 'set':
        loaded = c.members.length;
        tree = jArray(c.members.map(() => take()));
        break;
      case 'list':
        loaded = c.items.length;
        tree = jArray(c.items.map(() => take()));
        break;
      case 'zset':
        loaded = c.items.length;
        tree = jArray(c.items.map((e) => jObject([['member', take()], ['score', e.score]])));
        break;
      case 'stream':
        loaded = c.entries.length;
        tree = jObject(c.entries.map((e) => [e.id, jObject(e.fields.map((f) => [fieldName(f), take()]))]));
        break;
    }
    const known = keyFramework(this.key, this.type, [], undefined);
    return {
      header: {
        ...base,
        sizeUnit: 'elements',
        loaded,
        partial: !this.done || nodes.some((n) => n.cut),
        decoders: orderedDecoders(nodes.flatMap((n) => n.chain)),
        language: 'json',
        notes: [...known.notes, ...notes],
        framework: known.framework,
        unsupported: false,
        order: c.type === 'zset' ? this.options.zsetOrder : undefined,
      },
      body: printJson(tree),
    };
  }

  /** What the user must know about the elements shown: cut, undecoded, decoded as JSON, budgets reached. */
  private collectionNotes(nodes: DecodedNode[], decoder: DecoderId | undefined): Note[] {
    const notes = mergeNotes(nodes.flatMap((n) => n.notes));
    const count = (pick: (n: DecodedNode) => boolean): number => nodes.filter(pick).length;
    const undecoded = count((n) => n.undecoded);
    if (undecoded > 0 && decoder) {
      notes.push({ code: 'ELEMENTS_UNDECODED', args: { count: undecoded, decoder } });
    }
    const cut = count((n) => n.cut);
    if (cut > 0) {
      const largest = Math.max(...this.elementValues().map((e) => (e.size > e.value.length ? e.size : 0)));
      notes.push({ code: 'ELEMENTS_TRUNCATED', args: { count: cut, limit: this.options.maxElementBytes, largest } });
    }
    const json = count((n) => n.json);
    if (json > 0) {
      notes.push({ code: 'ELEMENTS_JSON', args: { count: json } });
    }
    if (this.pageBytesStop !== undefined) {
      notes.push({ code: 'PAGE_BYTES_LIMIT', args: { bytes: this.pageBytesStop } });
    }
    return notes;
  }

  /** Every loaded element's value, in display order. */
  private elementValues(): Element[] {
    const c = this.content;
    switch (c.type) {
      case 'hash':
        return c.entries;
      case 'set':
        return c.members;
      case 'list':
      case 'zset':
        return c.items;
      case 'stream':
        return c.entries.flatMap((e) => e.fields);
      default:
        return [];
    }
  }

  /**
   * Decodes only elements not decoded yet with this decoder, so "load more" stays proportional to the
   * page. The elements decoded in one call share one deadline and one expansion budget; past them
   * the rest are shown as stored, with a note.
   */
  private decodedElements(decoder: DecoderId | undefined): DecodedNode[] {
    if (!this.rendered || this.rendered.decoder !== decoder) {
      this.rendered = { decoder, nodes: [] };
    }
    const values = this.elementValues();
    const nodes = this.rendered.nodes;
    const deadline = new Deadline();
    let inflateLeft = this.options.maxPageInflatedBytes;
    let skipped = 0;
    let timedOut = false;
    for (let i = nodes.length; i < values.length; i++) {
      const e = values[i];
      if (e.size > e.value.length) {
        nodes.push({ node: cutNode(e), chain: [], notes: [], undecoded: false, json: false, cut: true });
        continue;
      }
      if (deadline.check() || inflateLeft <= 0) {
        timedOut ||= deadline.expired;
        skipped += inflateLeft <= 0 ? 1 : 0;
        nodes.push({ node: jsonString(plainName(e.value)), chain: [], notes: [], undecoded: false, json: false, cut: false });
        continue;
      }
      const cap = Math.min(this.options.maxElementInflatedBytes, inflateLeft);
      const decoded = decodeElement(e.value, { decoder, maxInflatedBytes: cap, deadline });
      inflateLeft -= decoded.expanded;
      if (cap < this.options.maxElementInflatedBytes && decoded.notes.some((n) => n.code === 'INFLATE_LIMIT')) {
        // The page's budget, not the element's own cap, stopped it: the rest of the page stays compressed.
        inflateLeft = 0;
        skipped++;
        nodes.push({ ...decoded, chain: [], notes: decoded.notes.filter((n) => n.code !== 'INFLATE_LIMIT'), cut: false });
        continue;
      }
      nodes.push({ ...decoded, cut: false });
    }
    const last = nodes[nodes.length - 1];
    if (timedOut && last) {
      last.notes = [...last.notes, { code: 'DECODE_TIMEOUT', args: { seconds: deadline.ms / 1000 } }];
    }
    if (skipped > 0 && last) {
      last.notes = [...last.notes, { code: 'PAGE_INFLATE_LIMIT', args: { count: skipped, limit: this.options.maxPageInflatedBytes } }];
    }
    return nodes;
  }
}

/** Opens `key` and renders it with automatic detection: the one-call form of ValueSession. */
export async function readValue(client: KeyClient, caps: Capabilities, key: Buffer, options: ValueReadOptions = {}): Promise<ValueView> {
  return (await ValueSession.open(client, caps, key, options)).render();
}
