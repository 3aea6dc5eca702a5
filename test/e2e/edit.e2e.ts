/**
 * Edit Value in a real VS Code (code-server + Chromium), in English and in French: the JSON sample is
 * edited in a writable tab and saved with Ctrl+S (the server then holds the new value, in the style
 * it was stored, with its TTL), a syntax error is refused, and a write made from outside during the
 * edit opens the diff and a dialog whose every choice does what it says.
 *
 *   npm run package && node --import tsx --test test/e2e/edit.e2e.ts
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TreeByPath } from './lib/keysTree';
import { useNovaFixture, type NovaFixture } from './lib/novaFixture';
import { novaVsix, useVSCode, type Workbench } from './lib/vscode';

interface Language {
  locale: 'en' | 'fr';
  container: string;
  keysView: string;
  /** The value tab's title-bar button and the key's context-menu entry. */
  editValue: string;
  notParsed: string;
  conflictQuestion(key: string): string;
  diffTitle(key: string): string;
  overwrite: string;
  takeServer: string;
  /** VS Code's own button: English in both sessions (its language packs are not installed offline). */
  cancel: string;
  notSaved: string;
  goneQuestion(key: string): string;
  createAgain: string;
}

const languages: Language[] = [
  {
    locale: 'en',
    container: 'NOVA Redis',
    keysView: 'Keys',
    editValue: 'Edit Value',
    notParsed: 'Not saved: the JSON does not parse',
    conflictQuestion: (key) => `"${key}" was changed on the server since you opened it.`,
    diffTitle: (key) => `${key}: on the server ↔ yours`,
    overwrite: 'Overwrite',
    takeServer: "Take the Server's Value",
    cancel: 'Cancel',
    notSaved: 'Not saved: your text is kept in the editor.',
    goneQuestion: (key) => `"${key}" no longer exists: it expired or was deleted since you opened it.`,
    createAgain: 'Create It Again',
  },
  {
    locale: 'fr',
    container: 'NOVA Redis',
    keysView: 'Clés',
    editValue: 'Modifier la valeur',
    notParsed: 'Non enregistré\u00a0: le JSON ne se lit pas',
    conflictQuestion: (key) => `«\u00a0${key}\u00a0» a été modifiée sur le serveur depuis que vous l'avez ouverte.`,
    diffTitle: (key) => `${key}\u00a0: sur le serveur ↔ la vôtre`,
    overwrite: 'Écraser',
    takeServer: 'Prendre la valeur du serveur',
    cancel: 'Cancel',
    notSaved: 'Non enregistré\u00a0: votre texte est conservé dans l\'éditeur.',
    goneQuestion: (key) => `«\u00a0${key}\u00a0» n'existe plus\u00a0: elle a expiré ou a été supprimée depuis que vous l'avez ouverte.`,
    createAgain: 'La recréer',
  },
];

