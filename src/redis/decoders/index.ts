/**
 * Decoder registry: automatic detection, forced decoding ("View Value As…"), and the two ways a
 * decoded value is shown: as a whole document, or as one element of a collection rendered as JSON.
 *
 * Detection order, and why:
 *   gzip, zlib   magic numbers; what they expand to is decoded again (up to 3 levels)
 *   pickle       protocol 2+ starts with 0x80 (never valid UTF-8); protocols 0-1 must parse to the end
 *   json         NOVA's RedisCacheManager stores json.dumps(...) text; `42` is JSON
 *   msgpack      only for bytes that are not plain text (see msgpack.ts)
 *   text         valid UTF-8 that reads like text
 *   hex          always
 */
import { bytesLiteral, hexPairs, validUtf8 } from './bytes';
import { DEFAULT_MAX_INFLATED_BYTES, gunzip, inflate, type InflateAttempt } from './compression';
import { hexDump } from './hex';
import { jsonDecoder } from './json';
import { jsonString, printJson } from './jtree';
import { msgpackDecoder } from './msgpack';
import { pickleDecoder } from './pickle';
import { hexDecoder, textDecoder } from './text';
import { DECODER_IDS, type DecodeAttempt, type DecodeSuccess, type Decoder, type DecoderId, type JNode, type Note } from './types';

export * from './types';
export { hexDump } from './hex';
export { layoutJson } from './json';
export { bytesLiteral } from './bytes';
export { printJson } from './jtree';

/** Default cap of the hex view: 1 MiB of bytes is about 4.7 MB of text. */
export const DEFAULT_MAX_HEX_BYTES = 1024 * 1024;
const MAX_UNWRAP_DEPTH = 3;

const LEAF_DECODERS: readonly Decoder[] = [pickleDecoder, jsonDecoder, msgpackDecoder, textDecoder];
const BY_ID = new Map<DecoderId, Decoder>([...LEAF_DECODERS, hexDecoder].map((d) => [d.id, d]));

export interface ValueDecodeOptions {
  /** A decoder chosen by the user; automatic detection when absent. */
  decoder?: DecoderId;
  /** The bytes are only the beginning of the value (a preview). */
  partial?: boolean;
  maxHexBytes?: number;
  maxInflatedBytes?: number;
}

/** A value decoded for display as a whole document. */
export interface DecodedDocument {
  /** Decoders applied, outermost first. `['hex']` when nothing else applied. */
  chain: DecoderId[];
  /** The decoder the user asked for, when forced. */
  requested?: DecoderId;
  /** The VS Code language id that fits the body. */
  language: 'json' | 'plaintext';
  body: string;
  notes: Note[];
  /** False when the body shows only part of the value. */
  complete: boolean;
}

/** A decoder bug or an engine limit on crafted input must not break the view: it is one more failure. */
function attempt(decoder: Decoder, bytes: Buffer, options: { auto: boolean; partial: boolean }): DecodeAttempt {
  try {
    return decoder.decode(bytes, options);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : 'decoder error' };
  }
}

function unwrap(kind: 'gzip' | 'zlib', bytes: Buffer, partial: boolean, maxInflated: number): InflateAttempt {
  return kind === 'gzip' ? gunzip(bytes, partial, maxInflated) : inflate(bytes, partial, maxInflated);
}

function fallback(bytes: Buffer, partial: boolean, notes: Note[], forced = false): DecodeSuccess {
  return { ok: true, payload: { kind: 'bytes', bytes, forced }, chain: ['hex'], notes, complete: !partial };
}

/** Automatic detection; always succeeds (hex at worst). */
function detect(bytes: Buffer, partial: boolean, maxInflated: number, depth: number): DecodeSuccess {
  const notes: Note[] = [];
  if (depth < MAX_UNWRAP_DEPTH) {
    for (const kind of ['gzip', 'zlib'] as const) {
      const inflated = unwrap(kind, bytes, partial, maxInflated);
      if (inflated.ok) {
        const inner = detect(inflated.bytes, !inflated.complete, maxInflated, depth + 1);
        return {
          ...inner,
          chain: [kind, ...inner.chain],
          notes: [...inflated.notes, ...inner.notes],
          complete: inflated.complete && inner.complete,
        };
      }
      if (inflated.note) {
        notes.push(inflated.note);
      }
    }
  }
  for (const decoder of LEAF_DECODERS) {
    const result = attempt(decoder, bytes, { auto: true, partial });
    if (result.ok) {
      return { ...result, notes: [...notes, ...result.notes] };
    }
    if (result.note) {
      notes.push(result.note);
    }
  }
  return fallback(bytes, partial, notes);
}

