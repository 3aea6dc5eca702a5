import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_3_0_CAPS, capabilitiesFor } from '../../src/redis/capabilities';
import { toNovaError } from '../../src/redis/connect';
import { KEY_TYPES, keyTypeOf, sizeCommand } from '../../src/redis/keyMeta';
import { SCAN_PACE, ScanPacer, cursorFraction, needsClientTypeFilter, scanArguments } from '../../src/redis/scan';

const REDIS_7 = capabilitiesFor([7, 2, 0]);

const text = (args: (string | Buffer)[]): string[] => args.map((a) => a.toString());

describe('SCAN arguments', () => {
  test('never TYPE for Redis 3.0, for any type filter', () => {
    for (const type of KEY_TYPES) {
      const args = text(scanArguments(REDIS_3_0_CAPS, { type, match: 'nova:*' }));
      assert.ok(!args.includes('TYPE'), `${type}: ${args.join(' ')}`);
      assert.equal(needsClientTypeFilter(REDIS_3_0_CAPS, { type }), true);
    }
  });

  test('TYPE on servers that have it, except for "other" (no server-side name)', () => {
    assert.deepEqual(text(scanArguments(REDIS_7, { type: 'hash', count: 500 })), ['COUNT', '500', 'TYPE', 'hash']);
    assert.deepEqual(text(scanArguments(REDIS_7, { type: 'other' })), ['COUNT', '1000']);
    assert.equal(needsClientTypeFilter(REDIS_7, { type: 'hash' }), false);
    assert.equal(needsClientTypeFilter(REDIS_7, { type: 'other' }), true);
    assert.equal(needsClientTypeFilter(REDIS_7, {}), false);
  });

  test('MATCH only when it filters something; bytes are passed as bytes', () => {
    assert.deepEqual(text(scanArguments(REDIS_7, { match: '*' })), ['COUNT', '1000']);
    assert.deepEqual(text(scanArguments(REDIS_7, { match: Buffer.from('*') })), ['COUNT', '1000']);
    const binary = Buffer.from([0xff, 0x2a]);
    const args = scanArguments(REDIS_7, { match: binary });
    assert.equal(args[0], 'MATCH');
    assert.deepEqual(args[1], binary);
  });
});

describe('ScanPacer', () => {
  /** A server that answers in `fixed + perUnit × COUNT` ms, plus `noise` on some replies. */
  function run(pacer: ScanPacer, replies: number, perUnit: number, fixed = 0.1, noise: (i: number) => number = () => 0): number[] {
    const counts: number[] = [];
    for (let i = 0; i < replies; i++) {
      const n = pacer.next;
      counts.push(n);
      pacer.observe(n, fixed + perUnit * n + noise(i));
    }
    return counts;
  }

  test('starts at the old fixed COUNT and settles where one SCAN takes about the target time', () => {
    const pacer = new ScanPacer();
    assert.equal(pacer.next, SCAN_PACE.startCount);
    // 1 µs per key (Redis 7 here), 0.1 ms fixed: a little under target / 1 µs keys a call.
    const counts = run(pacer, 30, 0.001);
    const settled = counts[counts.length - 1];
    const ideal = SCAN_PACE.targetMs / 0.001;
    assert.ok(settled > 0.8 * ideal && settled < ideal, `settled at ${settled}, ideal ${ideal}`);
    // It never grew by more than half per reply.
    for (let i = 1; i < counts.length; i++) {
      assert.ok(counts[i] <= Math.ceil(counts[i - 1] * 1.5), counts.join(' '));
    }
  });

  test('a slower server gets smaller requests, a very fast one the cap, a stalled one the floor', () => {
    const fourTimes = SCAN_PACE.targetMs / 0.004;
    assert.ok(Math.abs(run(new ScanPacer(), 30, 0.004).at(-1)! - fourTimes) < 0.1 * fourTimes, `four times slower: about ${fourTimes}`);
    assert.equal(run(new ScanPacer(), 30, 0.0001).at(-1), SCAN_PACE.maxCount);
    assert.equal(run(new ScanPacer(), 10, 0.001, 500).at(-1), SCAN_PACE.minCount);
  });

  test('one slow reply halves COUNT at once; it grows back once replies are fast again', () => {
    const pacer = new ScanPacer();
    run(pacer, 30, 0.001);
    const before = pacer.next;
    pacer.observe(before, 40);
    assert.equal(pacer.next, Math.round(before / 2));
    const counts = run(pacer, 10, 0.001);
    assert.ok(counts.at(-1)! >= before * 0.9, counts.join(' '));
  });

  test('delays that do not grow with COUNT do not shrink it: the fastest recent reply sets the pace', () => {
    // Every other reply waits 2 ms more (a busy client or a process waiting for a core).
    const counts = run(new ScanPacer(), 40, 0.001, 0.1, (i) => (i % 2 ? 2 : 0));
    assert.ok(counts.at(-1)! > 0.8 * (SCAN_PACE.targetMs / 0.001), counts.join(' '));
  });
});

