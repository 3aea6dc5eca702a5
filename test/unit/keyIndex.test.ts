import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyIndex, ROOT_FOLDER, naturalCompare, smallestSorted } from '../../src/redis/keyIndex';

const k = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The visible tree, as `path → count` for folders and the list of keys per folder (by full name). */
function snapshot(index: KeyIndex, folder = ROOT_FOLDER, into: Record<string, unknown> = {}): Record<string, unknown> {
  const listing = index.children(folder, 1_000_000);
  into[`${JSON.stringify(index.folderPrefix(folder).toString('latin1'))} keys`] = listing.keys.map((id) => index.keyBytes(id).toString('latin1'));
  for (const f of listing.folders) {
    into[`${JSON.stringify(index.folderPrefix(f).toString('latin1'))} count`] = index.folderTotal(f);
    snapshot(index, f, into);
  }
  return into;
}

function childNames(index: KeyIndex, folder: number, limit = 1000): { folders: string[]; keys: string[] } {
  const l = index.children(folder, limit);
  return {
    folders: l.folders.map((f) => index.folderName(f).toString()),
    keys: l.keys.map((id) => index.leafBytes(id).toString()),
  };
}

describe('KeyIndex grouping', () => {
  test('groups by ":" with counts at every level', () => {
    const index = new KeyIndex(':');
    for (const name of ['nova:cache:user:1', 'nova:cache:user:2', 'nova:cache:product:9', 'nova:session:abc', 'celery-task-meta-1']) {
      index.add(k(name));
    }
    assert.equal(index.size, 5);
    assert.equal(index.folderTotal(ROOT_FOLDER), 5);
    assert.deepEqual(childNames(index, ROOT_FOLDER), { folders: ['nova'], keys: ['celery-task-meta-1'] });
    const nova = index.folderByPrefix(k('nova:'));
    assert.equal(index.folderTotal(nova), 4);
    assert.deepEqual(childNames(index, nova), { folders: ['cache', 'session'], keys: [] });
    const cache = index.folderByPrefix(k('nova:cache:'));
    assert.equal(index.folderTotal(cache), 3);
    const user = index.folderByPrefix(k('nova:cache:user:'));
    assert.deepEqual(childNames(index, user), { folders: [], keys: ['1', '2'] });
    assert.equal(index.folderDirect(user), 2);
  });

  test('adding a key twice (SCAN duplicates) counts it once', () => {
    const index = new KeyIndex(':');
    const a = index.add(k('a:b:c'));
    const again = index.add(k('a:b:c'));
    assert.equal(a, again);
    assert.equal(index.size, 1);
    assert.equal(index.folderTotal(index.folderByPrefix(k('a:'))), 1);
  });

  test('a key and a folder may share a name', () => {
    const index = new KeyIndex(':');
    index.add(k('nova'));
    index.add(k('nova:x'));
    assert.deepEqual(childNames(index, ROOT_FOLDER), { folders: ['nova'], keys: ['nova'] });
    assert.equal(index.folderTotal(ROOT_FOLDER), 2);
  });

  test('leading, trailing and doubled delimiters, a lone delimiter and the empty key', () => {
    const names = [':lead', 'trail:', 'a::b', ':', '::', '', 'a:', 'a'];
    const index = new KeyIndex(':');
    for (const n of names) {
      index.add(k(n));
    }
    assert.equal(index.size, names.length);
    // Every key comes back with its exact bytes, found where the greedy split puts it.
    for (const n of names) {
      const id = index.find(k(n));
      assert.ok(id >= 0, `${JSON.stringify(n)} is found`);
      assert.equal(index.keyBytes(id).toString(), n);
    }
    // ":lead" lives in a folder with an empty name at the root; "trail:" in folder "trail" with an empty leaf.
    const empty = index.folderByPrefix(k(':'));
    assert.ok(empty > 0);
    assert.equal(index.folderName(empty).length, 0);
    assert.deepEqual(childNames(index, empty).keys.sort(), ['', 'lead']);
    assert.equal(index.folderTotal(empty), 3); // ":lead", ":" and "::"
    const trail = index.folderByPrefix(k('trail:'));
    assert.deepEqual(childNames(index, trail).keys, ['']);
    const a = index.folderByPrefix(k('a:'));
    assert.equal(index.folderTotal(a), 2); // "a::b" and "a:"
    assert.equal(index.folderTotal(index.folderByPrefix(k('a::'))), 1);
    assert.deepEqual(childNames(index, ROOT_FOLDER), { folders: ['', 'a', 'trail'], keys: ['', 'a'] });
  });

  test('multi-byte delimiters split greedily from the left and rebuild exactly', () => {
    const index = new KeyIndex('::');
    const names = ['a::b', 'a:::b', 'a::::b', '::x', 'y::', 'a:b'];
    for (const n of names) {
      index.add(k(n));
    }
    for (const n of names) {
      assert.equal(index.keyBytes(index.find(k(n))).toString(), n);
    }
    const a = index.folderByPrefix(k('a::'));
    assert.deepEqual(childNames(index, a), { folders: [''], keys: [':b', 'b'] });
    assert.equal(index.folderTotal(a), 3);
    assert.deepEqual(childNames(index, ROOT_FOLDER).keys, ['a:b']);
  });

  test('other delimiters: "/" and "."', () => {
    const slash = new KeyIndex('/');
    slash.add(k('api/v1/users'));
    slash.add(k('api/v1/orders'));
    slash.add(k('nova:cache:x'));
    assert.deepEqual(childNames(slash, ROOT_FOLDER), { folders: ['api'], keys: ['nova:cache:x'] });
    assert.equal(slash.folderTotal(slash.folderByPrefix(k('api/v1/'))), 2);
    const dot = new KeyIndex('.');
    dot.add(k('_kombu.binding.celery'));
    assert.equal(dot.folderTotal(dot.folderByPrefix(k('_kombu.binding.'))), 1);
  });

  test('flat mode keeps every key at the root', () => {
    for (const flat of [new KeyIndex(null), new KeyIndex('')]) {
      flat.add(k('a:b'));
      flat.add(k('a:c'));
      assert.equal(flat.delimiter, null);
      assert.deepEqual(childNames(flat, ROOT_FOLDER), { folders: [], keys: ['a:b', 'a:c'] });
      assert.equal(flat.folderByPrefix(k('a:')), -1);
    }
  });

  test('binary keys keep their bytes', () => {
    const index = new KeyIndex(':');
    const names = [Buffer.from([0x00]), Buffer.from([0xff, 0x3a, 0xfe]), Buffer.from('a:\n:b'), Buffer.from('😀:x')];
    for (const n of names) {
      index.add(n);
    }
    for (const n of names) {
      assert.deepEqual(index.keyBytes(index.find(n)), n);
    }
    assert.equal(index.folderTotal(index.folderByPrefix(Buffer.from([0xff, 0x3a]))), 1);
  });

  test('removing updates every count and a key can come back', () => {
    const index = new KeyIndex(':');
    const id = index.add(k('a:b:c'));
    index.add(k('a:b:d'));
    assert.equal(index.remove(id), true);
    assert.equal(index.remove(id), false);
    assert.equal(index.find(k('a:b:c')), -1);
    assert.equal(index.size, 1);
    assert.equal(index.folderTotal(index.folderByPrefix(k('a:'))), 1);
    assert.deepEqual(childNames(index, index.folderByPrefix(k('a:b:'))).keys, ['d']);
    assert.equal(index.add(k('a:b:c')), id);
    assert.equal(index.size, 2);
    assert.equal(index.folderTotal(ROOT_FOLDER), 2);
  });

  test('a folder whose keys are all gone disappears from the listing', () => {
    const index = new KeyIndex(':');
    const id = index.add(k('gone:x'));
    index.add(k('kept:y'));
    index.remove(id);
    assert.deepEqual(childNames(index, ROOT_FOLDER).folders, ['kept']);
    assert.equal(index.children(ROOT_FOLDER, 10).folderCount, 1);
  });

  test('folders first, natural order, paged by limit', () => {
    const index = new KeyIndex(':');
    for (const n of ['u:10', 'u:9', 'u:100', 'u:b', 'u:a', 'u:z:1', 'u:c:1', 'u:007', 'u:7']) {
      index.add(k(n));
    }
    const u = index.folderByPrefix(k('u:'));
    assert.deepEqual(childNames(index, u), { folders: ['c', 'z'], keys: ['7', '007', '9', '10', '100', 'a', 'b'] });
    assert.deepEqual(childNames(index, u, 3), { folders: ['c', 'z'], keys: ['7'] });
    assert.deepEqual(childNames(index, u, 1), { folders: ['c'], keys: [] });
    const listing = index.children(u, 3);
    assert.equal(listing.folderCount, 2);
    assert.equal(listing.keyCount, 7);
  });

  test('matches a plain reference model on 30,000 random keys with duplicates and removals', () => {
    let seed = 7;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const segs = ['nova', 'cache', 'user', 'x', '', 'é', 'session'];
    const index = new KeyIndex(':');
    const live = new Map<string, Buffer>();
    const all: Buffer[] = [];
    for (let i = 0; i < 30_000; i++) {
      const depth = Math.floor(rand() * 4);
      const parts: string[] = [];
      for (let d = 0; d < depth; d++) {
        parts.push(segs[Math.floor(rand() * segs.length)]);
      }
      parts.push(String(Math.floor(rand() * 5000)));
      const key = Buffer.from(parts.join(':'));
      index.add(key);
      live.set(key.toString('hex'), key);
      all.push(key);
      if (rand() < 0.1) {
        const victim = all[Math.floor(rand() * all.length)];
        index.remove(index.find(victim));
        live.delete(victim.toString('hex'));
      }
    }
    assert.equal(index.size, live.size);
    // Folder counts equal the number of live keys with that prefix.
    const expectedCounts = new Map<string, number>();
    for (const key of live.values()) {
      const parts = key.toString().split(':');
      for (let d = 1; d < parts.length; d++) {
        const prefix = parts.slice(0, d).join(':') + ':';
        expectedCounts.set(prefix, (expectedCounts.get(prefix) ?? 0) + 1);
      }
    }
    const snap = snapshot(index);
    const actualCounts = new Map<string, number>();
    let keysSeen = 0;
    for (const [label, value] of Object.entries(snap)) {
      if (label.endsWith(' count')) {
        actualCounts.set(JSON.parse(label.slice(0, -6)) as string, value as number);
      } else {
        keysSeen += (value as string[]).length;
      }
    }
    assert.equal(keysSeen, live.size);
    const utf8Counts = new Map([...actualCounts].map(([p, n]) => [Buffer.from(p, 'latin1').toString('utf8'), n]));
    assert.deepEqual(new Map([...utf8Counts].sort()), new Map([...expectedCounts].sort()));
    index.compact();
    assert.deepEqual(snapshot(index), snap);
    assert.ok(index.byteSize() > 0);
    // Page-at-a-time insertion builds the same tree.
    const paged = new KeyIndex(':');
    for (let i = 0; i < all.length; i += 1000) {
      paged.addAll(all.slice(i, i + 1000));
    }
    const pagedLive = new KeyIndex(':');
    pagedLive.addAll([...live.values()]);
    assert.equal(paged.size, new Set(all.map((b) => b.toString('hex'))).size);
    assert.deepEqual(snapshot(pagedLive), snap);
  });

  test('reserve and compact keep the content', () => {
    const index = new KeyIndex(':');
    for (let i = 0; i < 500; i++) {
      index.add(k(`a:${i}`));
    }
    index.reserve(100_000);
    for (let i = 500; i < 1000; i++) {
      index.add(k(`a:${i}`));
    }
    const before = snapshot(index);
    const grown = index.byteSize();
    index.compact();
    assert.ok(index.byteSize() < grown);
    assert.deepEqual(snapshot(index), before);
    index.add(k('a:1000'));
    assert.equal(index.size, 1001);
  });
});

describe('ordering helpers', () => {
  const cmpStr = (a: string, b: string): number => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return naturalCompare(x, 0, x.length, y, 0, y.length);
  };

  test('natural order compares digit runs by value (fewer leading zeros first on a tie)', () => {
    const sorted = ['item10', 'item9', 'item1', 'item01', 'Item2', 'item', 'item1a', 'item1b'].sort(cmpStr);
    assert.deepEqual(sorted, ['Item2', 'item', 'item1', 'item1a', 'item1b', 'item01', 'item9', 'item10']);
  });

  test('distinct names never compare equal', () => {
    const names = ['1', '01', '001', 'a1', 'a01', '', '0', '00'];
    for (const a of names) {
      for (const b of names) {
        assert.equal(cmpStr(a, b) === 0, a === b, `${a} vs ${b}`);
      }
    }
  });

  test('smallestSorted returns the k smallest in order', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const cmp = (a: number, b: number): number => a - b;
    assert.deepEqual(smallestSorted(values, 5, cmp), [0, 1, 2, 3, 4]);
    assert.deepEqual(smallestSorted(values, 2000, cmp), [...values].sort(cmp));
    assert.deepEqual(smallestSorted(values, 0, cmp), []);
  });
});
