/**
 * A resumable SCAN cursor over one DB, binary-safe (keys are the raw bytes of `scanBuffer`).
 *
 * - Never KEYS; SCAN with MATCH and COUNT; empty pages are normal and are followed until cursor 0.
 * - A type filter uses SCAN … TYPE only where the server has it (caps.scanType, Redis 6+); otherwise
 *   the page's types come from one pipelined TYPE round trip and are filtered here.
 * - Duplicates are not removed here: the index does that without a per-key JS object.
 * - One request is in flight at most. A page that was asked for but not consumed (prefetch, timeout,
 *   cancellation) stays attached to its cursor and is used by the next call, so a retry never skips
 *   keys and never piles requests up on a stalled server. A request the client itself gave up on
 *   (its own command timeout) is dead: the next call sends the page again from the same cursor.
 * - With `prefetch`, the next request leaves as soon as a reply is taken, so the server scans while
 *   the caller indexes the page it just got.
 * - Without a fixed COUNT, COUNT follows the server's pace (`ScanPacer`): reply times set the next
 *   COUNT so that one SCAN stays around 1.5 ms, whatever the server's speed or load. SCAN's cost
 *   is per bucket visited, so a slow or busy server gets smaller requests, less likely to be caught
 *   half-way by a descheduling that would put them in its slowlog.
 * - Failures surface as `NovaError` codes; the cursor only advances on success, so calling `next`
 *   again after an error resumes where the scan stopped.
 */
import type Redis from 'ioredis';
import type { Capabilities } from './capabilities';
import { DEFAULT_COMMAND_TIMEOUT_MS, withDeadline } from './deadline';
import { toNovaError } from './connect';
import { NovaError, isNovaError } from './errors';
import { keyTypeOf, type KeyType } from './keyMeta';
import type { ScanWire } from './scanWire';

export const DEFAULT_SCAN_COUNT = 1000;

/**
 * Bounds of the paced COUNT and the server time one SCAN aims at: long enough that the round trip's
 * fixed cost stays small against the server's work, short enough to stay far below a 10 ms slowlog
 * threshold even when the server is descheduled once in the middle of a call. The cap bounds the one
 * SCAN that follows a sudden slowdown (before its reply is measured); the floor keeps a stalled server
 * from being asked for pages so small that round trips dominate.
 */
export const SCAN_PACE = { minCount: 100, maxCount: 5000, startCount: DEFAULT_SCAN_COUNT, targetMs: 1.5 } as const;

/** Replies whose fastest per-COUNT time estimates the server's cost. */
const PACE_WINDOW = 8;

/**
 * Picks each SCAN's COUNT from the time earlier replies took, measured from sending to the reply being
 * read. That time is the server's work (proportional to COUNT: SCAN's cost is per bucket visited) plus
 * delays that are not (the network, a client busy with the previous page, a process waiting for a
 * core), which only ever add. So the fastest of the last few replies, per unit of COUNT, estimates the
 * server's cost, and COUNT grows towards the target from it, by half at most per reply. A reply slower
 * than three times the target halves COUNT at once: on a busy machine, shorter calls are less likely
 * to be descheduled half-way, which is what fills a slowlog.
 */
export class ScanPacer {
  private count: number = SCAN_PACE.startCount;
  private readonly recent: number[] = [];

  /** The COUNT for the next request. */
  get next(): number {
    return this.count;
  }

  /** A reply to a SCAN of `count` came back `ms` after it was sent. */
  observe(count: number, ms: number): void {
    if (!(count > 0) || !(ms >= 0)) {
      return;
    }
    this.recent.push(Math.max(ms, 0.01) / count);
    if (this.recent.length > PACE_WINDOW) {
      this.recent.shift();
    }
    const ideal = SCAN_PACE.targetMs / Math.min(...this.recent);
    const next = ms > 3 * SCAN_PACE.targetMs ? Math.min(this.count / 2, ideal) : Math.min(this.count * 1.5, ideal);
    this.count = Math.round(Math.min(SCAN_PACE.maxCount, Math.max(SCAN_PACE.minCount, next)));
  }
}

export interface ScanOptions {
  /** SCAN MATCH pattern (glob); omitted or `*` scans everything. */
  match?: string | Buffer;
  /** A fixed SCAN COUNT; omitted, COUNT follows the server's pace (`ScanPacer`). */
  count?: number;
  /** Keep only keys of this type. 'other' (module types...) is always filtered client-side. */
  type?: KeyType;
  /** A reply that takes longer than this fails with COMMAND_TIMEOUT (the server is stalled). */
  timeoutMs?: number;
  /**
   * The explorer's own SCAN connection, when it has one open (see ScanWire): SCANs go there, and a
   * prefetch leaves as soon as the cursor of the reply before it is in. Otherwise, through `client`.
   */
  wire?: () => ScanWire | undefined;
}

