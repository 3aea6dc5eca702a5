/**
 * The cache report: what fills the DB (or one folder of it), per namespace, and what never expires.
 *
 * - Namespaces are the folders of the key tree (same delimiter, same greedy split from the left).
 * - Large DBs are sampled in two stages. Names: bounded SCAN pages started from cursors spread over
 *   the keyspace (SCAN walks buckets in reverse-binary order, so the cursor whose low bits are the
 *   bit-reversed stratum number starts at that share of the table), the same amount from each, until
 *   enough keys were seen; a namespace's key count is its share of the keys seen times DBSIZE, with
 *   its margin. Details (TTL, idle time, memory): a few thousand of those keys, drawn per namespace
 *   of the first two levels so that every namespace gets some, whose means are scaled to the counts.
 * - "Full" visits every key and details each one, page by page, with progress and cancellation.
 * - Memory: MEMORY USAGE … SAMPLES where the server has it and allows it; else DEBUG OBJECT's
 *   serializedlength where DEBUG is allowed (not for big values, whose serialisation would hold the
 *   server); else an estimate from the value sizes (STRLEN/HLEN/LLEN/SCARD/ZCARD times the mean size
 *   of a few members). The report says which method it used.
 * - The server is never held: SCAN's COUNT follows its pace, detail pipelines are two hundred keys,
 *   one request in flight. OBJECT IDLETIME is read before anything that could count as an access.
 */
import type Redis from 'ioredis';
import type { Capabilities } from './capabilities';
import { DEFAULT_COMMAND_TIMEOUT_MS, withDeadline } from './deadline';
import { NovaError, isNovaError, toNovaError } from './errors';
import { escapeGlob } from './glob';
import { KeyIndex } from './keyIndex';
import { keyTypeOf, sizeCommand, type KeyType } from './keyMeta';
import { bytesId, displayName } from './keyName';
import { ScanPacer, scanArguments } from './scan';
import { prng } from '../util/prng';

export type MemoryMethod = 'memory-usage' | 'debug-object' | 'value-sizes';
export const TTL_BUCKETS = ['soon', 'hour', 'day', 'longer', 'none'] as const;
export type TtlBucket = (typeof TTL_BUCKETS)[number];

/** Upper bounds (ms, inclusive) of the TTL buckets; `longer` is anything above a day. */
export const TTL_BUCKET_LIMITS = { soon: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** Confidence of the stated margins: wide enough that a sampled figure outside its margin is a bug. */
export const REPORT_CONFIDENCE = 0.999;
const Z = 3.29;

/** Namespace levels below which the sample is not drawn per namespace (see the module comment). */
const GROUP_DEPTH = 2;

export interface ReportOptions {
  /** The folder to report on (its path plus the delimiter); the whole DB when absent. */
  prefix?: Buffer;
  /** The tree's delimiter; null or '' for none (every key at the root). */
  delimiter: string | null;
  /** 'sample' (default) reads a bounded sample on large DBs; 'full' visits every key. */
  mode?: 'sample' | 'full';
  /** Keys the names stage of a sample aims at; a DB at most this size is reported in full. */
  sampleKeys?: number;
  /** Keys whose details a sample reads. */
  detailKeys?: number;
  /** Namespace levels below the report's root (deeper keys count in their level-`maxDepth` folder). */
  maxDepth?: number;
  /** Sub-namespaces listed per namespace; the rest are summed into `others`. */
  maxChildren?: number;
  /** Biggest keys kept. */
  biggest?: number;
  /** The TTL the backend gives by default (NOVA: 3600 s). */
  defaultTtlSeconds?: number;
  /** MEMORY USAGE … SAMPLES n. */
  memorySamples?: number;
  /** Restricts the methods tried (tests use it to take the 3.0 paths on a current server). */
  allowMemoryUsage?: boolean;
  allowDebug?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: ReportProgress) => void;
  /** Seed of the draw of detailed keys (tests), random otherwise. */
  seed?: number;
  now?: () => number;
}

export interface ReportProgress {
  phase: 'scan' | 'details';
  /** Distinct keys seen so far (in scope or not). */
  seen: number;
  detailed: number;
  /** DBSIZE when the report started. */
  total: number;
}

export interface TtlCounts {
  soon: number;
  hour: number;
  day: number;
  longer: number;
  none: number;
}

export interface NamespaceStats {
  /** bytesId of the prefix (path plus delimiter); '' for the report's root. */
  id: string;
  /** The namespace's own segment, readable. */
  name: string;
  /** The full path without the trailing delimiter, readable. */
  path: string;
  depth: number;
  parentId?: string;
  /** Keys below, at any depth (an estimate when sampled; see `keysMargin`). */
  keys: number;
  keysMargin: number;
  /** Keys directly in this folder (not in a sub-namespace). */
  directKeys: number;
  /** Keys the report actually saw here, and read the details of. */
  seen: number;
  detailed: number;
  memory: number;
  memoryMargin: number;
  withTtl: number;
  ttl: TtlCounts;
  idleAvgSeconds: number | null;
  idleMaxSeconds: number | null;
  /** Sub-namespaces, biggest first (at most `maxChildren`). */
  children: string[];
  /** Sub-namespaces left out of `children`, summed. */
  others?: { namespaces: number; keys: number; memory: number };
}

