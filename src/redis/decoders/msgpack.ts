/**
 * MessagePack decoder, over @msgpack/msgpack. Almost any byte string starts like MessagePack (every
 * ASCII byte is a positive fixint), so in automatic mode it is only accepted when the bytes decode
 * completely, are not plain text, are longer than one byte, and hold no broken strings.
 */
import { decode, decodeTimestampToTimeSpec, EXT_TIMESTAMP, ExtData, ExtensionCodec } from '@msgpack/msgpack';
import { bytesLiteral, isCleanText } from './bytes';
import { jArray, jObject, jsonString } from './jtree';
import { fail, type DecodeAttempt, type Decoder, type JNode } from './types';

/**
 * Map keys come back as JS object keys, which would reorder integer-like keys and lose their type.
 * Tagging each key with a one-letter prefix keeps insertion order (no key is integer-like any more)
 * and remembers what the key was.
 */
function tagKey(key: unknown): string {
  if (typeof key === 'string') {
    return 's' + key;
  }
  if (typeof key === 'number' || typeof key === 'bigint') {
    return 'n' + String(key);
  }
  if (key instanceof Uint8Array) {
    return 'b' + bytesLiteral(key);
  }
  return 'o' + JSON.stringify(key);
}

/** A MessagePack timestamp, kept to the nanosecond (a JS Date would cut it to milliseconds). */
class Timestamp {
  constructor(
    readonly sec: number,
    readonly nsec: number,
  ) {}

  /** ISO 8601 in UTC with the nanoseconds that are set, e.g. 2024-01-02T03:04:05.123456789Z. */
  iso(): string {
    const date = new Date(this.sec * 1000);
    if (!Number.isFinite(this.sec) || Number.isNaN(date.getTime())) {
      return `${this.sec}s ${this.nsec}ns`;
    }
    const base = date.toISOString().slice(0, 19);
    return this.nsec ? `${base}.${String(this.nsec).padStart(9, '0')}Z` : `${base}Z`;
  }
}

const extensions = new ExtensionCodec();
extensions.register({
  type: EXT_TIMESTAMP,
  encode: () => null,
  decode: (data) => {
    const spec = decodeTimestampToTimeSpec(data);
    return new Timestamp(spec.sec, spec.nsec);
  },
});

interface RenderState {
  broken: boolean;
  /** Nesting so far: crafted input can nest deeper than our stack allows. */
  depth: number;
}

const MAX_DEPTH = 1000;

function render(value: unknown, state: RenderState): JNode {
  if (state.depth >= MAX_DEPTH) {
    state.broken = true;
    return jsonString('…');
  }
  if (value === null || value === undefined) {
    return 'null';
  }
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : jsonString(String(value));
    case 'string':
      if (value.includes('\uFFFD')) {
        state.broken = true;
      }
      return jsonString(value);
    default:
      break;
  }
  if (value instanceof Uint8Array) {
    return jsonString(bytesLiteral(value));
  }
  if (value instanceof Timestamp) {
    return jsonString(value.iso());
  }
  if (value instanceof ExtData) {
    return jObject([
      ['__ext__', String(value.type)],
      ['data', jsonString(bytesLiteral(value.data instanceof Uint8Array ? value.data : new Uint8Array(0)))],
    ]);
  }
  state.depth++;
  try {
    if (Array.isArray(value)) {
      return jArray(value.map((v) => render(v, state)));
    }
    return jObject(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k.slice(1), render(v, state)]));
  } finally {
    state.depth--;
  }
}

export const msgpackDecoder: Decoder = {
  id: 'msgpack',
  decode(bytes, options): DecodeAttempt {
    if (options.partial) {
      return fail('needs the full value');
    }
    if (options.auto && (bytes.length < 2 || isCleanText(bytes))) {
      return fail('plain text or too short');
    }
    let value: unknown;
    try {
      // Each element takes at least one byte: a declared length beyond that is corrupt data.
      value = decode(bytes, {
        useBigInt64: true,
        extensionCodec: extensions,
        mapKeyConverter: tagKey,
        maxArrayLength: bytes.length,
        maxMapLength: bytes.length,
        maxStrLength: bytes.length,
        maxBinLength: bytes.length,
        maxExtLength: bytes.length,
      });
    } catch (err) {
      return fail(err instanceof Error ? err.message : 'invalid MessagePack');
    }
    const state: RenderState = { broken: false, depth: 0 };
    const node = render(value, state);
    if (options.auto && state.broken) {
      return fail('strings are not valid UTF-8');
    }
    return { ok: true, payload: { kind: 'json', node }, chain: ['msgpack'], notes: [], complete: true };
  },
};