export interface ScanPage {
  keys: Buffer[];
  /** Types of `keys`, when the page had to be type-checked client-side (index-aligned). */
  types?: KeyType[];
  /** Keys the server returned for this page before client-side filtering. */
  returned: number;
  /** True once the cursor came back to 0: the whole keyspace was visited. */
  done: boolean;
  /** The COUNT of the SCAN that returned this page (absent for an empty page after the end). */
  count?: number;
}

interface Flight {
  promise: Promise<[Buffer, Buffer[]]>;
  /** Through a ScanWire: the next cursor, once its reply started coming in. */
  cursor?: Buffer;
  /** Set to send the next request the moment `cursor` is known. */
  onCursor?: (cursor: Buffer) => void;
  /**
   * The request itself failed: the client timed it out (its command timeout can equal our deadline)
   * or lost the connection. Such a flight is never waited on again; the page is asked for anew.
   */
  failed: boolean;
  /** The COUNT it was sent with. */
  count: number;
}

/** Redis' names for the types a SCAN TYPE filter can ask for. */
const SERVER_TYPE_NAMES: Partial<Record<KeyType, string>> = {
  string: 'string',
  hash: 'hash',
  list: 'list',
  set: 'set',
  zset: 'zset',
  stream: 'stream',
};

/**
 * The SCAN arguments after the cursor. Exported so the "never send SCAN TYPE to an old server" rule can
 * be checked directly, not only through a server that would reject it.
 */
export function scanArguments(caps: Capabilities, options: ScanOptions): (string | Buffer)[] {
  const args: (string | Buffer)[] = [];
  const match = options.match;
  if (match !== undefined && !(match.length === 1 && (match === '*' || (Buffer.isBuffer(match) && match[0] === 0x2a)))) {
    args.push('MATCH', match);
  }
  args.push('COUNT', String(options.count ?? DEFAULT_SCAN_COUNT));
  const serverType = options.type !== undefined ? SERVER_TYPE_NAMES[options.type] : undefined;
  if (serverType !== undefined && caps.scanType) {
    args.push('TYPE', serverType);
  }
  return args;
}

/** Whether the type filter (if any) must be applied client-side from TYPE replies. */
export function needsClientTypeFilter(caps: Capabilities, options: ScanOptions): boolean {
  return options.type !== undefined && !(caps.scanType && SERVER_TYPE_NAMES[options.type] !== undefined);
}

export class KeyScanner {
  private cursor = '0';
  private started = false;
  private finished = false;
  private flight: Flight | undefined;
  /** Sent from the cursor of `flight` before its reply was all in: the page after it. */
  private ahead: Flight | undefined;
  /** Keys whose page came back but whose TYPE check failed: retried before scanning further. */
  private unchecked: { keys: Buffer[]; done: boolean; count: number } | undefined;
  private readonly caps: Capabilities;
  private readonly clientFilter: boolean;
  private readonly pacer = new ScanPacer();

  /** SCAN calls that completed, and keys the server returned in them (duplicates included). */
  calls = 0;
  returned = 0;

  constructor(
    private readonly client: Redis,
    caps: Capabilities,
    private readonly options: ScanOptions = {},
  ) {
    this.caps = caps;
    this.clientFilter = needsClientTypeFilter(caps, options);
  }

  /** True once the whole keyspace was visited (cursor back at 0). */
  get done(): boolean {
    return this.finished;
  }

  /**
   * The next page. With `prefetch`, the request for the following page is sent before this one is
   * returned, so the server works while the caller processes the page; that request is the only one
   * ahead, and the next call takes its reply. `count` overrides the COUNT of this request (a request
   * already in flight keeps its own).
   */
  async next(opts: { prefetch?: boolean; signal?: AbortSignal; count?: number } = {}): Promise<ScanPage> {
    if (this.finished) {
      return { keys: [], returned: 0, done: true };
    }
    if (this.unchecked) {
      return this.typeFiltered(this.unchecked.keys, this.unchecked.done, this.unchecked.count, opts.signal);
    }
    if (!this.flight || this.flight.failed) {
      this.ahead = undefined;
      this.flight = this.send(this.cursor, opts.count);
    }
    const flight = this.flight;
    if (opts.prefetch && !this.ahead && flight.onCursor === undefined) {
      // Through a wire, the next request leaves when this reply's cursor is in, not once all of it is.
      const early = (cursor: Buffer): void => {
        if (this.flight === flight && !this.ahead && cursor.toString('latin1') !== '0') {
          this.ahead = this.send(cursor.toString('latin1'));
        }
      };
      if (flight.cursor) {
        early(flight.cursor);
      } else {
        flight.onCursor = early;
      }
    }
    let reply: [Buffer, Buffer[]];
    try {
      reply = await this.settle(flight.promise, opts.signal);
    } catch (err) {
      // A failed request is dead; our own deadline or a cancel leaves a live one to finish later.
      if (this.flight === flight && (flight.failed || (!isNovaError(err, 'COMMAND_TIMEOUT') && !isNovaError(err, 'CANCELLED')))) {
        this.flight = undefined;
        this.ahead = undefined;
      }
      throw err;
    }
    if (this.flight !== flight) {
      // A reset happened while waiting: this reply belongs to an abandoned scan.
      throw new NovaError('CANCELLED', 'scan was reset');
    }
    this.flight = this.ahead;
    this.ahead = undefined;
    const [nextCursor, keys] = reply;
    const count = flight.count;
    this.cursor = nextCursor.toString('latin1');
    this.started = true;
    this.calls++;
    this.returned += keys.length;
    const done = this.cursor === '0';
    if (!done && opts.prefetch && !this.flight) {
      this.flight = this.send(this.cursor);
    }
    if (this.clientFilter && keys.length > 0) {
      this.unchecked = { keys, done, count };
      return this.typeFiltered(keys, done, count, opts.signal);
    }
    this.finished = done;
    return { keys, returned: keys.length, done, count };
  }