export interface BigKey {
  id: string;
  name: string;
  namespaceId: string;
  type: KeyType;
  rawType: string;
  memory: number;
  ttlMs: number | null;
  idleSeconds: number | null;
  /** Elements (bytes for strings) where the method read them. */
  size: number | null;
}

export type ReportWarning =
  /** Keys without a TTL in a namespace that is a cache (named so, or where most keys expire). */
  | { kind: 'noTtlInCache'; namespaceId: string; path: string; keys: number; examples: string[] }
  /** Every key of the namespace got the default TTL: it never sets one of its own. */
  | { kind: 'defaultTtlOnly'; namespaceId: string; path: string; keys: number; ttlSeconds: number }
  /** Django keys `prefix:version:key` of several versions alive: the old ones are never read again. */
  | { kind: 'djangoVersionSkew'; prefix: string; versions: { version: string; keys: number }[] };

export interface CacheReport {
  scope: { id: string; path: string | null; delimiter: string | null };
  sampled: boolean;
  /** DBSIZE at the start (approximate: it counts keys that expired but were not reclaimed). */
  dbsize: number;
  /** Distinct keys the report saw (in scope or not) and, of those in scope, how many it detailed. */
  keysSeen: number;
  keysDetailed: number;
  confidence: number;
  memoryMethod: MemoryMethod;
  /** Keys measured by value sizes because their value was too big for the chosen method. */
  memoryFallbackKeys: number;
  /** Keys whose memory no method could tell (streams without a size, module types). */
  memoryUnknownKeys: number;
  /** DEBUG was tried and refused (renamed away, or disabled). */
  debugRefused: boolean;
  /** MEMORY USAGE is there but was refused (renamed away, ACL). */
  memoryUsageRefused: boolean;
  defaultTtlSeconds: number;
  root: NamespaceStats;
  /** Every namespace listed, the root first, parents before children. */
  namespaces: NamespaceStats[];
  biggest: BigKey[];
  warnings: ReportWarning[];
  startedAt: number;
  durationMs: number;
}

interface Sums {
  d: number;
  mem: number;
  memSq: number;
  ttl: number;
  buckets: number[];
  idleSum: number;
  idleN: number;
  idleMax: number;
  /** Keys with a TTL whose TTL plus idle time equals the default (written with it, never read). */
  atDefault: number;
  /** Keys with a TTL above the default. */
  overDefault: number;
}

interface Acc {
  prefix: Buffer;
  depth: number;
  parent?: Acc;
  children: Map<string, Acc>;
  seen: number;
  directSeen: number;
  all: Sums;
  direct: Sums;
  noTtlExamples: Buffer[];
}

interface Detail {
  key: Buffer;
  folder: Acc;
  type: KeyType;
  rawType: string;
  pttl: number;
  idle: number | null;
  memory: number | null;
  size: number | null;
}

const newSums = (): Sums => ({ d: 0, mem: 0, memSq: 0, ttl: 0, buckets: [0, 0, 0, 0, 0], idleSum: 0, idleN: 0, idleMax: 0, atDefault: 0, overDefault: 0 });

/** Keys per detail pipeline: four or five small commands each, about half a millisecond of server time. */
const DETAIL_BATCH = 200;
/** Members read to estimate a collection's size per element. */
const MEMBER_SAMPLE = 10;
/** DEBUG OBJECT serialises the value: not for strings over 1 MiB nor collections over 10,000 elements. */
const DEBUG_MAX_STRING = 1 << 20;
const DEBUG_MAX_ELEMENTS = 10_000;
/** Attempts of one read that timed out. */
const RETRIES = 3;
/** Starting cursors of a sample: a power of two. */
const STRATA = 32;
const DEFAULTS = { sampleKeys: 25_000, detailKeys: 2_000, maxDepth: 4, maxChildren: 100, biggest: 50, defaultTtlSeconds: 3600, memorySamples: 5 };

export function ttlBucket(pttl: number): TtlBucket {
  if (pttl < 0) {
    return 'none';
  }
  if (pttl <= TTL_BUCKET_LIMITS.soon) {
    return 'soon';
  }
  if (pttl <= TTL_BUCKET_LIMITS.hour) {
    return 'hour';
  }
  return pttl <= TTL_BUCKET_LIMITS.day ? 'day' : 'longer';
}

/** `i` written with `bits` bits in reverse order: the SCAN cursor that starts at share i / 2^bits. */
export function reverseBits(i: number, bits: number): number {
  let out = 0;
  for (let b = 0; b < bits; b++) {
    out = out * 2 + (Math.floor(i / 2 ** b) % 2);
  }
  return out;
}

/**
 * Ends of the folder segments of `key` after `start`, as prefix lengths (each includes its
 * delimiter), at most `maxDepth`: the same greedy split from the left as the key tree's.
 */
export function folderEnds(key: Uint8Array, start: number, delimiter: Uint8Array | null, maxDepth: number): number[] {
  const ends: number[] = [];
  if (!delimiter || delimiter.length === 0) {
    return ends;
  }
  const dl = delimiter.length;
  for (let i = start; i + dl <= key.length && ends.length < maxDepth; ) {
    let match = true;
    for (let j = 0; j < dl; j++) {
      if (key[i + j] !== delimiter[j]) {
        match = false;
        break;
      }
    }
    if (match) {
      i += dl;
      ends.push(i);
    } else {
      i++;
    }
  }
  return ends;
}

