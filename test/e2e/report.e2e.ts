/**
 * The cache report in a real VS Code (code-server + Chromium): opened from the Keys view's title button,
 * a folder's context menu and the palette (French); its charts drawn in the dark and the light theme;
 * the namespace table sorted by a column; a namespace and a warning revealed in the Keys view; the Full
 * Report, Refresh, Export CSV and Export JSON buttons, with what the exported files hold checked against
 * the server.
 *
 * The DB holds more keys than a sample reads, so the first report is a sample and says so.
 * With NOVA_E2E_UPDATE_MEDIA=1 the chart screenshots also replace the README's pictures in media/.
 *
 *   npm run package && node --import tsx --test --test-concurrency=1 test/e2e/report.e2e.ts
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { seedNovaData } from '../support/seed';
import { TreeByPath } from './lib/keysTree';
import { repoRoot } from './lib/codeServer';
import { useNovaFixture } from './lib/novaFixture';
import { novaVsix, resultsDir, useVSCode, type Workbench } from './lib/vscode';

/** More than the 25,000 names a sample reads: the first report is a sample. */
const EXTRA_KEYS = 32_000;
const LEAKS = ['nova:cache:legacy:1', 'nova:cache:legacy:2', 'nova:cache:legacy:3'];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(200);
  }
}

/** Collapses the Keys view (its title button), so the next rows looked for are on screen. */
async function collapseTree(workbench: Workbench): Promise<void> {
  await (await workbench.sideBarAction('Collapse All')).click();
  await until('a collapsed tree', async () => (await new TreeByPath(workbench, 'Keys').rows()).every((r) => r.level <= 1));
}

/** The leading number of a table cell (`12,345 ± 67` → 12345), in the English format. */
function leadingNumber(text: string): number {
  return Number((text.split('±')[0] ?? '').replace(/[^\d.]/g, ''));
}

/** The report's table rows as [namespace, keys, memory text]. */
async function tableRows(workbench: Workbench): Promise<{ name: string; keys: number }[]> {
  const rows = workbench.webview().locator('#namespaces tbody tr');
  const names = await rows.locator('td.name').allTextContents();
  const keys = await rows.locator('td:nth-child(2)').allTextContents();
  return names.map((name, i) => ({ name, keys: leadingNumber(keys[i] ?? '') }));
}

async function summary(workbench: Workbench): Promise<string> {
  return (await workbench.webview().locator('#summary').textContent()) ?? '';
}

/** The report's panel (the webview's frame element in the workbench), for a screenshot of it alone. */
function panel(workbench: Workbench): Locator {
  return workbench.page.locator('iframe.webview.ready').filter({ visible: true }).first();
}

async function chartsDrawn(workbench: Workbench): Promise<void> {
  const view = workbench.webview();
  await view.locator('#treemap svg path, #treemap svg rect').first().waitFor({ state: 'attached', timeout: 30_000 });
  await view.locator('#histogram svg path').first().waitFor({ state: 'attached', timeout: 30_000 });
  // The charts animate in; the picture is taken once they settle.
  await sleep(1500);
}

async function picture(workbench: Workbench, name: string): Promise<void> {
  const file = path.join(resultsDir, `${name}.png`);
  await panel(workbench).screenshot({ path: file, animations: 'disabled' });
  if (process.env.NOVA_E2E_UPDATE_MEDIA === '1') {
    copyFileSync(file, path.join(repoRoot, 'media', `${name}.png`));
  }
}

/** The save dialog of code-server (VS Code's simple dialog): the proposed path is accepted with Enter. */
async function acceptSaveDialog(workbench: Workbench, expected: string): Promise<void> {
  const box = workbench.page.locator('.quick-input-widget .quick-input-box input');
  await box.waitFor({ state: 'visible', timeout: 15_000 });
  await until('the proposed file name', async () => (await box.inputValue()).endsWith(expected));
  await workbench.page.keyboard.press('Enter');
}