  /** Forgets the position; the next call starts from cursor 0. A reply still in flight is ignored. */
  reset(): void {
    this.flight = undefined;
    this.ahead = undefined;
    this.unchecked = undefined;
    this.cursor = '0';
    this.started = false;
    this.finished = false;
    this.calls = 0;
    this.returned = 0;
  }

  /** True after at least one page came back. */
  get hasStarted(): boolean {
    return this.started;
  }

  /** The cursor the next page starts from ('0' before the first page). */
  get position(): string {
    return this.cursor;
  }

  /** Share of the keyspace visited so far (see cursorFraction). */
  fraction(totalKeys: number): number | undefined {
    return cursorFraction(this.cursor, totalKeys);
  }

  private send(cursor: string, count?: number): Flight {
    const n = count ?? this.options.count ?? this.pacer.next;
    const args = scanArguments(this.caps, { ...this.options, count: n });
    const sent = performance.now();
    const wire = this.options.wire?.();
    const flight: Flight = { promise: Promise.resolve([Buffer.alloc(0), []]), failed: false, count: n };
    const promise = wire?.isOpen
      ? wire.scan(cursor, args, (next) => {
          flight.cursor = next;
          flight.onCursor?.(next);
        })
      : (this.client.callBuffer('SCAN', cursor, ...args) as Promise<[Buffer, Buffer[]]>);
    flight.promise = promise;
    // Registered before anyone awaits the reply: the pace is updated before the next request leaves,
    // and a dead request is marked before `next` sees the rejection (which also keeps an abandoned
    // one from becoming an unhandled rejection).
    promise.then(
      () => this.pacer.observe(n, performance.now() - sent),
      () => {
        flight.failed = true;
      },
    );
    return flight;
  }

  private async typeFiltered(keys: Buffer[], done: boolean, count: number, signal: AbortSignal | undefined): Promise<ScanPage> {
    const pipe = this.client.pipeline();
    for (const k of keys) {
      pipe.type(k);
    }
    const replies = await this.settle(pipe.exec(), signal);
    const kept: Buffer[] = [];
    const types: KeyType[] = [];
    for (let i = 0; i < keys.length; i++) {
      const [err, raw] = replies?.[i] ?? [new Error('no reply'), null];
      if (err) {
        throw toNovaError(err);
      }
      const t = keyTypeOf(String(raw));
      if (t !== 'none' && t === this.options.type) {
        kept.push(keys[i]);
        types.push(t);
      }
    }
    this.unchecked = undefined;
    this.finished = done;
    return { keys: kept, types, returned: keys.length, done, count };
  }

  private settle<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    return withDeadline(promise, this.options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS, signal);
  }
}

/**
 * Roughly how much of the keyspace a cursor has covered, from 0 to 1; undefined when it cannot tell.
 * SCAN walks the hash table's buckets in reverse-binary order, so the bit-reversed cursor over the
 * table size (the power of two at or above the key count, which is how Redis sizes its tables) is the
 * share of buckets visited. Used for progress when a MATCH or TYPE filter makes key counts useless.
 */
export function cursorFraction(cursor: string, dbsize: number): number | undefined {
  const c = Number(cursor);
  if (!Number.isSafeInteger(c) || c < 0 || dbsize <= 0) {
    return undefined;
  }
  let bits = 2;
  while (1 << bits < dbsize && bits < 30) {
    bits++;
  }
  if (c >= 2 ** bits) {
    return undefined;
  }
  let rev = 0;
  for (let i = 0; i < bits; i++) {
    rev = rev * 2 + (Math.floor(c / 2 ** i) % 2);
  }
  return rev / 2 ** bits;
}
