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
import { Deadline } from './budget';
import { DEFAULT_MAX_INFLATED_BYTES, gunzip, inflate, unsupportedCompression, type InflateAttempt, type Inflated } from './compression';
import { hexDump } from './hex';
import { jsonDecoder } from './json';
import { jsonString, printJson } from './jtree';
import { msgpackDecoder } from './msgpack';
import { hasPickleHeader, pickleDecoder, renderNotes, renderPickleJson } from './pickle';
import { renderPython } from './pyrepr';
import { hexDecoder, textDecoder } from './text';
import { DECODER_IDS, type DecodeAttempt, type DecodeSuccess, type Decoder, type DecoderId, type JNode, type Note } from './types';

export * from './types';
export { hexDump } from './hex';
export { layoutJson } from './json';
export { bytesLiteral } from './bytes';
export { printCompactJson, printJson } from './jtree';
export { Deadline, MAX_DEPTH } from './budget';

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
  deadline?: Deadline;
}

/** A value decoded for display as a whole document. */
export interface DecodedDocument {
  /** Decoders applied, outermost first. `['hex']` when nothing else applied. */
  chain: DecoderId[];
  /** The decoder the user asked for, when forced. */
  requested?: DecoderId;
  /** The VS Code language id that fits the body. */
  language: 'json' | 'plaintext' | 'python';
  body: string;
  notes: Note[];
  /** False when the body shows only part of the value. */
  complete: boolean;
  /** A Python cache framework whose wrapping was removed (e.g. `cachelib`). */
  framework?: string;
}

interface Run {
  partial: boolean;
  maxInflated: number;
  deadline: Deadline;
}

/** A decoder bug or an engine limit on crafted input must not break the view: it is one more failure. */
function attempt(decoder: Decoder, bytes: Buffer, auto: boolean, run: Run): DecodeAttempt {
  try {
    return decoder.decode(bytes, { auto, partial: run.partial, deadline: run.deadline });
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : 'decoder error' };
  }
}

function unwrap(kind: 'gzip' | 'zlib', bytes: Buffer, run: Run): InflateAttempt {
  return kind === 'gzip' ? gunzip(bytes, run.partial, run.maxInflated) : inflate(bytes, run.partial, run.maxInflated);
}

function fallback(bytes: Buffer, partial: boolean, notes: Note[], forced = false): DecodeSuccess {
  return { ok: true, payload: { kind: 'bytes', bytes, forced }, chain: ['hex'], notes, complete: !partial };
}

/** What decompression gave, decoded again; its size is added up for the page budgets. */
function inflated(kind: 'gzip' | 'zlib', result: Inflated, run: Run, depth: number): DecodeSuccess {
  const inner = detect(result.bytes, { ...run, partial: !result.complete }, depth + 1);
  return {
    ...inner,
    chain: [kind, ...inner.chain],
    notes: [...result.notes, ...inner.notes],
    complete: result.complete && inner.complete,
    expanded: result.bytes.length + (inner.expanded ?? 0),
  };
}

/** cachelib / Flask-Caching store `!` + pickle (and ints as their digits). */
function cachelibPickle(bytes: Buffer, run: Run): DecodeSuccess | undefined {
  if (bytes.length < 3 || bytes[0] !== 0x21 || !hasPickleHeader(bytes.subarray(1))) {
    return undefined;
  }
  const result = attempt(pickleDecoder, bytes.subarray(1), true, run);
  return result.ok ? { ...result, framework: 'cachelib' } : undefined;
}

/** Automatic detection; always succeeds (hex at worst). */
function detect(bytes: Buffer, run: Run, depth: number): DecodeSuccess {
  const notes: Note[] = [];
  if (depth < MAX_UNWRAP_DEPTH) {
    for (const kind of ['gzip', 'zlib'] as const) {
      const result = unwrap(kind, bytes, run);
      if (result.ok) {
        return inflated(kind, result, run, depth);
      }
      if (result.note) {
        notes.push(result.note);
      }
    }
  }
  const wrapped = cachelibPickle(bytes, run);
  if (wrapped) {
    return wrapped;
  }
  for (const decoder of LEAF_DECODERS) {
    const result = attempt(decoder, bytes, true, run);
    if (result.ok) {
      return { ...result, notes: [...notes, ...result.notes] };
    }
    if (result.note) {
      notes.push(result.note);
    }
  }
  const other = unsupportedCompression(bytes);
  if (other) {
    notes.push({ code: 'COMPRESSED_UNSUPPORTED', args: { format: other } });
  }
  return fallback(bytes, run.partial, notes);
}

