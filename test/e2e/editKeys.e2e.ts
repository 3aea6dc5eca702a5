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
import { eventually } from './lib/eventually';
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
  editLens: string;
  editButton: string;
  removeElementButton: string;
  scorePrompt: string;
  notANumber: string;
  removeMemberQuestion(member: string, key: string): string;
  memberPrompt: string;
  addPalette: string;
  refreshKeys: string;
  duplicateMenuItem: string;
  duplicateTitle(key: string): string;
  copyValueMenuItem: string;
  raw: string;
  decoded: string;
  setTtlMenuItem: string;
  oneDay: string;
  /** A TTL of one day as the Keys view and the messages write it. */
  oneDayShort: string;
  setTtlQuestion(keys: number, pattern: string, ttl: string): string;
  setTtlButton: string;
  ttlDone(keys: number, ttl: string): string;
  newKeyMenuItem: string;
  stringType: string;
  /** A key's TTL description in the Keys view when it does not expire. */
  noExpiryShort: string;
  removeTtlChoice: string;
  removeTtlQuestion(keys: number): string;
  removeTtlButton: string;
  noLongerExpire(keys: number): string;
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
    editLens: 'Edit',
    editButton: 'Edit Element…',
    removeElementButton: 'Remove Element…',
    scorePrompt: 'Score: a number such as 3, -1.5 or 2e6, or inf / -inf',
    notANumber: 'Not a number. Examples: 3, -1.5, 2e6, inf, -inf.',
    removeMemberQuestion: (member, key) => `Remove the member "${member}" from ${key}?`,
    memberPrompt: 'Member',
    addPalette: 'NOVA: Add to Value…',
    refreshKeys: 'NOVA: Refresh Keys',
    duplicateMenuItem: 'Duplicate Key…',
    duplicateTitle: (key) => `Duplicate ${key} as`,
    copyValueMenuItem: 'Copy Value…',
    raw: 'Raw, as stored',
    decoded: 'Decoded, as shown',
    setTtlMenuItem: 'Set TTL of Keys…',
    oneDay: '1 day',
    oneDayShort: '1 d',
    setTtlQuestion: (keys, pattern, ttl) => `Set the TTL of ${keys} keys under ${pattern} in DB 1 to ${ttl}?`,
    setTtlButton: 'Set TTL',
    ttlDone: (keys, ttl) => `${keys} keys now expire in ${ttl}.`,
    newKeyMenuItem: 'New Key…',
    stringType: 'string',
    noExpiryShort: 'no expiry',
    removeTtlChoice: 'No expiry (remove the TTL)',
    removeTtlQuestion: (keys) => `Remove the TTL of ${keys} keys in DB 1?`,
    removeTtlButton: 'Remove TTL',
    noLongerExpire: (keys) => `${keys} keys no longer expire.`,
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
    editLens: 'Modifier',
    editButton: "Modifier l'élément…",
    removeElementButton: "Retirer l'élément…",
    scorePrompt: 'Score : un nombre comme 3, -1.5 ou 2e6, ou inf / -inf',
    notANumber: "Ce n'est pas un nombre. Exemples : 3, -1.5, 2e6, inf, -inf.",
    removeMemberQuestion: (member, key) => `Retirer le membre « ${member} » de ${key} ?`,
    memberPrompt: 'Membre',
    addPalette: 'NOVA: Ajouter à la valeur…',
    refreshKeys: 'NOVA: Actualiser les clés',
    duplicateMenuItem: 'Dupliquer la clé…',
    duplicateTitle: (key) => `Dupliquer ${key} sous le nom`,
    copyValueMenuItem: 'Copier la valeur…',
    raw: 'Brute, telle que stockée',
    decoded: "Décodée, telle qu'affichée",
    setTtlMenuItem: 'Définir le TTL des clés…',
    oneDay: '1 jour',
    oneDayShort: '1 j',
    setTtlQuestion: (keys, pattern, ttl) => `Régler le TTL de ${keys} clés sous ${pattern} dans la base 1 à ${ttl} ?`,
    setTtlButton: 'Régler le TTL',
    ttlDone: (keys, ttl) => `${keys} clés expirent désormais dans ${ttl}.`,
    newKeyMenuItem: 'Nouvelle clé…',
    stringType: 'chaîne',
    noExpiryShort: 'sans expiration',
    removeTtlChoice: 'Sans expiration (retirer le TTL)',
    removeTtlQuestion: (keys) => `Retirer le TTL de ${keys} clés dans la base 1 ?`,
    removeTtlButton: 'Retirer le TTL',
    noLongerExpire: (keys) => `${keys} clés n'expirent plus.`,
  },
];

