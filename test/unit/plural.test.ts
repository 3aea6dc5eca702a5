import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pluralIn } from '../../src/util/plural';

const root = path.resolve(import.meta.dirname, '../..');
const fr = JSON.parse(readFileSync(path.join(root, 'l10n/bundle.l10n.fr.json'), 'utf8')) as Record<string, string>;

/** What the extension shows for `n` keys: the English messages are the bundle's keys, French its values. */
function keys(language: 'en' | 'fr', n: number, one: string, other: string): string {
  const [o, m] = language === 'en' ? [one, other] : [fr[one] ?? '', fr[other] ?? ''];
  return pluralIn(language, n, o, m).replace('{0}', String(n));
}

describe('plural rule', () => {
  test('English: only 1 is singular', () => {
    assert.deepEqual([0, 1, 2].map((n) => pluralIn('en', n, 'one', 'other')), ['other', 'one', 'other']);
    assert.deepEqual([0, 1, 2].map((n) => keys('en', n, '{0} key', '{0} keys')), ['0 keys', '1 key', '2 keys']);
    assert.deepEqual([0, 1, 2].map((n) => keys('en', n, 'Deleted {0} key.', 'Deleted {0} keys.')), ['Deleted 0 keys.', 'Deleted 1 key.', 'Deleted 2 keys.']);
  });

  test('French: 0 and 1 are singular', () => {
    assert.deepEqual([0, 1, 2].map((n) => pluralIn('fr', n, 'one', 'other')), ['one', 'one', 'other']);
    assert.deepEqual([0, 1, 2].map((n) => keys('fr', n, '{0} key', '{0} keys')), ['0 clé', '1 clé', '2 clés']);
    assert.deepEqual([0, 1, 2].map((n) => keys('fr', n, 'Deleted {0} key.', 'Deleted {0} keys.')), ['0 clé supprimée.', '1 clé supprimée.', '2 clés supprimées.']);
    // A regional tag follows the language's rule; a million is not singular either.
    assert.equal(pluralIn('fr-CA', 1, 'one', 'other'), 'one');
    assert.equal(pluralIn('fr', 1_000_000, 'one', 'other'), 'other');
  });

  test('a tag Intl does not know falls back to the English rule instead of throwing', () => {
    assert.equal(pluralIn('not a tag!', 0, 'one', 'other'), 'other');
    assert.equal(pluralIn('not a tag!', 1, 'one', 'other'), 'one');
  });
});
