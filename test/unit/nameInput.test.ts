import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesFromText, editableText, parseEscaped } from '../../src/redis/nameInput';

test('an escaped name reads back to exactly its bytes', () => {
  const samples = [
    Buffer.from([0xff, 0x00, 0xfe, 0x0d, 0x0a, 0x80, 0x5c, 0x09]),
    Buffer.from('caf\u00e9:\u200b:x\\y', 'utf8'),
    Buffer.concat([Buffer.from('nova:'), Buffer.from([0xc3])]),
  ];
  for (const bytes of samples) {
    const e = editableText(bytes);
    assert.equal(e.escaped, true);
    assert.equal(bytesFromText(e.text, true)?.toString('hex'), bytes.toString('hex'), e.text);
  }
});

test('plain names are plain UTF-8, backslashes included; malformed escapes are refused', () => {
  assert.deepEqual(editableText(Buffer.from('nova:cache:1')), { text: 'nova:cache:1', escaped: false });
  assert.equal(bytesFromText('a\\x41', false)?.toString(), 'a\\x41');
  assert.equal(bytesFromText('a\\x41', true)?.toString(), 'aA');
  assert.equal(editableText(Buffer.alloc(0)).text, '');
  for (const bad of ['\\', '\\q', '\\x4', '\\u{110000}', '\\u{d800}']) {
    assert.equal(parseEscaped(bad), undefined, bad);
  }
});
