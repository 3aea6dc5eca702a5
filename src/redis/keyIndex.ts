/**
 * The namespace tree of a keyspace, built from SCAN pages, with per-folder counts.
 *
 * Sized for millions of keys (target: at most 100 bytes per key, measured by the benchmark at about
 * 40), so there is no JS object, string or Buffer per key or per folder. Everything lives in typed
 * arrays:
 * - a key is a row (leaf offset, folder) and its leaf bytes, the part after the last delimiter, in an
 *   arena; the shared prefix is the folder path (`nova:cache:user:` is stored once, not a million times);
 * - a folder is a row (parent, name offset, live keys below, live keys directly inside) and its own
 *   segment name in a second arena. Children are found by a sequential pass over the parent or folder
 *   column when a level is listed (about a millisecond per million rows), which is cheaper overall
 *   than keeping per-folder lists up to date on every insert;
 * - duplicates (SCAN returns some) are removed with two open-addressing hash tables keyed by
 *   (parent folder, bytes), compared byte for byte when the stored 32-bit hash matches;
 * - a removed key keeps its row and is only marked (its folder id is stored bit-inverted), so a key
 *   that comes back (recreated, or reported again by SCAN) reuses its row.
 * Splitting on the delimiter is greedy from the left and the key is rebuilt as
 * `segment + delimiter + … + leaf`, which gives back the exact bytes for any delimiter length, empty
 * segments and leading or trailing delimiters included.
 */

export const ROOT_FOLDER = 0;

const MAX_LOAD = 0.7;

/**
 * FNV-1a over the bytes, seeded with the parent row, plus a final mix. Returns a signed 32-bit value
 * on purpose: an unsigned one above 2^31 would be boxed as a heap number on every call.
 */