async function eventually<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    try {
      value = await read();
      if (ok(value)) {
        return value;
      }
    } catch (err) {
      if (Date.now() > deadline) {
        throw err;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const TTL_SLACK_MS = 120_000;
/**
 * The tests type whole documents at once: closing quotes and brackets, or suggestions, would add to
 * them. Auto save is off, as in desktop VS Code (the browser build saves after a delay by default):
 * these tests are about Ctrl+S.
 */
const TYPING_SETTINGS = {
  'files.autoSave': 'off',
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never',
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
};
/** The notification text as the workbench reads it (non-breaking spaces become spaces). */
const plain = (s: string): string => s.replace(/\u00a0/g, ' ');
const USER_FOLDER = ['nova', 'cache', 'user'];

/** Whether the active tab shows unsaved changes. */
async function activeTabDirty(workbench: Workbench): Promise<boolean> {
  return (await workbench.page.locator('.editor-group-container.active .tab.active.dirty').count()) > 0;
}

/** Replaces the whole text of the active editor with one line, as typed, and saves with Ctrl+S. */
async function replaceAndSave(workbench: Workbench, text: string): Promise<void> {
  const page = workbench.page;
  await page.locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines').filter({ visible: true }).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  await eventually('the tab to show unsaved changes', () => activeTabDirty(workbench), (d) => d);
  await page.keyboard.press('Control+S');
}

for (const l of languages) {
  describe(`Edit Value end to end (${l.locale})`, () => {
    const fixture = useNovaFixture(`edit-${l.locale}`);
    const vscode = useVSCode(() => ({ name: `edit-${l.locale}`, vsix: [novaVsix()], locale: l.locale, folder: fixture().workspace, settings: TYPING_SETTINGS }));
    const shot = (step: string): Promise<string> => vscode().workbench.screenshot(`edit-${l.locale}-${step}`);

    /** Opens the JSON sample's value tab from the Keys view, then its edit tab with the title-bar button. */
    async function openEditTab(f: NovaFixture): Promise<string> {
      const { workbench } = vscode();
      await workbench.openActivityBarItem(l.container);
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(USER_FOLDER);
      await (await tree.locator([...USER_FOLDER, f.jsonKey.slice('nova:cache:user:'.length)])).click();
      await eventually('the value tab', () => workbench.activeEditorText(), (t) => t.startsWith(`// ${f.jsonKey} · `));
      await workbench.clickEditorAction(l.editValue);
      // The edit tab holds the value alone, laid out: no header to break the JSON.
      const stored = JSON.parse((await f.get(f.jsonKey)) ?? 'null') as unknown;
      return eventually('the edit tab', () => workbench.activeEditorText(), (t) => t.trim() === JSON.stringify(stored, null, 2));
    }

    test('edit the JSON sample and save: the server holds the new value in its stored style, TTL kept', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const before = await f.pttl(f.jsonKey);
      assert.ok(before > 0, 'the sample expires');
      const shown = await openEditTab(f);
      assert.equal(await workbench.activeEditorTitle(), `${f.jsonKey}.json`);
      await shot('edit-tab');
      const value = JSON.parse(shown) as { name: string };
      value.name = 'Ada King, Countess of Lovelace';
      await replaceAndSave(workbench, JSON.stringify(value, null, 1).replace(/\n/g, ' '));
      const saved = await eventually('the saved value', () => f.get(f.jsonKey), (v) => v === JSON.stringify(value), 15_000);
      // The fixture writes JSON.stringify's compact style; the save keeps it.
      assert.equal(saved, JSON.stringify(value));
      const after = await f.pttl(f.jsonKey);
      assert.ok(after > 0 && after <= before && after > before - TTL_SLACK_MS, `PTTL ${after} ms after the save, ${before} ms before`);
      await eventually('the tab to be saved', () => activeTabDirty(workbench), (d) => !d);
      await shot('saved');
    });

    test('a JSON syntax error is refused: nothing is written, the text stays', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const stored = await f.get(f.jsonKey);
      await replaceAndSave(workbench, '{"id": 1001,, }');
      const message = await workbench.waitForNotification(plain(l.notParsed), 15_000);
      assert.ok(message.includes(plain(l.notParsed)), message);
      assert.equal(await f.get(f.jsonKey), stored);
      assert.equal(await activeTabDirty(workbench), true, 'the edit is kept');
      await shot('syntax-error');
      await workbench.runCommand('File: Revert File');
      await workbench.runCommand('View: Close All Editors');
    });

    for (const choice of ['overwrite', 'take', 'cancel'] as const) {
      test(`a write from outside during the edit: the diff and the dialog; "${choice}" does what it says`, async () => {
        const { workbench } = vscode();
        const f = fixture();
        try {
          const shown = JSON.parse(await openEditTab(f)) as Record<string, unknown>;
          const mine = { ...shown, name: `mine (${choice})` };
          const theirs = { ...shown, name: `theirs (${choice})` };
          await f.withAdmin(1, (c) => c.set(f.jsonKey, JSON.stringify(theirs), 'EX', 1800));
          await replaceAndSave(workbench, JSON.stringify(mine));
          const dialog = await workbench.dialogState(20_000);
          assert.equal(dialog.message, plain(l.conflictQuestion(f.jsonKey)));
          assert.deepEqual([...dialog.buttons].sort(), [l.overwrite, l.takeServer, l.cancel].sort());
          assert.equal(await workbench.activeEditorTitle(), plain(l.diffTitle(f.jsonKey)));
          await shot(`conflict-${choice}`);
          if (choice === 'overwrite') {
            await workbench.answerDialog(l.overwrite);
            await eventually('my value on the server', () => f.get(f.jsonKey), (v) => v === JSON.stringify(mine));
            const pttl = await f.pttl(f.jsonKey);
            assert.ok(pttl > 1_800_000 - TTL_SLACK_MS && pttl <= 1_800_000, `the TTL the server had is kept: ${pttl}`);
            await eventually('the tab to be saved', () => activeTabDirty(workbench), (d) => !d);
          } else if (choice === 'take') {
            await workbench.answerDialog(l.takeServer);
            const text = await eventually('the server value in the tab', () => workbench.activeEditorText(), (t) => t.includes(`"name": "theirs (take)"`));
            assert.equal(text.includes('mine'), false, text);
            assert.equal(await activeTabDirty(workbench), false);
            assert.equal(await f.get(f.jsonKey), JSON.stringify(theirs), 'their value stays');
          } else {
            await workbench.answerDialog(l.cancel);
            await workbench.waitForNotification(plain(l.notSaved), 15_000);
            assert.equal(await f.get(f.jsonKey), JSON.stringify(theirs), 'their value stays');
            assert.equal(await activeTabDirty(workbench), true, 'my text is kept, unsaved');
            await workbench.runCommand('File: Revert File');
          }
          await shot(`after-${choice}`);
        } finally {
          // A failed step must not leave unsaved text for the next test.
          await workbench.dismissAll();
          await workbench.runCommand('File: Revert File').catch(() => undefined);
          await workbench.runCommand('View: Close All Editors');
        }
      });
    }

    test('the key deleted during the edit, opened from its context menu: "Create It Again" writes it with its old TTL', async () => {
      const { workbench } = vscode();
      const f = fixture();
      try {
        await f.withAdmin(1, (c) => c.set(f.jsonKey, JSON.stringify({ id: 1001, name: 'before' }), 'EX', 900));
        await workbench.openActivityBarItem(l.container);
        const tree = new TreeByPath(workbench, l.keysView);
        await tree.expand(USER_FOLDER);
        await tree.contextMenu([...USER_FOLDER, f.jsonKey.slice('nova:cache:user:'.length)]);
        await workbench.clickContextMenuItem(l.editValue);
        await eventually('the edit tab', () => workbench.activeEditorTitle(), (t) => t === `${f.jsonKey}.json`);
        await eventually('the value in it', () => workbench.activeEditorText(), (t) => t.includes('"before"'));
        await f.withAdmin(1, (c) => c.del(f.jsonKey));
        await replaceAndSave(workbench, '{"id": 1001, "name": "after"}');
        const dialog = await workbench.dialogState(20_000);
        assert.equal(dialog.message, plain(l.goneQuestion(f.jsonKey)));
        assert.deepEqual([...dialog.buttons].sort(), [l.createAgain, l.cancel].sort());
        await shot('gone');
        await workbench.answerDialog(l.createAgain);
        await eventually('the key created again', () => f.get(f.jsonKey), (v) => v === '{"id":1001,"name":"after"}');
        const pttl = await f.pttl(f.jsonKey);
        assert.ok(pttl > 900_000 - TTL_SLACK_MS && pttl <= 900_000, `the TTL it had when opened: ${pttl}`);
        await eventually('the tab to be saved', () => activeTabDirty(workbench), (d) => !d);
      } finally {
        await workbench.dismissAll();
        await workbench.runCommand('File: Revert File').catch(() => undefined);
        await workbench.runCommand('View: Close All Editors');
      }
    });
  });
}
