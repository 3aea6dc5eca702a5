/**
 * Export and import in a real VS Code (code-server + Chromium), English and French: a folder's menu
 * exports its keys to NDJSON through the save dialog, the keys are deleted on the server, "Import
 * Keys" reads the file back after a modal that counts what it will create, and a second import over
 * a key the backend changed meanwhile names it and, on "Skip Existing", keeps the backend's value.
 * A key's menu exports a Python fixture.
 *
 *   npm run package && node --import tsx --test --test-concurrency=1 test/e2e/transfer.e2e.ts
 *   (NOVA_E2E_LOCALE=en or fr runs one language only)
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { TreeByPath } from './lib/keysTree';
import { useNovaFixture } from './lib/novaFixture';
import { novaVsix, useVSCode, type Workbench } from './lib/vscode';

interface Language {
  locale: 'en' | 'fr';
  container: string;
  keysView: string;
  refreshKeys: string;
  exportMenuItem: string;
  fixtureMenuItem: string;
  importCommand: string;
  exportCommand: string;
  exported(n: number, file: string): string;
  exportedOne(file: string): string;
  importQuestion(n: number, address: string): string;
  importButton: string;
  skipExisting: string;
  overwriteExisting: string;
  existing(n: number): string;
  importDone(created: number, overwritten: number, skipped: number): string;
}

/** The workbench helpers read non-breaking spaces as plain ones. */
const NB = ' ';

const languages: Language[] = [
  {
    locale: 'en',
    container: 'NOVA Redis',
    keysView: 'Keys',
    refreshKeys: 'NOVA: Refresh Keys',
    exportMenuItem: 'Export Keys as NDJSON…',
    fixtureMenuItem: 'Export Keys as Python Test Fixture…',
    importCommand: 'NOVA: Import Keys from NDJSON…',
    exportCommand: 'NOVA: Export Keys as NDJSON…',
    exported: (n, file) => `Exported ${n} keys to ${file}.`,
    exportedOne: (file) => `Exported 1 key to ${file}.`,
    importQuestion: (n, address) => `Import ${n} keys into DB 1 on ${address}?`,
    importButton: 'Import',
    skipExisting: 'Skip Existing',
    overwriteExisting: 'Overwrite Existing',
    existing: (n) => `${n} key exists already:`,
    importDone: (c, o, s) => `Import done. Created ${c}, overwrote ${o}, skipped ${s}.`,
  },
  {
    locale: 'fr',
    container: 'NOVA Redis',
    keysView: 'Clés',
    refreshKeys: 'NOVA: Actualiser les clés',
    exportMenuItem: 'Exporter les clés en NDJSON…',
    fixtureMenuItem: 'Exporter les clés en fixture de test Python…',
    importCommand: 'NOVA: Importer des clés depuis un NDJSON…',
    exportCommand: 'NOVA: Exporter les clés en NDJSON…',
    exported: (n, file) => `${n} clés exportées dans ${file}.`,
    exportedOne: (file) => `1 clé exportée dans ${file}.`,
    importQuestion: (n, address) => `Importer ${n} clés dans la base 1 sur ${address}${NB}?`,
    importButton: 'Importer',
    skipExisting: 'Ignorer les existantes',
    overwriteExisting: 'Écraser les existantes',
    existing: (n) => `${n} clé existe déjà${NB}:`,
    importDone: (c, o, s) => `Import terminé. Créées${NB}: ${c}, écrasées${NB}: ${o}, ignorées${NB}: ${s}.`,
  },
];

/**
 * Picks a file in VS Code's own save/open dialog, which code-server draws as a path box. The box fills
 * in its starting folder asynchronously, which can replace a path typed too early: the path is typed
 * again until the dialog accepts it and closes.
 */
async function chooseFile(workbench: Workbench, file: string): Promise<void> {
  const widget = workbench.page.locator('.quick-input-widget');
  const box = widget.locator('.quick-input-box input');
  for (let attempt = 1; ; attempt++) {
    if (attempt > 5) {
      throw new Error(`the file dialog did not take ${file}`);
    }
    await box.waitFor({ state: 'visible', timeout: 15_000 });
    await box.fill(file);
    await new Promise((resolve) => setTimeout(resolve, 300));
    if ((await box.inputValue()) === file) {
      await box.press('Enter');
      try {
        await widget.waitFor({ state: 'hidden', timeout: 5000 });
        return;
      } catch {
        // Still open: the dialog replaced the path; type it again.
      }
    }
  }
}