/** Seconds of a TTL as the Keys view writes it in either language (`1 d`, `1 j`, `23 h 59 min`), or undefined. */
function ttlSeconds(text: string): number | undefined {
  const unit: Record<string, number> = { d: 86_400, j: 86_400, h: 3600, min: 60, s: 1 };
  const parts = [...text.matchAll(/(\d+) (d|j|h|min|s)(?= |$)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join(' ') !== text) {
    return undefined;
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]], 0);
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
    const boardKey = 'nova:e2e:board';
    const tagsKey = 'nova:e2e:tags';

    test('New Key from the Keys view title bar: the folder prefix is pre-filled; a hash with a TTL of 1 hour is created and opened', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await workbench.openActivityBarItem(l.container);
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(['nova']);
      // Selecting the folder is what pre-fills its prefix.
      await tree.select(['nova', 'cache']);
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
      await tree.contextMenu(['nova', 'cache', 'e2e-new']);
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

    test('a hash row\'s Edit CodeLens changes that field\'s value, starting from the current one', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(['nova', 'cache']);
      await (await tree.locator(['nova', 'cache', 'e2e-renamed'])).click();
      const text = await eventually('the hash tab', () => workbench.activeEditorText(), (t) => t.includes('"plan": "pro"'));
      // The row of "plan" among the rows of the tab, top to bottom.
      const rows = text.split('\n').filter((line) => /^ {2}"/.test(line));
      const row = rows.findIndex((line) => line.startsWith('  "plan"'));
      const edit = lenses(workbench, l.editLens);
      await eventually('an Edit CodeLens per row', () => edit.count(), (n) => n === rows.length);
      await edit.nth(row).click();
      const box = await workbench.inputBox();
      assert.equal(box.value, 'pro', 'the box starts from the value shown');
      await workbench.answerInputBox('team');
      await eventually('redis-cli to see the new value', () => Promise.resolve(cli(f, 'HGET', renamed, 'plan')), (v) => v === '"team"');
      assert.equal(cli(f, 'HGET', renamed, 'lang'), '"fr"', 'the other field is untouched');
      await eventually('the tab to show it', () => workbench.activeEditorText(), (t) => t.includes('"plan": "team"'));
      await shot('hash-field-edited');
    });

    test('Duplicate Key and Copy Value from the key\'s context menu: a copy with the TTL, the decoded value on the clipboard', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const copy = `${renamed}-copy`;
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(['nova', 'cache']);
      await tree.contextMenu(['nova', 'cache', 'e2e-renamed']);
      await workbench.clickContextMenuItem(l.duplicateMenuItem);
      const box = await workbench.inputBox();
      assert.equal(box.title, l.duplicateTitle(renamed));
      assert.equal(box.value, copy);
      await workbench.answerInputBox(copy);
      await eventually('redis-cli to see the copy', () => Promise.resolve(cli(f, 'HGETALL', copy)), (v) => v === cli(f, 'HGETALL', renamed) && v.includes('"team"'));
      const [original, copied] = [await f.pttl(renamed), await f.pttl(copy)];
      assert.ok(copied > 0 && copied <= original + 1000 && copied > original - 60_000, `PTTL ${copied} ms, original ${original} ms`);
      await tree.waitFor(['nova', 'cache', 'e2e-renamed-copy']);

      const origin = new URL(workbench.page.url()).origin;
      await workbench.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
      await workbench.page.evaluate('navigator.clipboard.writeText("")');
      await tree.contextMenu(['nova', 'cache', 'e2e-renamed-copy']);
      await workbench.clickContextMenuItem(l.copyValueMenuItem);
      assert.deepEqual(await workbench.quickPickLabels(), [l.decoded, l.raw]);
      await workbench.pickQuickItem(l.decoded);
      const pasted = await eventually('the clipboard', async () => String(await workbench.page.evaluate('navigator.clipboard.readText()')), (t) => t !== '');
      assert.deepEqual(JSON.parse(pasted), { lang: 'fr', plan: 'team' });
      await shot('duplicated');
    });

    test('a sorted set: Edit Element from the title bar changes a score (a non-number is refused), Remove Element removes a member', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await f.withAdmin(1, async (c) => {
        await c.zadd(boardKey, 10, 'alice', 20, 'bob');
        await c.sadd(tagsKey, 'blue');
      });
      await workbench.runCommand(l.refreshKeys);
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(['nova', 'e2e']);
      await (await tree.locator(['nova', 'e2e', 'board'])).click();
      await eventually('the sorted-set tab', () => workbench.activeEditorText(), (t) => t.includes('"alice"') && t.includes('"bob"'));

      await workbench.clickEditorAction(l.editButton);
      await workbench.pickQuickItem('alice');
      const box = await workbench.inputBox();
      assert.equal(box.prompt, l.scorePrompt);
      assert.equal(box.value, '10');
      await workbench.typeInInputBox('ten');
      await eventually('the validation message', () => workbench.inputBox(), (b) => b.validation === l.notANumber);
      await workbench.pressEnterInInputBox();
      assert.equal(cli(f, 'ZSCORE', boardKey, 'alice'), '"10"', 'nothing sent while the score is refused');
      await workbench.typeInInputBox('42');
      await eventually('the prompt to come back', () => workbench.inputBox(), (b) => b.validation === undefined && b.value === '42');
      await workbench.pressEnterInInputBox();
      await eventually('redis-cli to see the score', () => Promise.resolve(cli(f, 'ZSCORE', boardKey, 'alice')), (v) => v === '"42"');
      await eventually('the tab to show it', () => workbench.activeEditorText(), (t) => /"member": "alice",\s*\n\s*"score": 42/.test(t));

      await workbench.clickEditorAction(l.removeElementButton);
      await workbench.pickQuickItem('bob');
      const dialog = await workbench.dialogState();
      assert.equal(dialog.message, l.removeMemberQuestion('bob', boardKey));
      await workbench.answerDialog(l.removeButton);
      await eventually('redis-cli to see one member', () => Promise.resolve(cli(f, 'ZCARD', boardKey)), (v) => v === '(integer) 1');
      await eventually('the tab without bob', () => workbench.activeEditorText(), (t) => !t.includes('"bob"') && t.includes('"alice"'));
      await shot('zset-edited');
    });

    test('the palette on the active set tab: Add to Value adds a member', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(['nova', 'e2e']);
      await (await tree.locator(['nova', 'e2e', 'tags'])).click();
      await eventually('the set tab', () => workbench.activeEditorText(), (t) => t.includes('"blue"'));
      await workbench.runCommand(l.addPalette);
      assert.equal((await workbench.inputBox()).prompt, l.memberPrompt);
      await workbench.answerInputBox('red');
      await eventually('redis-cli to see the member', () => Promise.resolve(cli(f, 'SISMEMBER', tagsKey, 'red')), (v) => v === '(integer) 1');
      await eventually('the tab to show it', () => workbench.activeEditorText(), (t) => t.includes('"red"') && t.includes('"blue"'));
      await shot('set-member-added');
      await workbench.runCommand('View: Close All Editors');
    });

    test('a folder\'s Set TTL of Keys names the exact count, then every key of the folder gets the TTL; New Key from the folder\'s menu', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(['nova']);
      await tree.contextMenu(['nova', 'e2e']);
      await workbench.clickContextMenuItem(l.setTtlMenuItem);
      await workbench.pickQuickItem(l.oneDay);
      const dialog = await workbench.dialogState();
      assert.equal(dialog.message, l.setTtlQuestion(2, 'nova:e2e:*', l.oneDayShort));
      await workbench.answerDialog(l.setTtlButton);
      await workbench.waitForNotification(l.ttlDone(2, l.oneDayShort));
      for (const key of [boardKey, tagsKey]) {
        const ttl = Number(cli(f, 'TTL', key).replace(/^\(integer\) /, ''));
        assert.ok(ttl > 86_300 && ttl <= 86_400, `${key}: TTL ${ttl} s`);
      }
      await tree.expand(['nova', 'e2e']);
      // About a day: the tree may read it a second after it was set ("23 h 59 min").
      await eventually('the Keys view to show the TTL', async () => ttlSeconds((await tree.find(['nova', 'e2e', 'board']))?.description ?? ''), (n) => n !== undefined && n > 86_000 && n <= 86_400);
      await shot('folder-ttl');

      await tree.contextMenu(['nova', 'e2e']);
      await workbench.clickContextMenuItem(l.newKeyMenuItem);
      assert.equal((await workbench.inputBox()).value, 'nova:e2e:');
      await workbench.answerInputBox('nova:e2e:note');
      await workbench.pickQuickItem(l.stringType);
      await workbench.answerInputBox('hello');
      await workbench.pickQuickItem(l.noExpiry);
      await eventually('redis-cli to see the string', () => Promise.resolve(cli(f, 'GET', 'nova:e2e:note')), (v) => v === '"hello"');
      assert.equal(cli(f, 'TTL', 'nova:e2e:note'), '(integer) -1');
      await eventually('the Keys view row', async () => (await tree.find(['nova', 'e2e', 'note']))?.description, (d) => d === l.noExpiryShort);
      await shot('folder-new-key');
    });
    test('two selected keys: Set TTL of Keys from their context menu removes both TTLs; Copy Value from the tab\'s menu copies the value as stored', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const [a, b] = [f.userKeys[2], f.userKeys[3]];
      const path = (key: string): string[] => ['nova', 'cache', 'user', key.slice('nova:cache:user:'.length)];
      assert.ok((await f.pttl(a)) > 0 && (await f.pttl(b)) > 0, 'both start with a TTL');
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand(['nova', 'cache', 'user']);
      await (await tree.locator(path(a))).click();
      await (await tree.locator(path(b))).click({ modifiers: ['Control'] });
      await tree.contextMenu(path(b));
      await workbench.clickContextMenuItem(l.setTtlMenuItem);
      await workbench.pickQuickItem(l.removeTtlChoice);
      const dialog = await workbench.dialogState();
      assert.equal(dialog.message, l.removeTtlQuestion(2));
      await workbench.answerDialog(l.removeTtlButton);
      await workbench.waitForNotification(l.noLongerExpire(2));
      assert.equal(cli(f, 'TTL', a), '(integer) -1');
      assert.equal(cli(f, 'TTL', b), '(integer) -1');
      for (const key of [a, b]) {
        await eventually(`the Keys view to show ${key} without expiry`, async () => (await tree.find(path(key)))?.description, (d) => d === l.noExpiryShort);
      }
      await shot('keys-ttl-removed');

      const origin = new URL(workbench.page.url()).origin;
      await workbench.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
      await workbench.page.evaluate('navigator.clipboard.writeText("")');
      await (await tree.locator(path(a))).click();
      await eventually('the value tab', () => workbench.activeEditorTitle(), (t) => t === a.split(':').pop() || t === a);
      const more = workbench.page.locator('.editor-group-container.active .editor-actions a.action-label[aria-label^="More Actions"]').first();
      await more.click();
      await workbench.clickContextMenuItem(l.copyValueMenuItem);
      await workbench.pickQuickItem(l.raw);
      const pasted = await eventually('the clipboard', async () => String(await workbench.page.evaluate('navigator.clipboard.readText()')), (t) => t !== '');
      assert.equal(pasted, await f.get(a), 'the bytes as stored, not the pretty-printed JSON');
    });
  });
}
