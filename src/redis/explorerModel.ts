/**
 * What the key explorer shows, level by level, without `vscode`: the TreeDataProvider asks for the
 * children of the root or of a folder and turns the plain nodes returned here into tree items.
 *
 * How it stays fast on 1,000,000 keys and honest about what it does not know yet:
 * - Opening the view never waits for a full scan: the first `children()` scans a bounded amount
 *   (a few hundred keys, or a time budget when a sparse MATCH finds little) and shows what it found.
 *   Its cost does not depend on the size of the database.
 * - Every level is paged (`pageSize` children plus a "more" node), folders first, natural order.
 * - Counts are lower bounds (`partial`) until the scan has visited the whole keyspace; "load more"
 *   continues the same cursor until the folder has enough children or a time budget runs out;
 *   `scanAll` runs the cursor to the end with progress and cancellation.
 * - Only the keys a level shows get metadata: one round trip for the whole page. Keys reported gone
 *   (vanished, expired, or no longer of the filtered type) leave the index and its counts at once, and
 *   a key whose known TTL has run out is re-checked on the next listing (`nextExpiry` tells the UI
 *   when), so expired keys drop out without a rescan.
 * - The client is used as handed over (connected, DB selected). The model never reconnects or SELECTs.
 */
import type Redis from 'ioredis';
import type { Capabilities } from './capabilities';
import { DEFAULT_COMMAND_TIMEOUT_MS } from './deadline';
import { toNovaError } from './connect';
import { NovaError, isNovaError } from './errors';
import { globMatch, matchesEverything } from './glob';
import { KeyIndex, ROOT_FOLDER, type ChildListing } from './keyIndex';
import type { KeyMeta, KeyType } from './keyMeta';
import { bytesId, displayName } from './keyName';
import { isKeySource, serverKeySource, type KeyCursor, type KeySource, type SourcePage } from './keySource';

/** Folders walked at most for one completion: each walk is a pass over the index's columns. */
const MAX_WALK = 32;

export interface ExplorerOptions {
  /** Folder delimiter; null or '' shows a flat list. Default ':'. */
  delimiter?: string | null;
  /** SCAN MATCH glob. */
  match?: string | Buffer;
  /** Show only keys of this type (SCAN TYPE where the server has it, else filtered client-side). */
  type?: KeyType;
  /** Children per page at every level. */
  pageSize?: number;
  /** A fixed SCAN COUNT; by default COUNT follows the server's pace (see `ScanPacer`). */
  scanCount?: number;
  /** SCAN COUNT of the first listing's first page: small, so opening the view costs the same on any size. */
  firstScreenCount?: number;
  /** The first listing stops scanning once this many keys are known... */
  firstScreenKeys?: number;
  /** ...or once this much time went by (a sparse MATCH may need many empty pages). */
  firstScreenBudgetMs?: number;
  /** A DB with at most this many keys (DBSIZE) is scanned completely before the first listing. */
  smallDbKeys?: number;
  /** Time budget of one "load more". */
  loadMoreBudgetMs?: number;
  /** Per-request deadline: a stalled server fails with COMMAND_TIMEOUT instead of hanging. */
  timeoutMs?: number;
  /** Metadata older than this is fetched again when its level is listed. */
  metaMaxAgeMs?: number;
  /** How many keys' metadata to keep (only shown keys have any). */
  metaCacheSize?: number;
  /** Local clock, for tests. */
  now?: () => number;
}

export interface FolderNode {
  kind: 'folder';
  /** Unique and stable: derived from the prefix bytes. */
  id: string;
  /** The folder's own segment, readable (binary bytes escaped). */
  label: string;
  /** The segment is empty (`a::b`, or a key that starts with the delimiter); `label` is `""`. */
  emptyName: boolean;
  /** Every key below starts with these bytes: the path plus the delimiter. */
  prefix: Buffer;
  /** The delimiter this folder was built under: a folder operation uses it, whatever the setting says now. */
  delimiter: string;
  /** Keys below, at any depth. A lower bound while `partial`. */
  count: number;
  /** True until the scan has visited the whole keyspace (the UI shows e.g. `37+`). */
  partial: boolean;
  /** 1 for a child of the root. */
  depth: number;
}

