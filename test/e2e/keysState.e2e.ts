/**
 * The Keys view tells the truth at a glance, in a real VS Code (code-server + Chromium), in English and
 * French: the filter in effect as the first row, "No key matches" with a Clear Filter row that is
 * pressed, a filter search over 200,000 keys that runs on with its progress and is stopped and continued,
 * the read-only row and status bar text, the stalled and failed status bar texts with the welcome that
 * names the cause. Screenshots: test-results/e2e/keys-state-<locale>-<step>.png.
 *
 *   npm run package && NOVA_E2E_VSIX=$PWD/nova-redis-0.1.0.vsix node --import tsx --test test/e2e/keysState.e2e.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type Redis from 'ioredis';
import { eventually } from './lib/eventually';
import { TreeByPath, type TreeRow } from './lib/keysTree';
import { useNovaFixture } from './lib/novaFixture';
import { novaVsix, useVSCode, type Workbench } from './lib/vscode';

const STATUS_ID = 'nova.redis.status';
const BIG_DB_KEYS = 200_000;
const NEEDLES = ['search:needle:1', 'search:needle:2', 'search:needle:3'];

interface Language {
  locale: 'en' | 'fr';
  container: string;
  keysView: string;
  filterKeys: string;
  refreshKeys: string;
  filterRow(filter: string): string;
  noMatch(filter: string): string;
  clearFilter: string;
  searching: RegExp;
  stopped: RegExp;
  done: RegExp;
  readOnlyRow: string;
  readOnlyStatus: RegExp;
  stalled: RegExp;
  noAnswer(address: string): string;
  passwordRequired: string;
  wrongPassword: string;
  passwordRequiredWelcome: string;
  wrongPasswordWelcome: string;
  refusedWelcome: string;
  reconnectButton: string;
  reconnect: string;
  quoted(text: string): string;
  clickToClear: string;
  typeItem: string;
  anyType: string;
  typeWord: string;
  stringType: string;
  deleteKeyMenuItem: string;
  deleteKeyButton: string;
  scanAll: string;
  scanSummary: RegExp;
  openEnvButton: string;
}

/** Numbers as the display language writes them: 200,000 and 200 000 (a narrow no-break space, read back as a space). */
const N = String.raw`\d{1,3}(?:[, \u202f]\d{3})*`;

