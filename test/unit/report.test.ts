/** The cache report's pure parts: namespace splitting, TTL buckets, sampling cursors, margins, CSV. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countMargin, folderEnds, reverseBits, ttlBucket, type CacheReport, type NamespaceStats } from '../../src/redis/report';
import { reportCsv } from '../../src/redis/reportExport';

const colon = Buffer.from(':');

describe('cache report core', () => {
  test('folders split like the Keys view: greedy from the left, empty segments kept, depth capped', () => {
    const ends = (key: string, depth = 4, d: Buffer | null = colon): string[] => folderEnds(Buffer.from(key), 0, d, depth).map((e) => key.slice(0, e));
    assert.deepEqual(ends('nova:cache:user:42'), ['nova:', 'nova:cache:', 'nova:cache:user:']);
    assert.deepEqual(ends(':1:views'), [':', ':1:']);
    assert.deepEqual(ends('a::b'), ['a:', 'a::']);
    assert.deepEqual(ends('a:b:c:d:e:f', 2), ['a:', 'a:b:']);
    assert.deepEqual(ends('plain'), []);
    assert.deepEqual(ends('a:b', 4, null), []);
    assert.deepEqual(ends('a::b::c', 4, Buffer.from('::')), ['a::', 'a::b::']);
  });

  test('TTL buckets have inclusive upper bounds; no TTL is its own bucket', () => {
    assert.equal(ttlBucket(-1), 'none');
    assert.equal(ttlBucket(0), 'soon');
    assert.equal(ttlBucket(60_000), 'soon');
    assert.equal(ttlBucket(60_001), 'hour');
    assert.equal(ttlBucket(3_600_000), 'hour');
    assert.equal(ttlBucket(86_400_000), 'day');
    assert.equal(ttlBucket(86_400_001), 'longer');
  });

  test('the start cursors of the strata are the bit-reversed stratum numbers', () => {
    assert.deepEqual([0, 1, 2, 3].map((i) => reverseBits(i, 2)), [0, 2, 1, 3]);
    assert.equal(reverseBits(1, 6), 32);
    assert.equal(reverseBits(63, 6), 63);
  });

  test('a count margin is zero for a census and grows with the share a sample could miss', () => {
    assert.equal(countMargin(100, 1000, 1000), 0);
    assert.equal(countMargin(1000, 1000, 1_000_000), 0);
    const m = countMargin(400, 10_000, 1_000_000);
    // p = 4 %: 3.29 × 1e6 × sqrt(0.04 × 0.96 / 1e4) × sqrt(fpc) ≈ 6,416.
    assert.ok(m > 6300 && m < 6500, String(m));
  });

  test('CSV: one row per namespace, fixed columns, names quoted and never read as formulas', () => {
    const ns = (path: string, depth: number): NamespaceStats => ({
      id: path,
      name: path,
      path,
      depth,
      keys: 3,
      keysMargin: 0,
      directKeys: 3,
      seen: 3,
      detailed: 3,
      memory: 300,
      memoryMargin: 0,
      withTtl: 2,
      ttl: { soon: 0, hour: 2, day: 0, longer: 0, none: 1 },
      idleAvgSeconds: 12.4,
      idleMaxSeconds: 20,
      children: [],
    });
    const report = { scope: { id: '', path: null, delimiter: ':' }, namespaces: [ns('', 0), ns('a,"b"', 1), ns('=cmd', 1)] } as unknown as CacheReport;
    const lines = reportCsv(report).split('\r\n');
    assert.equal(lines[0].split(',').length, 16);
    assert.equal(lines[1], ',0,3,0,300,0,2,0,2,0,0,1,12,20,3,3');
    assert.ok(lines[2].startsWith('"a,""b""",1,'), lines[2]);
    assert.ok(lines[3].startsWith(`"'=cmd",1,`), lines[3]);
    assert.equal(lines[4], '');
  });
});
