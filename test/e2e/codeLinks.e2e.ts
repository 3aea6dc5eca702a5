/**
 * Code links in a real VS Code (code-server + Chromium), English and French: the sample workspace's
 * Python file shows above `cache.cache_data('ma_cle', …, ttl=CACHE_TTL)` what the server holds, with its
 * live TTL; the TTL advice appears once the key loses its expiry on the server; the status lens opens
 * the value, the pattern lens filters the Keys view, and "Find Code Using This Key" on `ma_cle` in the
 * tree lists the sample's writer first and opens its line.
 *
 *   npm run package && node --import tsx --test --test-concurrency=1 test/e2e/codeLinks.e2e.ts
 *   (NOVA_E2E_LOCALE=en or fr runs one language only)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PYTHON_SAMPLE, writePythonSample } from '../../scripts/start/pythonSample';
import { eventually } from './lib/eventually';
import { TreeByPath } from './lib/keysTree';
import { useNovaFixture } from './lib/novaFixture';
import { novaVsix, useVSCode, type Workbench } from './lib/vscode';

interface Language {
  locale: 'en' | 'fr';
  container: string;
  keysView: string;
  refreshKeys: string;
  exists: RegExp;
  openValue: string;
  editTtl: string;
  noExpiryAdvice: string;
  patternLens: RegExp;
  findCode: string;
}

const languages: Language[] = [
  {
    locale: 'en',
    container: 'NOVA Redis',
    keysView: 'Keys',
    refreshKeys: 'NOVA: Refresh Keys',
    exists: /^exists · string · TTL (\d+) min(?: \d+ s)? · \d+ bytes$/,
    openValue: 'Open Value',
    editTtl: 'Edit TTL',
    noExpiryAdvice: 'code sets 1 h; this key has no expiry',
    patternLens: /^(\d+) keys? match(es)? nova:cache:user:\*$/,
    findCode: 'Find Code Using This Key',
  },
  {
    locale: 'fr',
    container: 'NOVA Redis',
    keysView: 'Clés',
    refreshKeys: 'NOVA: Actualiser les clés',
    exists: /^présente · chaîne · TTL (\d+) min(?: \d+ s)? · \d+ o$/,
    openValue: 'Ouvrir la valeur',
    editTtl: 'Modifier le TTL',
    noExpiryAdvice: 'le code fixe 1 h ; cette clé n’expire pas',
    patternLens: /^(\d+) clés? correspond(ent)? à nova:cache:user:\*$/,
    findCode: 'Trouver le code qui utilise cette clé',
  },
];

/** The code lenses drawn above a 0-based line of the active editor, each as its text. */
async function lensesAbove(workbench: Workbench, source: string, line: number): Promise<string[]> {
  const text = source.split('\n')[line].trim();
  const editor = workbench.page.locator('.editor-group-container.active .monaco-editor').first();
  // A lens sits in its own zone right above its line; the zones are read in screen order.
  const read = await editor.evaluate((root: ElementLike, wanted: string) => {
    const lines = [...root.querySelectorAll('.view-line')].map((e) => ({ top: e.getBoundingClientRect().top, text: (e.textContent ?? '').replace(/\u00a0/g, ' ').trim() }));
    const target = lines.find((l) => l.text === wanted);
    const lenses = [...root.querySelectorAll('.codelens-decoration')].map((e) => ({
      bottom: e.getBoundingClientRect().bottom,
      // One child element per lens (a link, or a span when it runs nothing); the separators are text.
      items: Array.from(e.children).map((x) => (x.textContent ?? '').replace(/\u00a0/g, ' ').trim()).filter((t) => t !== '' && t !== '|'),
    }));
    if (!target) {
      return [];
    }
    const above = lenses.filter((l) => l.bottom <= target.top + 1).sort((a, b) => b.bottom - a.bottom)[0];
    return above && target.top - above.bottom < 30 ? above.items : [];
  }, text);
  return [...new Set(read)];
}

/** The part of the DOM the lens reader uses (the project compiles without the DOM library). */
interface ElementLike {
  querySelectorAll(selector: string): Iterable<ElementLike> & ArrayLike<ElementLike>;
  getBoundingClientRect(): { top: number; bottom: number };
  textContent: string | null;
  children: ArrayLike<ElementLike>;
}


/** Opens a workspace file by name through Quick Open, as a person would (Ctrl+P, the name, Enter). */
async function openFile(workbench: Workbench, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await workbench.page.keyboard.press('Escape');
    await workbench.page.keyboard.press('Control+P');
    await workbench.page.keyboard.type(name);
    const row = workbench.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: name });
    try {
      await row.first().waitFor({ state: 'visible', timeout: 10_000 });
      await workbench.page.keyboard.press('Enter');
      await eventually(`${name} to open`, () => workbench.activeEditorTitle(), (title) => title.includes(name), 10_000);
      return;
    } catch (err) {
      if (attempt >= 3) {
        throw err;
      }
    }
  }
}

const lineOf = (needle: string): number => PYTHON_SAMPLE.split('\n').findIndex((l) => l.includes(needle));