export interface KeyNode {
  kind: 'key';
  /** Unique and stable: a lossless encoding of the key bytes. */
  id: string;
  /** The exact key bytes: every operation on the key uses these. */
  key: Buffer;
  /** The part after the folder path (the full name in flat mode, or when that part is empty). */
  label: string;
  /** The full name, readable. */
  name: string;
  /** Type, TTL (`expiresAt`), size; absent only if the metadata request failed. */
  meta?: KeyMeta;
}

/**
 * What a folder operation (count, delete) needs of a folder node: its path (the prefix without the
 * trailing delimiter) and the delimiter the node was built under, never the current setting.
 */
export function folderTarget(folder: Pick<FolderNode, 'prefix' | 'delimiter'>): { path: Buffer; delimiter: string } {
  const path = folder.prefix.subarray(0, folder.prefix.length - Buffer.byteLength(folder.delimiter, 'utf8'));
  return { path, delimiter: folder.delimiter };
}

/** Sits at the end of a level that has more children than shown, or where more may still be found. */
export interface MoreNode {
  kind: 'more';
  id: string;
  /** The folder this node continues; undefined at the root. */
  parent?: FolderNode;
  /** Children already known but not shown. */
  hidden: number;
  /** False while the scan is incomplete: loading more will scan for more. */
  scanComplete: boolean;
}

export type ExplorerNode = FolderNode | KeyNode | MoreNode;

export interface ScanProgress {
  /** Distinct live keys found so far. */
  keys: number;
  /** Keys SCAN returned so far (duplicates included). */
  scanned: number;
  /** DBSIZE when the scan started (approximate: it counts keys that expired but were not reclaimed). */
  total?: number;
  /** Estimated share of the keyspace visited, 0 to 1. */
  fraction?: number;
}

export interface ExplorerStatus extends ScanProgress {
  /** The whole keyspace was visited: counts are exact (as of the scan). */
  complete: boolean;
  /** A full scan (`scanAll`) is running. */
  scanning: boolean;
  /** The last failure of a scan or listing, until a later one succeeds. */
  error?: NovaError;
}

export interface Disposable {
  dispose(): void;
}

/** A DB of at most this many keys is scanned to the end when the view opens (the sandbox stays below it). */
export const SMALL_DB_KEYS = 5000;

const DEFAULTS = {
  pageSize: 200,
  firstScreenCount: 250,
  firstScreenKeys: 200,
  smallDbKeys: SMALL_DB_KEYS,
  firstScreenBudgetMs: 150,
  loadMoreBudgetMs: 500,
  metaMaxAgeMs: 30_000,
  metaCacheSize: 20_000,
  progressEveryMs: 250,
};

export class ExplorerModel {
  private readonly opts: Required<Omit<ExplorerOptions, 'match' | 'type' | 'delimiter' | 'scanCount'>> &
    Pick<ExplorerOptions, 'match' | 'type' | 'scanCount'>;
  private readonly delimiter: string | null;
  private readonly filtered: boolean;
  private index: KeyIndex;
  private scanner: KeyCursor;
  private readonly source: KeySource;
  private readonly meta = new Map<number, KeyMeta>();
  private readonly limits = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private generation = 0;
  private complete = false;
  private initial: Promise<void> | undefined;
  private full: Promise<void> | undefined;
  private fullAbort: AbortController | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private dbsize: number | undefined;
  private lastError: NovaError | undefined;
  private disposed = false;