/** Decodes with the decoder the user chose; on failure the hex view with a DECODE_FAILED note. */
function forced(bytes: Buffer, id: DecoderId, run: Run): DecodeSuccess {
  if (id === 'gzip' || id === 'zlib') {
    const result = unwrap(id, bytes, run);
    if (!result.ok) {
      return fallback(bytes, run.partial, [{ code: 'DECODE_FAILED', args: { decoder: id, reason: result.reason } }, ...(result.note ? [result.note] : [])]);
    }
    return inflated(id, result, run, 0);
  }
  const decoder = BY_ID.get(id) as Decoder;
  const result = attempt(decoder, bytes, false, run);
  if (result.ok) {
    return result;
  }
  if (id === 'json') {
    // "View Value As → JSON" on a pickle (or a compressed one): the pickle rendered as a JSON tree.
    const detected = detect(bytes, run, 0);
    if (detected.payload.kind === 'pickle' || detected.payload.kind === 'json') {
      return detected;
    }
  }
  return fallback(bytes, run.partial, [{ code: 'DECODE_FAILED', args: { decoder: id, reason: result.reason } }, ...(result.note ? [result.note] : [])]);
}

export function decodeBytes(bytes: Buffer, options: ValueDecodeOptions = {}): DecodeSuccess {
  const run: Run = {
    partial: options.partial === true,
    maxInflated: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES,
    deadline: options.deadline ?? new Deadline(),
  };
  return options.decoder ? forced(bytes, options.decoder, run) : detect(bytes, run, 0);
}

/** Decodes a string value (or a preview of one) into the text of a read-only document. */
export function decodeDocument(bytes: Buffer, options: ValueDecodeOptions = {}): DecodedDocument {
  const deadline = options.deadline ?? new Deadline();
  const result = decodeBytes(bytes, { ...options, deadline });
  const base = { chain: result.chain, requested: options.decoder, notes: [...result.notes], complete: result.complete, framework: result.framework };
  const payload = result.payload;
  if (payload.kind === 'pickle') {
    if (options.decoder === 'json') {
      const json = renderPickleJson(payload.value, payload.inputBytes, deadline);
      return { ...base, notes: [...base.notes, ...json.notes], complete: base.complete && json.complete, language: 'json', body: printJson(json.node) };
    }
    const py = renderPython(payload.value, payload.inputBytes, deadline);
    const complete = base.complete && !py.limited && !py.tooDeep && !py.timedOut;
    return { ...base, notes: [...base.notes, ...renderNotes(py, deadline)], complete, language: 'python', body: py.text };
  }
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
  /** Bytes decompression produced for it. */
  expanded: number;
  /** Automatic detection decoded it as a JSON object or array. */
  json: boolean;
}

/** Text when the bytes are valid UTF-8, else Python's bytes notation: how field names and undecodable elements show. */
export function plainName(bytes: Buffer): string {
  return validUtf8(bytes, false).ok ? bytes.toString('utf8') : bytesLiteral(bytes);
}

export interface ElementOptions {
  decoder?: DecoderId;
  /** Cap of what this element may expand to (the page's remaining budget, at most the element cap). */
  maxInflatedBytes?: number;
  deadline?: Deadline;
}

/** JSON text that is an object or an array (after leading whitespace). */
function isJsonContainer(text: string): boolean {
  const c = text.trimStart()[0];
  return c === '{' || c === '[';
}

/**
 * Members are shown as the strings Redis stores: `"42"` stays a string. Automatic detection decodes
 * a member as JSON only when it holds an object or an array (`json` is then true, for the note).
 */
export function decodeElement(bytes: Buffer, options: ElementOptions = {}): DecodedElement {
  const deadline = options.deadline ?? new Deadline();
  const result = decodeBytes(bytes, { decoder: options.decoder, maxInflatedBytes: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES, deadline });
  const failed = result.notes.some((n) => n.code === 'DECODE_FAILED');
  const notes = result.notes.filter((n) => n.code !== 'DECODE_FAILED' && n.code !== 'EMPTY');
  const payload = result.payload;
  const expanded = result.expanded ?? 0;
  const base = { chain: result.chain, notes, undecoded: false, expanded, json: false };
  if (failed) {
    return { ...base, node: jsonString(plainName(bytes)), chain: [], undecoded: true };
  }
  if (payload.kind === 'pickle') {
    const json = renderPickleJson(payload.value, payload.inputBytes, deadline);
    return { ...base, node: json.node, notes: [...notes, ...json.notes] };
  }
  if (payload.kind === 'json') {
    const direct = result.chain.length === 1 && result.chain[0] === 'json';
    if (direct && !options.decoder) {
      const text = bytes.toString('utf8');
      return isJsonContainer(text) ? { ...base, node: payload.node, json: true } : { ...base, node: jsonString(text), chain: ['text'] };
    }
    return { ...base, node: payload.node };
  }
  if (payload.kind === 'text') {
    return { ...base, node: jsonString(payload.text) };
  }
  return { ...base, node: jsonString(payload.forced ? hexPairs(payload.bytes) : bytesLiteral(payload.bytes)) };
}

/**
 * The decoders that would decode these bytes when forced, in detection order (hex always last), for
 * the "View Value As…" picker.
 */
export function applicableDecoders(bytes: Buffer, partial = false, maxInflatedBytes = DEFAULT_MAX_INFLATED_BYTES): DecoderId[] {
  const run: Run = { partial, maxInflated: maxInflatedBytes, deadline: new Deadline() };
  return DECODER_IDS.filter((id) => !forced(bytes, id, run).notes.some((n) => n.code === 'DECODE_FAILED'));
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
