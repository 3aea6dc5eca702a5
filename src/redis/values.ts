/**
 * Value readers: what a key holds, read without ever loading more than a page or a preview, and
 * decoded for display. No `vscode` import: the UI renders `ValueView`s into read-only documents.
 *
 * - The caller owns the client (connected, DB selected). Sessions never store it, never SELECT.
 * - The key is raw bytes and only Buffer commands are used, so binary names reach exactly that key.
 * - Every read is one MULTI/EXEC that repeats TYPE: the type, TTL, size and content always belong
 *   together, and a key that changed type or vanished in between is detected, never misread.
 * - Only commands Redis 3.0 has (TYPE PTTL STRLEN GETRANGE GET HLEN HSCAN SCARD SSCAN ZCARD ZRANGE
 *   LLEN LRANGE MULTI EXEC); XLEN / XRANGE only when the capabilities say streams exist.
 * - Values are data: nothing here logs or scrubs them.
 */
import type Redis from 'ioredis';
import type { Capabilities } from './capabilities';
import {
  decodeDocument,
  decodeElement,
  applicableDecoders,
  mergeNotes,
  orderedDecoders,
  plainName,
  printJson,
  DEFAULT_MAX_HEX_BYTES,
  DECODER_IDS,
  type DecoderId,
  type JNode,
  type Note,
} from './decoders';
import { DEFAULT_MAX_INFLATED_BYTES } from './decoders/compression';
import { jArray, jObject, jsonString } from './decoders/jtree';
import { NovaError } from './errors';

/** Strings up to this size are shown whole; longer ones start with a preview. */
export const DEFAULT_PREVIEW_THRESHOLD = 1024 * 1024;
/** What a preview fetches: enough to recognize the content, quick to lay out (a pretty-printed 1 MB JSON takes tens of ms). */
export const DEFAULT_PREVIEW_BYTES = 256 * 1024;
/** First page: small, so a 1,000,000-element collection opens as fast as a 100-element one. */
export const DEFAULT_PAGE_SIZE = 100;
/** Each "load more" after that. */
export const DEFAULT_LOAD_MORE_SIZE = 1000;

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
}

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
  /** VS Code language id for the document. */
  language: 'json' | 'plaintext';
  notes: Note[];
  /** A type the viewer does not read (then the body is empty and notes has UNSUPPORTED_TYPE). */
  unsupported: boolean;
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
async function readTogether(client: Redis, key: Buffer, expected: string, commands: Command[]): Promise<Together> {
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
  /** Bytes to decode (hash value, list item, member, stream field value). */
  value: Buffer;
}
interface HashEntry extends Element {
  field: Buffer;
}
interface ZsetEntry extends Element {
  score: JNode;
}
interface StreamEntry {
  id: string;
  fields: Array<[Buffer, Buffer]>;
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
}

