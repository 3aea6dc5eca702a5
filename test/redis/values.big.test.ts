/**
 * Huge values: a 64 MB string and collections of 1,000,000 elements. What matters is what is sent
 * and loaded (checked through INFO commandstats and the headers), not how long it takes: speed is
 * the benchmark's business (bench/values.ts).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { ValueSession, DEFAULT_PAGE_SIZE, DEFAULT_PREVIEW_BYTES } from '../../src/redis/values';
import { serverInfoFromInfo, type Capabilities } from '../../src/redis/capabilities';
import type { RedisServer } from '../support/redisServer';
import { startWithReader, stopWithClients } from '../support/clients';
import { CommandCounter } from '../support/commandStats';
import { seedBigCollections, bigStringBytes, BIG_STRING_BYTES, MILLION } from '../support/bigValues';

describe('huge values', () => {
  let server: RedisServer;
  let admin: Redis;
  let reader: Redis;
  let caps: Capabilities;
  // Redis 4.0 counts what the readers send inside MULTI/EXEC as `exec`: the counter uses MONITOR there.
  let counter: CommandCounter | undefined;

  before(async () => {
    ({ server, admin, reader } = await startWithReader());
    caps = serverInfoFromInfo(await reader.info('server')).caps;
    await seedBigCollections(admin, 'big:');
    counter = await CommandCounter.open(server);
  });
  after(async () => {
    counter?.dispose();
    await stopWithClients(server, admin, reader);
  });

  test('a 64 MB string: a 256 KB preview first, the whole value on request', async () => {
    const value = bigStringBytes();
    await admin.set('big:string', value);
    await counter!.reset();

    const session = await ValueSession.open(reader, caps, Buffer.from('big:string'));
    const preview = session.render();
    assert.equal(preview.header.size, BIG_STRING_BYTES);
    assert.equal(preview.header.loaded, DEFAULT_PREVIEW_BYTES);
    assert.equal(preview.header.partial, true);
    assert.equal(preview.header.canLoadMore, true);
    assert.deepEqual(preview.header.decoders, ['text']);
    assert.equal(preview.body, value.toString('utf8', 0, DEFAULT_PREVIEW_BYTES));
    const sent = await counter!.calls();
    assert.equal(sent.get('getrange'), 1);
    assert.equal(sent.has('get'), false, 'no full GET before "load all"');

    await session.loadMore(reader);
    const full = session.render();
    assert.equal(full.header.loaded, BIG_STRING_BYTES);
    assert.equal(full.header.partial, false);
    assert.equal(full.header.canLoadMore, false);
    assert.equal(full.body.length, BIG_STRING_BYTES);
    assert.ok(full.body.endsWith('<<END OF THE 64 MB VALUE>>'));
    assert.equal(full.body.slice(30_000_000, 30_000_100), value.toString('utf8', 30_000_000, 30_000_100));
  });

  for (const type of ['hash', 'set', 'zset', 'list'] as const) {
    test(`a ${type} of 1,000,000 elements opens with one page, and "load more" continues from there`, async () => {
      const key = Buffer.from(`big:${type}`);
      await counter!.reset();
      const session = await ValueSession.open(reader, caps, key);
      const first = session.render();
      assert.equal(first.header.type, type);
      assert.equal(first.header.size, MILLION);
      assert.equal(first.header.partial, true);
      assert.equal(first.header.canLoadMore, true);
      assert.ok(first.header.loaded > 0 && first.header.loaded <= 4 * DEFAULT_PAGE_SIZE, `first page holds ${first.header.loaded}`);

      // One request for the first page, whatever the size: no HGETALL, SMEMBERS, full ranges. The page
      // script walks a few elements per call; without scripting, one plain read.
      const sent = await counter!.calls();
      const reads = { hash: 'hscan', set: 'sscan', zset: 'zrange', list: 'lrange' }[type];
      if (sent.has('eval')) {
        assert.equal(sent.get('eval'), 1, JSON.stringify([...sent]));
        assert.ok((sent.get(reads) ?? 0) <= 20 * DEFAULT_PAGE_SIZE, JSON.stringify([...sent]));
      } else {
        assert.equal(sent.get(reads), 1, JSON.stringify([...sent]));
      }
      for (const whole of ['hgetall', 'hkeys', 'hvals', 'smembers', 'sort']) {
        assert.equal(sent.has(whole), false, whole);
      }

      await session.loadMore(reader);
      await session.loadMore(reader);
      const more = session.render();
      assert.ok(more.header.loaded > first.header.loaded);
      const body = JSON.parse(more.body) as unknown;
      const count = Array.isArray(body) ? body.length : Object.keys(body as object).length;
      assert.equal(count, more.header.loaded, 'no element twice');
      if (type === 'list') {
        assert.deepEqual((body as unknown[]).slice(0, 3), [{ i: 0 }, { i: 1 }, { i: 2 }]);
      }
      if (type === 'zset') {
        const entries = body as Array<{ member: string; score: number }>;
        assert.deepEqual(
          entries.map((e) => e.score),
          entries.map((_, i) => i),
        );
      }
    });
  }
});