const DJANGO_KEY = /^([^:]{0,64}):(\d{1,3}):./s;

export async function buildCacheReport(client: Redis, caps: Capabilities, options: ReportOptions): Promise<CacheReport> {
  const run = new ReportRun(client, caps, options);
  return run.build();
}

class ReportRun {
  private readonly o: Required<Omit<ReportOptions, 'prefix' | 'signal' | 'onProgress' | 'seed' | 'delimiter'>>;
  private readonly prefix: Buffer;
  private readonly delimiter: Uint8Array | null;
  private readonly root: Acc;
  private readonly seenIndex = new KeyIndex(null);
  private readonly rand: () => number;
  private readonly django = new Map<string, Map<string, number>>();
  private readonly biggest: Detail[] = [];
  private method: MemoryMethod;
  private debugProbed = false;
  private debugRefused = false;
  private memoryUsageRefused = false;
  private fallbackKeys = 0;
  private unknownKeys = 0;
  private detailed = 0;
  private dbsize = 0;
  private seenAll = 0;
  private readonly computed = new Map<Acc, Computed>();
  /** Folders by their whole prefix (latin1), so a key's folder is one lookup. */
  private readonly folders = new Map<string, Acc>();

  constructor(
    private readonly client: Redis,
    private readonly caps: Capabilities,
    private readonly options: ReportOptions,
  ) {
    this.o = {
      mode: options.mode ?? 'sample',
      sampleKeys: options.sampleKeys ?? DEFAULTS.sampleKeys,
      detailKeys: options.detailKeys ?? DEFAULTS.detailKeys,
      maxDepth: options.maxDepth ?? DEFAULTS.maxDepth,
      maxChildren: options.maxChildren ?? DEFAULTS.maxChildren,
      biggest: options.biggest ?? DEFAULTS.biggest,
      defaultTtlSeconds: options.defaultTtlSeconds ?? DEFAULTS.defaultTtlSeconds,
      memorySamples: options.memorySamples ?? DEFAULTS.memorySamples,
      allowMemoryUsage: options.allowMemoryUsage ?? true,
      allowDebug: options.allowDebug ?? true,
      timeoutMs: options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      now: options.now ?? Date.now,
    };
    this.prefix = options.prefix ?? Buffer.alloc(0);
    this.delimiter = options.delimiter ? Buffer.from(options.delimiter, 'utf8') : null;
    this.root = this.newAcc(this.prefix, 0, undefined);
    this.rand = options.seed === undefined ? Math.random : prng(options.seed);
    this.method = caps.memoryUsage && this.o.allowMemoryUsage ? 'memory-usage' : this.o.allowDebug ? 'debug-object' : 'value-sizes';
  }

  async build(): Promise<CacheReport> {
    const startedAt = this.o.now();
    const t0 = performance.now();
    this.dbsize = Number(await this.retrying(() => this.client.dbsize()));
    const sampled = this.o.mode === 'sample' && this.dbsize > this.o.sampleKeys;
    if (sampled) {
      const names = await this.sampleNames();
      if (this.prefix.length > 0 && names.length < this.o.detailKeys) {
        // A small folder: a sample would hold too few of its keys to say much. Its exact figures
        // cost one pass over the keyspace with MATCH, which the user asked for by picking it.
        return new ReportRun(this.client, this.caps, { ...this.options, mode: 'full' }).build();
      }
      await this.details(this.draw(names));
    } else {
      await this.full();
    }
    const report = this.finish(sampled, startedAt);
    report.durationMs = Math.round(performance.now() - t0);
    return report;
  }

  // ---- scanning ---------------------------------------------------------------------------------

  /** Every key, each detailed as its page arrives; MATCH narrows the scan to the folder. */
  private async full(): Promise<void> {
    const match = this.prefix.length > 0 ? Buffer.concat([escapeGlob(this.prefix), Buffer.from('*')]) : undefined;
    const pacer = new ScanPacer();
    let cursor = '0';
    do {
      const page = await this.scanOnce(cursor, pacer, match);
      cursor = page.cursor;
      const fresh = this.fresh(page.keys).filter((k) => this.inScope(k));
      for (const k of fresh) {
        this.noteSeen(k);
      }
      await this.details(fresh.map((k) => ({ key: k, folder: this.folderOf(k) })));
      this.progress('scan');
    } while (cursor !== '0');
  }

  /** Names from spread-out cursors; returns the keys in scope (their details are drawn from them). */
  private async sampleNames(): Promise<{ key: Buffer; folder: Acc }[]> {
    const bits = Math.log2(STRATA);
    const perStratum = Math.ceil(this.o.sampleKeys / STRATA);
    const pacer = new ScanPacer();
    const inScope: { key: Buffer; folder: Acc }[] = [];
    for (let s = 0; s < STRATA; s++) {
      let cursor = String(reverseBits(s, bits));
      let got = 0;
      // A stratum ends when it has its share of keys, or its cursor reaches the next stratum's start
      // (or wraps to 0): no bucket is read twice, so no key is counted twice.
      while (got < perStratum) {
        const page = await this.scanOnce(cursor, pacer, undefined, Math.max(100, Math.min(pacer.next, perStratum - got)));
        const fresh = this.fresh(page.keys);
        got += fresh.length;
        for (const k of fresh) {
          this.seenAll++;
          if (this.inScope(k)) {
            this.noteSeen(k);
            inScope.push({ key: k, folder: this.folderOf(k) });
          }
        }
        cursor = page.cursor;
        if (cursor === '0' || this.stratumOf(cursor, bits) !== s) {
          break;
        }
      }
      this.progress('scan');
    }
    return inScope;
  }