  /** `from`: one server's connection, or a KeySource (a cluster's masters). */
  constructor(from: Redis | KeySource, caps: Capabilities, options: ExplorerOptions = {}) {
    this.source = isKeySource(from) ? from : serverKeySource(from, caps);
    this.opts = {
      pageSize: options.pageSize ?? DEFAULTS.pageSize,
      scanCount: options.scanCount,
      firstScreenCount: options.firstScreenCount ?? DEFAULTS.firstScreenCount,
      firstScreenKeys: options.firstScreenKeys ?? DEFAULTS.firstScreenKeys,
      smallDbKeys: options.smallDbKeys ?? DEFAULTS.smallDbKeys,
      firstScreenBudgetMs: options.firstScreenBudgetMs ?? DEFAULTS.firstScreenBudgetMs,
      loadMoreBudgetMs: options.loadMoreBudgetMs ?? DEFAULTS.loadMoreBudgetMs,
      timeoutMs: options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      metaMaxAgeMs: options.metaMaxAgeMs ?? DEFAULTS.metaMaxAgeMs,
      metaCacheSize: options.metaCacheSize ?? DEFAULTS.metaCacheSize,
      now: options.now ?? Date.now,
      match: options.match,
      type: options.type,
    };
    this.delimiter = options.delimiter === undefined ? ':' : options.delimiter || null;
    this.filtered = !matchesEverything(options.match) || options.type !== undefined;
    this.index = new KeyIndex(this.delimiter);
    this.scanner = this.newScanner();
  }

  get status(): ExplorerStatus {
    return {
      complete: this.complete,
      scanning: this.full !== undefined,
      keys: this.index.size,
      scanned: this.scanner.returned,
      total: this.dbsize,
      fraction: this.fraction(),
      error: this.lastError,
    };
  }

  /** The filter in effect, for the view's description. */
  get filter(): { match?: string | Buffer; type?: KeyType; delimiter: string | null } {
    return { match: this.opts.match, type: this.opts.type, delimiter: this.delimiter };
  }

  /** Fires when what the tree shows may have changed (counts, keys, completion, errors). */
  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * The children of the root (no argument) or of a folder, as the tree shows them: at most the
   * level's page limit, folders first, then keys with their metadata, then a "more" node if needed.
   * Throws a NovaError when the server cannot be read (the UI shows an error item with a retry).
   */
  async children(parent?: FolderNode): Promise<ExplorerNode[]> {
    this.checkOpen();
    const started = this.generation;
    try {
      await this.ensureStarted();
    } catch (err) {
      // A refresh while the first page was loading: list the new state instead.
      if (isNovaError(err, 'CANCELLED') && started !== this.generation) {
        return this.children(parent);
      }
      // One cluster master failed: list the others' keys; `status.error` names the master.
      if (!isNovaError(err, 'CLUSTER_NODE_FAILED')) {
        throw err;
      }
    }
    const gen = this.generation;
    const folder = parent ? this.index.folderByPrefix(parent.prefix) : ROOT_FOLDER;
    if (folder < 0) {
      return [];
    }
    const limit = this.limitOf(parent);
    let listing = this.index.children(folder, limit);
    // A key reported gone leaves a hole in the page: list again to fill it (bounded).
    for (let round = 0; round < 3; round++) {
      const stale = listing.keys.filter((id) => this.metaIsStale(id));
      if (stale.length === 0 || !(await this.loadMeta(stale, gen))) {
        break;
      }
      listing = this.index.children(folder, limit);
    }
    return this.toNodes(listing, parent);
  }

  /** Shows one more page of a level, scanning further (within a time budget) if the scan is incomplete. */
  async loadMore(parent?: FolderNode): Promise<void> {
    this.checkOpen();
    const key = this.limitKey(parent);
    const limit = this.limitOf(parent) + this.opts.pageSize;
    this.limits.set(key, limit);
    if (!this.complete) {
      const known = (): number => {
        const f = parent ? this.index.folderByPrefix(parent.prefix) : ROOT_FOLDER;
        return f < 0 ? 0 : this.index.liveChildFolders(f).length + this.index.folderDirect(f);
      };
      try {
        await this.scanUntil(() => known() >= limit, this.opts.loadMoreBudgetMs);
      } catch (err) {
        if (!isNovaError(err, 'CLUSTER_NODE_FAILED')) {
          throw err;
        }
      }
    }
    this.emit();
  }

