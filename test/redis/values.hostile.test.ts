/**
 * Hostile collections stored in a real redis-server and read through the real readers, in a child
 * Node process with a 256 MB heap (test/support/hostileRun.ts): it must finish and show the note
 * that says what was cut. Heap peaks and times are diagnostics, never assertions.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import type Redis from 'ioredis';
import { binaryAtLeast, type RedisServer, type StartOptions } from '../support/redisServer';
import { startWithReader, stopWithClients } from '../support/clients';
import { CHILD_HEAP_MB, runWorker, type WorkerOutcome } from '../support/hostileRun';
import { ValueSession } from '../../src/redis/values';
import { serverInfoFromInfo } from '../../src/redis/capabilities';

const DB = 1;

function survived(run: WorkerOutcome): NonNullable<WorkerOutcome['result']> {
  assert.equal(run.killedByWatchdog, false, 'the read hung');
  assert.equal(run.code, 0, `the reading process died (${run.signal ?? run.code}): ${run.stderr}`);
  assert.ok(run.result, 'the process reported what it showed');
  return run.result;
}

/** A server for the enclosing describe, its two clients, and a read of one key in the small-heap child. */
function serverPerSuite(options: StartOptions = {}): { admin: () => Redis; reader: () => Redis; read: (key: string) => Promise<WorkerOutcome> } {
  let server: RedisServer;
  let admin: Redis;
  let reader: Redis;
  before(async () => {
    ({ server, admin, reader } = await startWithReader(options, DB));
  });
  after(() => stopWithClients(server, admin, reader));
  return { admin: () => admin, reader: () => reader, read: (key) => runWorker(['redis', server.host, String(server.port), String(DB), key]) };
}

describe(`hostile collections read with a ${CHILD_HEAP_MB} MB heap`, () => {
  const s = serverPerSuite();

  test('a list of 20 gzip bombs (~200 KB each, 200 MB inflated): each stops at its cap', async (t) => {
    const bomb = zlib.gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });
    await s.admin().rpush('bombs', ...Array.from({ length: 20 }, () => bomb));
    const r = survived(await s.read('bombs'));
    assert.equal(r.loaded, 20);
    assert.ok(r.notes.includes('INFLATE_LIMIT'), r.notes.join(', '));
    t.diagnostic(`${bomb.length} bytes each; ${r.ms.toFixed(0)} ms, peak heap ${r.peakHeapMB} MB`);
  });

  test("a list of 20 gzip'd 3 MB texts: the page stops expanding at its budget and says so", async (t) => {
    // Text, which is quick to check once expanded: the budget that stops the page is the expansion one.
    const doc = zlib.gzipSync(Buffer.from('lorem ipsum dolor sit amet\n'.repeat(120_000)));
    await s.admin().rpush('gztext', ...Array.from({ length: 20 }, () => doc));
    const r = survived(await s.read('gztext'));
    assert.equal(r.loaded, 20);
    assert.ok(r.notes.includes('PAGE_INFLATE_LIMIT'), r.notes.join(', '));
    assert.deepEqual(r.decoders, ['gzip', 'text']);
    t.diagnostic(`${doc.length} bytes each; ${r.ms.toFixed(0)} ms, peak heap ${r.peakHeapMB} MB`);
  });

  test('a hash of 6 fields of 40 MB: only their first bytes and sizes are read', async (t) => {
    const big = Buffer.alloc(40 * 1024 * 1024, 0x78);
    for (let i = 0; i < 6; i++) {
      await s.admin().hset('fat', `f${i}`, big);
    }
    const r = survived(await s.read('fat'));
    assert.equal(r.loaded, 6);
    assert.ok(r.notes.includes('ELEMENTS_TRUNCATED'), r.notes.join(', '));
    assert.ok((r.bodyChars as number) < 64 * 1024, `${String(r.bodyChars)} chars shown`);
    t.diagnostic(`${r.ms.toFixed(0)} ms, peak heap ${r.peakHeapMB} MB`);
  });

  test('a list of 30 items of 600 KB: the page stops at its byte budget, the next page continues', async () => {
    const item = Buffer.alloc(600 * 1024, 0x79);
    await s.admin().rpush('wide', ...Array.from({ length: 30 }, () => item));
    const r = survived(await s.read('wide'));
    assert.ok((r.loaded as number) < 30, `loaded ${String(r.loaded)}`);
    assert.equal(r.canLoadMore, true);
    assert.ok(r.notes.includes('PAGE_BYTES_LIMIT'), r.notes.join(', '));
    // In this process: the rest comes with "load more", nothing lost or repeated.
    const caps = serverInfoFromInfo(await s.reader().info('server')).caps;
    const session = await ValueSession.open(s.reader(), caps, Buffer.from('wide'));
    while (session.canLoadMore) {
      await session.loadMore(s.reader());
    }
    const all = JSON.parse(session.render().body) as string[];
    assert.equal(all.length, 30);
    assert.ok(all.every((s) => s === item.toString()));
  });
});