function hashBytes(seed: number, bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ Math.imul(seed + 1, 0x9e3779b1);
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ bytes[i], 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

function capacityFor(current: number, min: number): number {
  return Math.max(min, current * 2, 16);
}

function grownInt32(a: Int32Array, size: number, fill?: number): Int32Array {
  const out = new Int32Array(size);
  out.set(a);
  if (fill !== undefined) {
    out.fill(fill, a.length);
  }
  return out;
}

function grownUint32(a: Uint32Array, size: number): Uint32Array {
  const out = new Uint32Array(size);
  out.set(a);
  return out;
}

function grownBytes(a: Uint8Array, min: number): Uint8Array {
  const out = new Uint8Array(Math.max(min, a.length * 2, 256));
  out.set(a);
  return out;
}

/**
 * Open-addressing tables store, per slot, the row id + 1 (0 = empty) and the full 32-bit hash side by
 * side: a probe that hits another entry is rejected without touching that row, and growing never
 * rehashes a key.
 */
function tableFor(entries: number): Int32Array {
  let slots = 256;
  while (entries > slots * MAX_LOAD) {
    slots *= 2;
  }
  return new Int32Array(slots * 2);
}

function placeInto(table: Int32Array, hash: number, id: number): void {
  const mask = (table.length >> 1) - 1;
  let slot = hash & mask;
  while (table[slot << 1] !== 0) {
    slot = (slot + 1) & mask;
  }
  table[slot << 1] = id + 1;
  table[(slot << 1) + 1] = hash;
}

/** Inserts and returns the table to use from now on (a larger one once `entries` passes the load limit). */
function insertSlot(table: Int32Array, hash: number, id: number, entries: number): Int32Array {
  let t = table;
  if (entries > (table.length >> 1) * MAX_LOAD) {
    t = tableFor(entries * 2);
    for (let i = 0; i < table.length; i += 2) {
      if (table[i] !== 0) {
        placeInto(t, table[i + 1], table[i] - 1);
      }
    }
  }
  placeInto(t, hash, id);
  return t;
}

function trimmed<T extends Uint8Array | Int32Array | Uint32Array>(a: T, used: number): T {
  return a.length > used * 1.25 + 1024 ? (a.slice(0, used) as T) : a;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/**
 * Natural order on bytes: runs of ASCII digits compare by numeric value (`user:9` before `user:10`),
 * everything else byte by byte. Distinct byte strings never compare equal.
 */
export function naturalCompare(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  let i = as;
  let j = bs;
  while (i < ae && j < be) {
    const ca = a[i];
    const cb = b[j];
    if (isDigit(ca) && isDigit(cb)) {
      let ia = i;
      while (ia < ae && isDigit(a[ia])) {
        ia++;
      }
      let jb = j;
      while (jb < be && isDigit(b[jb])) {
        jb++;
      }
      let za = i;
      while (za < ia - 1 && a[za] === 0x30) {
        za++;
      }
      let zb = j;
      while (zb < jb - 1 && b[zb] === 0x30) {
        zb++;
      }
      if (ia - za !== jb - zb) {
        return ia - za - (jb - zb);
      }
      for (let k = 0; k < ia - za; k++) {
        if (a[za + k] !== b[zb + k]) {
          return a[za + k] - b[zb + k];
        }
      }
      if (ia - i !== jb - j) {
        return ia - i - (jb - j);
      }
      i = ia;
      j = jb;
      continue;
    }
    if (ca !== cb) {
      return ca - cb;
    }
    i++;
    j++;
  }
  return ae - i - (be - j);
}

/**
 * The `k` smallest ids under `cmp`, sorted: a bounded max-heap, so listing the first page of a folder
 * with 500,000 keys costs one comparison per key, not a full sort.
 */
export function smallestSorted(ids: Iterable<number>, k: number, cmp: (x: number, y: number) => number): number[] {
  const heap: number[] = [];
  if (k <= 0) {
    return heap;
  }
  const siftUp = (pos: number): void => {
    const v = heap[pos];
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (cmp(heap[parent], v) >= 0) {
        break;
      }
      heap[pos] = heap[parent];
      pos = parent;
    }
    heap[pos] = v;
  };
  const siftDown = (): void => {
    const v = heap[0];
    const n = heap.length;
    let pos = 0;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) {
        break;
      }
      if (child + 1 < n && cmp(heap[child + 1], heap[child]) > 0) {
        child++;
      }
      if (cmp(heap[child], v) <= 0) {
        break;
      }
      heap[pos] = heap[child];
      pos = child;
    }
    heap[pos] = v;
  };
  for (const id of ids) {
    if (heap.length < k) {
      heap.push(id);
      siftUp(heap.length - 1);
    } else if (cmp(id, heap[0]) < 0) {
      heap[0] = id;
      siftDown();
    }
  }
  return heap.sort(cmp);
}

export interface ChildListing {
  /** Live child folders, in natural order, at most `limit`. */
  folders: number[];
  /** Live keys directly in the folder, in natural order, filling what `limit` leaves after folders. */
  keys: number[];
  /** How many live child folders and direct keys there are in all. */
  folderCount: number;
  keyCount: number;
}

export class KeyIndex {
  /** The delimiter bytes, or null for a flat list (every key a child of the root). */
  readonly delimiter: Uint8Array | null;

  private leafArena: Uint8Array = new Uint8Array(0);
  private leafUsed = 0;
  private keyStart: Uint32Array = new Uint32Array(1);
  private keyFolder: Int32Array = new Int32Array(0);
  private nKeys = 0;
  private liveKeys = 0;
  private keyTable: Int32Array = tableFor(0);

  private nameArena: Uint8Array = new Uint8Array(0);
  private nameUsed = 0;
  private fNameStart: Uint32Array = new Uint32Array(2);
  private fParent: Int32Array = new Int32Array(1).fill(-1);
  private fTotal: Int32Array = new Int32Array(1);
  private fDirect: Int32Array = new Int32Array(1);
  private nFolders = 1;
  private folderTable: Int32Array = tableFor(0);

  /** Scratch space of `addAll`, and where `folderFor` reports the leaf's offset. */
  private batchFolder = new Int32Array(0);
  private batchStart = new Int32Array(0);
  private batchHash = new Int32Array(0);
  private leafStart = 0;
  /** Not read: gives the slot reads of `addAll` a use, so they are not optimized away. */
  probeSink = 0;