describe('cache report end to end (en)', () => {
  const fixture = useNovaFixture('report-en');
  before(async () => {
    await fixture().withAdmin(1, async (c) => {
      await seedNovaData(c, { keys: EXTRA_KEYS, seed: 7, prefix: 'app' });
      for (const key of LEAKS) {
        await c.set(key, 'written without a TTL');
      }
    });
    for (const f of ['cache-report-db1.csv', 'cache-report-db1.json']) {
      rmSync(path.join(fixture().workspace, f), { force: true });
    }
  });
  const vscode = useVSCode(() => ({ name: 'report-en', vsix: [novaVsix()], locale: 'en', folder: fixture().workspace, settings: { 'workbench.colorTheme': 'Default Dark Modern' } }));

  test('the Keys view title button opens a sampled report whose charts are drawn (dark theme)', async () => {
    const { workbench } = vscode();
    await workbench.openActivityBarItem('NOVA Redis');
    await (await workbench.sideBarAction('Show Cache Report')).click();
    const text = await until('the sampled report', async () => {
      const s = await summary(workbench);
      return s.includes('a sample of') ? s : undefined;
    });
    assert.match(text, /^DB 1: a sample of [\d,]+ of [\d,]+ keys, [\d,]+ of them read in detail\. Counts and memory are estimates, ± their margin at 99\.9 % confidence\.$/);
    assert.equal(await workbench.activeEditorTitle(), 'Cache Report');
    assert.match((await workbench.webview().locator('#method').textContent()) ?? '', /^Memory: (MEMORY USAGE|an estimate from DEBUG OBJECT)/);
    await chartsDrawn(workbench);
    const treemapLabels = await workbench.webview().locator('#treemap svg text').allTextContents();
    // Two levels at once: the namespaces and, inside each, its own (drawn with a ▶ where one can drill down).
    assert.ok(['app · ', 'cache', 'session'].every((l) => treemapLabels.some((t) => t.includes(l))), treemapLabels.join(' | '));
    await picture(workbench, 'cache-report-dark');
  });

  test('a column header sorts the table, once descending and again ascending', async () => {
    const { workbench } = vscode();
    const header = workbench.webview().locator('#namespaces th[data-column="keys"] button');
    await header.click();
    await until('descending keys', async () => {
      const keys = (await tableRows(workbench)).map((r) => r.keys);
      return keys.length > 5 && keys.every((k, i) => i === 0 || keys[i - 1] >= k);
    });
    assert.equal(await workbench.webview().locator('#namespaces th[data-column="keys"]').getAttribute('aria-sort'), 'descending');
    await header.click();
    const ascending = await until('ascending keys', async () => {
      const keys = (await tableRows(workbench)).map((r) => r.keys);
      return keys.every((k, i) => i === 0 || keys[i - 1] <= k) ? keys : undefined;
    });
    assert.ok(ascending[0] < ascending[ascending.length - 1]);
  });

  test('clicking a namespace in the table reveals it, selected, in the Keys view', async () => {
    const { workbench } = vscode();
    await workbench.webview().locator('#namespaces td.name button', { hasText: /^nova:cache$/ }).click();
    const tree = new TreeByPath(workbench, 'Keys');
    const row = await tree.locator(['nova', 'cache'], 30_000);
    await until('nova › cache selected', async () => (await row.getAttribute('aria-selected')) === 'true');
    await workbench.screenshot('report-en-revealed');
  });

  test('clicking a namespace in the treemap selects it; Show in Keys view reveals it', async () => {
    const { workbench } = vscode();
    await workbench.webview().locator('#treemap svg text', { hasText: /^app · / }).first().click();
    await until('app selected', async () => (await workbench.webview().locator('#selection').textContent()) === 'Selected: app');
    assert.equal(await workbench.webview().locator('#histogram-title').textContent(), 'TTL distribution — app');
    await workbench.webview().locator('#reveal-selected').click();
    const row = await new TreeByPath(workbench, 'Keys').locator(['app'], 30_000);
    await until('app selected in the tree', async () => (await row.getAttribute('aria-selected')) === 'true');
  });

  test('Full Report reads every key: the counts are the server’s; the leak warning reveals its namespace', async () => {
    const { workbench } = vscode();
    const f = fixture();
    await panel(workbench).click({ position: { x: 5, y: 5 } });
    await workbench.webview().locator('#full').click();
    await until('the full report', async () => (await summary(workbench)).includes('every key read'), 180_000);
    const total = await f.dbSize();
    assert.equal(await summary(workbench), `DB 1: every key read (${total.toLocaleString('en-US')} keys).`);
    const cacheKeys = (await f.scanKeys('nova:cache:*')).length;
    const rows = await tableRows(workbench);
    assert.equal(rows.find((r) => r.name === 'nova:cache')?.keys, cacheKeys);
    const warning = workbench.webview().locator('#warnings li', { hasText: 'keys without a TTL in the cache namespace nova:cache' });
    assert.match((await warning.textContent()) ?? '', /^⚠3 keys without a TTL in the cache namespace nova:cache never expire \(for example nova:cache:legacy:\d(, nova:cache:legacy:\d)*\)\./);
    await collapseTree(workbench);
    await warning.locator('button').click();
    const tree = new TreeByPath(workbench, 'Keys');
    const row = await tree.locator(['nova', 'cache'], 30_000);
    await until('nova › cache selected', async () => (await row.getAttribute('aria-selected')) === 'true');
  });

  test('Export CSV and Export JSON save what the report shows, next to the .env', async () => {
    const { workbench } = vscode();
    const f = fixture();
    const csvFile = path.join(f.workspace, 'cache-report-db1.csv');
    await workbench.webview().locator('#export-csv').click();
    await acceptSaveDialog(workbench, 'cache-report-db1.csv');
    await workbench.waitForNotification('Cache report saved to cache-report-db1.csv.');
    const lines = readFileSync(csvFile, 'utf8').trim().split(/\r\n/);
    assert.equal(lines[0], 'namespace,depth,keys,keys_margin,memory_bytes,memory_margin_bytes,keys_with_ttl,ttl_soon,ttl_hour,ttl_day,ttl_longer,ttl_none,idle_avg_seconds,idle_max_seconds,keys_seen,keys_detailed');
    const cache = lines.find((l) => l.startsWith('nova:cache,'))?.split(',');
    assert.equal(Number(cache?.[2]), (await f.scanKeys('nova:cache:*')).length);
    assert.equal(cache?.[11], '3', 'the three keys without a TTL');
    await workbench.webview().locator('#export-json').click();
    await acceptSaveDialog(workbench, 'cache-report-db1.json');
    await workbench.waitForNotification('Cache report saved to cache-report-db1.json.');
    const json = JSON.parse(readFileSync(path.join(f.workspace, 'cache-report-db1.json'), 'utf8')) as { db: number; sampled: boolean; root: { keys: number } };
    assert.equal(json.db, 1);
    assert.equal(json.sampled, false);
    assert.equal(json.root.keys, await f.dbSize());
  });

  test('in the light theme the charts take the theme colours', async () => {
    const { workbench } = vscode();
    const darkText = await workbench.webview().locator('#histogram svg text').first().getAttribute('fill');
    await workbench.runCommand('Preferences: Color Theme');
    await workbench.pickQuickItem('Light Modern');
    await until('the light theme in the webview', async () => (await workbench.webview().locator('body').getAttribute('class'))?.includes('vscode-light'));
    await chartsDrawn(workbench);
    const lightText = await workbench.webview().locator('#histogram svg text').first().getAttribute('fill');
    assert.notEqual(lightText, darkText, 'the axis labels changed colour with the theme');
    // The picture for the README: biggest namespaces first, no toast over the table.
    const memory = workbench.webview().locator('#namespaces th[data-column="memory"]');
    await until('memory sorted descending', async () => {
      if ((await memory.getAttribute('aria-sort')) === 'descending') {
        return true;
      }
      await memory.locator('button').click();
      return false;
    });
    await workbench.clearNotifications();
    await picture(workbench, 'cache-report-light');
  });

  test('a folder context menu opens the report of that folder; Refresh reads it again', async () => {
    const { workbench } = vscode();
    const tree = new TreeByPath(workbench, 'Keys');
    await collapseTree(workbench);
    await tree.expand(['nova']);
    await tree.contextMenu(['nova', 'cache']);
    await workbench.clickContextMenuItem('Show Cache Report');
    // A folder too small for a sample is read in full.
    await until('the folder report', async () => (await summary(workbench)).startsWith('nova:cache: every key read'), 60_000);
    assert.equal(await workbench.activeEditorTitle(), 'Cache Report: nova:cache');
    const depth1 = (await tableRows(workbench)).map((r) => r.name).filter((n) => n.split(':').length === 3);
    assert.ok(depth1.includes('nova:cache:user') && depth1.includes('nova:cache:legacy'), depth1.join(', '));
    await fixture().withAdmin(1, (c) => c.set('nova:cache:legacy:4', 'another one'));
    await workbench.webview().locator('#refresh').click();
    await until('the refreshed count', async () => (await summary(workbench)).includes(`(${((await fixture().scanKeys('nova:cache:*')).length).toLocaleString('en-US')} keys)`));
  });
});

describe('cache report end to end (fr)', () => {
  const fixture = useNovaFixture('report-fr');
  const vscode = useVSCode(() => ({ name: 'report-fr', vsix: [novaVsix()], locale: 'fr', folder: fixture().workspace }));

  test('the palette command opens the report, in French', async () => {
    const { workbench } = vscode();
    await workbench.openActivityBarItem('NOVA Redis');
    await workbench.runCommand('NOVA: Afficher le rapport du cache');
    const text = await until('the report', async () => {
      const s = await summary(workbench);
      return s.includes('toutes les clés lues') ? s : undefined;
    });
    assert.equal(text, `base 1\u00a0: toutes les clés lues (${(await fixture().dbSize()).toLocaleString('fr-FR')} clés).`);
    assert.equal(await workbench.activeEditorTitle(), 'Rapport du cache');
    assert.equal(await workbench.webview().locator('#treemap-title').textContent(), 'Mémoire par espace de noms');
    assert.equal(await workbench.webview().locator('#namespaces th[data-column="ttlShare"] button').textContent(), 'Avec TTL');
    await chartsDrawn(workbench);
    assert.ok(!existsSync(path.join(fixture().workspace, 'cache-report-db1.csv')));
  });
});
