/**
 * NOVA Redis on a Redis Cluster in a real VS Code (code-server + Chromium): a cluster of three masters
 * from the test harness, keys seeded so that every master holds some, and a workspace whose `.env` names
 * one master. The Keys view shows the keys of every master, each once; Server Info has the Cluster
 * section with every master, its slots and its keys; Flush Database asks first in a modal naming every
 * master and its key count (Cancel keeps every key); the console asks which master a key-less command
 * runs on and prints each master's reply.
 *
 *   npm run package && node --import tsx --test test/e2e/cluster.e2e.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { keySlot } from '../../src/redis/cluster';
import { TestCluster } from '../support/cluster';
import { TreeByPath } from './lib/keysTree';
import { novaVsix, resultsDir, useVSCode, type Workbench } from './lib/vscode';

const USERS = Array.from({ length: 12 }, (_, i) => String(1001 + i));
const SESSIONS = Array.from({ length: 6 }, (_, i) => `s${i + 1}`);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function eventually<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms; last seen: ${JSON.stringify(value)}`);
    }
    await sleep(250);
  }
}

async function terminalRows(workbench: Workbench): Promise<string[]> {
  const rows = workbench.page.locator('.terminal-wrapper.active .xterm-rows > div');
  return (await rows.allTextContents()).map((r) => r.replace(/\u00a0/g, ' ').trimEnd());
}

describe('NOVA Redis on a Redis Cluster end to end', () => {
  let tc: TestCluster;
  const workspace = path.join(resultsDir, 'workspaces', 'cluster');
  /** `127.0.0.1:port` of each master with the keys it holds, in address order. */
  let masters: { address: string; keys: number }[] = [];

  before(async () => {
    tc = await TestCluster.start({ replicas: 0 });
    const c = tc.client();
    try {
      for (const id of USERS) {
        await c.set(`nova:cache:user:${id}`, JSON.stringify({ id: Number(id) }), 'EX', 3600);
      }
      for (const s of SESSIONS) {
        await c.set(`nova:session:${s}`, '{}', 'EX', 1800);
      }
    } finally {
      c.disconnect();
    }
    masters = (await tc.onMasters(async (m, node) => ({ address: `127.0.0.1:${node.server.port}`, keys: await m.dbsize() }))).sort((a, b) => a.address.localeCompare(b.address));
    rmSync(workspace, { recursive: true, force: true });
    mkdirSync(workspace, { recursive: true });
    writeFileSync(path.join(workspace, '.env'), `REDIS_URL=${tc.url(0)}\n`);
  });

  after(async () => {
    await tc?.stop();
  });

  const vscode = useVSCode(() => ({ name: 'cluster', vsix: [novaVsix()], locale: 'en', folder: workspace, settings: { 'terminal.integrated.gpuAcceleration': 'off' } }));
  const shot = (step: string): Promise<string> => vscode().workbench.screenshot(`cluster-${step}`);

  test('the seeded keys are spread over the three masters', () => {
    assert.equal(masters.length, 3);
    assert.ok(masters.every((m) => m.keys > 0), JSON.stringify(masters));
    const owners = new Set(USERS.map((id) => tc.ownerOf(keySlot(`nova:cache:user:${id}`)).id));
    assert.equal(owners.size, 3, 'the user keys alone come from every master');
  });

  test('the Keys view lists the keys of every master, each exactly once', async () => {
    const { workbench } = vscode();
    await workbench.openActivityBarItem('NOVA Redis');
    const tree = new TreeByPath(workbench, 'Keys');
    await tree.expand(['nova', 'cache', 'user'], 30_000);
    const users = await eventually('the user keys', () => tree.children(['nova', 'cache', 'user']), (rows) => rows.length >= USERS.length);
    assert.deepEqual(
      users.map((r) => r.label),
      [...USERS].sort(),
      'every user key once, whatever master holds it',
    );
    const folders = await tree.children(['nova']);
    const cache = folders.find((r) => r.label === 'cache');
    assert.match(cache?.description ?? '', new RegExp(`\\b${USERS.length}\\b`), 'the folder counts the keys of every master');
    await tree.expand(['nova', 'session']);
    assert.deepEqual((await tree.children(['nova', 'session'])).map((r) => r.label), [...SESSIONS].sort());
    await shot('tree');
  });

  test('Server Info has the Cluster section: every master with its slots and its keys', async () => {
    const { workbench } = vscode();
    await workbench.runCommand('NOVA: Show Server Info');
    // A Markdown preview: its headings, and its table rows read back as Markdown rows.
    const read = async (): Promise<{ headings: string[]; rows: string[] }> => ({
      headings: (await workbench.webview().locator('h2').allTextContents()).map((h) => h.trim()),
      rows: await workbench
        .webview()
        .locator('tr')
        .evaluateAll((trs: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> }[]) =>
          trs.map((tr) => `| ${Array.from(tr.querySelectorAll('th, td')).map((c) => (c.textContent ?? '').replace(/\u00a0/g, ' ').trim()).join(' | ')} |`),
        ),
    });
    const { headings, rows } = await eventually('the Cluster section', read, (r) => r.headings.includes('Cluster') && masters.every((m) => r.rows.some((row) => row.startsWith(`| ${m.address} |`))));
    const text = rows.join('\n');
    assert.ok(headings.includes('Cluster'), headings.join(', '));
    assert.ok(rows.includes('| Cluster state | ok |'), text);
    assert.ok(rows.includes('| Masters up | 3 / 3 |'), text);
    assert.ok(rows.includes(`| Keys (sum of the masters) | ${USERS.length + SESSIONS.length} |`), text);
    for (const m of tc.masters) {
      const address = `127.0.0.1:${m.server.port}`;
      const keys = masters.find((x) => x.address === address)?.keys;
      const [from, to] = m.slots[0];
      assert.ok(rows.includes(`| ${address} | master | ${from}-${to} | ${keys} | up |`), `the row of ${address}:\n${text}`);
    }
    await shot('server-info');
    await workbench.runCommand('View: Close All Editors');
  });

  test('Flush Database asks first in a modal naming every master and its key count; Cancel keeps every key', async () => {
    const { workbench } = vscode();
    const total = await tc.totalKeys();
    await workbench.runCommand('NOVA: Flush Database…');
    const dialog = await workbench.dialogState();
    assert.equal(dialog.message, `Delete all ${total} keys of the cluster, on 3 masters?`);
    for (const m of masters) {
      assert.ok(dialog.detail.includes(`${m.address}: ${m.keys} keys`), dialog.detail);
    }
    assert.ok(dialog.detail.includes('FLUSHDB runs on each master; their replicas follow. This cannot be undone.'), dialog.detail);
    assert.deepEqual(dialog.buttons.slice().sort(), ['Cancel', 'Flush every master…'].sort());
    await shot('flush-modal');
    await workbench.answerDialog('Cancel');
    assert.equal(await tc.totalKeys(), total);
  });

  test('the console asks which master DBSIZE runs on; All masters prints each master\'s count under its address', async () => {
    const { workbench } = vscode();
    await workbench.runCommand('NOVA: Open Redis Console');
    await eventually('the cluster banner', () => terminalRows(workbench), (rows) => rows.join(' ').replace(/\s+/g, ' ').includes('Redis Cluster of 3 masters'), 30_000);
    await workbench.page.keyboard.type('DBSIZE');
    await workbench.page.keyboard.press('Enter');
    const labels = await workbench.quickPickLabels();
    assert.deepEqual(labels, ['All masters', ...masters.map((m) => m.address)]);
    await workbench.pickQuickItem('All masters');
    const rows = await eventually('every master\'s count', () => terminalRows(workbench), (r) => masters.every((m) => r.includes(`--- ${m.address} ---`)));
    for (const m of masters) {
      const at = rows.lastIndexOf(`--- ${m.address} ---`);
      assert.equal(rows[at + 1], `(integer) ${m.keys}`, rows.join('\n'));
    }
    await shot('console-dbsize');
  });
});