  /**
   * @param expectedKeys a size hint (e.g. DBSIZE before an unfiltered scan) so the tables are sized
   * once instead of growing through every power of two.
   */
  constructor(delimiter: string | Uint8Array | null = ':', expectedKeys = 0) {
    const d = typeof delimiter === 'string' ? Buffer.from(delimiter, 'utf8') : delimiter;
    this.delimiter = d && d.length > 0 ? Uint8Array.from(d) : null;
    this.reserve(expectedKeys);
  }

  /** Sizes the key table and rows for `expectedKeys` keys in one step (no-op if already that large). */
  reserve(expectedKeys: number): void {
    if (expectedKeys > this.keyFolder.length) {
      this.growKeys(expectedKeys);
    }
    // Fresh memory is paid for page by page when first touched; growing the arena by doubling would
    // touch about twice what it ends up using, so size it from the leaves seen so far.
    if (this.nKeys >= 100) {
      const estimate = Math.ceil((this.leafUsed / this.nKeys) * expectedKeys * 1.1);
      if (estimate > this.leafArena.length) {
        this.leafArena = grownBytes(this.leafArena, estimate);
      }
    }
    if (expectedKeys > (this.keyTable.length >> 1) * MAX_LOAD) {
      const table = tableFor(expectedKeys);
      const old = this.keyTable;
      for (let i = 0; i < old.length; i += 2) {
        if (old[i] !== 0) {
          placeInto(table, old[i + 1], old[i] - 1);
        }
      }
      this.keyTable = table;
    }
  }

  /** Live keys in the index. */
  get size(): number {
    return this.liveKeys;
  }

  /** Adds a key (given as its raw bytes); returns its id. Adding a key twice is harmless. */
  add(key: Uint8Array): number {
    const folder = this.folderFor(key);
    const start = this.leafStart;
    return this.addLeaf(folder, key, start, key.length, hashBytes(folder, key, start, key.length));
  }

