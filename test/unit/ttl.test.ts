import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TTL_SECONDS, formatTtl, parseTtlInput, significantParts, ttlInputText } from '../../src/redis/ttl';

describe('parseTtlInput', () => {
  test('plain seconds', () => {
    assert.deepEqual(parseTtlInput('3600'), { seconds: 3600 });
    assert.deepEqual(parseTtlInput('  1 '), { seconds: 1 });
    assert.deepEqual(parseTtlInput('0042'), { seconds: 42 });
  });

  test('single durations, any case, with or without a space before the unit', () => {
    assert.deepEqual(parseTtlInput('90s'), { seconds: 90 });
    assert.deepEqual(parseTtlInput('15m'), { seconds: 900 });
    assert.deepEqual(parseTtlInput('1h'), { seconds: 3600 });
    assert.deepEqual(parseTtlInput('2d'), { seconds: 172_800 });
    assert.deepEqual(parseTtlInput('1w'), { seconds: 604_800 });
    assert.deepEqual(parseTtlInput('1H'), { seconds: 3600 });
    assert.deepEqual(parseTtlInput('15 M'), { seconds: 900 });
    assert.deepEqual(parseTtlInput('10 min'), { seconds: 600 });
    assert.deepEqual(parseTtlInput('3 hours'), { seconds: 10_800 });
  });

  test('French units: jours, heures, and the 1h30 way of writing an hour and a half', () => {
    assert.deepEqual(parseTtlInput('2j'), { seconds: 172_800 });
    assert.deepEqual(parseTtlInput('3 jours'), { seconds: 259_200 });
    assert.deepEqual(parseTtlInput('2 heures'), { seconds: 7200 });
    assert.deepEqual(parseTtlInput('1h30'), { seconds: 5400 });
    assert.deepEqual(parseTtlInput('2m30'), { seconds: 150 });
  });

  test('combinations, in any order, with spaces', () => {
    assert.deepEqual(parseTtlInput('1h30m'), { seconds: 5400 });
    assert.deepEqual(parseTtlInput('1d 2h'), { seconds: 93_600 });
    assert.deepEqual(parseTtlInput('1d2h3m4s'), { seconds: 93_784 });
    assert.deepEqual(parseTtlInput('30m 1h'), { seconds: 5400 });
    assert.deepEqual(parseTtlInput('1w 1d'), { seconds: 691_200 });
    assert.deepEqual(parseTtlInput('1 h 30 m'), { seconds: 5400 });
  });

  test('no-expiry words mean PERSIST', () => {
    for (const w of ['persist', 'never', 'None', 'no expiry', 'jamais', '∞']) {
      assert.deepEqual(parseTtlInput(w), { persist: true }, w);
    }
  });

  test('empty input', () => {
    assert.deepEqual(parseTtlInput(''), { error: 'empty' });
    assert.deepEqual(parseTtlInput('   '), { error: 'empty' });
  });

  test('zero is refused: EXPIRE 0 deletes the key', () => {
    for (const t of ['0', '00', '0s', '0h0m', '-0']) {
      assert.deepEqual(parseTtlInput(t), { error: 'zero' }, t);
    }
  });

  test('negative values are refused, -1 included (it does not mean "no expiry" here)', () => {
    for (const t of ['-1', '-3600', '- 5', '-1h', '−10']) {
      assert.deepEqual(parseTtlInput(t), { error: 'negative' }, t);
    }
    assert.deepEqual(parseTtlInput('-9223372036854775808'), { error: 'negative' });
  });

  test('values over the maximum are refused, 2^63-1 first (it deletes the key on Redis 3.0)', () => {
    assert.deepEqual(parseTtlInput('9223372036854775807'), { error: 'too-large' });
    assert.deepEqual(parseTtlInput('99999999999999999999999999h'), { error: 'too-large' });
    assert.deepEqual(parseTtlInput(String(MAX_TTL_SECONDS + 1)), { error: 'too-large' });
    assert.deepEqual(parseTtlInput('3651d'), { error: 'too-large' });
    assert.deepEqual(parseTtlInput('2147483648'), { error: 'too-large' });
  });

  test('the maximum itself is accepted, and fits 32-bit seconds', () => {
    assert.deepEqual(parseTtlInput(String(MAX_TTL_SECONDS)), { seconds: MAX_TTL_SECONDS });
    assert.deepEqual(parseTtlInput('3650d'), { seconds: MAX_TTL_SECONDS });
    assert.ok(MAX_TTL_SECONDS < 2 ** 31 - 1);
  });

  test('decimals are refused, with either separator', () => {
    for (const t of ['1.5h', '1,5h', '0.5', '3600.0', '1e3']) {
      assert.deepEqual(parseTtlInput(t), { error: 'syntax' }, t);
    }
  });

  test('anything else is a syntax error', () => {
    for (const t of ['abc', 'h', '1x', '10ms', '1y', '1h1h', '+5', '5-', '1h 30 2', '30 1h', '1d30', '1:30', 'expire 10', '3 600']) {
      assert.deepEqual(parseTtlInput(t), { error: 'syntax' }, t);
    }
  });
});

describe('formatTtl', () => {
  test('splits into days, hours, minutes and seconds', () => {
    assert.deepEqual(formatTtl(93_784_000), { d: 1, h: 2, m: 3, s: 4 });
    assert.deepEqual(formatTtl(59 * 60_000), { d: 0, h: 0, m: 59, s: 0 });
    assert.deepEqual(formatTtl(0), { d: 0, h: 0, m: 0, s: 0 });
  });

  test('rounds up to the second: a TTL just set to 1 h reads 1 h', () => {
    assert.deepEqual(formatTtl(3_599_998), { d: 0, h: 1, m: 0, s: 0 });
    assert.deepEqual(formatTtl(1), { d: 0, h: 0, m: 0, s: 1 });
  });

  test('the negative replies of PTTL have no parts', () => {
    assert.equal(formatTtl(-1), undefined);
    assert.equal(formatTtl(-2), undefined);
    assert.equal(formatTtl(Number.NaN), undefined);
  });

  test('significant parts for a compact display', () => {
    assert.deepEqual(significantParts({ d: 2, h: 3, m: 4, s: 5 }), [
      ['d', 2],
      ['h', 3],
    ]);
    assert.deepEqual(significantParts({ d: 0, h: 0, m: 59, s: 0 }), [['m', 59]]);
    assert.deepEqual(significantParts({ d: 0, h: 1, m: 0, s: 5 }), [['h', 1]]);
    assert.deepEqual(significantParts({ d: 0, h: 1, m: 0, s: 5 }, 3), [
      ['h', 1],
      ['s', 5],
    ]);
    assert.deepEqual(significantParts({ d: 0, h: 0, m: 0, s: 0 }), [['s', 0]]);
  });

  test('the input text of a TTL parses back to the same number of seconds', () => {
    for (const ms of [1000, 59_000, 3_599_998, 5_400_000, 93_784_000, MAX_TTL_SECONDS * 1000]) {
      const text = ttlInputText(ms);
      assert.ok(text !== undefined);
      assert.deepEqual(parseTtlInput(text), { seconds: Math.ceil(ms / 1000) }, text);
    }
    assert.equal(ttlInputText(5_400_000), '1h30m');
    assert.equal(ttlInputText(-1), undefined);
  });
});