  /**
   * Scans the rest of the keyspace into the index, with progress and cancellation (a cancelled scan
   * keeps what it found and can be continued). Joins a full scan that is already running.
   */
  scanAll(options: { signal?: AbortSignal; onProgress?: (p: ScanProgress) => void } = {}): Promise<void> {
    if (this.disposed) {
      return Promise.reject(this.endedError());
    }
    if (this.complete) {
      return Promise.resolve();
    }
    if (this.full) {
      return this.full;
    }
    const abort = new AbortController();
    this.fullAbort = abort;
    const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
    const run = this.runFullScan(signal, options.onProgress).finally(() => {
      if (this.full === run) {
        this.full = undefined;
        this.fullAbort = undefined;
      }
      this.emit();
    });
    this.full = run;
    this.emit();
    return run;
  }

  /** Forgets everything and starts over on the next listing (after a reconnect, a .env change...). */
  refresh(): void {
    this.generation++;
    this.fullAbort?.abort();
    this.full = undefined;
    this.fullAbort = undefined;
    this.initial = undefined;
    this.index = new KeyIndex(this.delimiter);
    this.scanner = this.newScanner();
    this.meta.clear();
    this.complete = false;
    this.dbsize = undefined;
    this.lastError = undefined;
    this.emit();
  }

  /** The user (or another command) deleted a key: drop it without a rescan. */
  noteDeleted(key: Buffer): void {
    const id = this.index.find(key);
    if (id >= 0 && this.index.remove(id)) {
      this.meta.delete(id);
      this.emit();
    }
  }

  /** A key was created from the extension: show it if it passes the filter. */
  noteCreated(key: Buffer, type?: KeyType): void {
    if (this.opts.match !== undefined && !globMatch(this.opts.match, key)) {
      return;
    }
    if (this.opts.type !== undefined && type !== this.opts.type) {
      return;
    }
    const id = this.index.add(key);
    this.meta.delete(id);
    this.emit();
  }

  /**
   * Changes other clients made, as keyspace notifications report them, without a rescan: gone keys
   * leave the index and its counts; written keys join it if they pass the MATCH filter (a TYPE filter
   * is checked when their level is listed) and have their metadata read again. One change event.
   */
  applyRemote(changes: readonly { key: Buffer; gone: boolean }[]): void {
    if (this.disposed || changes.length === 0) {
      return;
    }
    for (const c of changes) {
      if (c.gone) {
        const id = this.index.find(c.key);
        if (id >= 0 && this.index.remove(id)) {
          this.meta.delete(id);
        }
      } else if (this.opts.match === undefined || globMatch(this.opts.match, c.key)) {
        this.meta.delete(this.index.add(c.key));
      }
    }
    this.emit();
  }

  /** The earliest known expiry among shown keys (local clock), so the UI can refresh right then. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const [id, m] of this.meta) {
      if (m.expiresAt !== null && this.index.isLive(id) && (next === undefined || m.expiresAt < next)) {
        next = m.expiresAt;
      }
    }
    return next;
  }

  /** The folder above a node, as the tree lists it (undefined at the root): the tree's `getParent`. */
  parentOf(node: ExplorerNode): FolderNode | undefined {
    let folder: number;
    if (node.kind === 'more') {
      return node.parent;
    } else if (node.kind === 'folder') {
      const f = this.index.folderByPrefix(node.prefix);
      folder = f < 0 ? ROOT_FOLDER : this.index.folderParent(f);
    } else {
      const id = this.index.find(node.key);
      folder = id < 0 ? ROOT_FOLDER : this.index.folderOfKey(id);
    }
    return folder === ROOT_FOLDER ? undefined : this.folderNode(folder);
  }

