import type { Deadline } from './budget';
import type { PyValue } from './pickle';

/**
 * Shared shapes of the value decoders. Decoders never throw on bad data: they return a failure
 * reason, so a caller can always fall back to the hex view.
 */

/** In automatic detection order; `hex` always applies. */
export const DECODER_IDS = ['gzip', 'zlib', 'pickle', 'json', 'msgpack', 'text', 'hex'] as const;
export type DecoderId = (typeof DECODER_IDS)[number];

export function isDecoderId(value: unknown): value is DecoderId {
  return typeof value === 'string' && (DECODER_IDS as readonly string[]).includes(value);
}

/**
 * A JSON tree whose leaves are already-serialized JSON text. Leaves keep numbers exactly as they were
 * stored (no round trip through a JS number), and may be multi-line pretty-printed fragments.
 */
export type JNode = string | JArray | JObject;
export interface JArray {
  kind: 'array';
  items: JNode[];
}
export interface JObject {
  kind: 'object';
  /** Keys are plain strings; the printer quotes them. */
  entries: Array<[string, JNode]>;
}

/** What a decoder produced, before it is laid out as a document or embedded in a collection. */
export type Payload =
  | { kind: 'json'; node: JNode }
  | { kind: 'text'; text: string }
  /** An unpickled value, rendered as Python (documents) or JSON (collections, "View Value As → JSON"). */
  | { kind: 'pickle'; value: PyValue; inputBytes: number }
  /** Bytes nothing could decode (auto) or that the user asked to see as hex. */
  | { kind: 'bytes'; bytes: Buffer; forced: boolean };

export type NoteCode =
  /** The value is an empty string. */
  | 'EMPTY'
  /** A forced decoder could not decode the bytes; `decoder`, `reason`. The hex view is shown. */
  | 'DECODE_FAILED'
  /** The bytes look like `decoder` data but only a preview is loaded; load the whole value to decode it. */
  | 'NEEDS_FULL_VALUE'
  /** JSON cut by the preview: only the loaded part is laid out. */
  | 'JSON_INCOMPLETE'
  /** `count` integers beyond 2^53 are shown exactly as stored (JavaScript would round them). */
  | 'JSON_BIG_NUMBERS'
  /** NaN / Infinity literals, which Python's json.dumps writes but strict JSON parsers reject. */
  | 'JSON_NON_STANDARD'
  /** Pickled calls that were not run and are shown as `__reduce__` records; `names`. */
  | 'PICKLE_OPAQUE'
  /** The pickle refers to itself; the repeated reference is shown as a marker. */
  | 'PICKLE_RECURSIVE'
  /** Bytes after the pickle's STOP opcode; `count`. */
  | 'PICKLE_TRAILING_BYTES'
  /** Text in the pickle was not valid UTF-8 (Python's surrogatepass); replacement characters shown. */
  | 'PICKLE_BAD_TEXT'
  /** The rendering reached its output budget (shared references can multiply the output): the display is cut. */
  | 'RENDER_LIMIT'
  /** Parts nested deeper than `limit` levels are shown as `...`. */
  | 'DEPTH_LIMIT'
  /** Decoding stopped after `seconds` seconds; what was decoded so far is shown. */
  | 'DECODE_TIMEOUT'
  /** JSON nested deeper than `limit` levels: shown as stored text, not laid out. */
  | 'JSON_TOO_DEEP'
  /** JSON whose layout would be too large: shown as stored text, not laid out. */
  | 'JSON_TOO_LARGE'
  /** In a collection, `count` elements larger than `limit` bytes (the largest: `largest`): only their first bytes were read. */
  | 'ELEMENTS_TRUNCATED'
  /** This page stopped at `bytes` bytes read (elements are large): load more for the next ones. */
  | 'PAGE_BYTES_LIMIT'
  /** In a collection, decompression stopped at `limit` bytes for this page; `count` elements are shown compressed. */
  | 'PAGE_INFLATE_LIMIT'
  /** In a collection, `count` members holding a JSON object or array are shown decoded. */
  | 'ELEMENTS_JSON'
  /** Compressed with `format`, which cannot be decoded here. */
  | 'COMPRESSED_UNSUPPORTED'
  /** The value was written by a Python cache framework (`framework`); its wrapping was removed. */
  | 'FRAMEWORK'
  /** A Django cache key `prefix:version:key`: `version`, `key`. */
  | 'DJANGO_KEY'
  /** Only the first `shown` of `total` bytes are in the hex view. */
  | 'HEX_TRUNCATED'
  /** The compressed data expands past `limit` bytes; only that much is shown. */
  | 'INFLATE_LIMIT'
  /** Compressed data cut by the preview: only what the loaded part expands to is shown. */
  | 'INFLATE_INCOMPLETE'
  /** In a collection, `count` elements could not be decoded by the forced `decoder` and are shown as bytes. */
  | 'ELEMENTS_UNDECODED'
  /** A key type the viewer does not read (or that the server's capabilities do not allow); `type`. */
  | 'UNSUPPORTED_TYPE';

export interface Note {
  code: NoteCode;
  args?: Record<string, string | number>;
}

export interface DecodeOptions {
  /** The bytes are only the beginning of the value. */
  partial?: boolean;
  /** Cap on what gzip/zlib may expand to. */
  maxInflatedBytes?: number;
  /** Shared by every decoder of one value: past it they stop. */
  deadline?: Deadline;
}

export interface DecodeSuccess {
  ok: true;
  payload: Payload;
  /** Decoders applied, outermost first, e.g. ['gzip', 'json']. */
  chain: DecoderId[];
  notes: Note[];
  /** False when the payload covers only part of the value (preview, truncated inflate...). */
  complete: boolean;
  /** Bytes that decompression produced (0 when nothing was compressed): counted against a page's budget. */
  expanded?: number;
  /** A Python cache framework whose wrapping was recognized in the bytes (e.g. `cachelib`). */
  framework?: string;
}

export interface DecodeFailure {
  ok: false;
  /** Short technical reason (parser message), for the log and the note; never contains the value. */
  reason: string;
  /** Worth showing even though the decoder did not apply (e.g. NEEDS_FULL_VALUE, INFLATE_LIMIT). */
  note?: Note;
}

export type DecodeAttempt = DecodeSuccess | DecodeFailure;

export interface Decoder {
  readonly id: DecoderId;
  /**
   * `auto` is true during detection: the decoder must then reject data it only accepts when forced
   * (plausibility guards against false positives).
   */
  decode(bytes: Buffer, options: DecodeOptions & { auto: boolean }): DecodeAttempt;
}

export function fail(reason: string, note?: Note): DecodeFailure {
  return note ? { ok: false, reason, note } : { ok: false, reason };
}
