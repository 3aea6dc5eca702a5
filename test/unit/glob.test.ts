import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { escapeGlob, globMatch, literalPattern, matchesEverything, stringMatch } from '../../src/redis/glob';
import { runWatched } from '../support/watchdog';
import type { Probe } from './glob.probes';

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
  const cases: [string | Buffer, string | Buffer, boolean][] = [
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
    // Only the pattern `*` is "no filter"; through the matcher an empty key matches only ''.
    ['**', '', false],
    ['?', '', false],
    // A set: `]` right after `[` closes it (empty set), an escaped `]` is a member, `-` at an end is itself.
    ['a[]b', 'a]b', false],
    ['a[]b]', 'ab]', false],
    ['[\\]a]', ']', true],
    ['[a-]', ']', true],
    ['[a-]', '-', false],
    ['[-a]', '-', true],
    ['[z-a]', 'q', true],
    ['[a-c-e]', 'd', false],
    ['[a-c-e]', '-', true],
    ['[\\a-c]', 'b', false],
    ['[\\a-c]', '-', true],
    // Unclosed sets take the rest of the pattern, a trailing `\` in it included.
    ['[', '[', false],
    ['[^', 'x', true],
    ['a[b\\', 'a\\', true],
    ['a[b*', 'a*', true],
    ['a[b*', 'abc', false],
    ['x[^ab', 'xc', true],
    ['x[^ab', 'xa', false],
    // A backslash escapes anything, itself included; alone at the end it is a literal backslash.
    ['\\a', 'a', true],
    ['\\\\', '\\', true],
    ['\\', '\\', true],
    ['a\\?', 'ab', false],
    ['a\\[b]', 'a[b]', true],
    // Binary: NUL is an ordinary byte; range ends compare as signed chars (0x80..0xff are negative).
    [Buffer.from([0x61, 0x00, 0x2a]), Buffer.from([0x61, 0x00, 0x62]), true],
    [Buffer.from('[a-\xff]', 'latin1'), Buffer.from([0xff]), true],
    [Buffer.from('[a-\xff]', 'latin1'), Buffer.from([0x00]), true],
    [Buffer.from('[a-\xff]', 'latin1'), Buffer.from([0x62]), false],
    [Buffer.from('[a-\xff]', 'latin1'), Buffer.from([0x80]), false],
    [Buffer.from('[\x80-\xff]', 'latin1'), Buffer.from([0x90]), true],
    [Buffer.from('[\x80-\xff]', 'latin1'), Buffer.from([0x7f]), false],
    [Buffer.from('[^\x00-\x7f]', 'latin1'), Buffer.from([0xc3]), true],
    ['caf?', 'café', false],
    ['caf??', 'café', true],
  ];
  for (const [pattern, subject, expected] of cases) {
    test(`${JSON.stringify(pattern.toString('latin1'))} ~ ${JSON.stringify(subject.toString('latin1'))} is ${expected}`, () => {
      assert.equal(globMatch(pattern, subject), expected);
    });
  }

  test('the pattern `*` selects the empty key (the server skips matching), stringMatch alone does not', () => {
    assert.equal(globMatch('*', ''), true);
    assert.equal(stringMatch('*', ''), false);
    assert.equal(stringMatch('', ''), true);
  });
});

describe('globMatch never backtracks exponentially', () => {
  test('star-heavy patterns against 60 to 1,000 byte keys finish, with the right answers', () => {
    // In a child process: a hang here would block this runner's own timers.
    const run = runWatched<Probe[]>(path.join(__dirname, 'glob.probes.ts'), 'pathological', { timeoutMs: 30_000 });
    assert.equal(run.timedOut, false, 'the matcher was still running after 30 s');
    assert.equal(run.failure, undefined);
    const probes = run.value ?? [];
    assert.equal(probes.length, 36);
    for (const p of probes) {
      const expected =
        p.pattern === '*?*?*?*?*?*?*?c' ? p.tail === 'c' : p.pattern === '*[a-b]*a*a*a*a*a*[^a]' ? p.tail !== 'a' : p.tail === 'b';
      assert.equal(p.matched, expected, `${p.pattern} on ${p.length} bytes ending in ${p.tail}`);
    }
  });
});