/** Decodes with the decoder the user chose; on failure the hex view with a DECODE_FAILED note. */
function forced(bytes: Buffer, id: DecoderId, partial: boolean, maxInflated: number): DecodeSuccess {
  if (id === 'gzip' || id === 'zlib') {
    const inflated = unwrap(id, bytes, partial, maxInflated);
    if (!inflated.ok) {
      return fallback(bytes, partial, [{ code: 'DECODE_FAILED', args: { decoder: id, reason: inflated.reason } }, ...(inflated.note ? [inflated.note] : [])]);
    }
    const inner = detect(inflated.bytes, !inflated.complete, maxInflated, 1);
    return { ...inner, chain: [id, ...inner.chain], notes: [...inflated.notes, ...inner.notes], complete: inflated.complete && inner.complete };
  }
  const decoder = BY_ID.get(id) as Decoder;
  const result = attempt(decoder, bytes, { auto: false, partial });
  if (result.ok) {
    return result;
  }
  return fallback(bytes, partial, [{ code: 'DECODE_FAILED', args: { decoder: id, reason: result.reason } }, ...(result.note ? [result.note] : [])]);
}

export function decodeBytes(bytes: Buffer, options: ValueDecodeOptions = {}): DecodeSuccess {
  const partial = options.partial === true;
  const maxInflated = options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  return options.decoder ? forced(bytes, options.decoder, partial, maxInflated) : detect(bytes, partial, maxInflated, 0);
}

/** Decodes a string value (or a preview of one) into the text of a read-only document. */
export function decodeDocument(bytes: Buffer, options: ValueDecodeOptions = {}): DecodedDocument {
  const result = decodeBytes(bytes, options);
  const base = { chain: result.chain, requested: options.decoder, notes: [...result.notes], complete: result.complete };
  const payload = result.payload;
  if (payload.kind === 'json') {
    return { ...base, language: 'json', body: printJson(payload.node) };
  }
  if (payload.kind === 'text') {
    return { ...base, language: 'plaintext', body: payload.text };
  }
  const max = options.maxHexBytes ?? DEFAULT_MAX_HEX_BYTES;
  if (payload.bytes.length > max) {
    base.notes.push({ code: 'HEX_TRUNCATED', args: { shown: max, total: payload.bytes.length } });
    base.complete = false;
  }
  if (payload.bytes.length === 0 && !base.notes.some((n) => n.code === 'EMPTY')) {
    base.notes.push({ code: 'EMPTY' });
  }
  return { ...base, language: 'plaintext', body: hexDump(payload.bytes.subarray(0, max)) };
}

/** A collection element (hash value, list item, member...) decoded as a JSON node. */
export interface DecodedElement {
  node: JNode;
  chain: DecoderId[];
  notes: Note[];
  /** A forced decoder did not apply to this element; it is shown as text or bytes. */
  undecoded: boolean;
}

/** Text when the bytes are valid UTF-8, else Python's bytes notation: how field names and undecodable elements show. */
export function plainName(bytes: Buffer): string {
  return validUtf8(bytes, false).ok ? bytes.toString('utf8') : bytesLiteral(bytes);
}

export function decodeElement(bytes: Buffer, decoder?: DecoderId, maxInflatedBytes = DEFAULT_MAX_INFLATED_BYTES): DecodedElement {
  const result = decodeBytes(bytes, { decoder, maxInflatedBytes });
  const failed = result.notes.some((n) => n.code === 'DECODE_FAILED');
  const notes = result.notes.filter((n) => n.code !== 'DECODE_FAILED' && n.code !== 'EMPTY');
  const payload = result.payload;
  if (failed) {
    return { node: jsonString(plainName(bytes)), chain: [], notes, undecoded: true };
  }
  if (payload.kind === 'json') {
    return { node: payload.node, chain: result.chain, notes, undecoded: false };
  }
  if (payload.kind === 'text') {
    return { node: jsonString(payload.text), chain: result.chain, notes, undecoded: false };
  }
  return { node: jsonString(payload.forced ? hexPairs(payload.bytes) : bytesLiteral(payload.bytes)), chain: result.chain, notes, undecoded: false };
}

/**
 * The decoders that would decode these bytes when forced, in detection order (hex always last), for
 * the "View Value As…" picker.
 */
export function applicableDecoders(bytes: Buffer, partial = false, maxInflatedBytes = DEFAULT_MAX_INFLATED_BYTES): DecoderId[] {
  return DECODER_IDS.filter((id) => !forced(bytes, id, partial, maxInflatedBytes).notes.some((n) => n.code === 'DECODE_FAILED'));
}

/** Joins the notes of many elements: one note per code, `count` arguments added up. */
export function mergeNotes(notes: Iterable<Note>): Note[] {
  const byCode = new Map<string, Note>();
  for (const note of notes) {
    const seen = byCode.get(note.code);
    if (!seen) {
      byCode.set(note.code, { code: note.code, args: note.args ? { ...note.args } : undefined });
      continue;
    }
    if (seen.args && note.args && typeof seen.args.count === 'number' && typeof note.args.count === 'number') {
      seen.args.count += note.args.count;
    }
    if (seen.args && note.args && typeof seen.args.names === 'string' && typeof note.args.names === 'string') {
      seen.args.names = [...new Set([...seen.args.names.split(', '), ...note.args.names.split(', ')])].sort().join(', ');
    }
  }
  return [...byCode.values()];
}

/** Orders a set of decoder ids as the detection order does. */
export function orderedDecoders(ids: Iterable<DecoderId>): DecoderId[] {
  const set = new Set(ids);
  return DECODER_IDS.filter((id) => set.has(id));
}