for (const l of languages.filter((x) => !process.env.NOVA_E2E_LOCALE || x.locale === process.env.NOVA_E2E_LOCALE)) {
  describe(`Code links end to end (${l.locale})`, () => {
    const fixture = useNovaFixture(`codelinks-${l.locale}`);
    const vscode = useVSCode(() => {
      writePythonSample(fixture().workspace);
      return { name: `codelinks-${l.locale}`, vsix: [novaVsix()], locale: l.locale, folder: fixture().workspace };
    });
    const shot = (step: string): Promise<string> => vscode().workbench.screenshot(`codelinks-${l.locale}-${step}`);
    const writer = lineOf("cache.cache_data('ma_cle'");
    const patternLine = lineOf('get_cached_data(f"');

    test('Find Code Using This Key on ma_cle lists the sample\'s writer first and opens its line', async (t) => {
      const { workbench } = vscode();
      const f = fixture();
      t.after(() => f.withAdmin(1, (c) => c.del('ma_cle')));
      await f.withAdmin(1, (c) => c.set('ma_cle', JSON.stringify({ data: 'valeur' }), 'EX', 3600));
      await workbench.openActivityBarItem(l.container);
      await workbench.runCommand(l.refreshKeys);
      const tree = new TreeByPath(workbench, l.keysView);
      // The refresh redraws the tree: the row is selected first, so the right click lands on it once it holds still.
      await tree.select(['ma_cle'], 30_000);
      await tree.contextMenu(['ma_cle']);
      await workbench.clickContextMenuItem(l.findCode);
      const labels = (await workbench.quickPickLabels(30_000)).map((x) => x.trim());
      assert.equal(labels[0], PYTHON_SAMPLE.split('\n')[writer].trim(), `best match first: ${labels.join(' | ')}`);
      assert.ok(labels.includes(PYTHON_SAMPLE.split('\n')[lineOf("get_cached_data('ma_cle')")].trim()), 'the reader is listed too');
      await shot('find-code');
      await workbench.page.keyboard.press('Enter');
      await eventually('the Python file to open', () => workbench.activeEditorTitle(), (title) => title.includes('cache_usage.py'), 30_000);
    });

    test('the sample Python file shows the live TTL above the call, advice when it disagrees, and the lenses act', async (t) => {
      const { workbench } = vscode();
      const f = fixture();
      t.after(() => f.withAdmin(1, (c) => c.del('ma_cle')));
      await f.withAdmin(1, (c) => c.set('ma_cle', JSON.stringify({ data: 'valeur' }), 'EX', 3600));
      await workbench.openActivityBarItem(l.container);
      await openFile(workbench, 'cache_usage.py');

      const lenses = await eventually('the lenses above the ma_cle writer', () => lensesAbove(workbench, PYTHON_SAMPLE, writer), (x) => x.some((s) => l.exists.test(s)) && x.includes(l.openValue), 30_000);
      const ttl = Number(l.exists.exec(lenses.find((s) => l.exists.test(s)) ?? '')?.[1]);
      assert.ok(ttl >= 55 && ttl <= 59, `the lens shows the TTL the server holds (${ttl} min)`);
      assert.ok(lenses.includes(l.openValue) && lenses.includes(l.editTtl), `actions: ${lenses.join(' | ')}`);
      assert.ok(!lenses.includes(l.noExpiryAdvice), 'no advice while the TTL agrees with the code');
      const pattern = await eventually('the pattern lens', () => lensesAbove(workbench, PYTHON_SAMPLE, patternLine), (x) => x.some((s) => l.patternLens.test(s)), 30_000);
      const matched = Number(l.patternLens.exec(pattern.find((s) => l.patternLens.test(s)) ?? '')?.[1]);
      assert.equal(matched, (await f.scanKeys('nova:cache:user:*')).length, 'the pattern lens counts the keys the server holds');
      await shot('lenses');

      // The backend (here redis-cli's equivalent) drops the TTL: the lens says the code and the key disagree.
      await f.withAdmin(1, (c) => c.persist('ma_cle'));
      await eventually('the TTL advice', () => lensesAbove(workbench, PYTHON_SAMPLE, writer), (x) => x.some((s) => s.includes(l.noExpiryAdvice)), 30_000);
      await shot('advice');

      // The pattern lens filters the Keys view to the keys it counts: the filter row names the pattern,
      // and a root key outside it (ma_cle) is no longer listed.
      // Its icon draws as an empty element before the text: the text is matched unanchored.
      const patternLink = workbench.page.locator('.codelens-decoration a').filter({ hasText: new RegExp(l.patternLens.source.replace(/^\^|\$$/g, '')) });
      await patternLink.first().click();
      const tree = new TreeByPath(workbench, l.keysView);
      await eventually(
        "the Keys view to show only the pattern's keys",
        () => tree.rows(),
        (rows) => rows.some((r) => r.label.includes('nova:cache:user:*')) && rows.some((r) => r.label === 'nova') && !rows.some((r) => r.label === 'ma_cle'),
        30_000,
      );

      // Open Value opens the key's tab.
      await workbench.page.locator('.codelens-decoration a', { hasText: l.openValue }).first().click();
      await eventually('the value tab', () => workbench.activeEditorTitle(), (title) => title.includes('ma_cle'), 30_000);
    });
  });
}
