/**
 * Export's batching: every key read once, in order, in batches of EXPORT_BATCH; the next batch is asked
 * for before the last one is written (so the server works while the file is written); cancelling stops
 * before the next batch; a failed read surfaces from the call, not as an unhandled rejection.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPORT_BATCH, readInBatches, type ReadResult } from '../../src/redis/transfer';

const keys = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.from(`k${i}`));

const result = (batch: Buffer[]): ReadResult => ({ records: batch.map((key) => ({ type: 'string', value: key, key, ttlMs: null })), skipped: [] });

describe('readInBatches', () => {
  test('reads every key once, in order, in batches, and asks for the next batch before writing this one', async () => {
    const events: string[] = [];
    const written: string[] = [];
    await readInBatches(
      keys(2 * EXPORT_BATCH + 5),
      (batch) => {
        events.push(`read ${batch[0].toString()} (${batch.length})`);
        return Promise.resolve(result(batch));
      },
      async (r) => {
        events.push(`write ${r.records[0].key.toString()}`);
        await new Promise((resolve) => setImmediate(resolve));
        written.push(...r.records.map((x) => x.key.toString()));
      },
    );
    assert.deepEqual(written, keys(2 * EXPORT_BATCH + 5).map(String));
    assert.deepEqual(events, [
      `read k0 (${EXPORT_BATCH})`,
      `read k${EXPORT_BATCH} (${EXPORT_BATCH})`,
      'write k0',
      `read k${2 * EXPORT_BATCH} (5)`,
      `write k${EXPORT_BATCH}`,
      `write k${2 * EXPORT_BATCH}`,
    ]);
  });

  test('no keys: nothing is read', async () => {
    let reads = 0;
    await readInBatches([], () => (reads++, Promise.resolve(result([]))), () => Promise.resolve());
    assert.equal(reads, 0);
  });

  test('an abort stops before the next batch is asked for', async () => {
    const abort = new AbortController();
    const read: number[] = [];
    await readInBatches(
      keys(3 * EXPORT_BATCH),
      (batch) => (read.push(batch.length), Promise.resolve(result(batch))),
      () => {
        abort.abort();
        return Promise.resolve();
      },
      abort.signal,
    );
    // The first batch, and the second already asked for when the first was written.
    assert.deepEqual(read, [EXPORT_BATCH, EXPORT_BATCH]);
  });

  test('a batch that fails while the one before is written rejects the call, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let n = 0;
      await assert.rejects(
        readInBatches(
          keys(2 * EXPORT_BATCH),
          (batch) => (n++ === 1 ? Promise.reject(new Error('connection lost')) : Promise.resolve(result(batch))),
          // The failed read settles while this write waits.
          () => new Promise((resolve) => setTimeout(resolve, 20)),
        ),
        /connection lost/,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
