import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeGlob, globMatch, literalPattern, matchesEverything } from '../../src/redis/glob';

describe('glob escaping', () => {
  test('escapes * ? [ ] and backslash, nothing else', () => {
    assert.equal(escapeGlob('a*b?c[d]e\\f').toString(), 'a\\*b\\?c\\[d\\]e\\\\f');
    assert.equal(escapeGlob('nova:cache:user-1^x').toString(), 'nova:cache:user-1^x');
  });

  test('an escaped literal matches itself and nothing else', () => {
    const literals = ['a*b', 'a?b', '[ab]', 'x\\y', '*', '?', '\\', '[', ']', 'a[^b]c', 'plain'];
    const others = ['axb', 'ab', 'a', 'b', 'x\\\\y', 'xy', 'a[b]c', ''];
    for (const lit of literals) {
      const p = escapeGlob(lit);
      assert.equal(globMatch(p, lit), true, `${lit} should match its escaped pattern`);
      for (const other of [...others, ...literals].filter((o) => o !== lit)) {
        assert.equal(globMatch(p, other), false, `${p.toString()} should not match ${other}`);
      }
    }
  });

  test('binary bytes go through unchanged', () => {
    const key = Buffer.from([0x00, 0x2a, 0xff]);
    const p = escapeGlob(key);
    assert.deepEqual(p, Buffer.from([0x00, 0x5c, 0x2a, 0xff]));
    assert.equal(globMatch(p, key), true);
  });

  test('literal search modes', () => {
    assert.equal(literalPattern('a*', 'contains').toString(), '*a\\**');
    assert.equal(literalPattern('a*', 'prefix').toString(), 'a\\**');
    assert.equal(literalPattern('a*', 'exact').toString(), 'a\\*');
    assert.equal(globMatch(literalPattern('user:*', 'contains'), 'nova:user:*:x'), true);
    assert.equal(globMatch(literalPattern('user:*', 'contains'), 'nova:user:1:x'), false);
  });

  test('matchesEverything', () => {
    assert.equal(matchesEverything(undefined), true);
    assert.equal(matchesEverything('*'), true);
    assert.equal(matchesEverything('**'), true);
    assert.equal(matchesEverything(''), false);
    assert.equal(matchesEverything('a*'), false);
  });
});

describe('globMatch follows Redis semantics', () => {
  const cases: [string, string, boolean][] = [
    ['*', '', true],
    ['*', 'anything', true],
    ['nova:*', 'nova:', true],
    ['nova:*', 'nova', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'hllo', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hbllo', true],
    ['h[a-b]llo', 'hcllo', false],
    ['h[\\]]llo', 'h]llo', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a\\', 'a\\', true],
    ['*a*b*', 'xxaxxbxx', true],
    ['*a*b*', 'xxbxxaxx', false],
    ['a[bc', 'ab', true],
    ['a[bc', 'ac', true],
    ['', '', true],
    ['', 'a', false],
    ['a**', 'a', true],
  ];
  for (const [pattern, subject, expected] of cases) {
    test(`${JSON.stringify(pattern)} ~ ${JSON.stringify(subject)} is ${expected}`, () => {
      assert.equal(globMatch(pattern, subject), expected);
    });
  }
});
