/**
 * Hostile collections stored in a real redis-server and read through the real readers, in a child
 * Node process with a 256 MB heap (test/support/hostileRun.ts): it must finish and show the note
 * that says what was cut. Heap peaks and times are diagnostics, never assertions.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import type Redis from 'ioredis';
import type { RedisServer } from '../support/redisServer';
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

describe(`hostile collections read with a ${CHILD_HEAP_MB} MB heap`, () => {
  let server: RedisServer;
  let admin: Redis;
  let reader: Redis;

  before(async () => {
    ({ server, admin, reader } = await startWithReader({}, DB));
  });
  after(() => stopWithClients(server, admin, reader));

  const read = (key: string): Promise<WorkerOutcome> => runWorker(['redis', server.host, String(server.port), String(DB), key]);

  test('a list of 20 gzip bombs (~200 KB each, 200 MB inflated): each stops at its cap', async (t) => {
    const bomb = zlib.gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });
    await admin.rpush('bombs', ...Array.from({ length: 20 }, () => bomb));
    const r = survived(await read('bombs'));
    assert.equal(r.loaded, 20);
    assert.ok(r.notes.includes('INFLATE_LIMIT'), r.notes.join(', '));
    t.diagnostic(`${bomb.length} bytes each; ${r.ms.toFixed(0)} ms, peak heap ${r.peakHeapMB} MB`);
  });

  test("a list of 20 gzip'd 3 MB texts: the page stops expanding at its budget and says so", async (t) => {
    // Text, which is quick to check once expanded: the budget that stops the page is the expansion one.
    const doc = zlib.gzipSync(Buffer.from('lorem ipsum dolor sit amet\n'.repeat(120_000)));
    await admin.rpush('gztext', ...Array.from({ length: 20 }, () => doc));
    const r = survived(await read('gztext'));
    assert.equal(r.loaded, 20);
    assert.ok(r.notes.includes('PAGE_INFLATE_LIMIT'), r.notes.join(', '));
    assert.deepEqual(r.decoders, ['gzip', 'text']);
    t.diagnostic(`${doc.length} bytes each; ${r.ms.toFixed(0)} ms, peak heap ${r.peakHeapMB} MB`);
  });

  test('a hash of 6 fields of 40 MB: only their first bytes and sizes are read', async (t) => {
    const big = Buffer.alloc(40 * 1024 * 1024, 0x78);
    for (let i = 0; i < 6; i++) {
      await admin.hset('fat', `f${i}`, big);
    }
    const r = survived(await read('fat'));
    assert.equal(r.loaded, 6);
    assert.ok(r.notes.includes('ELEMENTS_TRUNCATED'), r.notes.join(', '));
    assert.ok((r.bodyChars as number) < 64 * 1024, `${String(r.bodyChars)} chars shown`);
    t.diagnostic(`${r.ms.toFixed(0)} ms, peak heap ${r.peakHeapMB} MB`);
  });

  test('a list of 30 items of 600 KB: the page stops at its byte budget, the next page continues', async () => {
    const item = Buffer.alloc(600 * 1024, 0x79);
    await admin.rpush('wide', ...Array.from({ length: 30 }, () => item));
    const r = survived(await read('wide'));
    assert.ok((r.loaded as number) < 30, `loaded ${String(r.loaded)}`);
    assert.equal(r.canLoadMore, true);
    assert.ok(r.notes.includes('PAGE_BYTES_LIMIT'), r.notes.join(', '));
    // In this process: the rest comes with "load more", nothing lost or repeated.
    const caps = serverInfoFromInfo(await reader.info('server')).caps;
    const session = await ValueSession.open(reader, caps, Buffer.from('wide'));
    while (session.canLoadMore) {
      await session.loadMore(reader);
    }
    const all = JSON.parse(session.render().body) as string[];
    assert.equal(all.length, 30);
    assert.ok(all.every((s) => s === item.toString()));
  });
});