const languages: Language[] = [
  {
    locale: 'en',
    container: 'NOVA Redis',
    keysView: 'Keys',
    filterKeys: 'NOVA: Filter Keys…',
    refreshKeys: 'NOVA: Refresh Keys',
    filterRow: (f) => `Filter: ${f}`,
    noMatch: (f) => `No key matches ${f}`,
    clearFilter: 'Clear Filter',
    searching: new RegExp(`^Searched (${N}) of (${N}) keys — (${N}) keys? found$`),
    stopped: new RegExp(`^Search stopped after (${N}) of (${N}) keys — (${N}) keys? found$`),
    done: new RegExp(`^Searched (${N}) keys in [\\d.]+ s — 3 keys found$`),
    readOnlyRow: 'Read-only: the setting is on',
    readOnlyStatus: /^DB 1 · \d+ keys · read-only$/,
    stalled: /^Redis: not answering for (\d+) s$/,
    noAnswer: (address) => `Redis at ${address} did not answer in time.`,
    passwordRequired: 'Redis: password required',
    wrongPassword: 'Redis: wrong password',
    passwordRequiredWelcome: 'Password required — this Redis server has requirepass set.',
    wrongPasswordWelcome: 'Wrong password — Redis rejected the password in REDIS_URL.',
    refusedWelcome: 'Connection refused — is the Redis service running?',
    reconnectButton: 'Reconnect',
    reconnect: 'NOVA: Reconnect',
    quoted: (t) => `"${t}"`,
    clickToClear: '— click to clear',
    typeItem: 'Type…',
    anyType: 'Any type',
    typeWord: 'type',
    stringType: 'string',
    deleteKeyMenuItem: 'Delete Key…',
    deleteKeyButton: 'Delete Key',
    scanAll: 'NOVA: Scan All Keys',
    openEnvButton: 'Open .env',
    scanSummary: new RegExp(`^(${N}) keys in [\\d.]+ s; counts are exact\\.$`),
  },
  {
    locale: 'fr',
    container: 'NOVA Redis',
    keysView: 'Clés',
    filterKeys: 'NOVA: Filtrer les clés…',
    refreshKeys: 'NOVA: Actualiser les clés',
    filterRow: (f) => `Filtre : ${f}`,
    noMatch: (f) => `Aucune clé ne correspond à ${f}`,
    clearFilter: 'Effacer le filtre',
    searching: new RegExp(`^(${N}) sur (${N}) clés parcourues — (${N}) clés? trouvées?$`),
    stopped: new RegExp(`^Recherche arrêtée après (${N}) sur (${N}) clés — (${N}) clés? trouvées?$`),
    done: new RegExp(`^(${N}) clés parcourues en [\\d,]+ s — 3 clés trouvées$`),
    readOnlyRow: 'Lecture seule : le réglage est activé',
    readOnlyStatus: /^base 1 · \d+ clés · lecture seule$/,
    stalled: /^Redis[\u00a0 ]: sans réponse depuis (\d+) s$/,
    noAnswer: (address) => `Redis sur ${address} n'a pas répondu à temps.`,
    passwordRequired: 'Redis : mot de passe requis',
    wrongPassword: 'Redis : mot de passe incorrect',
    passwordRequiredWelcome: 'Mot de passe requis — ce serveur Redis a un requirepass.',
    wrongPasswordWelcome: 'Mot de passe incorrect — Redis a refusé le mot de passe de REDIS_URL.',
    refusedWelcome: 'Connexion refusée — le service Redis est-il démarré ?',
    reconnectButton: 'Se reconnecter',
    reconnect: 'NOVA: Se reconnecter',
    quoted: (t) => `« ${t} »`,
    clickToClear: "— cliquer pour l'effacer",
    typeItem: 'Type…',
    anyType: 'Tous les types',
    typeWord: 'type',
    stringType: 'chaîne',
    deleteKeyMenuItem: 'Supprimer la clé…',
    deleteKeyButton: 'Supprimer la clé',
    scanAll: 'NOVA: Parcourir toutes les clés',
    openEnvButton: 'Ouvrir .env',
    scanSummary: new RegExp(`^(${N}) clés en [\\d,]+ s ; les nombres sont exacts\\.$`),
  },
];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const num = (text: string | undefined): number => Number((text ?? '').replace(/[^\d]/g, ''));

async function statusClasses(workbench: Workbench): Promise<string[]> {
  return ((await workbench.statusBarItem(STATUS_ID).getAttribute('class')) ?? '').split(/\s+/);
}

/** Sets the filter through the picker: typed into its first box, then Enter. */
async function filterBy(workbench: Workbench, l: Language, text: string): Promise<void> {
  await workbench.runCommand(l.filterKeys);
  await workbench.typeInInputBox(text);
  await workbench.pressEnterInInputBox();
}

