/**
 * Limits every decode runs under. A cache holds whatever a process wrote, sometimes corrupt or
 * crafted: a few hundred bytes can describe gigabytes of output (shared pickle references, deep
 * nesting, compression bombs). Past a limit the decoder stops, keeps what it has, and says so in a
 * note; it never runs out of memory or freezes the extension host.
 */

/** Nesting deeper than this is crafted (Python's own pickler and json module stop near 1,000). */
export const MAX_DEPTH = 1000;
/** A decode that takes longer than this stops and shows what it has. */
export const DEFAULT_DECODE_MS = 2000;
/** Output of one laid-out value: generous for real data, far below what a heap can hold. */
export const MAX_OUTPUT_CHARS = 16 * 1024 * 1024;

/** Output allowed for `inputBytes` of input: real layouts are a small multiple of their input. */
export function outputCap(inputBytes: number): number {
  return MAX_OUTPUT_CHARS + 2 * inputBytes;
}

/** A wall-clock deadline that is cheap to poll from a hot loop (the clock is read every 1,024 polls). */
export class Deadline {
  private polls = 0;
  private readonly end: number;
  expired = false;

  constructor(readonly ms: number = DEFAULT_DECODE_MS) {
    this.end = Date.now() + ms;
  }

  poll(): boolean {
    if (this.expired) {
      return true;
    }
    if ((++this.polls & 1023) === 0 && Date.now() > this.end) {
      this.expired = true;
    }
    return this.expired;
  }

  /** Reads the clock now: between elements, where polls are too rare to reach the sampling. */
  check(): boolean {
    this.expired ||= Date.now() > this.end;
    return this.expired;
  }
}