const MAX_TYPE_RETRIES = 3;

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
  static async open(client: Redis, caps: Capabilities, key: Buffer, options: ValueReadOptions = {}): Promise<ValueSession> {
    const threshold = Math.max(1, Math.floor(options.previewThreshold ?? DEFAULT_PREVIEW_THRESHOLD));
    const opts: Required<ValueReadOptions> = {
      previewThreshold: threshold,
      previewBytes: Math.min(threshold, Math.max(1, Math.floor(options.previewBytes ?? DEFAULT_PREVIEW_BYTES))),
      pageSize: Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE)),
      loadMoreSize: Math.max(1, Math.floor(options.loadMoreSize ?? DEFAULT_LOAD_MORE_SIZE)),
      maxHexBytes: options.maxHexBytes ?? DEFAULT_MAX_HEX_BYTES,
      maxInflatedBytes: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES,
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
  private async readFirst(client: Redis): Promise<boolean> {
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
  private async readPage(client: Redis, page: number, strict: boolean): Promise<boolean> {
    const c = this.content;
    const key = this.key;
    let commands: Command[];
    switch (c.type) {
      case 'hash':
        commands = [['HLEN', key], ['HSCAN', key, c.cursor, 'COUNT', page]];
        break;
      case 'set':
        commands = [['SCARD', key], ['SSCAN', key, c.cursor, 'COUNT', page]];
        break;
      case 'list':
        commands = [['LLEN', key], ['LRANGE', key, c.items.length, c.items.length + page - 1]];
        break;
      case 'zset':
        commands = [['ZCARD', key], ['ZRANGE', key, c.items.length, c.items.length + page - 1, 'WITHSCORES']];
        break;
      case 'stream':
        commands = [['XLEN', key], ['XRANGE', key, c.next, '+', 'COUNT', page]];
        break;
      default:
        return true;
    }
    const r = await readTogether(client, key, this.type, commands);
    if (r.type !== this.type) {
      if (strict) {
        throw new NovaError('WRONG_TYPE', 'the key changed type', { expected: this.type, actual: r.type });
      }
      return false;
    }
    this.pttl = r.pttl;
    this.size = numberOf(r.replies[0]);
    const reply = r.replies[1];
    switch (c.type) {
      case 'hash': {
        const [cursor, flat] = arrayOf(reply);
        const items = arrayOf(flat);
        for (let i = 0; i + 1 < items.length; i += 2) {
          const field = bufferOf(items[i]);
          // SCAN may return an element twice.
          const id = field.toString('latin1');
          if (!c.seen.has(id)) {
            c.seen.add(id);
            c.entries.push({ field, value: bufferOf(items[i + 1]) });
          }
        }
        c.cursor = bufferOf(cursor).toString();
        this.done = c.cursor === '0';
        break;
      }
      case 'set': {
        const [cursor, flat] = arrayOf(reply);
        for (const item of arrayOf(flat)) {
          const member = bufferOf(item);
          const id = member.toString('latin1');
          if (!c.seen.has(id)) {
            c.seen.add(id);
            c.members.push({ value: member });
          }
        }
        c.cursor = bufferOf(cursor).toString();
        this.done = c.cursor === '0';
        break;
      }
      case 'list': {
        const items = arrayOf(reply);
        for (const item of items) {
          c.items.push({ value: bufferOf(item) });
        }
        this.done = items.length < page || c.items.length >= this.size;
        break;
      }
      case 'zset': {
        const flat = arrayOf(reply);
        for (let i = 0; i + 1 < flat.length; i += 2) {
          c.items.push({ value: bufferOf(flat[i]), score: scoreNode(flat[i + 1]) });
        }
        this.done = flat.length / 2 < page || c.items.length >= this.size;
        break;
      }
      case 'stream': {
        const entries = arrayOf(reply);
        for (const raw of entries) {
          const [id, flat] = arrayOf(raw);
          const fields = arrayOf(flat);
          const pairs: Array<[Buffer, Buffer]> = [];
          for (let i = 0; i + 1 < fields.length; i += 2) {
            pairs.push([bufferOf(fields[i]), bufferOf(fields[i + 1])]);
          }
          c.entries.push({ id: bufferOf(id).toString(), fields: pairs });
        }
        if (c.entries.length > 0) {
          c.next = nextStreamId(c.entries[c.entries.length - 1].id);
        }
        this.done = entries.length < page;
        break;
      }
    }
    return true;
  }

  get canLoadMore(): boolean {
    return !this.done;
  }

  /**
   * Strings: loads the whole value. Collections: the next page, from the saved cursor or offset.
   * KEY_NOT_FOUND if the key is gone, WRONG_TYPE if it now holds another type.
   */
  async loadMore(client: Redis): Promise<void> {
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
   * The whole string with GET, so the result is one consistent value even if it changed since the
   * preview. On a type change: false when `strict` is false (opening), WRONG_TYPE when it is true.
   */
  private async readWholeString(client: Redis, strict: boolean): Promise<boolean> {
    const r = await readTogether(client, this.key, this.type, [['STRLEN', this.key], ['GET', this.key]]);
    if (r.type !== this.type) {
      if (strict) {
        throw new NovaError('WRONG_TYPE', 'the key changed type', { expected: this.type, actual: r.type });
      }
      return false;
    }
    this.pttl = r.pttl;
    this.size = numberOf(r.replies[0]);
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
      return {
        header: {
          ...base,
          sizeUnit: 'bytes',
          loaded: c.bytes.length,
          partial: !this.done || !doc.complete,
          decoders: doc.chain,
          language: doc.language,
          notes: doc.notes,
          unsupported: false,
        },
        body: doc.body,
      };
    }
    const nodes = this.decodedElements(decoder);
    const undecoded = nodes.filter((n) => n.undecoded).length;
    const notes = mergeNotes(nodes.flatMap((n) => n.notes));
    if (undecoded > 0 && decoder) {
      notes.push({ code: 'ELEMENTS_UNDECODED', args: { count: undecoded, decoder } });
    }
    let tree: JNode;
    let loaded: number;
    let next = 0;
    const take = (): JNode => nodes[next++].node;
    switch (c.type) {
      case 'hash':
        loaded = c.entries.length;
        tree = jObject(c.entries.map((e) => [plainName(e.field), take()]));
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
        tree = jObject(c.entries.map((e) => [e.id, jObject(e.fields.map(([f]) => [plainName(f), take()]))]));
        break;
    }
    return {
      header: {
        ...base,
        sizeUnit: 'elements',
        loaded,
        partial: !this.done,
        decoders: orderedDecoders(nodes.flatMap((n) => n.chain)),
        language: 'json',
        notes,
        unsupported: false,
      },
      body: printJson(tree),
    };
  }

  /** Every loaded element's value, in display order. */
  private elementValues(): Buffer[] {
    const c = this.content;
    switch (c.type) {
      case 'hash':
        return c.entries.map((e) => e.value);
      case 'set':
        return c.members.map((e) => e.value);
      case 'list':
      case 'zset':
        return c.items.map((e) => e.value);
      case 'stream':
        return c.entries.flatMap((e) => e.fields.map(([, v]) => v));
      default:
        return [];
    }
  }

  /** Decodes only elements not decoded yet with this decoder, so "load more" stays proportional to the page. */
  private decodedElements(decoder: DecoderId | undefined): DecodedNode[] {
    if (!this.rendered || this.rendered.decoder !== decoder) {
      this.rendered = { decoder, nodes: [] };
    }
    const values = this.elementValues();
    const nodes = this.rendered.nodes;
    for (let i = nodes.length; i < values.length; i++) {
      nodes.push(decodeElement(values[i], decoder, this.options.maxInflatedBytes));
    }
    return nodes;
  }
}

/** Opens `key` and renders it with automatic detection: the one-call form of ValueSession. */
export async function readValue(client: Redis, caps: Capabilities, key: Buffer, options: ValueReadOptions = {}): Promise<ValueView> {
  return (await ValueSession.open(client, caps, key, options)).render();
}