  /** Which stratum a cursor is in: its low bits, reversed (the table has at least STRATA buckets). */
  private stratumOf(cursor: string, bits: number): number {
    const c = Number(BigInt(cursor) % BigInt(STRATA));
    return reverseBits(c, bits);
  }

  private async scanOnce(cursor: string, pacer: ScanPacer, match: Buffer | undefined, count?: number): Promise<{ cursor: string; keys: Buffer[] }> {
    const n = count ?? pacer.next;
    const args = scanArguments(this.caps, { match, count: n });
    const sent = performance.now();
    const [next, keys] = (await this.retrying(() => this.client.callBuffer('SCAN', cursor, ...args))) as [Buffer, Buffer[]];
    pacer.observe(n, performance.now() - sent);
    return { cursor: next.toString('latin1'), keys };
  }

  /** Keys not seen before (SCAN may return a key twice). */
  private fresh(keys: Buffer[]): Buffer[] {
    const out: Buffer[] = [];
    for (const k of keys) {
      const before = this.seenIndex.size;
      this.seenIndex.add(k);
      if (this.seenIndex.size > before) {
        out.push(k);
      }
    }
    return out;
  }

  private inScope(key: Buffer): boolean {
    return this.prefix.length === 0 || ( key.length >= this.prefix.length && key.subarray(0, this.prefix.length).equals(this.prefix));
  }

  private noteSeen(key: Buffer): void {
    const folder = this.folderOf(key);
    folder.directSeen++;
    for (let a: Acc | undefined = folder; a; a = a.parent) {
      a.seen++;
    }
    const colon = key.indexOf(0x3a);
    const m = colon >= 0 && colon <= 64 && key[colon + 1] >= 0x30 && key[colon + 1] <= 0x39 ? DJANGO_KEY.exec(key.toString('latin1')) : null;
    if (m) {
      const versions = this.django.get(m[1]) ?? new Map<string, number>();
      versions.set(m[2], (versions.get(m[2]) ?? 0) + 1);
      this.django.set(m[1], versions);
    }
  }

  /** The key's folder within the report (created on the way), at most `maxDepth` levels down. */
  private folderOf(key: Buffer): Acc {
    const ends = folderEnds(key, this.prefix.length, this.delimiter, this.o.maxDepth);
    if (ends.length === 0) {
      return this.root;
    }
    const deepest = key.toString('latin1', 0, ends[ends.length - 1]);
    const known = this.folders.get(deepest);
    if (known) {
      return known;
    }
    let acc = this.root;
    for (const end of ends) {
      const id = key.toString('latin1', 0, end);
      let child = acc.children.get(id);
      if (!child) {
        child = this.newAcc(key.subarray(0, end), acc.depth + 1, acc);
        acc.children.set(id, child);
      }
      acc = child;
    }
    this.folders.set(deepest, acc);
    return acc;
  }

  private newAcc(prefix: Buffer, depth: number, parent: Acc | undefined): Acc {
    return { prefix: Buffer.from(prefix), depth, parent, children: new Map(), seen: 0, directSeen: 0, all: newSums(), direct: newSums(), noTtlExamples: [] };
  }

  /** The group a key is drawn in: its folder at level GROUP_DEPTH, or its own folder above that. */
  private groupOf(folder: Acc): Acc {
    let g = folder;
    while (g.depth > GROUP_DEPTH && g.parent) {
      g = g.parent;
    }
    return g;
  }

  /** Keys to detail: the budget split over the groups by their share, at least one each. */
  private draw(keys: { key: Buffer; folder: Acc }[]): { key: Buffer; folder: Acc }[] {
    const groups = new Map<Acc, { key: Buffer; folder: Acc }[]>();
    for (const item of keys) {
      const g = this.groupOf(item.folder);
      const list = groups.get(g) ?? [];
      list.push(item);
      groups.set(g, list);
    }
    const out: { key: Buffer; folder: Acc }[] = [];
    for (const list of groups.values()) {
      const want = Math.min(list.length, Math.max(1, Math.round((this.o.detailKeys * list.length) / Math.max(1, keys.length))));
      for (let i = 0; i < want; i++) {
        const j = i + Math.floor(this.rand() * (list.length - i));
        [list[i], list[j]] = [list[j], list[i]];
        out.push(list[i]);
      }
    }
    return out;
  }

  // ---- details ----------------------------------------------------------------------------------

  private async details(items: { key: Buffer; folder: Acc }[]): Promise<void> {
    for (let i = 0; i < items.length; i += DETAIL_BATCH) {
      const batch = items.slice(i, i + DETAIL_BATCH);
      const details = await this.detailBatch(batch);
      for (const d of details) {
        this.account(d);
      }
      this.progress('details');
    }
  }