  /**
   * Adds a page of keys. Same result as `add` for each, but in three passes: folders and leaf hashes
   * first, then one read of each key's hash-table slot, then the inserts. The slot reads of the second
   * pass do not depend on each other, so the CPU overlaps their cache misses instead of waiting for
   * them one key at a time; by the third pass the slots are in cache.
   */
  addAll(keys: readonly Uint8Array[]): void {
    const n = keys.length;
    if (this.batchFolder.length < n) {
      this.batchFolder = new Int32Array(n);
      this.batchStart = new Int32Array(n);
      this.batchHash = new Int32Array(n);
    }
    const folders = this.batchFolder;
    const starts = this.batchStart;
    const hashes = this.batchHash;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      const folder = this.folderFor(key);
      folders[i] = folder;
      starts[i] = this.leafStart;
      hashes[i] = hashBytes(folder, key, this.leafStart, key.length);
    }
    const table = this.keyTable;
    const mask = (table.length >> 1) - 1;
    let touched = 0;
    for (let i = 0; i < n; i++) {
      touched |= table[(hashes[i] & mask) << 1];
    }
    this.probeSink = touched;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      this.addLeaf(folders[i], key, starts[i], key.length, hashes[i]);
    }
  }

  /** The folder a key belongs in (created if needed); sets `leafStart` to where its leaf begins. */
  private folderFor(key: Uint8Array): number {
    let folder = ROOT_FOLDER;
    let segStart = 0;
    const d = this.delimiter;
    if (d !== null) {
      const d0 = d[0];
      const dl = d.length;
      const last = key.length - dl;
      let i = 0;
      while (i <= last) {
        if (key[i] === d0 && (dl === 1 || this.delimiterAt(key, i))) {
          folder = this.childFolder(folder, key, segStart, i);
          i += dl;
          segStart = i;
        } else {
          i++;
        }
      }
    }
    this.leafStart = segStart;
    return folder;
  }

  /** The id of a key, or -1 (also -1 for a key that was removed). */
  find(key: Uint8Array): number {
    let folder = ROOT_FOLDER;
    let segStart = 0;
    const d = this.delimiter;
    if (d !== null) {
      let i = 0;
      while (i <= key.length - d.length) {
        if (this.delimiterAt(key, i)) {
          folder = this.lookupFolder(folder, key, segStart, i);
          if (folder < 0) {
            return -1;
          }
          i += d.length;
          segStart = i;
        } else {
          i++;
        }
      }
    }
    const id = this.lookupKey(folder, key, segStart, key.length);
    return id >= 0 && this.keyFolder[id] >= 0 ? id : -1;
  }

  /** Marks a key as gone (expired, deleted, vanished) and updates the counts. */
  remove(id: number): boolean {
    if (id < 0 || id >= this.nKeys || this.keyFolder[id] < 0) {
      return false;
    }
    const folder = this.keyFolder[id];
    this.keyFolder[id] = ~folder;
    this.fDirect[folder]--;
    for (let f = folder; f >= 0; f = this.fParent[f]) {
      this.fTotal[f]--;
    }
    this.liveKeys--;
    return true;
  }

  isLive(id: number): boolean {
    return id >= 0 && id < this.nKeys && this.keyFolder[id] >= 0;
  }

  folderOfKey(id: number): number {
    const f = this.keyFolder[id];
    return f >= 0 ? f : ~f;
  }

  /** The full key bytes (a fresh Buffer), rebuilt from the folder path and the leaf. */
  keyBytes(id: number): Buffer {
    const folder = this.folderOfKey(id);
    const leaf = this.leafArena.subarray(this.keyStart[id], this.keyStart[id + 1]);
    return Buffer.concat([this.folderPrefix(folder), leaf]);
  }

  /** The part of the key after its folder's prefix (the whole key in flat mode). */
  leafBytes(id: number): Buffer {
    return Buffer.from(this.leafArena.subarray(this.keyStart[id], this.keyStart[id + 1]));
  }

  /** The bytes every key under the folder starts with: the path plus the delimiter (empty for the root). */
  folderPrefix(folder: number): Buffer {
    const parts: Uint8Array[] = [];
    for (let f = folder; f > ROOT_FOLDER; f = this.fParent[f]) {
      parts.push(this.delimiter ?? new Uint8Array(0), this.nameArena.subarray(this.fNameStart[f], this.fNameStart[f + 1]));
    }
    return Buffer.concat(parts.reverse());
  }

  folderName(folder: number): Buffer {
    return Buffer.from(this.nameArena.subarray(this.fNameStart[folder], this.fNameStart[folder + 1]));
  }

  folderParent(folder: number): number {
    return this.fParent[folder];
  }

  /** Live keys under the folder, at any depth. */
  folderTotal(folder: number): number {
    return this.fTotal[folder];
  }

  /** Live keys directly in the folder. */
  folderDirect(folder: number): number {
    return this.fDirect[folder];
  }

  hasFolder(folder: number): boolean {
    return folder >= 0 && folder < this.nFolders;
  }

  /** Finds the folder whose prefix (path plus trailing delimiter) is `prefix`; -1 if unknown. */
  folderByPrefix(prefix: Uint8Array): number {
    if (prefix.length === 0) {
      return ROOT_FOLDER;
    }
    const d = this.delimiter;
    if (d === null || prefix.length < d.length || !this.delimiterAt(prefix, prefix.length - d.length)) {
      return -1;
    }
    let folder = ROOT_FOLDER;
    let segStart = 0;
    let i = 0;
    while (i <= prefix.length - d.length) {
      if (this.delimiterAt(prefix, i)) {
        folder = this.lookupFolder(folder, prefix, segStart, i);
        if (folder < 0) {
          return -1;
        }
        i += d.length;
        segStart = i;
      } else {
        i++;
      }
    }
    return segStart === prefix.length ? folder : -1;
  }

  /**
   * Live child folders. Membership is found by a linear pass over the parent column instead of
   * per-folder linked lists: a sequential pass over a few MB takes about a millisecond, while keeping
   * the lists would cost a random write per key on every insert and 4 more bytes per key.
   */
  liveChildFolders(folder: number): number[] {
    const out: number[] = [];
    const parent = this.fParent;
    const total = this.fTotal;
    for (let f = 1; f < this.nFolders; f++) {
      if (parent[f] === folder && total[f] > 0) {
        out.push(f);
      }
    }
    return out;
  }

  /** Live keys directly in the folder (a linear pass over the folder column, see `liveChildFolders`). */
  liveKeysIn(folder: number): number[] {
    const out: number[] = [];
    if (this.fDirect[folder] === 0) {
      return out;
    }
    const kf = this.keyFolder;
    for (let id = 0; id < this.nKeys; id++) {
      if (kf[id] === folder) {
        out.push(id);
      }
    }
    return out;
  }

  /** The first `limit` children of a folder: folders first, then keys, each in natural order. */
  children(folder: number, limit: number): ChildListing {
    const childFolders = this.liveChildFolders(folder);
    const folderCount = childFolders.length;
    const names = this.nameArena;
    const fStart = this.fNameStart;
    const folders = smallestSorted(childFolders, Math.min(limit, folderCount), (x, y) =>
      naturalCompare(names, fStart[x], fStart[x + 1], names, fStart[y], fStart[y + 1]),
    );
    const leaves = this.leafArena;
    const kStart = this.keyStart;
    const keys = smallestSorted(this.liveKeysIn(folder), limit - folders.length, (x, y) =>
      naturalCompare(leaves, kStart[x], kStart[x + 1], leaves, kStart[y], kStart[y + 1]),
    );
    return { folders, keys, folderCount, keyCount: this.fDirect[folder] };
  }

  /**
   * Releases growth headroom (call when a scan completes). An array is copied only when at least a
   * quarter of it is unused: copying costs fresh memory too, which is not worth a few percent.
   */
  compact(): void {
    const n = this.nKeys;
    const f = this.nFolders;
    this.leafArena = trimmed(this.leafArena, this.leafUsed);
    this.keyStart = trimmed(this.keyStart, n + 1);
    this.keyFolder = trimmed(this.keyFolder, n);
    this.nameArena = trimmed(this.nameArena, this.nameUsed);
    this.fNameStart = trimmed(this.fNameStart, f + 1);
    this.fParent = trimmed(this.fParent, f);
    this.fTotal = trimmed(this.fTotal, f);
    this.fDirect = trimmed(this.fDirect, f);
  }

  /** Bytes held by the index's arrays (what `compact` leaves is what a finished index costs). */
  byteSize(): number {
    return (
      this.leafArena.byteLength +
      this.keyStart.byteLength +
      this.keyFolder.byteLength +
      this.keyTable.byteLength +
      this.nameArena.byteLength +
      this.fNameStart.byteLength +
      this.folderTable.byteLength +
      (this.fParent.byteLength +
        this.fTotal.byteLength +
        this.fDirect.byteLength)
    );
  }

  private delimiterAt(bytes: Uint8Array, i: number): boolean {
    const d = this.delimiter as Uint8Array;
    if (i + d.length > bytes.length) {
      return false;
    }
    for (let k = 0; k < d.length; k++) {
      if (bytes[i + k] !== d[k]) {
        return false;
      }
    }
    return true;
  }

  private lookupFolder(parent: number, bytes: Uint8Array, start: number, end: number, hash?: number): number {
    const h = hash ?? hashBytes(parent, bytes, start, end);
    const table = this.folderTable;
    const mask = (table.length >> 1) - 1;
    const names = this.nameArena;
    const len = end - start;
    let slot = h & mask;
    for (;;) {
      const entry = table[slot << 1];
      if (entry === 0) {
        return -1;
      }
      if (table[(slot << 1) + 1] === h) {
        const f = entry - 1;
        const s = this.fNameStart[f];
        if (this.fParent[f] === parent && this.fNameStart[f + 1] - s === len) {
          let k = 0;
          while (k < len && names[s + k] === bytes[start + k]) {
            k++;
          }
          if (k === len) {
            return f;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  private childFolder(parent: number, bytes: Uint8Array, start: number, end: number): number {
    const hash = hashBytes(parent, bytes, start, end);
    const found = this.lookupFolder(parent, bytes, start, end, hash);
    if (found >= 0) {
      return found;
    }
    const f = this.nFolders;
    if (f >= this.fParent.length) {
      this.growFolders(f + 1);
    }
    const len = end - start;
    if (this.nameUsed + len > this.nameArena.length) {
      this.nameArena = grownBytes(this.nameArena, this.nameUsed + len);
    }
    const names = this.nameArena;
    const at = this.nameUsed;
    for (let k = 0; k < len; k++) {
      names[at + k] = bytes[start + k];
    }
    this.nameUsed += len;
    this.fNameStart[f + 1] = this.nameUsed;
    this.fParent[f] = parent;
    this.fTotal[f] = 0;
    this.fDirect[f] = 0;
    this.nFolders = f + 1;
    this.folderTable = insertSlot(this.folderTable, hash, f, this.nFolders);
    return f;
  }

  private lookupKey(folder: number, bytes: Uint8Array, start: number, end: number, hash?: number): number {
    const h = hash ?? hashBytes(folder, bytes, start, end);
    const table = this.keyTable;
    const mask = (table.length >> 1) - 1;
    const leaves = this.leafArena;
    const len = end - start;
    let slot = h & mask;
    for (;;) {
      const entry = table[slot << 1];
      if (entry === 0) {
        return -1;
      }
      if (table[(slot << 1) + 1] === h) {
        const id = entry - 1;
        const kf = this.keyFolder[id];
        const s = this.keyStart[id];
        if ((kf === folder || ~kf === folder) && this.keyStart[id + 1] - s === len) {
          let k = 0;
          while (k < len && leaves[s + k] === bytes[start + k]) {
            k++;
          }
          if (k === len) {
            return id;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  private addLeaf(folder: number, bytes: Uint8Array, start: number, end: number, hash: number): number {
    const existing = this.lookupKey(folder, bytes, start, end, hash);
    if (existing >= 0) {
      if (this.keyFolder[existing] < 0) {
        this.keyFolder[existing] = folder;
        this.count(folder);
      }
      return existing;
    }
    const id = this.nKeys;
    if (id >= this.keyFolder.length) {
      this.growKeys(id + 1);
    }
    const len = end - start;
    if (this.leafUsed + len > this.leafArena.length) {
      this.leafArena = grownBytes(this.leafArena, this.leafUsed + len);
    }
    const leaves = this.leafArena;
    const at = this.leafUsed;
    for (let k = 0; k < len; k++) {
      leaves[at + k] = bytes[start + k];
    }
    this.leafUsed += len;
    this.keyStart[id + 1] = this.leafUsed;
    this.keyFolder[id] = folder;
    this.nKeys = id + 1;
    this.keyTable = insertSlot(this.keyTable, hash, id, this.nKeys);
    this.count(folder);
    return id;
  }

  private count(folder: number): void {
    this.fDirect[folder]++;
    for (let f = folder; f >= 0; f = this.fParent[f]) {
      this.fTotal[f]++;
    }
    this.liveKeys++;
  }

  private growKeys(min: number): void {
    const size = capacityFor(this.keyFolder.length, min);
    this.keyFolder = grownInt32(this.keyFolder, size);
    this.keyStart = grownUint32(this.keyStart, size + 1);
  }

  private growFolders(min: number): void {
    const size = capacityFor(this.fParent.length, min);
    this.fParent = grownInt32(this.fParent, size, -1);
    this.fTotal = grownInt32(this.fTotal, size);
    this.fDirect = grownInt32(this.fDirect, size);
    this.fNameStart = grownUint32(this.fNameStart, size + 1);
  }
}