for (const l of languages.filter((x) => !process.env.NOVA_E2E_LOCALE || x.locale === process.env.NOVA_E2E_LOCALE)) {
  describe(`Export and import end to end (${l.locale})`, () => {
    const fixture = useNovaFixture(`transfer-${l.locale}`);
    const vscode = useVSCode(() => ({ name: `transfer-${l.locale}`, vsix: [novaVsix()], locale: l.locale, folder: fixture().workspace }));
    const shot = (step: string): Promise<string> => vscode().workbench.screenshot(`transfer-${l.locale}-${step}`);
    const ns = `xfer-${l.locale}`;
    const json = `${ns}:user`;
    const hash = `${ns}:profile`;
    const list = `${ns}:queue`;

    test('a folder exported to NDJSON, deleted, then imported back: the server holds the same values and TTL', async (t) => {
      const { workbench } = vscode();
      const f = fixture();
      t.after(() => f.withAdmin(1, (c) => c.del(json, hash, list)));
      await f.withAdmin(1, async (c) => {
        await c.set(json, JSON.stringify({ id: 7, name: 'Zoé' }), 'EX', 3600);
        await c.hset(hash, 'city', 'Lyon');
        await c.rpush(list, 'a', 'b');
      });
      await workbench.openActivityBarItem(l.container);
      await workbench.runCommand(l.refreshKeys);
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.contextMenu([ns]);
      await workbench.clickContextMenuItem(l.exportMenuItem);
      const file = path.join(f.workspace, `${ns}.ndjson`);
      // VS Code's own save dialog (code-server draws it as a path box), prefilled in the workspace.
      await chooseFile(workbench, file);
      assert.equal(await workbench.waitForNotification(l.exported(3, path.basename(file)), 30_000), l.exported(3, path.basename(file)));
      await shot('exported');
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      assert.equal(lines.length, 4, 'a header and one line per key');
      assert.equal((JSON.parse(lines[0]) as { format: string }).format, 'nova-redis-export');
      const userLine = lines.map((x) => JSON.parse(x) as { key?: string; decoded?: { name?: string } }).find((x) => x.key === json);
      assert.equal(userLine?.decoded?.name, 'Zoé', 'the file shows the JSON value readable');
      assert.ok(!existsSync(`${file}.partial`), 'no partial file is left');

      await f.withAdmin(1, (c) => c.del(json, hash, list));
      await workbench.clearNotifications();
      await workbench.runCommand(l.importCommand);
      await chooseFile(workbench, file);
      const dialog = await workbench.dialogState(30_000);
      assert.equal(dialog.message, l.importQuestion(3, f.address));
      assert.ok(dialog.buttons.includes(l.importButton), `buttons: ${dialog.buttons.join(' | ')}`);
      await shot('import-modal');
      await workbench.answerDialog(l.importButton);
      assert.equal(await workbench.waitForNotification(l.importDone(3, 0, 0), 30_000), l.importDone(3, 0, 0));
      assert.equal(await f.get(json), JSON.stringify({ id: 7, name: 'Zoé' }));
      await f.withAdmin(1, async (c) => {
        assert.deepEqual(await c.hgetall(hash), { city: 'Lyon' });
        assert.deepEqual(await c.lrange(list, 0, -1), ['a', 'b']);
      });
      const pttl = await f.pttl(json);
      assert.ok(pttl > 3_500_000 && pttl <= 3_600_000, `the TTL came back: ${pttl} ms`);
      assert.equal(await f.pttl(hash), -1, 'a key without expiry stays without');

      // The backend rewrites one key; a second import names it and "Skip Existing" keeps the backend's value.
      await f.withAdmin(1, (c) => c.del(hash, list).then(() => c.set(json, 'rewritten by the backend')));
      await workbench.clearNotifications();
      await workbench.runCommand(l.importCommand);
      await chooseFile(workbench, file);
      const second = await workbench.dialogState(30_000);
      assert.ok(second.detail.includes(l.existing(1)) && second.detail.includes(`• ${json}`), `the modal names the existing key: ${second.detail}`);
      assert.ok(second.buttons.includes(l.skipExisting) && second.buttons.includes(l.overwriteExisting), `buttons: ${second.buttons.join(' | ')}`);
      await shot('import-existing-modal');
      await workbench.answerDialog(l.skipExisting);
      assert.equal(await workbench.waitForNotification(l.importDone(2, 0, 1), 30_000), l.importDone(2, 0, 1));
      assert.equal(await f.get(json), 'rewritten by the backend');
      await f.withAdmin(1, async (c) => assert.deepEqual(await c.hgetall(hash), { city: 'Lyon' }));

      // And once more with "Overwrite Existing": the exported value replaces the backend's.
      await workbench.clearNotifications();
      await workbench.runCommand(l.importCommand);
      await chooseFile(workbench, file);
      await workbench.dialogState(30_000);
      await workbench.answerDialog(l.overwriteExisting);
      assert.equal(await workbench.waitForNotification(l.importDone(0, 3, 0), 30_000), l.importDone(0, 3, 0));
      assert.equal(await f.get(json), JSON.stringify({ id: 7, name: 'Zoé' }));
    });

    test('a key exported as a Python test fixture', async (t) => {
      const { workbench } = vscode();
      const f = fixture();
      t.after(() => f.withAdmin(1, (c) => c.del(json)));
      await f.withAdmin(1, (c) => c.set(json, 'fixture value', 'EX', 600));
      await workbench.runCommand(l.refreshKeys);
      const tree = new TreeByPath(workbench, l.keysView);
      await tree.expand([ns]);
      await tree.contextMenu([ns, 'user']);
      await workbench.clickContextMenuItem(l.fixtureMenuItem);
      const file = path.join(f.workspace, `conftest_${l.locale}.py`);
      await chooseFile(workbench, file);
      await workbench.waitForNotification(l.exportedOne(path.basename(file)), 30_000);
      const text = readFileSync(file, 'utf8');
      assert.ok(text.includes('def load_cache(r):'), text);
      assert.ok(text.includes(`pipe.set(${JSON.stringify(json)}, "fixture value")`), text);
      assert.match(text, new RegExp(`pipe\\.pexpire\\(${JSON.stringify(json)}, \\d+\\)`));
    });

    test('from the palette, with nothing chosen in the tree, the whole DB is exported', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await workbench.clearNotifications();
      await workbench.runCommand(l.exportCommand);
      const file = path.join(f.workspace, `whole-db-${l.locale}.ndjson`);
      await chooseFile(workbench, file);
      const count = await f.dbSize();
      assert.equal(await workbench.waitForNotification(l.exported(count, path.basename(file)), 60_000), l.exported(count, path.basename(file)));
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      assert.equal(lines.length, count + 1, 'a header and every key of DB 1');
      assert.equal((JSON.parse(lines[0]) as { db: number }).db, 1);
    });
  });
}