  private async detailBatch(batch: { key: Buffer; folder: Acc }[]): Promise<Detail[]> {
    const useMemory = this.method === 'memory-usage';
    const r1 = await this.exec((first) => {
      for (const { key } of batch) {
        // Idle time first: the other reads may count as an access and reset it.
        first.call('OBJECT', 'IDLETIME', key);
        first.call('TYPE', key);
        first.call('PTTL', key);
        if (useMemory) {
          first.call('MEMORY', 'USAGE', key, 'SAMPLES', String(this.o.memorySamples));
        }
      }
    });
    const per = useMemory ? 4 : 3;
    const details: Detail[] = [];
    let memoryRefused = false;
    batch.forEach(({ key, folder }, i) => {
      const [eIdle, idle] = r1[i * per];
      const [eType, rawType] = r1[i * per + 1];
      const [ePttl, pttl] = r1[i * per + 2];
      if (eType || ePttl) {
        throw this.replyError(eType ?? ePttl);
      }
      const type = keyTypeOf(String(rawType));
      if (type === 'none' || Number(pttl) === -2) {
        return;
      }
      let memory: number | null = null;
      if (useMemory) {
        const [eMem, mem] = r1[i * per + 3];
        if (eMem) {
          memoryRefused = true;
        } else if (mem !== null) {
          memory = Number(mem);
        }
      }
      details.push({ key, folder, type, rawType: String(rawType), pttl: Number(pttl), idle: eIdle ? null : Number(idle), memory, size: null });
    });
    if (memoryRefused) {
      this.memoryUsageRefused = true;
      this.method = this.o.allowDebug ? 'debug-object' : 'value-sizes';
      for (const d of details) {
        d.memory = null;
      }
    }
    if (this.method !== 'memory-usage') {
      await this.sizes(details);
    }
    return details;
  }

  /** Sizes and a few members (value-size estimate), then DEBUG OBJECT where it is cheap and allowed. */
  private async sizes(details: Detail[]): Promise<void> {
    const plan = details.map((d) => {
      const cmd = sizeCommand(d.type, this.caps);
      const memberArgs = memberCommand(d.type, d.key);
      return { d, cmd, memberArgs, size: cmd !== undefined, members: memberArgs !== undefined };
    });
    const replies =
      plan.length > 0
        ? await this.exec((pipe) => {
            for (const { d, cmd, memberArgs } of plan) {
              if (cmd) {
                pipe.call(cmd, d.key);
              }
              if (memberArgs) {
                pipe.callBuffer(...memberArgs);
              }
            }
          })
        : [];
    let r = 0;
    const estimates = new Map<Detail, number | null>();
    for (const { d, size, members } of plan) {
      let sizeReply: number | null = null;
      if (size) {
        const [err, n] = replies[r++];
        sizeReply = err ? null : Number(n);
      }
      let memberBytes: number | null = null;
      if (members) {
        const [err, reply] = replies[r++];
        memberBytes = err ? null : meanMemberBytes(d.type, reply);
      }
      d.size = sizeReply;
      estimates.set(d, valueSizeEstimate(d, sizeReply, memberBytes));
    }
    const debugTargets = this.method === 'debug-object' ? details.filter((d) => debugIsCheap(d)) : [];
    if (debugTargets.length > 0 && !this.debugProbed) {
      // One key first: a refusal (DEBUG renamed away or disabled) switches to value sizes for good.
      this.debugProbed = true;
      const probe = debugTargets[0];
      const [[err, reply]] = await this.exec((pipe) => pipe.call('DEBUG', 'OBJECT', probe.key));
      const len = err ? null : serializedLength(reply);
      if (len === null) {
        this.debugRefused = true;
        this.method = 'value-sizes';
      }
    }
    if (this.method === 'debug-object' && debugTargets.length > 0) {
      const r2 = await this.exec((pipe) => {
        for (const d of debugTargets) {
          pipe.call('DEBUG', 'OBJECT', d.key);
        }
      });
      debugTargets.forEach((d, i) => {
        const [err, reply] = r2[i];
        const len = err ? null : serializedLength(reply);
        if (len !== null) {
          d.memory = len + d.key.length;
        }
      });
    }
    for (const d of details) {
      if (d.memory === null) {
        const estimate = estimates.get(d) ?? null;
        if (estimate === null) {
          this.unknownKeys++;
        } else if (this.method === 'debug-object') {
          this.fallbackKeys++;
        }
        d.memory = estimate;
      }
    }
  }

  private account(d: Detail): void {
    this.detailed++;
    const mem = d.memory ?? 0;
    const bucket = TTL_BUCKETS.indexOf(ttlBucket(d.pttl));
    const def = this.o.defaultTtlSeconds;
    const add = (s: Sums): void => {
      s.d++;
      s.mem += mem;
      s.memSq += mem * mem;
      s.buckets[bucket]++;
      if (d.pttl >= 0) {
        s.ttl++;
        if (d.pttl > def * 1000 + 1000) {
          s.overDefault++;
        } else if (d.idle !== null && Math.abs(d.pttl / 1000 + d.idle - def) <= 3) {
          s.atDefault++;
        }
      }
      if (d.idle !== null) {
        s.idleSum += d.idle;
        s.idleN++;
        s.idleMax = Math.max(s.idleMax, d.idle);
      }
    };
    add(d.folder.direct);
    for (let a: Acc | undefined = d.folder; a; a = a.parent) {
      add(a.all);
      if (d.pttl < 0 && a.noTtlExamples.length < 3) {
        a.noTtlExamples.push(d.key);
      }
    }
    if (d.memory !== null) {
      this.keepBiggest(d);
    }
  }

