/**
 * The Redis console in a real VS Code (code-server + Chromium), in English and in French: opened from
 * the Keys view's title button and from the palette, commands typed into the terminal and their
 * replies read from the terminal's rows, history with up-arrow, Tab completion, a write refused in
 * read-only mode, Copy as Command from a key's context menu, and "Run Selection in Redis Console"
 * from a `.redis` editor's title button, its context menu and Ctrl+Enter, and command completion there,
 * and the link in the status bar item's tooltip.
 *
 *   npm run package && node --import tsx --test --test-concurrency=1 test/e2e/console.e2e.ts
 *   (NOVA_E2E_LOCALE=en or fr runs one language only)
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseLine } from '../../src/console/parse';
import { TreeByPath } from './lib/keysTree';
import { useNovaFixture } from './lib/novaFixture';
import { novaVsix, useVSCode, type Workbench } from './lib/vscode';

interface Language {
  locale: 'en' | 'fr';
  container: string;
  openButton: string;
  openCommand: string;
  /** The link in the status bar item's tooltip (its icon is not text). */
  statusBarLink: string;
  keysView: string;
  copyAsCommand: string;
  runSelectionButton: string;
  banner(version: string, address: string): string;
  refusedSet: string;
  refusedConfigGet: string;
}

const languages: Language[] = [
  {
    locale: 'en',
    container: 'NOVA Redis',
    openButton: 'Open Redis Console',
    openCommand: 'NOVA: Open Redis Console',
    statusBarLink: 'Open Redis Console',
    keysView: 'Keys',
    copyAsCommand: 'Copy as Command',
    runSelectionButton: 'Run Selection in Redis Console',
    banner: (version, address) => `Connected to Redis ${version} at ${address}, DB 1. Type :help for help.`,
    refusedSet: '(refused) SET changes data or the server, and read-only mode is on (setting nova.readOnly). Nothing was sent.',
    refusedConfigGet: '(refused) CONFIG changes data or the server',
  },
  {
    locale: 'fr',
    container: 'NOVA Redis',
    openButton: 'Ouvrir la console Redis',
    openCommand: 'NOVA: Ouvrir la console Redis',
    statusBarLink: 'Ouvrir la console Redis',
    keysView: 'Clés',
    copyAsCommand: 'Copier comme commande',
    runSelectionButton: 'Exécuter la sélection dans la console Redis',
    banner: (version, address) => `Connecté à Redis ${version} sur ${address}, base 1. Tapez :help pour l'aide.`,
    refusedSet: "(refusé) SET modifie les données ou le serveur, et le mode lecture seule est actif (paramètre nova.readOnly). Rien n'a été envoyé.",
    refusedConfigGet: '(refusé) CONFIG modifie les données ou le serveur',
  },
];

const STATUS_ID = 'nova.redis.status';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The rows of the visible terminal as drawn (the DOM renderer: GPU acceleration is off for the session). */
async function terminalRows(workbench: Workbench): Promise<string[]> {
  const rows = workbench.page.locator('.terminal-wrapper.active .xterm-rows > div');
  return (await rows.allTextContents()).map((r) => r.replace(/\u00a0/g, ' ').trimEnd());
}

/** Terminal text with the row breaks of wrapped lines and all blanks removed, for long messages. */
const squeeze = (text: string): string => text.replace(/\s+/g, '');