  /**
   * The folder node of a prefix (path plus delimiter), for the tree to reveal: while the scan has not
   * met it yet, scanning goes on for up to `budgetMs`. Each level above it is paged far enough to show
   * it. Undefined when no key under it is known.
   */
  async locateFolder(prefix: Buffer, budgetMs = 2000): Promise<FolderNode | undefined> {
    this.checkOpen();
    await this.ensureStarted();
    const found = (): number => {
      const f = this.index.folderByPrefix(prefix);
      return f >= 0 && this.index.folderTotal(f) > 0 ? f : -1;
    };
    await this.scanUntil(() => found() >= 0, budgetMs);
    const f = found();
    if (f < 0) {
      return undefined;
    }
    for (let c = f; c !== ROOT_FOLDER; c = this.index.folderParent(c)) {
      const parent = this.index.folderParent(c);
      const parentNode = parent === ROOT_FOLDER ? undefined : this.folderNode(parent);
      const siblings = this.index.liveChildFolders(parent).length;
      const position = this.index.children(parent, siblings).folders.indexOf(c);
      if (position >= this.limitOf(parentNode)) {
        this.limits.set(this.limitKey(parentNode), position + 1);
      }
    }
    return this.folderNode(f);
  }

  /** MEMORY USAGE for a tooltip; undefined where the server has no such command (nothing is sent). */
  memoryUsage(node: KeyNode): Promise<number | null | undefined> {
    return this.source.memoryUsage(node.key, { timeoutMs: this.opts.timeoutMs });
  }

  /** Bytes held by the index's arrays (the benchmark reports heap growth too). */
  indexBytes(): number {
    return this.index.byteSize();
  }

  /**
   * Key names already in the index that start with `prefix`, at most `limit` (the console's Tab
   * completion: no server call). Only the folders under the prefix are walked, at most `MAX_WALK`.
   */
  keyNamesStartingWith(prefix: Buffer, limit: number): Buffer[] {
    const d = this.delimiter === null ? undefined : Buffer.from(this.delimiter);
    const cut = d ? prefix.lastIndexOf(d) : -1;
    const start = d && cut >= 0 ? this.index.folderByPrefix(prefix.subarray(0, cut + d.length)) : ROOT_FOLDER;
    const out: Buffer[] = [];
    const queue = start < 0 ? [] : [start];
    const starts = (a: Buffer, b: Buffer): boolean => a.length >= b.length && a.subarray(0, b.length).equals(b);
    for (let walked = 0; queue.length > 0 && out.length < limit && walked < MAX_WALK; walked++) {
      const folder = queue.shift() ?? ROOT_FOLDER;
      for (const id of this.index.liveKeysIn(folder)) {
        const key = this.index.keyBytes(id);
        if (starts(key, prefix) && out.push(key) >= limit) {
          break;
        }
      }
      for (const child of this.index.liveChildFolders(folder)) {
        const p = this.index.folderPrefix(child);
        if (starts(p, prefix) || starts(prefix, p)) {
          queue.push(child);
        }
      }
    }
    return out;
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.fullAbort?.abort();
    this.listeners.clear();
  }

  /** A disposed model belongs to a connection that ended (or a view that let it go): nothing is sent. */
  private checkOpen(): void {
    if (this.disposed) {
      throw this.endedError();
    }
  }

  private endedError(): NovaError {
    return new NovaError('SESSION_ENDED', 'the explorer was disposed');
  }

  private newScanner(): KeyCursor {
    return this.source.cursor({
      match: this.opts.match,
      type: this.opts.type,
      count: this.opts.scanCount,
      timeoutMs: this.opts.timeoutMs,
    });
  }

  private emit(): void {
    if (this.disposed) {
      return;
    }
    for (const l of this.listeners) {
      l();
    }
  }

  private fraction(): number | undefined {
    if (this.complete) {
      return 1;
    }
    if (this.dbsize === undefined || this.dbsize === 0) {
      return undefined;
    }
    if (this.filtered) {
      return this.scanner.fraction(this.dbsize);
    }
    return Math.min(1, this.index.size / this.dbsize);
  }

