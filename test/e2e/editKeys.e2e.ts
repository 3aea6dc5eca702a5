/**
 * Editing keys in a real VS Code (code-server + Chromium), in English and in French: New Key from the
 * Keys view's title bar, a field added from the value tab's title bar, Rename Key from the key's
 * context menu, a list element removed with the CodeLens of its row. Each button is pressed as a
 * person would; each result is checked on screen and with redis-cli against the server.
 *
 *   npm run package && node --import tsx --test test/e2e/editKeys.e2e.ts
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { TreeByPath } from './lib/keysTree';
import { useNovaFixture, type NovaFixture } from './lib/novaFixture';
import { novaVsix, useVSCode, type Workbench } from './lib/vscode';

interface Language {
  locale: 'en' | 'fr';
  container: string;
  keysView: string;
  newKeyButton: string;
  keyNamePrompt: string;
  newKeyTitle: string;
  hashType: string;
  fieldNamePrompt: string;
  valuePrompt: string;
  oneHour: string;
  noExpiry: string;
  addButton: string;
  renameMenuItem: string;
  renameTitle(key: string): string;
  removeLens: string;
  removeQuestion(index: number, preview: string, key: string): string;
  removeButton: string;
  cannotBeUndone: string;
}

const languages: Language[] = [
  {
    locale: 'en',
    container: 'NOVA Redis',
    keysView: 'Keys',
    newKeyButton: 'New Key…',
    keyNamePrompt: 'Key name',
    newKeyTitle: 'New key in DB 1',
    hashType: 'hash',
    fieldNamePrompt: 'Field name',
    valuePrompt: 'Value',
    oneHour: '1 hour',
    noExpiry: 'No expiry',
    addButton: 'Add to Value…',
    renameMenuItem: 'Rename Key…',
    renameTitle: (key) => `Rename ${key}`,
    removeLens: 'Remove',
    removeQuestion: (index, preview, key) => `Remove the element at index ${index} ("${preview}") from ${key}?`,
    removeButton: 'Remove',
    cannotBeUndone: 'This cannot be undone.',
  },
  {
    locale: 'fr',
    container: 'NOVA Redis',
    keysView: 'Clés',
    newKeyButton: 'Nouvelle clé…',
    keyNamePrompt: 'Nom de la clé',
    newKeyTitle: 'Nouvelle clé dans la base 1',
    hashType: 'hachage',
    fieldNamePrompt: 'Nom du champ',
    valuePrompt: 'Valeur',
    oneHour: '1 heure',
    noExpiry: 'Sans expiration',
    addButton: 'Ajouter à la valeur…',
    renameMenuItem: 'Renommer la clé…',
    renameTitle: (key) => `Renommer ${key}`,
    removeLens: 'Retirer',
    removeQuestion: (index, preview, key) => `Retirer l'élément à l'index ${index} (« ${preview} ») de ${key} ?`,
    removeButton: 'Retirer',
    cannotBeUndone: 'Cette action est irréversible.',
  },
];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `read` until `ok` holds; the last value or error is in the failure message. */
async function eventually<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      lastError = undefined;
      if (ok(last)) {
        return last;
      }
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms; last seen: ${lastError instanceof Error ? lastError.message : JSON.stringify(last)}`);
    }
    await sleep(200);
  }
}

/** redis-cli against the fixture's server, DB 1: what the server holds, read by another client than ours. */
function cli(f: NovaFixture, ...args: string[]): string {
  return execFileSync('redis-cli', ['-h', f.server.host, '-p', String(f.server.port), '-n', '1', '--no-raw', ...args], { encoding: 'utf8' }).trim();
}

/** A title button of the side bar's only view (VS Code draws its actions in the side bar's title). */
async function sideBarAction(workbench: Workbench, label: string): Promise<void> {
  const bar = workbench.page.locator('.part.sidebar');
  await bar.hover();
  const action = bar.locator(`.action-label[aria-label^=${JSON.stringify(label)}]`).first();
  await action.waitFor({ state: 'visible', timeout: 15_000 });
  await action.click();
}

/** The CodeLens links of the active editor with this text, top to bottom. */
function lenses(workbench: Workbench, text: string) {
  return workbench.page.locator('.editor-group-container.active .codelens-decoration a').filter({ hasText: text });
}

for (const l of languages.filter((x) => !process.env.NOVA_E2E_LOCALE || x.locale === process.env.NOVA_E2E_LOCALE)) {
  describe(`Editing keys end to end (${l.locale})`, () => {
    const fixture = useNovaFixture(`edit-${l.locale}`);
    const vscode = useVSCode(() => ({ name: `edit-${l.locale}`, vsix: [novaVsix()], locale: l.locale, folder: fixture().workspace }));
    const shot = (step: string): Promise<string> => vscode().workbench.screenshot(`edit-${l.locale}-${step}`);
    const newKey = 'nova:cache:e2e-new';
    const renamed = 'nova:cache:e2e-renamed';

    test('New Key from the Keys view title bar: the folder prefix is pre-filled; a hash with a TTL of 1 hour is created and opened', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await workbench.openActivityBarItem(l.container);
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(['nova']);
      // Selecting the folder is what pre-fills its prefix.
      await (await tree.locator(['nova', 'cache'])).click();
      await sideBarAction(workbench, l.newKeyButton);

      const box = await workbench.inputBox();
      assert.equal(box.title, l.newKeyTitle);
      assert.equal(box.prompt, l.keyNamePrompt);
      assert.equal(box.value, 'nova:cache:');
      await workbench.answerInputBox(newKey);
      await workbench.pickQuickItem(l.hashType);
      assert.equal((await workbench.inputBox()).prompt, l.fieldNamePrompt);
      await workbench.answerInputBox('lang');
      assert.equal((await workbench.inputBox()).prompt, l.valuePrompt);
      await workbench.answerInputBox('fr');
      const ttlChoices = await workbench.quickPickLabels();
      assert.ok(ttlChoices.includes(l.noExpiry), `"no expiry" is offered: ${JSON.stringify(ttlChoices)}`);
      assert.equal(ttlChoices[0], l.oneHour, 'NOVA\'s default comes first');
      await workbench.pickQuickItem(l.oneHour);

      await eventually('redis-cli to see the hash', () => Promise.resolve(cli(f, 'HGETALL', newKey)), (v) => v === '1) "lang"\n2) "fr"');
      assert.equal(cli(f, 'TYPE', newKey), 'hash');
      const ttl = Number(cli(f, 'TTL', newKey).replace(/^\(integer\) /, ''));
      assert.ok(ttl > 3500 && ttl <= 3600, `TTL ${ttl} s`);
      // On screen: the new key's tab, and its row in the tree.
      const text = await eventually('the new key\'s tab', () => workbench.activeEditorText(), (t) => t.includes('"lang": "fr"'));
      assert.ok(text.split('\n')[0]?.startsWith(`// ${newKey} · ${l.hashType} · TTL `), text.split('\n')[0]);
      await tree.expand(['nova', 'cache']);
      await tree.waitFor(['nova', 'cache', 'e2e-new']);
      await shot('new-key');
    });

    test('a field added from the hash tab\'s title bar is on the server and in the tab', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await eventually('the hash tab', () => workbench.activeEditorText(), (t) => t.includes('"lang": "fr"'));
      await workbench.clickEditorAction(l.addButton);
      assert.equal((await workbench.inputBox()).prompt, l.fieldNamePrompt);
      await workbench.answerInputBox('plan');
      await workbench.answerInputBox('pro');
      await eventually('redis-cli to see the field', () => Promise.resolve(cli(f, 'HGET', newKey, 'plan')), (v) => v === '"pro"');
      assert.equal(cli(f, 'HLEN', newKey), '(integer) 2');
      await eventually('the tab to show the field', () => workbench.activeEditorText(), (t) => t.includes('"plan": "pro"') && t.includes('"lang": "fr"'));
      await shot('hash-field-added');
    });

    test('Rename Key from the context menu: the new name holds the value and the TTL, the old one is gone, in the tree too', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const before = await f.pttl(newKey);
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(['nova', 'cache']);
      await (await tree.locator(['nova', 'cache', 'e2e-new'])).click({ button: 'right' });
      await workbench.clickContextMenuItem(l.renameMenuItem);
      const box = await workbench.inputBox();
      assert.equal(box.title, l.renameTitle(newKey));
      assert.equal(box.value, newKey, 'the box starts from the current name');
      await workbench.answerInputBox(renamed);

      await eventually('redis-cli to see the new name', () => Promise.resolve(cli(f, 'EXISTS', renamed)), (v) => v === '(integer) 1');
      assert.equal(cli(f, 'EXISTS', newKey), '(integer) 0');
      assert.equal(cli(f, 'HGET', renamed, 'plan'), '"pro"');
      const after = Number(cli(f, 'PTTL', renamed).replace(/^\(integer\) /, ''));
      assert.ok(after > 0 && after <= before && after > before - 60_000, `PTTL ${after} ms after, ${before} ms before`);
      await tree.waitFor(['nova', 'cache', 'e2e-renamed']);
      await eventually('the old row to go', () => tree.find(['nova', 'cache', 'e2e-new']), (row) => row === undefined);
      await shot('renamed');
      await workbench.runCommand('View: Close All Editors');
    });

    test('a list element removed with the Remove CodeLens of its row, after a modal naming it', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const key = f.listKey;
      const second = '{"to":"grace@example.com","template":"reset"}';
      assert.equal(cli(f, 'LLEN', key), '(integer) 2');
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(['nova', 'queue', 'emails']);
      await (await tree.locator(['nova', 'queue', 'emails', 'e2e'])).click();
      await eventually('the list tab', () => workbench.activeEditorText(), (t) => t.includes('grace@example.com'));
      const remove = lenses(workbench, l.removeLens);
      await eventually('a Remove CodeLens per row', () => remove.count(), (n) => n === 2);
      await shot('list-lenses');
      await remove.nth(1).click();

      const dialog = await workbench.dialogState();
      assert.equal(dialog.message, l.removeQuestion(1, second, key));
      assert.equal(dialog.detail, l.cannotBeUndone);
      await workbench.answerDialog(l.removeButton);

      await eventually('redis-cli to see one element', () => Promise.resolve(cli(f, 'LLEN', key)), (v) => v === '(integer) 1');
      assert.match(cli(f, 'LINDEX', key, '0'), /ada@example\.com/);
      await eventually('the tab to show one element', () => workbench.activeEditorText(), (t) => !t.includes('grace@example.com') && t.includes('ada@example.com'));
      await eventually('one Remove CodeLens left', () => remove.count(), (n) => n === 1);
      await shot('list-element-removed');
    });
  });
}