async function waitForRows(workbench: Workbench, what: string, ok: (rows: string[]) => boolean, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: string[] = [];
  for (;;) {
    rows = await terminalRows(workbench);
    if (ok(rows)) {
      return rows;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms; the terminal shows:\n${rows.filter(Boolean).join('\n')}`);
    }
    await sleep(200);
  }
}

/** The row the prompt is on: the last one that starts with the console's prompt. */
function promptRow(rows: string[], address: string): string {
  return [...rows].reverse().find((r) => r.startsWith(`${address}[1]>`)) ?? '';
}

/** Index of the last row that is exactly the prompt followed by `line`. */
function lastEcho(rows: string[], address: string, line: string): number {
  return rows.map((r) => r === `${address}[1]> ${line}`).lastIndexOf(true);
}

async function typeLine(workbench: Workbench, address: string, line: string, reply: string): Promise<string[]> {
  const before = lastEcho(await terminalRows(workbench), address, line);
  await workbench.page.keyboard.type(line);
  await workbench.page.keyboard.press('Enter');
  return waitForRows(workbench, `the reply to ${line}`, (rows) => {
    const at = lastEcho(rows, address, line);
    return at > before && rows[at + 1] === reply;
  });
}

/** VS Code's own command (its UI is English in both sessions) gives the terminal the keyboard. */
async function focusTerminal(workbench: Workbench): Promise<void> {
  await workbench.runCommand('Terminal: Focus Terminal');
  await workbench.page.locator('.terminal-wrapper.active .xterm.focus').waitFor({ state: 'visible', timeout: 10_000 });
}

/** Types CONFIG GET port until the console refuses it (read-only mode has reached the extension). */
async function eventuallyRefused(workbench: Workbench, refusal: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const before = (await terminalRows(workbench)).filter((r) => squeeze(r).includes(squeeze(refusal))).length;
    await workbench.page.keyboard.type('CONFIG GET port');
    await workbench.page.keyboard.press('Enter');
    await sleep(1000);
    const after = (await terminalRows(workbench)).filter((r) => squeeze(r).includes(squeeze(refusal))).length;
    if (after > before) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error('read-only mode did not reach the console within 20 s');
    }
  }
}

for (const l of languages.filter((x) => !process.env.NOVA_E2E_LOCALE || x.locale === process.env.NOVA_E2E_LOCALE)) {
  describe(`Redis console end to end (${l.locale})`, () => {
    const fixture = useNovaFixture(`console-${l.locale}`);
    const vscode = useVSCode(() => ({
      name: `console-${l.locale}`,
      vsix: [novaVsix()],
      locale: l.locale,
      folder: fixture().workspace,
      settings: { 'terminal.integrated.gpuAcceleration': 'off' },
    }));
    const shot = (step: string): Promise<string> => vscode().workbench.screenshot(`console-${l.locale}-${step}`);

    test('the Keys view button opens a console named after the target; SET and GET show their replies', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const version = await f.serverVersion();
      await workbench.openActivityBarItem(l.container);
      await (await workbench.sideBarAction(l.openButton)).click();
      await waitForRows(workbench, 'the banner', (rows) => rows.some((r) => squeeze(r) === squeeze(l.banner(version, f.address))), 30_000);
      const tab = workbench.page.locator('.terminal-tabs-entry, .single-terminal-tab, .panel .title-label').filter({ hasText: `NOVA Redis · ${f.address}/1` });
      assert.ok((await tab.count()) > 0, 'the terminal is named NOVA Redis · host:port/db');
      await typeLine(workbench, f.address, 'SET a "x y"', 'OK');
      await typeLine(workbench, f.address, 'GET a', '"x y"');
      assert.equal(await f.get('a'), 'x y');
      await shot('set-get');
    });

    test('up-arrow brings back the last line; Tab completes a command name', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await workbench.page.keyboard.press('ArrowUp');
      await waitForRows(workbench, 'GET a from the history', (rows) => promptRow(rows, f.address) === `${f.address}[1]> GET a`);
      await workbench.page.keyboard.press('Control+U');
      await workbench.page.keyboard.type('HGETA');
      await workbench.page.keyboard.press('Tab');
      await waitForRows(workbench, 'HGETALL completed', (rows) => promptRow(rows, f.address).startsWith(`${f.address}[1]> HGETALL `));
      await workbench.page.keyboard.type(f.hashKey);
      await workbench.page.keyboard.press('Enter');
      const rows = await waitForRows(workbench, 'the hash', (r) => r.includes('8) "pro"'));
      assert.ok(rows.includes('1) "id"'), rows.join('\n'));
      await shot('history-completion');
    });

    test('Copy as Command on a key puts a SET … PX line on the clipboard; pasted into the console it runs', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await workbench.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(workbench.page.url()).origin });
      await workbench.openActivityBarItem(l.container);
      const tree = new TreeByPath(workbench, l.keysView);
      const path = ['nova', 'cache', 'user', f.jsonKey.slice('nova:cache:user:'.length)];
      await tree.expand(path.slice(0, -1));
      await tree.contextMenu(path);
      await workbench.clickContextMenuItem(l.copyAsCommand);
      let text = '';
      const deadline = Date.now() + 10_000;
      while (!text.startsWith('SET ') && Date.now() < deadline) {
        await sleep(200);
        text = String(await workbench.page.evaluate('navigator.clipboard.readText()'));
      }
      const parsed = parseLine(text.trim());
      assert.ok(parsed.ok, text);
      const [verb, key, value, px, ttl] = parsed.args.map(String);
      assert.deepEqual([verb, key, value, px], ['SET', f.jsonKey, await f.get(f.jsonKey), 'PX']);
      assert.ok(Number(ttl) > 0 && Number(ttl) <= (await f.pttl(f.jsonKey)) + 5000, ttl);
      // The value's quotes are escaped so that the pasted line gives the server the same bytes.
      await f.withAdmin(1, (c) => c.set(f.jsonKey, 'overwritten'));
      await focusTerminal(workbench);
      await workbench.runCommand('Terminal: Paste into Active Terminal');
      await waitForRows(workbench, 'the pasted SET and its OK', (rows) => {
        const at = rows.map((r) => r.startsWith(`${f.address}[1]> SET ${f.jsonKey} `)).lastIndexOf(true);
        return at >= 0 && rows.slice(at + 1).includes('OK');
      });
      assert.equal(await f.get(f.jsonKey), value);
      await shot('copy-as-command');
    });

    test('in read-only mode a write is refused before it is sent', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await focusTerminal(workbench);
      const settings = path.join(f.workspace, '.vscode');
      mkdirSync(settings, { recursive: true });
      writeFileSync(path.join(settings, 'settings.json'), JSON.stringify({ 'nova.readOnly': 'on' }));
      try {
        // The workspace setting reaches the extension host a moment after the file changes: a harmless
        // CONFIG GET (administrative, so refused in read-only mode) tells when it has arrived.
        await eventuallyRefused(workbench, l.refusedConfigGet);
        await workbench.page.keyboard.type('SET b 1');
        await workbench.page.keyboard.press('Enter');
        await waitForRows(workbench, 'the refusal', (rows) => squeeze(rows.join('')).includes(squeeze(l.refusedSet)));
        assert.equal(await f.get('b'), null);
        await shot('read-only');
      } finally {
        rmSync(settings, { recursive: true, force: true });
      }
    });

    test('the palette opens a console; a .redis editor sends lines by its title button, its context menu and Ctrl+Enter', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await workbench.page.keyboard.type('exit');
      await workbench.page.keyboard.press('Enter');
      await sleep(500);
      writeFileSync(path.join(f.workspace, 'maintenance.redis'), '# checks\nECHO "title button"\nECHO "context menu"\nECHO "keyboard"\nEXISTS a\n');
      await workbench.runCommand(l.openCommand);
      await waitForRows(workbench, 'the new console', (rows) => rows.some((r) => r.startsWith(`${f.address}[1]>`)), 30_000);
      await workbench.page.keyboard.press('Control+P');
      await workbench.page.keyboard.type('maintenance.redis');
      await sleep(1000);
      await workbench.page.keyboard.press('Enter');
      const editor = workbench.page.locator('.editor-group-container.active .monaco-editor').first();
      /** Puts the cursor on a 1-based line with nothing selected: the command then sends that line. */
      const toLine = async (line: number): Promise<void> => {
        await editor.click();
        await workbench.page.keyboard.press('Control+Home');
        for (let i = 1; i < line; i++) {
          await workbench.page.keyboard.press('ArrowDown');
        }
      };
      const run = workbench.page.locator(`.editor-group-container.active .title-actions .action-label[aria-label*=${JSON.stringify(l.runSelectionButton)}], .editor-group-container.active .editor-actions .action-label[aria-label*=${JSON.stringify(l.runSelectionButton)}]`);

      await toLine(2);
      await run.first().click();
      await waitForRows(workbench, 'the line sent by the title button', (r) => r.includes('"title button"'));

      await toLine(3);
      await workbench.page.locator('.editor-group-container.active .view-lines .view-line').nth(2).click({ button: 'right' });
      await workbench.clickContextMenuItem(l.runSelectionButton);
      await waitForRows(workbench, 'the line sent from the context menu', (r) => r.includes('"context menu"'));

      await toLine(4);
      await workbench.page.keyboard.press('Control+Enter');
      await waitForRows(workbench, 'the line sent by Ctrl+Enter', (r) => r.includes('"keyboard"'));

      // The same command names complete in the editor, from the server's COMMAND table.
      await toLine(6);
      await workbench.page.keyboard.type('HGETA');
      await workbench.page.keyboard.press('Control+Space');
      const suggestion = workbench.page.locator('.editor-widget.suggest-widget .monaco-list-row', { hasText: 'HGETALL' });
      await suggestion.first().waitFor({ state: 'visible', timeout: 15_000 });
      await workbench.page.keyboard.press('Escape');
      await workbench.page.keyboard.press('Control+Z');

      await editor.click();
      await workbench.page.keyboard.press('Control+A');
      await run.first().click();
      const rows = await waitForRows(workbench, 'the whole file run in the console', (r) => r.includes('(integer) 1'));
      assert.ok(!rows.some((r) => r.includes('# checks')), 'comment lines are not sent');
      await shot('run-selection');
    });

    test('the link in the status bar tooltip opens a new console, which answers PING with PONG', async () => {
      const { workbench } = vscode();
      const f = fixture();
      const version = await f.serverVersion();
      await workbench.statusBarItem(STATUS_ID).hover();
      const link = workbench.page.locator('.monaco-hover a, .workbench-hover a').filter({ hasText: l.statusBarLink });
      await link.first().waitFor({ state: 'visible', timeout: 15_000 });
      await shot('status-bar-tooltip');
      await link.first().click();
      // A fresh terminal starts with the banner; the console of the earlier tests shows other lines first.
      await waitForRows(workbench, 'a new console, its banner first', (rows) => squeeze(rows.join('')).startsWith(squeeze(l.banner(version, f.address))), 30_000);
      const tab = workbench.page.locator('.terminal-tabs-entry, .single-terminal-tab, .panel .title-label').filter({ hasText: `NOVA Redis · ${f.address}/1` });
      assert.ok((await tab.count()) > 0, 'the terminal is named NOVA Redis · host:port/db');
      await focusTerminal(workbench);
      await typeLine(workbench, f.address, 'PING', 'PONG');
      await shot('status-bar-console');
    });
  });
}
