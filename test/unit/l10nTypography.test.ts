/**
 * French typography of every translated string: a non-breaking space (U+00A0) before : ; ? and !,
 * and inside « », and no "(s)" plural hack in either language. VS Code shows the strings as they are,
 * so a wrong space is only ever seen by a French reader at run time.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWorkspace } from '../../scripts/start/workspace';
import { BUILTIN_SUMMARIES } from '../../src/console/summaries';

const root = path.resolve(import.meta.dirname, '../..');
const read = (f: string) => JSON.parse(readFileSync(path.join(root, f), 'utf8')) as Record<string, string>;

const NBSP = '\u00a0';
/** What may stand right before a punctuation mark of a sentence (not a glob `*` or a list `,`). */
const PROSE = /[\p{L}\p{N}})\]»…'"]/u;

/** Code, URLs and command links are not prose: their colons and question marks are left as typed. */
function proseOf(text: string): string {
  return text
    .replace(/`[^`]*`/g, '``')
    .replace(/\(command:[\w.]+\)/g, '()')
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, 'URL');
}

/** Each problem as a short description with the text around it. */
function typographyProblems(text: string): string[] {
  const problems: string[] = [];
  const s = proseOf(text);
  const around = (i: number) => JSON.stringify(s.slice(Math.max(0, i - 12), i + 3));
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    const before = s[i - 1] ?? '';
    const after = s[i + 1];
    if (c === '«' && after !== NBSP) {
      problems.push(`no U+00A0 after « in ${around(i)}`);
    }
    if (c === '»' && before !== NBSP) {
      problems.push(`no U+00A0 before » in ${around(i)}`);
    }
    if (!':;?!'.includes(c) || c === '') {
      continue;
    }
    // Glued to what follows, a mark is part of a name: "nova:cache", "{0}:{1}", "10:30", "::1", "a?b".
    const ends = after === undefined || /[\s)»".,]/.test(after);
    if (before === NBSP || !ends) {
      continue;
    }
    if (before === ' ' || before === '\u202f') {
      // After a comma or a glob star the mark is a symbol being described, as in "* ? [ ]".
      if (PROSE.test(s[i - 2] ?? '')) {
        problems.push(`${before === ' ' ? 'a normal space' : 'U+202F'} instead of U+00A0 before ${c} in ${around(i)}`);
      }
      continue;
    }
    if (PROSE.test(before)) {
      problems.push(`no U+00A0 before ${c} in ${around(i)}`);
    }
  }
  return problems;
}

function pluralHack(text: string): boolean {
  return /\w\((?:s|e|es|x)\)/.test(text);
}

const bundleFr = read('l10n/bundle.l10n.fr.json');
const nlsFr = read('package.nls.fr.json');
const nlsEn = read('package.nls.json');

describe('French typography', () => {
  test('the checker catches a missing or normal space before : ; ? ! and spares code, URLs and times', () => {
    assert.equal(typographyProblems('Format attendu : redis://x').length, 1);
    assert.equal(typographyProblems('Format attendu: redis://x').length, 1);
    assert.equal(typographyProblems('Supprimer la clé ?').length, 1);
    assert.equal(typographyProblems('Supprimer la clé\u202f?').length, 1);
    assert.equal(typographyProblems('Réessayer ; ou pas').length, 1);
    assert.equal(typographyProblems('Voilà !').length, 1);
    assert.equal(typographyProblems('Lancez « Parcourir »').length, 2);
    assert.equal(typographyProblems('Dans {0} : redis').length, 1);
    assert.deepEqual(typographyProblems('Format attendu\u00a0: redis://:motdepasse@hôte:6379/1?x=1'), []);
    assert.deepEqual(typographyProblems('Lancez «\u00a0NOVA\u00a0: Se reconnecter\u00a0»\u00a0!'), []);
    assert.deepEqual(typographyProblems('à 10:30, sur {0}:{1}, hôte ::1, motif nova:cache:*'), []);
    assert.deepEqual(typographyProblems('SCAN MATCH\u00a0: * tout, ? un caractère, `a : b`'), []);
    assert.deepEqual(typographyProblems('[Ouvrir .env](command:nova.openEnv)'), []);
  });

  test('every French string of the bundle and the manifest has a non-breaking space before : ; ? ! and inside « »', () => {
    const problems = [
      ...Object.entries(bundleFr).flatMap(([en, fr]) => typographyProblems(fr).map((p) => `bundle "${en}": ${p}`)),
      ...Object.entries(nlsFr).flatMap(([key, fr]) => typographyProblems(fr).map((p) => `package.nls.fr.json ${key}: ${p}`)),
    ];
    assert.deepEqual(problems, []);
  });

  test('every French command summary of the console has the same typography, and is not the English one', () => {
    const entries = Object.entries(BUILTIN_SUMMARIES);
    assert.ok(entries.length > 200, `${entries.length} summaries`);
    const problems = entries.flatMap(([name, [en, fr]]) => [...typographyProblems(fr).map((p) => `${name}: ${p}`), ...(en === fr || !en || en.includes(NBSP) ? [`${name}: ${JSON.stringify([en, fr])}`] : [])]);
    assert.deepEqual(problems, []);
  });

  test('no string uses a "(s)" plural: the code picks the singular or the plural message by count', () => {
    assert.equal(pluralHack('Deleted {0} key(s).'), true);
    assert.equal(pluralHack('{0} clé(s) supprimée(s)'), true);
    assert.equal(pluralHack('Deleted {0} keys (some expired).'), false);
    const hacks = [...Object.keys(bundleFr), ...Object.values(bundleFr), ...Object.values(nlsEn), ...Object.values(nlsFr)].filter(pluralHack);
    assert.deepEqual(hacks, []);
  });

  test('npm start -- --locale fr writes the sample README in French, with the same typography', (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nova-readme-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const info = { redisPort: 6390, redisVersion: '7.0.15', db1Keys: 6042 };
    writeWorkspace(path.join(dir, 'fr'), { ...info, locale: 'fr' });
    writeWorkspace(path.join(dir, 'en'), info);
    const fr = readFileSync(path.join(dir, 'fr', 'README.md'), 'utf8');
    const en = readFileSync(path.join(dir, 'en', 'README.md'), 'utf8');
    assert.ok(fr.startsWith("# Espace de travail d'exemple de NOVA Redis\n"), fr);
    assert.ok(fr.includes('La base 1 contient 6\u202f042 clés'), fr);
    assert.ok(en.startsWith('# NOVA Redis sample workspace\n'), en);
    assert.deepEqual(typographyProblems(fr), []);
  });
});
