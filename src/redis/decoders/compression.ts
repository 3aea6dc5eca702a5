/**
 * gzip and zlib: they only unwrap bytes, the registry then decodes what comes out. A preview of
 * compressed data is expanded as far as it goes. Expansion is capped (a small value can expand to
 * gigabytes): past the cap the compressed bytes are shown as hex with a note.
 */
import zlib from 'node:zlib';
import type { DecodeFailure, Note } from './types';

/** A whole string value may expand this far; collection elements have much smaller caps (values.ts). */
export const DEFAULT_MAX_INFLATED_BYTES = 64 * 1024 * 1024;

export interface Inflated {
  ok: true;
  bytes: Buffer;
  /** False when the input was cut (preview). */
  complete: boolean;
  notes: Note[];
}

export type InflateAttempt = Inflated | DecodeFailure;

export function hasGzipHeader(bytes: Uint8Array): boolean {
  // magic 1f 8b, method 8 (deflate)
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

export function hasZlibHeader(bytes: Uint8Array): boolean {
  if (bytes.length < 2) {
    return false;
  }
  const cmf = bytes[0];
  const flg = bytes[1];
  // deflate, window <= 32K, header checksum, and no preset dictionary (we could not supply it)
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0 && (flg & 0x20) === 0;
}

function inflateWith(
  kind: 'gzip' | 'zlib',
  bytes: Buffer,
  partial: boolean,
  maxOutput: number,
): InflateAttempt {
  const run = (limit: number, flush: number): Buffer =>
    kind === 'gzip'
      ? zlib.gunzipSync(bytes, { maxOutputLength: limit, finishFlush: flush })
      : zlib.inflateSync(bytes, { maxOutputLength: limit, finishFlush: flush });
  // A cut stream (preview) is only readable with a sync flush; a whole one must end properly.
  const flush = partial ? zlib.constants.Z_SYNC_FLUSH : zlib.constants.Z_FINISH;
  try {
    return { ok: true, bytes: run(maxOutput, flush), complete: !partial, notes: partial ? [{ code: 'INFLATE_INCOMPLETE' }] : [] };
  } catch (err) {
    if (err instanceof RangeError) {
      return { ok: false, reason: 'expands beyond the limit', note: { code: 'INFLATE_LIMIT', args: { limit: maxOutput } } };
    }
    return { ok: false, reason: err instanceof Error ? err.message : `invalid ${kind} data` };
  }
}

export function gunzip(bytes: Buffer, partial: boolean, maxOutput = DEFAULT_MAX_INFLATED_BYTES): InflateAttempt {
  return hasGzipHeader(bytes) ? inflateWith('gzip', bytes, partial, maxOutput) : { ok: false, reason: 'no gzip header' };
}

export function inflate(bytes: Buffer, partial: boolean, maxOutput = DEFAULT_MAX_INFLATED_BYTES): InflateAttempt {
  return hasZlibHeader(bytes) ? inflateWith('zlib', bytes, partial, maxOutput) : { ok: false, reason: 'no zlib header' };
}

/**
 * Formats django-redis can compress with that Node cannot expand without a third-party native
 * module: recognized by their magic numbers so the user is told what the bytes are.
 */
const OTHER_FORMATS: Array<[string, number[]]> = [
  ['xz (lzma)', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

export function unsupportedCompression(bytes: Uint8Array): string | undefined {
  for (const [name, magic] of OTHER_FORMATS) {
    if (bytes.length > magic.length && magic.every((b, i) => bytes[i] === b)) {
      return name;
    }
  }
  return undefined;
}