  private keepBiggest(d: Detail): void {
    const list = this.biggest;
    if (list.length >= this.o.biggest && (list[list.length - 1].memory ?? 0) >= (d.memory ?? 0)) {
      return;
    }
    let i = list.length;
    while (i > 0 && (list[i - 1].memory ?? 0) < (d.memory ?? 0)) {
      i--;
    }
    list.splice(i, 0, d);
    if (list.length > this.o.biggest) {
      list.pop();
    }
  }

  // ---- results ----------------------------------------------------------------------------------

  private finish(sampled: boolean, startedAt: number): CacheReport {
    const scale = sampled ? this.dbsize / Math.max(1, this.seenAll) : 1;
    const rootTotals = this.compute(this.root, sampled, scale);
    const namespaces: NamespaceStats[] = [];
    this.emit(this.root, sampled, scale, namespaces);
    const warnings: ReportWarning[] = [];
    this.warn(this.root, rootTotals, warnings);
    for (const [prefix, versions] of this.django) {
      if (versions.size >= 2 && versions.size <= 5 && [...versions.values()].every((n) => n >= 2)) {
        warnings.push({
          kind: 'djangoVersionSkew',
          prefix,
          versions: [...versions]
            .sort((a, b) => Number(a[0]) - Number(b[0]))
            .map(([version, n]) => ({ version, keys: Math.round(n * scale) })),
        });
      }
    }
    const root = namespaces[0];
    return {
      scope: { id: root.id, path: this.prefix.length > 0 ? root.path : null, delimiter: this.options.delimiter || null },
      sampled,
      dbsize: this.dbsize,
      keysSeen: sampled ? this.seenAll : this.root.seen,
      keysDetailed: this.detailed,
      confidence: REPORT_CONFIDENCE,
      memoryMethod: this.method,
      memoryFallbackKeys: this.fallbackKeys,
      memoryUnknownKeys: this.unknownKeys,
      debugRefused: this.debugRefused,
      memoryUsageRefused: this.memoryUsageRefused,
      defaultTtlSeconds: this.o.defaultTtlSeconds,
      root,
      namespaces,
      biggest: this.biggest.map((d) => ({
        id: bytesId(d.key),
        name: displayName(d.key),
        namespaceId: bytesId(d.folder.prefix),
        type: d.type,
        rawType: d.rawType,
        memory: d.memory ?? 0,
        ttlMs: d.pttl >= 0 ? d.pttl : null,
        idleSeconds: d.idle,
        size: d.size,
      })),
      warnings,
      startedAt,
      durationMs: 0,
    };
  }

  /**
   * A namespace's totals. Within a drawing group (level GROUP_DEPTH and below) the detailed keys are
   * a uniform draw, so their means times the key count estimate the totals; above it, groups were
   * drawn at different rates, so the totals are the sums of the parts.
   */
  private compute(acc: Acc, sampled: boolean, scale: number): Computed {
    const kids = [...acc.children.values()].map((k) => this.compute(k, sampled, scale));
    const count = acc.seen * scale;
    let c: Computed;
    if (acc.depth >= GROUP_DEPTH || !sampled) {
      c = fromMeans(count, acc.all.d > 0 ? acc.all : this.pooled(acc), sampled, acc.seen);
    } else {
      const direct = fromMeans(acc.directSeen * scale, acc.direct.d > 0 ? acc.direct : acc.all.d > 0 ? acc.all : this.pooled(acc), sampled, acc.directSeen);
      c = sumComputed([direct, ...kids]);
    }
    this.computed.set(acc, c);
    return c;
  }

  /** The listed namespaces, parents first: each one's `maxChildren` biggest sub-namespaces, the rest summed. */
  private emit(acc: Acc, sampled: boolean, scale: number, out: NamespaceStats[]): NamespaceStats {
    const c = this.computed.get(acc) as Computed;
    const dl = this.delimiter?.length ?? 0;
    const count = acc.seen * scale;
    const keysMargin = sampled ? countMargin(acc.seen, this.seenAll, this.dbsize) : 0;
    const own: NamespaceStats = {
      id: bytesId(acc.prefix),
      name: displayName(acc.parent ? acc.prefix.subarray(acc.parent.prefix.length, acc.prefix.length - dl) : this.trimmed(acc.prefix)),
      path: displayName(this.trimmed(acc.prefix)),
      depth: acc.depth,
      parentId: acc.parent ? bytesId(acc.parent.prefix) : undefined,
      keys: Math.round(count),
      keysMargin,
      directKeys: Math.round(acc.directSeen * scale),
      seen: acc.seen,
      detailed: acc.all.d,
      memory: Math.round(c.memory),
      memoryMargin: Math.round(Math.sqrt(c.memoryVar + (sampled ? namesMarginSq(c, this.seenAll, this.dbsize) : 0))),
      withTtl: Math.round(c.withTtl),
      ttl: { soon: 0, hour: 0, day: 0, longer: 0, none: 0 },
      idleAvgSeconds: acc.all.idleN > 0 ? acc.all.idleSum / acc.all.idleN : null,
      idleMaxSeconds: acc.all.idleN > 0 ? acc.all.idleMax : null,
      children: [],
    };
    TTL_BUCKETS.forEach((b, i) => (own.ttl[b] = Math.round(c.buckets[i])));
    out.push(own);
    const memoryOf = (a: Acc): number => this.computed.get(a)?.memory ?? 0;
    const kids = [...acc.children.values()].sort((a, b) => memoryOf(b) - memoryOf(a) || b.seen - a.seen);
    own.children = kids.slice(0, this.o.maxChildren).map((k) => this.emit(k, sampled, scale, out).id);
    const rest = kids.slice(this.o.maxChildren);
    if (rest.length > 0) {
      own.others = { namespaces: rest.length, keys: Math.round(rest.reduce((n, k) => n + k.seen, 0) * scale), memory: Math.round(rest.reduce((n, k) => n + memoryOf(k), 0)) };
    }
    return own;
  }

