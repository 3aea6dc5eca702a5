import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesFromId, bytesId, displayName, keyBytes, needsEscaping, sameBytes } from '../../src/redis/keyName';

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);

describe('key ids', () => {
  test('the id gives back the exact bytes, whatever they are', () => {
    const samples = [b(), b(0), b(0xff), b(0x0a), Buffer.from('nova:cache:user:42'), Buffer.from('😀', 'utf8'), b(0xc3, 0x28, 0x00, 0xfe)];
    for (const bytes of samples) {
      assert.deepEqual(bytesFromId(bytesId(bytes)), bytes);
    }
  });

  test('two keys whose lossy UTF-8 decodings are equal get different ids', () => {
    const a = b(0x6b, 0xff);
    const c = b(0x6b, 0xfe);
    assert.equal(a.toString('utf8'), c.toString('utf8'));
    assert.notEqual(bytesId(a), bytesId(c));
    assert.notEqual(displayName(a), displayName(c));
  });

  test('ids are safe in a tree item id (no / + =)', () => {
    for (let i = 0; i < 256; i++) {
      assert.match(bytesId(b(i, 255 - i, i ^ 0x5a)), /^[A-Za-z0-9_-]*$/);
    }
  });

  test('a view of a larger buffer gives the id of the view only', () => {
    const big = Buffer.from('xxnova:1yy');
    assert.equal(bytesId(big.subarray(2, 8)), bytesId(Buffer.from('nova:1')));
  });

  test('sameBytes compares content', () => {
    assert.equal(sameBytes(b(1, 2), b(1, 2)), true);
    assert.equal(sameBytes(b(1, 2), b(1, 3)), false);
    assert.equal(sameBytes(b(1), b(1, 0)), false);
  });
});

describe('display names', () => {
  test('printable UTF-8 is shown as is, emoji and accents included', () => {
    assert.equal(displayName(Buffer.from('nova:cache:user:42')), 'nova:cache:user:42');
    assert.equal(displayName(Buffer.from('café:😀:👩‍💻')), 'café:😀:👩‍💻');
    assert.equal(displayName(Buffer.from('C:\\path')), 'C:\\path');
    assert.equal(needsEscaping(Buffer.from('café:😀')), false);
  });

  test('control characters use short escapes', () => {
    assert.equal(displayName(Buffer.from('a\nb')), 'a\\nb');
    assert.equal(displayName(Buffer.from('a\r\tb')), 'a\\r\\tb');
    assert.equal(displayName(b(0x00)), '\\x00');
    assert.equal(displayName(b(0x61, 0x1b, 0x7f)), 'a\\x1b\\x7f');
  });

  test('bytes that are not UTF-8 are shown as \\xNN, one per byte', () => {
    assert.equal(displayName(b(0xff)), '\\xff');
    assert.equal(displayName(b(0x6b, 0xc3)), 'k\\xc3'); // truncated sequence
    assert.equal(displayName(b(0xc0, 0xaf)), '\\xc0\\xaf'); // overlong '/'
    assert.equal(displayName(b(0xed, 0xa0, 0x80)), '\\xed\\xa0\\x80'); // UTF-16 surrogate
    assert.equal(displayName(b(0xf4, 0x90, 0x80, 0x80)), '\\xf4\\x90\\x80\\x80'); // above U+10FFFF
    assert.equal(displayName(b(0xc3, 0xa9, 0xff)), 'é\\xff');
  });

  test('in the escaped form a backslash is doubled, so text never reads as an escape', () => {
    assert.equal(displayName(Buffer.concat([Buffer.from('a\\x41'), b(0xff)])), 'a\\\\x41\\xff');
  });

  test('invisible and bidi characters are made visible', () => {
    assert.equal(displayName(Buffer.from('user\u202Egnp.exe')), 'user\\u{202e}gnp.exe');
    assert.equal(displayName(Buffer.from('a\u200Bb')), 'a\\u{200b}b');
    assert.equal(displayName(Buffer.from('\uFEFFkey')), '\\u{feff}key');
    assert.equal(displayName(Buffer.from('a\u0085b')), 'a\\u{0085}b');
  });

  test('the empty name is visible', () => {
    assert.equal(displayName(b()), '""');
  });

  test('keyBytes takes text as UTF-8 and bytes as they are', () => {
    assert.deepEqual(keyBytes('é'), b(0xc3, 0xa9));
    assert.deepEqual(keyBytes(new Uint8Array([0xff])), b(0xff));
  });
});
