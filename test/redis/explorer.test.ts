/**
 * The explorer model against a real redis-server: what each level shows, partial counts, paging,
 * metadata, vanishing and expiring keys, delimiters, binary names.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_3_0_CAPS } from '../../src/redis/capabilities';
import { ExplorerModel, type FolderNode, type KeyNode } from '../../src/redis/explorerModel';
import { KEYS_PER_SCRIPT, fetchKeyMeta, sizeCommand } from '../../src/redis/keyMeta';
import { waitFor } from '../support/redisServer';
import { seedNovaData } from '../support/seed';
import { EngineServer, setKeys, walk } from './scanEngine.helpers';

const fx = new EngineServer();

describe('explorer model', () => {
  test('the first screen shows partial counts and a load-more node; a full scan makes them exact', async () => {
    const c = await fx.freshDb(1);
    await seedNovaData(c, { keys: 5000 });
    const model = new ExplorerModel(c, fx.caps, { firstScreenCount: 100, firstScreenKeys: 300, scanCount: 100, pageSize: 10_000, smallDbKeys: 1000 });
    const first = await model.children();
    const nova = first.find((n): n is FolderNode => n.kind === 'folder' && n.label === 'nova');
    assert.ok(nova, 'the nova folder is shown');
    assert.equal(nova.partial, true);
    assert.ok(nova.count < 5000, `count ${nova.count} is a lower bound`);
    const more = first.at(-1);
    assert.equal(more?.kind, 'more');
    assert.equal(more?.kind === 'more' && more.scanComplete, false);
    assert.equal(model.status.complete, false);
    assert.equal(model.status.total, 5000);

    const progress: number[] = [];
    await model.scanAll({ onProgress: (p) => progress.push(p.keys) });
    assert.equal(model.status.complete, true);
    assert.equal(model.status.fraction, 1);
    assert.ok(progress.length > 1 && progress.at(-1) === 5000);
    const after = await model.children();
    const novaAfter = after.find((n): n is FolderNode => n.kind === 'folder' && n.label === 'nova');
    const rootKeys = after.filter((n) => n.kind === 'key').length;
    assert.equal(novaAfter?.partial, false);
    assert.equal((novaAfter?.count ?? 0) + rootKeys, 5000);
    assert.ok(!after.some((n) => n.kind === 'more'), 'no load-more node once everything is known and shown');
    // Every folder's count equals what the server holds under its prefix.
    const tree = await walk(model);
    assert.equal(tree.keys.length, 5000);
    const cache = tree.folders.find((f) => f.prefix.toString() === 'nova:cache:');
    assert.ok(cache);
    let serverCount = 0;
    let cursor = '0';
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', 'nova:cache:*', 'COUNT', 1000);
      serverCount += keys.length;
      cursor = next;
    } while (cursor !== '0');
    assert.equal(cache.count, serverCount);
    model.dispose();
  });

  test('a small DB is scanned completely before the first listing: exact counts at once', async () => {
    const c = await fx.freshDb(14);
    await seedNovaData(c, { keys: 1500 });
    const model = new ExplorerModel(c, fx.caps, { smallDbKeys: 2000, firstScreenCount: 100 });
    const first = await model.children();
    assert.equal(model.status.complete, true);
    const nova = first.find((n): n is FolderNode => n.kind === 'folder' && n.label === 'nova');
    assert.equal(nova?.partial, false);
    assert.equal((nova?.count ?? 0) + first.filter((n) => n.kind === 'key').length, 1500);
    assert.ok(!first.some((n) => n.kind === 'more'));
    model.dispose();
  });

  test('levels are paged: a folder with 450 keys shows 200, then 400, then all', async () => {
    const c = await fx.freshDb(2);
    await setKeys(c, Array.from({ length: 450 }, (_, i) => `big:${i}`));
    const model = new ExplorerModel(c, fx.caps);
    await model.scanAll();
    const [big] = (await model.children()) as FolderNode[];
    assert.equal(big.count, 450);
    let level = await model.children(big);
    assert.equal(level.filter((n) => n.kind === 'key').length, 200);
    const more = level.at(-1);
    assert.equal(more?.kind === 'more' && more.hidden, 250);
    // Natural order: 0, 1, 2 ... not 0, 1, 10, 100.
    assert.deepEqual(
      level.slice(0, 3).map((n) => (n as KeyNode).label),
      ['0', '1', '2'],
    );
    await model.loadMore(big);
    level = await model.children(big);
    assert.equal(level.filter((n) => n.kind === 'key').length, 400);
    await model.loadMore(big);
    level = await model.children(big);
    assert.equal(level.filter((n) => n.kind === 'key').length, 450);
    assert.ok(!level.some((n) => n.kind === 'more'));
    assert.equal(new Set(level.map((n) => n.id)).size, level.length);
    model.dispose();
  });

  test('load more on an incomplete scan scans further for that level', async () => {
    const c = await fx.freshDb(3);
    await setKeys(c, Array.from({ length: 3000 }, (_, i) => `k${i}`));
    const model = new ExplorerModel(c, fx.caps, { delimiter: null, firstScreenCount: 50, firstScreenKeys: 100, scanCount: 50, pageSize: 100, smallDbKeys: 0 });
    const first = await model.children();
    assert.equal(first.filter((n) => n.kind === 'key').length, 100);
    assert.equal(model.status.complete, false);
    await model.loadMore();
    const second = await model.children();
    assert.equal(second.filter((n) => n.kind === 'key').length, 200);
    model.dispose();
  });

  test('keys show type, TTL and size from one metadata round trip per level', async () => {
    const c = await fx.freshDb(4);
    await c.set('m:str', 'hello', 'EX', 3600);
    await c.hmset('m:hash', { a: '1', b: '2', c: '3' });
    await c.rpush('m:list', 'x', 'y');
    await c.sadd('m:set', 'a', 'b', 'c', 'd');
    await c.zadd('m:zset', 1, 'a');
    await setKeys(c, Array.from({ length: 145 }, (_, i) => `m:pad${i}`));
    const model = new ExplorerModel(c, fx.caps);
    await model.scanAll();
    const [folder] = (await model.children()) as FolderNode[];
    await fx.admin.config('RESETSTAT');
    const listed = (await model.children(folder)) as KeyNode[];
    const stats = await fx.admin.info('commandstats');
    // 150 keys' metadata in two script calls sent together, and exactly one TYPE and PTTL per key.
    assert.match(stats, new RegExp(`cmdstat_eval:calls=${Math.ceil(150 / KEYS_PER_SCRIPT)},`));
    assert.match(stats, /cmdstat_type:calls=150,/);
    assert.match(stats, /cmdstat_pttl:calls=150,/);
    assert.equal(listed.length, 150);
    const keys = listed.filter((k) => !k.name.startsWith('m:pad'));
    const byName = new Map(keys.map((k) => [k.name, k]));
    assert.deepEqual(
      [...byName.values()].map((k) => [k.name, k.meta?.type, k.meta?.size]),
      [
        ['m:hash', 'hash', 3],
        ['m:list', 'list', 2],
        ['m:set', 'set', 4],
        ['m:str', 'string', 5],
        ['m:zset', 'zset', 1],
      ],
    );
    const str = byName.get('m:str')?.meta;
    assert.ok(str && str.ttlMs !== null && str.ttlMs > 3500_000 && str.ttlMs <= 3600_000);
    assert.ok(str.expiresAt !== null && str.expiresAt > Date.now());
    assert.equal(byName.get('m:hash')?.meta?.ttlMs, null);
    assert.equal(byName.get('m:hash')?.meta?.expiresAt, null);
    // MEMORY USAGE, on demand, where the server has it.
    const memory = await model.memoryUsage(byName.get('m:hash') as KeyNode);
    if (fx.caps.memoryUsage) {
      assert.ok(typeof memory === 'number' && memory > 0);
    } else {
      assert.equal(memory, undefined);
    }
    model.dispose();
  });

  test('streams are sized with XLEN only where the capabilities allow it', async () => {
    if (!fx.caps.streams) {
      // An old server has no streams to create; its capabilities must not ask for XLEN either.
      assert.equal(sizeCommand('stream', fx.caps), undefined);
      return;
    }
    const c = await fx.freshDb(13);
    await c.xadd('x:stream', '*', 'a', '1');
    await c.xadd('x:stream', '*', 'a', '2');
    const model = new ExplorerModel(c, fx.caps);
    await model.scanAll();
    const [folder] = (await model.children()) as FolderNode[];
    const [stream] = (await model.children(folder)) as KeyNode[];
    assert.equal(stream.meta?.type, 'stream');
    assert.equal(stream.meta?.size, 2);
    // The same key seen with NOVA's 3.0 capabilities: no XLEN, so no size.
    const asOld = new ExplorerModel(c, REDIS_3_0_CAPS);
    await asOld.scanAll();
    const [oldFolder] = (await asOld.children()) as FolderNode[];
    const [oldStream] = (await asOld.children(oldFolder)) as KeyNode[];
    assert.equal(oldStream.meta?.type, 'stream');
    assert.equal(oldStream.meta?.size, null);
    model.dispose();
    asOld.dispose();
  });

  test('the metadata fallback without scripting gives the same answers', async () => {
    const c = await fx.freshDb(5);
    await c.set('s', 'abc', 'PX', 60_000);
    await c.hmset('h', { f: 'v' });
    await c.rpush('l', 'a', 'b', 'c');
    const keys = [Buffer.from('s'), Buffer.from('h'), Buffer.from('l'), Buffer.from('missing')];
    const viaScript = await fetchKeyMeta(c, fx.caps, keys, { now: () => 1000 });
    const viaPipelines = await fetchKeyMeta(c, fx.caps, keys, { now: () => 1000, noScript: true });
    const strip = (m: typeof viaScript): unknown => m.map((x) => (x ? { type: x.type, size: x.size, ttl: x.ttlMs !== null } : null));
    assert.deepEqual(strip(viaScript), strip(viaPipelines));
    assert.deepEqual(strip(viaScript), [{ type: 'string', size: 3, ttl: true }, { type: 'hash', size: 1, ttl: false }, { type: 'list', size: 3, ttl: false }, null]);
  });

  test('keys that vanish between SCAN and their metadata are dropped, counts follow', async () => {
    const c = await fx.freshDb(6);
    await setKeys(c, ['v:1', 'v:2', 'v:3', 'v:4']);
    const model = new ExplorerModel(c, fx.caps);
    let changes = 0;
    model.onDidChange(() => changes++);
    await model.scanAll();
    const [folder] = (await model.children()) as FolderNode[];
    assert.equal(folder.count, 4);
    // Deleted by someone else after the scan, before the folder is opened.
    await c.del('v:2', 'v:4');
    const keys = await model.children(folder);
    assert.deepEqual(
      keys.map((k) => (k as KeyNode).label),
      ['1', '3'],
    );
    const [folderAfter] = (await model.children()) as FolderNode[];
    assert.equal(folderAfter.count, 2);
    assert.equal(model.status.keys, 2);
    assert.ok(changes > 0, 'the view is told to refresh the counts above');
    model.dispose();
  });

  test('a key that expires drops out without a rescan', async () => {
    const c = await fx.freshDb(7);
    await c.set('t:short', 'x', 'PX', 300);
    await c.set('t:long', 'x');
    const model = new ExplorerModel(c, fx.caps);
    await model.scanAll();
    const [folder] = (await model.children()) as FolderNode[];
    const shown = (await model.children(folder)) as KeyNode[];
    assert.deepEqual(
      shown.map((k) => k.label),
      ['long', 'short'],
    );
    const expiry = model.nextExpiry();
    assert.ok(expiry !== undefined && expiry <= Date.now() + 300);
    await waitFor('the short-lived key to expire', async () => (await c.exists('t:short')) === 0 && Date.now() > expiry, 5000);
    const scansBefore = model.status.scanned;
    const again = (await model.children(folder)) as KeyNode[];
    assert.deepEqual(
      again.map((k) => k.label),
      ['long'],
    );
    assert.equal(model.status.scanned, scansBefore, 'no rescan happened');
    const [folderAfter] = (await model.children()) as FolderNode[];
    assert.equal(folderAfter.count, 1);
    assert.equal(model.nextExpiry(), undefined);
    model.dispose();
  });

  test('custom delimiters and the flat list', async () => {
    const c = await fx.freshDb(8);
    await setKeys(c, ['api/v1/users', 'api/v1/orders', 'api/health', 'nova:x', '/lead', 'trail/']);
    const slash = new ExplorerModel(c, fx.caps, { delimiter: '/' });
    await slash.scanAll();
    const root = await slash.children();
    assert.deepEqual(
      root.map((n) => (n.kind === 'folder' ? `${n.label}/ ${n.count} ${n.emptyName}` : n.kind === 'key' ? n.label : n.kind)),
      ['""/ 1 true', 'api/ 3 false', 'trail/ 1 false', 'nova:x'],
    );
    const tree = await walk(slash);
    assert.deepEqual(tree.keys.map((k) => k.name).sort(), ['/lead', 'api/health', 'api/v1/orders', 'api/v1/users', 'nova:x', 'trail/']);
    // A key whose last segment is empty is labelled with its full name.
    assert.equal(tree.keys.find((k) => k.name === 'trail/')?.label, 'trail/');
    const flat = new ExplorerModel(c, fx.caps, { delimiter: null });
    await flat.scanAll();
    const flatRoot = await flat.children();
    assert.equal(flatRoot.length, 6);
    assert.ok(flatRoot.every((n) => n.kind === 'key' && n.label === n.name));
    slash.dispose();
    flat.dispose();
  });

  test('binary key names: distinct items, readable labels, and the bytes reach the server', async () => {
    const c = await fx.freshDb(9);
    const names = [
      Buffer.from([0x00]),
      Buffer.from([0xff]),
      Buffer.from([0xfe]), // decodes to U+FFFD like 0xff: must stay a separate item
      Buffer.from('line\nbreak'),
      Buffer.from('😀:party'),
      Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0xc3, 0x28]), // "bin:" + invalid UTF-8
    ];
    const pipe = c.pipeline();
    for (const n of names) {
      pipe.set(n, 'v');
    }
    await pipe.exec();
    const model = new ExplorerModel(c, fx.caps);
    await model.scanAll();
    const tree = await walk(model);
    assert.equal(tree.keys.length, names.length);
    assert.equal(new Set(tree.keys.map((k) => k.id)).size, names.length);
    const labels = tree.keys.map((k) => k.name).sort();
    assert.deepEqual(labels, ['\\x00', '\\xfe', '\\xff', 'bin:\\xc3(', 'line\\nbreak', '😀:party'].sort());
    for (const k of tree.keys) {
      assert.ok(names.some((n) => n.equals(k.key)), `${k.name} keeps its exact bytes`);
      assert.equal(k.meta?.type, 'string', `${k.name} got its metadata through its bytes`);
    }
    // An operation through the node's bytes reaches exactly that key.
    const ff = tree.keys.find((k) => k.name === '\\xff') as KeyNode;
    assert.equal(await c.del(ff.key), 1);
    assert.equal(await c.exists(Buffer.from([0xfe])), 1);
    model.noteDeleted(ff.key);
    assert.equal((await walk(model)).keys.length, names.length - 1);
    model.dispose();
  });

  test('a type filter shows only that type, the same way with and without SCAN TYPE', async () => {
    const c = await fx.freshDb(10);
    await setKeys(c, Array.from({ length: 300 }, (_, i) => `s:${i}`));
    await c.hmset('h:1', { a: '1' });
    await c.hmset('h:2', { a: '1' });
    const results: string[][] = [];
    for (const withCaps of [fx.caps, REDIS_3_0_CAPS]) {
      const model = new ExplorerModel(c, withCaps, { type: 'hash' });
      await model.scanAll();
      const tree = await walk(model);
      results.push(tree.keys.map((k) => k.name).sort());
      assert.ok(tree.keys.every((k) => k.meta?.type === 'hash'));
      model.dispose();
    }
    assert.deepEqual(results[0], ['h:1', 'h:2']);
    assert.deepEqual(results[1], results[0]);
  });

  test('a MATCH filter and a literal search', async () => {
    const c = await fx.freshDb(11);
    await setKeys(c, ['nova:cache:a', 'nova:cache:b', 'nova:session:a', 'a*b', 'axb']);
    const glob = new ExplorerModel(c, fx.caps, { match: 'nova:cache:*' });
    await glob.scanAll();
    assert.deepEqual((await walk(glob)).keys.map((k) => k.name).sort(), ['nova:cache:a', 'nova:cache:b']);
    const { literalPattern } = await import('../../src/redis/glob');
    const literal = new ExplorerModel(c, fx.caps, { match: literalPattern('a*b', 'exact') });
    await literal.scanAll();
    assert.deepEqual((await walk(literal)).keys.map((k) => k.name), ['a*b']);
    // A key created from the extension is shown only if it passes the filter.
    await c.set('nova:cache:new', 'v');
    glob.noteCreated(Buffer.from('nova:cache:new'), 'string');
    glob.noteCreated(Buffer.from('other:key'), 'string');
    assert.deepEqual((await walk(glob)).keys.map((k) => k.name).sort(), ['nova:cache:a', 'nova:cache:b', 'nova:cache:new']);
    glob.dispose();
    literal.dispose();
  });

  test('refresh starts over and sees the current keyspace', async () => {
    const c = await fx.freshDb(12);
    await setKeys(c, ['r:1', 'r:2']);
    const model = new ExplorerModel(c, fx.caps);
    await model.scanAll();
    assert.equal(model.status.keys, 2);
    await c.del('r:1');
    await c.set('r:3', 'v');
    model.refresh();
    assert.equal(model.status.complete, false);
    await model.scanAll();
    assert.deepEqual((await walk(model)).keys.map((k) => k.name), ['r:2', 'r:3']);
    model.dispose();
  });
});