  /** The nearest ancestor's sums that have detailed keys (a namespace the draw missed). */
  private pooled(acc: Acc): Sums {
    for (let a: Acc | undefined = acc.parent; a; a = a.parent) {
      if (a.all.d > 0) {
        return a.all;
      }
    }
    return newSums();
  }

  private trimmed(prefix: Buffer): Buffer {
    const dl = this.delimiter?.length ?? 0;
    return prefix.length >= dl && dl > 0 ? prefix.subarray(0, prefix.length - dl) : prefix;
  }

  /** Warnings on the highest namespace where each holds (not repeated for its sub-namespaces). */
  private warn(acc: Acc, c: Computed, out: ReportWarning[], skip: { leak: boolean; def: boolean } = { leak: false, def: false }): void {
    const s = acc.all;
    const path = (): string => displayName(this.trimmed(acc.prefix));
    const id = (): string => bytesId(acc.prefix);
    const next = { ...skip };
    if (acc.depth > 0 && !skip.leak && s.d > 0 && s.ttl < s.d && this.isCache(acc)) {
      out.push({ kind: 'noTtlInCache', namespaceId: id(), path: path(), keys: Math.max(1, Math.round(c.buckets[4])), examples: acc.noTtlExamples.map((k) => displayName(k)) });
      next.leak = true;
    }
    if (acc.depth > 0 && !skip.def && s.ttl >= 5 && s.overDefault === 0 && s.atDefault >= 0.9 * s.ttl) {
      out.push({ kind: 'defaultTtlOnly', namespaceId: id(), path: path(), keys: Math.round(c.withTtl), ttlSeconds: this.o.defaultTtlSeconds });
      next.def = true;
    }
    for (const child of acc.children.values()) {
      const cc = this.computed.get(child);
      if (cc) {
        this.warn(child, cc, out, next);
      }
    }
  }

  /** A cache namespace: one of its segments says so, or at least 95 % of its keys expire. */
  private isCache(acc: Acc): boolean {
    return /(^|[^a-z])cache([^a-z]|$)/i.test(acc.prefix.toString('latin1', this.prefix.length)) || acc.all.ttl >= 0.95 * acc.all.d;
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private progress(phase: ReportProgress['phase']): void {
    this.options.onProgress?.({ phase, seen: this.seenIndex.size, detailed: this.detailed, total: this.dbsize });
  }

  private wait<T>(p: Promise<T>): Promise<T> {
    return withDeadline(p, this.o.timeoutMs, this.options.signal);
  }

  /** Reads only: a request that timed out is sent again (twice at most), from a fresh pipeline. */
  private async exec(fill: (pipe: ReturnType<Redis['pipeline']>) => void): Promise<[Error | null, unknown][]> {
    const replies = await this.retrying(() => {
      const pipe = this.client.pipeline();
      fill(pipe);
      return pipe.exec();
    });
    return replies ?? [];
  }

  /** A passing stall (a busy or descheduled server) is retried after a pause; anything else fails at once. */
  private async retrying<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.wait(send());
      } catch (err) {
        if (attempt >= RETRIES || !isNovaError(err, 'COMMAND_TIMEOUT')) {
          throw err;
        }
        await this.wait(new Promise((resolve) => setTimeout(resolve, 200 * attempt)));
      }
    }
  }

  private replyError(err: Error | null): NovaError {
    return err ? toNovaError(err) : new NovaError('UNKNOWN', 'no reply');
  }
}

interface Computed {
  memory: number;
  /** Z² × the variance the detail draw gives `memory` (the names stage apart: see namesMarginSq). */
  memoryVar: number;
  /** Σ over the parts of keys seen × the part's mean memory, and × its square (for namesMarginSq). */
  seenMean: number;
  seenMeanSq: number;
  withTtl: number;
  buckets: number[];
}