const STREAMS = binaryAtLeast(5) ? false : 'streams need redis-server >= 5.0';

describe(`hostile streams read with a ${CHILD_HEAP_MB} MB heap`, { skip: STREAMS }, () => {
  const s = serverPerSuite();

  test('a stream of 6 entries with a 40 MB value each, and a 2 MB field name: only their first bytes and sizes are read', async (t) => {
    const big = Buffer.alloc(40 * 1024 * 1024, 0x78);
    for (let i = 0; i < 6; i++) {
      await s.admin().xadd('fatstream', '*', 'small', String(i), `f${i}`, big);
    }
    await s.admin().xadd('fatstream', '*', 'n'.repeat(2 * 1024 * 1024), 'v');
    const r = survived(await s.read('fatstream'));
    assert.equal(r.loaded, 7);
    assert.equal(r.canLoadMore, false);
    assert.ok(r.notes.includes('ELEMENTS_TRUNCATED'), r.notes.join(', '));
    assert.ok((r.bodyChars as number) < 64 * 1024, `${String(r.bodyChars)} chars shown`);
    // In this process: the small fields whole, the big value and the long name cut with an ellipsis.
    const caps = serverInfoFromInfo(await s.reader().info('server')).caps;
    const all = Object.values(JSON.parse((await ValueSession.open(s.reader(), caps, Buffer.from('fatstream'))).render().body) as Record<string, Record<string, string>>);
    assert.deepEqual(all.slice(0, 6).map((e) => e.small), ['0', '1', '2', '3', '4', '5']);
    assert.ok(all.slice(0, 6).every((e, i) => e[`f${i}`].length < 2048 && e[`f${i}`].endsWith('…')));
    assert.deepEqual(Object.values(all[6]), ['v']);
    assert.ok(Object.keys(all[6])[0].endsWith('…') && Object.keys(all[6])[0].length < 2048);
    t.diagnostic(`${r.ms.toFixed(0)} ms, peak heap ${r.peakHeapMB} MB`);
  });

  test('a stream of 30 entries of 600 KB: the page stops at its byte budget, the next page continues', async () => {
    const item = Buffer.alloc(600 * 1024, 0x79);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push((await s.admin().xadd('widestream', '*', 'v', item)) as string);
    }
    const r = survived(await s.read('widestream'));
    assert.ok((r.loaded as number) < 30, `loaded ${String(r.loaded)}`);
    assert.equal(r.size, 30);
    assert.equal(r.canLoadMore, true);
    assert.ok(r.notes.includes('PAGE_BYTES_LIMIT'), r.notes.join(', '));
    // In this process: the rest comes with "load more", nothing lost or repeated.
    const caps = serverInfoFromInfo(await s.reader().info('server')).caps;
    const session = await ValueSession.open(s.reader(), caps, Buffer.from('widestream'));
    while (session.canLoadMore) {
      await session.loadMore(s.reader());
    }
    const all = JSON.parse(session.render().body) as Record<string, { v: string }>;
    assert.deepEqual(Object.keys(all), ids);
    assert.ok(Object.values(all).every((e) => e.v === item.toString()));
  });
});

describe('streams where the server refuses EVAL', { skip: STREAMS }, () => {
  const s = serverPerSuite({ args: ['--rename-command', 'EVAL', ''] });

  test('entries come a few per XRANGE, big values cut after they arrive, every entry once and in order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await s.admin().xadd('plainstream', '*', 'i', String(i), 'v', i === 3 ? Buffer.alloc(2 * 1024 * 1024, 0x7a) : 'x')) as string);
    }
    const caps = serverInfoFromInfo(await s.reader().info('server')).caps;
    const session = await ValueSession.open(s.reader(), caps, Buffer.from('plainstream'));
    const first = session.render();
    assert.ok(first.header.loaded < 25 && first.header.canLoadMore, `first page: ${first.header.loaded}`);
    assert.ok(first.header.notes.some((n) => n.code === 'ELEMENTS_TRUNCATED'), JSON.stringify(first.header.notes));
    while (session.canLoadMore) {
      await session.loadMore(s.reader());
    }
    const all = JSON.parse(session.render().body) as Record<string, { i: string; v: string }>;
    assert.deepEqual(Object.keys(all), ids);
    assert.deepEqual(Object.values(all).map((e) => e.i), ids.map((_, i) => String(i)));
    assert.ok(all[ids[3]].v.endsWith('…') && all[ids[3]].v.length < 2048);
  });
});
