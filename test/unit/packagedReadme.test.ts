/** The README inside the .vsix works offline: no image, no link into an unpublished repository. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packagedReadme } from '../../scripts/packagedReadme.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const en = readFileSync(path.join(root, 'README.md'), 'utf8');
const fr = readFileSync(path.join(root, 'README.fr.md'), 'utf8');
const packaged = packagedReadme(en, fr);

describe('packaged README', () => {
  test('the sources have images and a link to each other, which the packaged one must not keep', () => {
    assert.match(en, /!\[[^\]]*\]\(media\//);
    assert.match(en, /\]\(README\.fr\.md\)/);
    assert.match(fr, /\]\(README\.md\)/);
  });

  test('no image and no relative link outside the page', () => {
    assert.doesNotMatch(packaged, /!\[/);
    const links = [...packaged.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
    assert.deepEqual(
      links.filter((l) => !l.startsWith('#') && !/^https?:/.test(l)),
      [],
    );
  });

  test('the French link goes to the French text on the same page', () => {
    assert.match(packaged, /^\*\[Version française\]\(#version-française\)\*$/m);
    assert.match(packaged, /^# Version française$/m);
    assert.ok(packaged.indexOf('# Version française') > packaged.indexOf('## Two commands, on a fresh clone'));
  });

  test('a link to a repository file keeps its text and names the file', () => {
    assert.equal(packagedReadme('See [the bench](bench/README.md) and [x](#x).\n', '# F\n'), 'See the bench (`bench/README.md`) and [x](#x).\n\n---\n\n# Version française\n\n*F*\n');
  });
});