/** Totals of `count` keys from the means of a uniform draw `s`, with the variance of the memory total. */
function fromMeans(count: number, s: Sums, sampled: boolean, seen: number): Computed {
  if (s.d === 0 || count === 0) {
    return { memory: 0, memoryVar: 0, seenMean: 0, seenMeanSq: 0, withTtl: 0, buckets: [0, 0, 0, 0, count === 0 ? 0 : count] };
  }
  const mean = s.mem / s.d;
  const variance = Math.max(0, s.memSq / s.d - mean * mean);
  // The detailed keys are a draw from the keys seen, themselves a draw from the `count` keys: as one
  // draw of s.d from `count` (1/d - 1/count), not from the keys seen alone, which would leave out the
  // names stage's own error on the mean. Only a namespace whose every key was detailed is exact.
  const fpc = count > 0 ? Math.max(0, 1 - s.d / count) : 1;
  const seOfMean = s.d > 1 ? Math.sqrt((variance / s.d) * fpc) : mean;
  return {
    memory: count * mean,
    memoryVar: sampled ? (Z * count * seOfMean) ** 2 : 0,
    seenMean: seen * mean,
    seenMeanSq: seen * mean * mean,
    withTtl: (count * s.ttl) / s.d,
    buckets: s.buckets.map((b) => (count * b) / s.d),
  };
}

function sumComputed(parts: Computed[]): Computed {
  return parts.reduce(
    (acc, p) => ({
      memory: acc.memory + p.memory,
      memoryVar: acc.memoryVar + p.memoryVar,
      seenMean: acc.seenMean + p.seenMean,
      seenMeanSq: acc.seenMeanSq + p.seenMeanSq,
      withTtl: acc.withTtl + p.withTtl,
      buckets: acc.buckets.map((b, i) => b + p.buckets[i]),
    }),
    { memory: 0, memoryVar: 0, seenMean: 0, seenMeanSq: 0, withTtl: 0, buckets: [0, 0, 0, 0, 0] },
  );
}

/**
 * Z² × the variance a memory total gets from the names stage. Its estimate is total / seenAll × the
 * sum, over the keys seen, of the mean memory of each key's part (its drawing group), so it is a
 * mean of seenAll draws without replacement, as in countMargin. For one part this is the count's
 * margin times the part's mean; for a namespace made of parts with different means (the root, a
 * first level), the counts of the parts move against each other and the spread of their means counts.
 */
function namesMarginSq(c: Computed, seenAll: number, total: number): number {
  if (seenAll <= 0 || total <= 0) {
    return 0;
  }
  const fpc = total > 1 ? Math.max(0, (total - seenAll) / (total - 1)) : 0;
  const mean = c.seenMean / seenAll;
  const variance = Math.max(0, c.seenMeanSq / seenAll - mean * mean);
  return Z * Z * total * total * (variance / seenAll) * fpc;
}

/** Margin on a count estimated as seen / seenAll × total: a proportion of a draw without replacement. */
export function countMargin(seen: number, seenAll: number, total: number): number {
  if (seenAll <= 0 || total <= 0) {
    return 0;
  }
  const p = seen / seenAll;
  const fpc = total > 1 ? Math.max(0, (total - seenAll) / (total - 1)) : 0;
  return Math.round(Z * total * Math.sqrt(((p * (1 - p)) / seenAll) * fpc));
}

function memberCommand(type: KeyType, key: Buffer): [string, ...(string | Buffer)[]] | undefined {
  switch (type) {
    case 'hash':
      return ['HSCAN', key, '0', 'COUNT', String(MEMBER_SAMPLE)];
    case 'set':
      return ['SSCAN', key, '0', 'COUNT', String(MEMBER_SAMPLE)];
    case 'list':
      return ['LRANGE', key, '0', String(MEMBER_SAMPLE - 1)];
    case 'zset':
      return ['ZRANGE', key, '0', String(MEMBER_SAMPLE - 1)];
    default:
      return undefined;
  }
}

/** Mean bytes of one element: a field and its value for a hash, a member (plus its score) for a zset. */
function meanMemberBytes(type: KeyType, reply: unknown): number | null {
  const items = (type === 'hash' || type === 'set' ? (reply as [Buffer, Buffer[]])[1] : reply) as Buffer[] | null;
  if (!Array.isArray(items) || items.length === 0) {
    return null;
  }
  const bytes = items.reduce((n, b) => n + (Buffer.isBuffer(b) ? b.length : String(b).length), 0);
  const elements = type === 'hash' ? items.length / 2 : items.length;
  return bytes / elements + (type === 'zset' ? 8 : 0);
}

/** The name plus the value's bytes: STRLEN, or the element count times the mean element. */
function valueSizeEstimate(d: Detail, size: number | null, memberBytes: number | null): number | null {
  if (size === null) {
    return null;
  }
  if (d.type === 'string') {
    return d.key.length + size;
  }
  return memberBytes === null ? (size === 0 ? d.key.length : null) : Math.round(d.key.length + size * memberBytes);
}

function debugIsCheap(d: Detail): boolean {
  if (d.size === null) {
    return false;
  }
  return d.type === 'string' ? d.size <= DEBUG_MAX_STRING : d.size <= DEBUG_MAX_ELEMENTS;
}

function serializedLength(reply: unknown): number | null {
  const m = /serializedlength:(\d+)/.exec(Buffer.isBuffer(reply) ? reply.toString('latin1') : String(reply));
  return m ? Number(m[1]) : null;
}