for (const l of languages) {
  describe(`Keys view state (${l.locale})`, () => {
    const fixture = useNovaFixture(`keys-state-${l.locale}`);
    // A small fixed SCAN COUNT makes the 200,000-key search last long enough to be watched and stopped.
    const vscode = useVSCode(() => ({ name: `keys-state-${l.locale}`, vsix: [novaVsix()], locale: l.locale, folder: fixture().workspace, settings: { 'nova.explorer.scanCount': 10 } }));
    const shot = (step: string): Promise<string> => vscode().workbench.screenshot(`keys-state-${l.locale}-${step}`);
    const tree = (): TreeByPath => new TreeByPath(vscode().workbench, l.keysView);
    const firstRow = async (): Promise<TreeRow | undefined> => (await tree().rows())[0];

    test('a filter shows as the first row and combines with a type; no match says so with a Clear Filter row, also once the last match is deleted', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await workbench.openActivityBarItem(l.container);
      await tree().waitFor(['nova'], 30_000);

      await filterBy(workbench, l, 'nova:cache:user:*');
      await eventually('the filter row', firstRow, (r) => r?.label === l.filterRow('`nova:cache:user:*`'), 15_000);
      assert.equal((await firstRow())?.description, l.clickToClear);
      await tree().waitFor(['nova'], 15_000);
      await shot('filter-row');

      // A type combines with the glob, and the row says both; "any type" drops the type again.
      await workbench.runCommand(l.filterKeys);
      await workbench.pickQuickItem(l.typeItem);
      await workbench.pickQuickItem(l.stringType);
      await eventually('the combined filter row', firstRow, (r) => r?.label === l.filterRow(`\`nova:cache:user:*\` · ${l.typeWord} ${l.stringType}`), 15_000);
      await workbench.runCommand(l.filterKeys);
      await workbench.pickQuickItem(l.anyType);
      await eventually('the filter row without the type', firstRow, (r) => r?.label === l.filterRow('`nova:cache:user:*`'), 15_000);

      // The filter row's own button opens the picker; typed text without glob characters is found anywhere in the name.
      await (await tree().locator([l.filterRow('`nova:cache:user:*`')])).hover();
      // Its label ends with the keybinding, "(Ctrl+F)".
      await workbench.view(l.keysView).locator(`.monaco-list-row[data-index="0"] .action-label[aria-label^="${l.filterKeys.replace('NOVA: ', '')}"]`).click();
      await workbench.typeInInputBox('emails:e2e');
      await workbench.pressEnterInInputBox();
      await eventually('the literal filter row', firstRow, (r) => r?.label === l.filterRow(l.quoted('emails:e2e')), 15_000);
      await tree().expand(['nova', 'queue', 'emails']);
      assert.deepEqual(
        (await tree().children(['nova', 'queue', 'emails'])).map((r) => r.label),
        ['e2e'],
      );

      // Deleting the only match leaves the empty result, not "the database has no keys".
      try {
        await tree().contextMenu(['nova', 'queue', 'emails', 'e2e']);
        await workbench.clickContextMenuItem(l.deleteKeyMenuItem);
        await workbench.answerDialog(l.deleteKeyButton);
        await eventually(`the server to drop ${f.listKey}`, () => f.scanKeys(f.listKey), (keys) => keys.length === 0, 10_000);
        await eventually('the no-match row after the delete', firstRow, (r) => r?.label === l.noMatch(l.quoted('emails:e2e')), 15_000);
        await workbench.runCommand('View: Close All Editors');
      } finally {
        await f.seed();
      }

      await filterBy(workbench, l, 'zz-no-such-key*');
      await eventually('the no-match row', firstRow, (r) => r?.label === l.noMatch('`zz-no-such-key*`'), 15_000);
      const rows = await tree().rows();
      assert.deepEqual(
        rows.map((r) => r.label),
        [l.noMatch('`zz-no-such-key*`'), l.clearFilter],
        'nothing but the empty result and its Clear Filter row',
      );
      await shot('no-match');
      // The empty result's row opens the picker to change the filter.
      await (await tree().locator([l.noMatch('`zz-no-such-key*`')])).click();
      assert.ok((await workbench.quickPickLabels()).includes(l.typeItem));
      await workbench.dismissAll();
      await (await tree().locator([l.clearFilter])).click();
      await eventually('the unfiltered tree', async () => (await tree().rows()).map((r) => r.label), (labels) => labels[0] === 'nova', 15_000);
      assert.ok(!(await tree().rows()).some((r) => r.label.startsWith(l.filterRow(''))), 'no filter row once cleared');
    });

    test('read-only: a row that opens the setting, and the status bar says it', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const settingsDir = path.join(f.workspace, '.vscode');
      mkdirSync(settingsDir, { recursive: true });
      writeFileSync(path.join(settingsDir, 'settings.json'), JSON.stringify({ 'nova.readOnly': 'on' }));
      try {
        await workbench.openActivityBarItem(l.container);
        await eventually('the status bar to say read-only', () => workbench.statusBarText(STATUS_ID), (t) => l.readOnlyStatus.test(t), 20_000);
        assert.equal(await workbench.statusBarItem(STATUS_ID).locator('.codicon-lock').count(), 1, 'a lock icon');
        await eventually('the read-only row', firstRow, (r) => r?.label === l.readOnlyRow, 15_000);
        await shot('read-only');
        await (await tree().locator([l.readOnlyRow])).click();
        await eventually('the Settings editor at nova.readOnly', () => workbench.page.locator('.settings-editor .setting-item-contents').first().textContent(), (t) => (t ?? '').includes('Read Only') || (t ?? '').includes('readOnly'), 15_000);
        await workbench.runCommand('View: Close All Editors');
      } finally {
        rmSync(settingsDir, { recursive: true, force: true });
      }
      await eventually('the read-only row to go', firstRow, (r) => r?.label === 'nova' || (r !== undefined && r.label !== l.readOnlyRow), 20_000);
    });

    test('a stalled server shows within seconds with a warning background; a value opened meanwhile names the address', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await workbench.openActivityBarItem(l.container);
      await tree().expand(['nova', 'cache', 'user']);
      const key = await tree().locator(['nova', 'cache', 'user', f.jsonKey.slice('nova:cache:user:'.length)]);
      f.server.pause();
      try {
        // Opened as the server goes silent: the tab waits for its reply while the status bar turns to the stall.
        await key.click();
        await eventually('the status bar to say Redis is not answering', () => workbench.statusBarText(STATUS_ID), (t) => l.stalled.test(t), 10_000);
        await eventually('the warning background', () => statusClasses(workbench), (c) => c.includes('warning-kind'), 5000);
        await eventually('the value tab to name the address', () => workbench.activeEditorText(), (t) => t.includes(l.noAnswer(f.address)), 30_000);
        await shot('stalled');
      } finally {
        f.server.resume();
      }
      await eventually('the status bar to leave the stall', () => workbench.statusBarText(STATUS_ID), (t) => !l.stalled.test(t), 20_000);
      await workbench.clearNotifications();
      await workbench.runCommand('View: Close All Editors');
    });

    test('a failed connection names its cause in the status bar and in the welcome; a refused one says how to start Redis, and Reconnect is pressed', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const envPath = path.join(f.workspace, '.env');
      const original = readFileSync(envPath, 'utf8');
      const writeUrl = (url: string): void => writeFileSync(envPath, original.replace(/^REDIS_URL=.*$/m, `REDIS_URL=${url}`));
      const welcome = async (): Promise<string> => ((await workbench.view(l.keysView).locator('.welcome-view-content').textContent()) ?? '').replace(/\u00a0/g, ' ');
      const admin: Redis = f.server.admin(0);
      await workbench.openActivityBarItem(l.container);
      try {
        await admin.config('SET', 'requirepass', 'e2e-right-password');
        // A new connection is needed to meet the password.
        await workbench.runCommand(l.reconnect);
        await eventually('the status bar to say a password is required', () => workbench.statusBarText(STATUS_ID), (t) => t === l.passwordRequired, 20_000);
        await eventually('the welcome to say so', welcome, (t) => t.includes(l.passwordRequiredWelcome), 10_000);
        await shot('password-required');
        writeUrl(`redis://:e2e-wrong-password@${f.address}/1`);
        await eventually('the status bar to say the password is wrong', () => workbench.statusBarText(STATUS_ID), (t) => t === l.wrongPassword, 20_000);
        await eventually('the welcome to say so', welcome, (t) => t.includes(l.wrongPasswordWelcome), 10_000);
        assert.ok(!(await welcome()).includes('e2e-wrong-password') && !(await workbench.statusBarText(STATUS_ID)).includes('e2e-wrong-password'), 'no password shown');
        await shot('wrong-password');
        await workbench.view(l.keysView).locator('.welcome-view-content').getByRole('button', { name: l.openEnvButton }).click();
        await eventually('the .env tab', () => workbench.activeEditorTitle(), (t) => t === '.env', 15_000);
        await workbench.runCommand('View: Close All Editors');
      } finally {
        await admin.config('SET', 'requirepass', '');
        admin.disconnect();
        writeFileSync(envPath, original);
      }
      await eventually('connected again', () => workbench.statusBarText(STATUS_ID), (t) => /^(DB|base) 1 · /.test(t), 20_000);

      await f.kill();
      try {
        await eventually('the welcome to ask whether Redis runs', welcome, (t) => t.includes(l.refusedWelcome), 20_000);
        assert.ok((await welcome()).includes('net start Redis'), 'the Windows command that starts it');
        await shot('refused');
        await workbench.view(l.keysView).locator('.welcome-view-content').getByRole('button', { name: l.reconnectButton }).click();
        // Still refused: the welcome stays, and says the same.
        await eventually('the welcome after Reconnect', welcome, (t) => t.includes(l.refusedWelcome), 10_000);
      } finally {
        await f.restart();
      }
      await eventually('connected after the restart', () => workbench.statusBarText(STATUS_ID), (t) => /^(DB|base) 1 · /.test(t), 30_000);
    });

    test(`a filter search over ${BIG_DB_KEYS.toLocaleString('en-US')} keys runs on with its progress, is stopped, and continued to the end`, async () => {
      const { workbench } = vscode();
      const f = fixture();
      await f.withAdmin(1, async (c) => {
        for (let start = 0; start < BIG_DB_KEYS; start += 10_000) {
          const pipe = c.pipeline();
          for (let i = start; i < start + 10_000; i++) {
            pipe.set(`bulk:${Math.floor(i / 1000)}:${i}`, 'v');
          }
          await pipe.exec();
        }
        await c.mset(NEEDLES.flatMap((k) => [k, 'needle']));
      });
      try {
        await workbench.openActivityBarItem(l.container);
        await workbench.runCommand(l.refreshKeys);
        // The first screen of 200,000 keys: one folder of them so far, and Load more.
        const partial = await tree().waitFor(['bulk'], 30_000);
        assert.match(partial.description, /\+$/, 'a partial count before Scan All');
        await workbench.runCommand(l.scanAll);
        const summary = await workbench.waitForNotification(l.scanSummary, 240_000);
        assert.ok(num(l.scanSummary.exec(summary)?.[1]) >= BIG_DB_KEYS, summary);
        await shot('scan-all-summary');
        await workbench.clearNotifications();
        const exact = await eventually('the exact count of bulk', () => tree().waitFor(['bulk']), (r) => !r.description.endsWith('+'), 15_000);
        assert.equal(num(exact.description), BIG_DB_KEYS);
        await filterBy(workbench, l, 'needle');
        const searchRow = async (): Promise<TreeRow | undefined> => (await tree().rows())[1];
        const running = await eventually('the search row with its progress', searchRow, (r) => l.searching.test(r?.label ?? '') && num(l.searching.exec(r?.label ?? '')?.[1]) > 0, 60_000);
        const [, searched, total] = l.searching.exec(running?.label ?? '') ?? [];
        assert.ok(num(total) >= BIG_DB_KEYS, `of the whole DB: ${running?.label}`);
        assert.ok(num(searched) < num(total), `part of it so far: ${running?.label}`);
        assert.ok(!(await tree().rows()).some((r) => r.label.includes('…') && r.index > 1), 'no Load more while it runs');
        await shot('search-running');

        // The row's text changes as the search goes on: it is clicked by its place, under the filter row.
        const searchRowElement = workbench.view(l.keysView).locator('.monaco-list-row[role="treeitem"][data-index="1"]');
        await searchRowElement.click();
        const stopped = await eventually('the search to stop', searchRow, (r) => l.stopped.test(r?.label ?? ''), 15_000);
        const stoppedAt = num(l.stopped.exec(stopped?.label ?? '')?.[1]);
        await sleep(1500);
        assert.equal(num(l.stopped.exec((await searchRow())?.label ?? '')?.[1]), stoppedAt, 'a stopped search does not go on');
        await shot('search-stopped');

        await searchRowElement.click();
        const done = await eventually('the search to cover the DB', searchRow, (r) => l.done.test(r?.label ?? ''), 240_000);
        assert.ok(num(l.done.exec(done?.label ?? '')?.[1]) >= BIG_DB_KEYS, done?.label);
        await tree().expand(['search', 'needle']);
        assert.deepEqual((await tree().children(['search', 'needle'])).map((r) => r.label), ['1', '2', '3']);
        await shot('search-done');

        // Clear Filter (the filter row) goes back to the finished scan: its counts stay exact.
        await workbench.view(l.keysView).locator('.monaco-list-row[role="treeitem"][data-index="0"]').click();
        const back = await eventually('the unfiltered tree', () => tree().rows(), (rows) => rows.some((r) => r.label === 'bulk'), 15_000);
        assert.equal(back.find((r) => r.label === 'bulk')?.description, exact.description, 'the exact count, not a rescan\'s partial one');
        assert.ok(!back.some((r) => r.description === '' && r.label.endsWith('…')), `no Load more: ${JSON.stringify(back)}`);
      } finally {
        await f.withAdmin(1, (c) => c.flushdb());
        await f.seed();
      }
    });
  });
}