  private limitKey(parent: FolderNode | undefined): string {
    return parent ? parent.id : '';
  }

  private limitOf(parent: FolderNode | undefined): number {
    return this.limits.get(this.limitKey(parent)) ?? this.opts.pageSize;
  }

  private ensureStarted(): Promise<void> {
    if (this.scanner.hasStarted || this.complete) {
      return Promise.resolve();
    }
    if (!this.initial) {
      const gen = this.generation;
      const first = this.firstScreen().catch((err: unknown) => {
        if (this.initial === first && gen === this.generation) {
          this.initial = undefined;
        }
        throw err;
      });
      this.initial = first;
    }
    return this.initial;
  }

  /**
   * What opening the view costs: one small SCAN page and, sent with it, DBSIZE for the title. A small
   * DB (a few pages) is then scanned to the end, so its counts are exact from the start; a large one
   * stops once enough keys are known (or the time budget is spent on a sparse MATCH), whatever its
   * size, and the view shows partial counts and "load more".
   */
  private async firstScreen(): Promise<void> {
    const size = this.fetchDbsize();
    await this.scanPage(false, undefined, this.opts.firstScreenCount);
    const total = await size;
    if (total !== undefined && total <= this.opts.smallDbKeys) {
      await this.scanUntil(() => false, Number.POSITIVE_INFINITY);
    } else {
      await this.scanUntil(() => this.index.size >= this.opts.firstScreenKeys, this.opts.firstScreenBudgetMs);
    }
  }

  private async fetchDbsize(): Promise<number | undefined> {
    const gen = this.generation;
    try {
      const n = await this.source.dbsize(this.opts.timeoutMs);
      if (gen === this.generation) {
        this.dbsize = n;
      }
      return n;
    } catch {
      // The scan that runs alongside reports the failure; the count is only for display.
      return undefined;
    }
  }

  /** Runs `fn` after every scan step queued before it: one cursor, one consumer at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private scanPage(prefetch: boolean, signal?: AbortSignal, count?: number): Promise<SourcePage> {
    const gen = this.generation;
    return this.exclusive(async () => {
      if (gen !== this.generation) {
        throw new NovaError('CANCELLED', 'explorer was refreshed');
      }
      let page: SourcePage;
      try {
        page = await this.scanner.next({ prefetch, signal, count });
      } catch (err) {
        const e = toNovaError(err);
        if (!isNovaError(e, 'CANCELLED') && gen === this.generation) {
          this.lastError = e;
          this.emit();
        }
        throw e;
      }
      if (gen !== this.generation) {
        throw new NovaError('CANCELLED', 'explorer was refreshed');
      }
      const index = this.index;
      index.addAll(page.keys);
      // A cluster master that failed while the others answered: their keys are in, its error shows.
      const failed = page.failed?.[0]?.error;
      if (failed || this.lastError) {
        this.lastError = failed;
        this.emit();
      }
      if (page.done && !this.complete) {
        this.complete = true;
        index.compact();
        this.emit();
      }
      return page;
    });
  }

  /** Scans pages until `enough()` or the budget runs out (always at least one page). */
  private async scanUntil(enough: () => boolean, budgetMs: number): Promise<void> {
    const start = this.opts.now();
    let pages = 0;
    while (!this.complete && !enough() && (pages === 0 || this.opts.now() - start < budgetMs)) {
      await this.scanPage(false);
      pages++;
    }
  }

  private async runFullScan(signal: AbortSignal, onProgress: ((p: ScanProgress) => void) | undefined): Promise<void> {
    const gen = this.generation;
    const total = await this.fetchDbsize();
    if (!this.filtered && total !== undefined && gen === this.generation) {
      this.index.reserve(Math.ceil(total * 1.05));
    }
    let lastEmit = this.opts.now();
    while (!this.complete) {
      if (signal.aborted) {
        throw new NovaError('CANCELLED');
      }
      await this.scanPage(true, signal);
      if (gen !== this.generation) {
        throw new NovaError('CANCELLED', 'explorer was refreshed');
      }
      onProgress?.(this.progress());
      const now = this.opts.now();
      if (now - lastEmit >= DEFAULTS.progressEveryMs) {
        lastEmit = now;
        this.emit();
      }
    }
  }