describe('cursorFraction', () => {
  test('reads the reverse-binary cursor as the share of buckets visited', () => {
    // 8 buckets (3 bits): cursor order 0,4,2,6,1,5,3,7.
    assert.equal(cursorFraction('0', 8), 0);
    assert.equal(cursorFraction('4', 8), 1 / 8);
    assert.equal(cursorFraction('2', 8), 2 / 8);
    assert.equal(cursorFraction('1', 8), 4 / 8);
    assert.equal(cursorFraction('7', 8), 7 / 8);
  });

  test('undefined when it cannot tell', () => {
    assert.equal(cursorFraction('99', 8), undefined);
    assert.equal(cursorFraction('x', 8), undefined);
    assert.equal(cursorFraction('1', 0), undefined);
  });
});

describe('key types', () => {
  test('maps TYPE replies; module and future types are "other"', () => {
    assert.equal(keyTypeOf('string'), 'string');
    assert.equal(keyTypeOf('zset'), 'zset');
    assert.equal(keyTypeOf('stream'), 'stream');
    assert.equal(keyTypeOf('none'), 'none');
    assert.equal(keyTypeOf('ReJSON-RL'), 'other');
    assert.equal(keyTypeOf('MBbloom--'), 'other');
    assert.equal(keyTypeOf('vectorset'), 'other');
  });

  test('size commands respect the capabilities', () => {
    assert.equal(sizeCommand('stream', REDIS_3_0_CAPS), undefined);
    assert.equal(sizeCommand('stream', REDIS_7), 'XLEN');
    assert.equal(sizeCommand('hash', REDIS_3_0_CAPS), 'HLEN');
    assert.equal(sizeCommand('other', REDIS_7), undefined);
  });
});

describe('error mapping', () => {
  test('ioredis and server errors become codes, without command arguments', () => {
    const closed = Object.assign(new Error('Connection is closed.'), { command: { name: 'auth', args: ['secret-pw'] } });
    const mapped = toNovaError(closed);
    assert.equal(mapped.code, 'CONNECTION_LOST');
    assert.ok(!mapped.message.includes('secret-pw'));
    assert.equal(toNovaError(Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' })).code, 'CONNECTION_LOST');
    assert.equal(toNovaError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).code, 'CONNECTION_LOST');
    assert.equal(toNovaError(new Error('Command timed out')).code, 'COMMAND_TIMEOUT');
    assert.equal(toNovaError(new Error('LOADING Redis is loading the dataset in memory')).code, 'SERVER_LOADING');
    assert.equal(toNovaError(new Error('NOAUTH Authentication required.')).code, 'AUTH_REQUIRED');
    assert.equal(toNovaError(new Error('WRONGTYPE Operation against a key')).code, 'WRONG_TYPE');
    assert.equal(toNovaError(new Error('ERR unknown command')).code, 'UNKNOWN');
  });
});