  private progress(): ScanProgress {
    return { keys: this.index.size, scanned: this.scanner.returned, total: this.dbsize, fraction: this.fraction() };
  }

  private metaIsStale(id: number): boolean {
    const m = this.meta.get(id);
    if (!m) {
      return true;
    }
    const now = this.opts.now();
    return now - m.fetchedAt > this.opts.metaMaxAgeMs || (m.expiresAt !== null && m.expiresAt <= now);
  }

  /** Fetches metadata for the given keys; returns true if some of them left the index. */
  private async loadMeta(ids: number[], gen: number): Promise<boolean> {
    const keys = ids.map((id) => this.index.keyBytes(id));
    let metas: (KeyMeta | null | undefined)[];
    try {
      metas = await this.source.meta(keys, { timeoutMs: this.opts.timeoutMs, now: this.opts.now });
    } catch (err) {
      const e = toNovaError(err);
      if (gen === this.generation) {
        this.lastError = e;
      }
      throw e;
    }
    if (gen !== this.generation) {
      return false;
    }
    let removed = false;
    ids.forEach((id, i) => {
      const m = metas[i];
      this.meta.delete(id);
      if (m === undefined) {
        // Its cluster master did not answer: the key stays, shown without metadata.
        return;
      }
      if (m === null || (this.opts.type !== undefined && m.type !== this.opts.type)) {
        removed = this.index.remove(id) || removed;
      } else {
        this.meta.set(id, m);
      }
    });
    while (this.meta.size > this.opts.metaCacheSize) {
      const oldest = this.meta.keys().next().value as number;
      this.meta.delete(oldest);
    }
    if (removed) {
      // Counts of the levels above changed too.
      this.emit();
    }
    return removed;
  }

  private folderNode(f: number, depth?: number, partial = !this.complete): FolderNode {
    const name = this.index.folderName(f);
    const prefix = this.index.folderPrefix(f);
    let levels = 0;
    for (let c = f; c !== ROOT_FOLDER; c = this.index.folderParent(c)) {
      levels++;
    }
    return {
      kind: 'folder',
      id: `f:${bytesId(prefix)}`,
      label: displayName(name),
      emptyName: name.length === 0,
      prefix,
      delimiter: this.delimiter ?? '',
      count: this.index.folderTotal(f),
      partial,
      depth: depth ?? levels,
    };
  }

  private toNodes(listing: ChildListing, parent: FolderNode | undefined): ExplorerNode[] {
    const partial = !this.complete;
    const depth = parent ? parent.depth + 1 : 1;
    const nodes: ExplorerNode[] = [];
    for (const f of listing.folders) {
      nodes.push(this.folderNode(f, depth, partial));
    }
    for (const id of listing.keys) {
      const key = this.index.keyBytes(id);
      const leaf = this.index.leafBytes(id);
      const node: KeyNode = {
        kind: 'key',
        id: `k:${bytesId(key)}`,
        key,
        label: displayName(leaf.length > 0 ? leaf : key),
        name: displayName(key),
      };
      const m = this.meta.get(id);
      if (m) {
        node.meta = m;
      }
      nodes.push(node);
    }
    const known = listing.folderCount + listing.keyCount;
    const shown = listing.folders.length + listing.keys.length;
    // While a full scan runs it finds the rest by itself: a "more" node is for children known but not shown.
    if (shown < known || (!this.complete && this.full === undefined)) {
      nodes.push({
        kind: 'more',
        id: `m:${parent ? bytesId(parent.prefix) : ''}`,
        parent,
        hidden: known - shown,
        scanComplete: this.complete,
      });
    }
    return nodes;
  }
}
