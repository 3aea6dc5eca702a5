/**
 * The live parts of NOVA Redis in a real VS Code (code-server + Chromium): TTLs that count down on
 * screen in the Keys view and in the value tab, a key that leaves the tree when its TTL runs out
 * (nobody presses refresh), and the Slowlog and Clients views with their refresh buttons pressed.
 *
 *   npm run package && node --import tsx --test test/e2e/live.e2e.ts
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Redis from 'ioredis';
import { TreeByPath } from './lib/keysTree';
import { useNovaFixture } from './lib/novaFixture';
import { novaVsix, useVSCode } from './lib/vscode';

const CONTAINER = 'NOVA Redis';
const KEYS = 'Keys';
const SLOWLOG = 'Slowlog';
const CLIENTS = 'Clients';
const TICK = 'nova:live:tick';
const GONE = 'nova:live:gone';
/** A Lua loop long enough to run for tens of milliseconds on any machine (Redis 3.0 has EVAL). */
const BUSY_SCRIPT = 'for i=1,3e7 do end return 1';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads until `ok` holds; the limit only catches a hang, what is checked is what the user sees. */
async function eventually<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) {
      return last;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
    }
    await sleep(150);
  }
}

/** Seconds of a TTL text of under an hour (`45 s`, `1 min 5 s`). */
function seconds(text: string | undefined): number | undefined {
  const m = /^(?:(\d+) min)?\s*(?:(\d+) s)?$/.exec(text ?? '');
  return m && (m[1] || m[2]) ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : undefined;
}

describe('NOVA Redis live views (en)', () => {
  const fixture = useNovaFixture('live-en');
  const vscode = useVSCode(() => ({ name: 'live-en', vsix: [novaVsix()], locale: 'en', folder: fixture().workspace }));

  test('a TTL ticks down on screen, in the Keys view and in the value tab, and an expired key leaves the tree by itself', async (t) => {
    const { workbench } = vscode();
    const f = fixture();
    await workbench.openActivityBarItem(CONTAINER);
    const tree = new TreeByPath(workbench, KEYS);
    await tree.waitFor(['nova'], 30_000);
    await f.withAdmin(1, async (c) => {
      await c.set(TICK, 'counting down', 'EX', 50);
      await c.set(GONE, 'about to go', 'PX', 8000);
    });
    const goneAt = Date.now() + 8000;
    await workbench.clickViewAction(KEYS, 'Refresh Keys');
    await tree.expand(['nova', 'live']);

    const first = await eventually('the TTL of tick', async () => (await tree.find(['nova', 'live', 'tick']))?.description, (d) => seconds(d) !== undefined);
    const later = await eventually('the TTL of tick going down', async () => (await tree.find(['nova', 'live', 'tick']))?.description, (d) => (seconds(d) ?? 99) < (seconds(first) ?? 0));
    t.diagnostic(`tree: ${first} → ${later}`);
    assert.ok(seconds(first) !== undefined && (seconds(first) ?? 0) <= 50);
    await workbench.screenshot('live-en-ticking');

    await (await tree.locator(['nova', 'live', 'tick'])).click();
    const headerTtl = (text: string): number | undefined => seconds(/· TTL ([^·]+) ·/.exec(text)?.[1]?.trim());
    const tab = await eventually('the value tab header', () => workbench.activeEditorText(), (text) => text.includes('counting down') && headerTtl(text) !== undefined);
    const tabLater = await eventually('the value tab header counting down', () => workbench.activeEditorText(), (text) => (headerTtl(text) ?? 99) < (headerTtl(tab) ?? 0));
    t.diagnostic(`tab: ${headerTtl(tab)} s → ${headerTtl(tabLater)} s`);

    // Nothing is pressed from here: the row goes when the key's TTL runs out.
    assert.ok(await tree.find(['nova', 'live', 'gone']), 'the short-lived key is listed first');
    await eventually('the expired key to leave the tree', () => tree.find(['nova', 'live', 'gone']), (row) => row === undefined, 30_000);
    t.diagnostic(`left the tree ${Date.now() - goneAt} ms after its TTL ran out`);
    assert.equal(await f.pttl(GONE), -2, 'the server agrees: the key is gone');
    assert.ok(await tree.find(['nova', 'live', 'tick']), 'the other key stays');
    await workbench.screenshot('live-en-expired');
    const errors = (await workbench.notifications()).filter((n) => /not found|error/i.test(n));
    assert.deepEqual(errors, [], 'clicking a row that counts down runs its command');
  });

  test('live keyspace: enabled from the palette after a modal, new keys appear, deleted keys leave, an open tab says its key changed', async () => {
    const { workbench } = vscode();
    const f = fixture();
    const notify = async (): Promise<string> => {
      const reply: unknown = await f.withAdmin(0, (c) => c.config('GET', 'notify-keyspace-events'));
      return (reply as string[])[1] ?? '';
    };
    await f.withAdmin(0, (c) => c.config('SET', 'notify-keyspace-events', ''));
    await workbench.openActivityBarItem(CONTAINER);
    const tree = new TreeByPath(workbench, KEYS);
    await tree.expand(['nova', 'live']);
    await workbench.runCommand('NOVA: Enable Keyspace Notifications…');
    const question = await workbench.answerDialog('Enable');
    assert.ok(question.startsWith(`Turn on keyspace notifications on ${f.address}?`), question);
    assert.ok(question.includes('CONFIG SET notify-keyspace-events EA'), 'the modal says what is set');
    await eventually('notify-keyspace-events on the server', notify, (v) => v.includes('E') && v.includes('A'));

    // The subscription starts right after: a key another client writes appears without a refresh.
    await eventually(
      'a key written by another client to appear',
      async () => {
        await f.withAdmin(1, (c) => c.set('nova:live:new', 'from the backend'));
        return tree.find(['nova', 'live', 'new']);
      },
      (row) => row !== undefined,
    );
    await (await tree.locator(['nova', 'live', 'tick'])).click();
    await eventually('the tick tab', () => workbench.activeEditorText(), (text) => text.includes('counting down'));
    await f.withAdmin(1, (c) => c.set(TICK, 'changed elsewhere', 'EX', 50));
    await eventually('the tab to say its key changed', () => workbench.activeEditorText(), (text) => text.includes('Changed on the server since it was read — reload?') && text.includes('counting down'));
    await workbench.screenshot('live-en-changed');
    await workbench.clickEditorAction('Refresh Value');
    await eventually('the reloaded tab', () => workbench.activeEditorText(), (text) => text.includes('changed elsewhere') && !text.includes('Changed on the server'));
    await f.withAdmin(1, (c) => c.del('nova:live:new'));
    await eventually('the deleted key to leave', () => tree.find(['nova', 'live', 'new']), (row) => row === undefined);

    // Off again on the server: the next connection says so and offers to turn them back on.
    await f.withAdmin(0, (c) => c.config('SET', 'notify-keyspace-events', ''));
    await workbench.runCommand('NOVA: Reconnect');
    const offer = await workbench.waitForNotification(`Keyspace notifications are off on ${f.address}`, 30_000);
    assert.ok(offer.includes('only when refreshed'), offer);
    await workbench.clickNotificationButton(`Keyspace notifications are off on ${f.address}`, 'Enable on Server…');
    await workbench.answerDialog('Enable');
    await eventually('notify-keyspace-events on again', notify, (v) => v.includes('E') && v.includes('A'));
  });

  test('the Slowlog view lists slow commands with values masked, and its refresh button reads it again', async () => {
    const { workbench } = vscode();
    const f = fixture();
    // A script that keeps the server busy for tens of milliseconds: logged above a 20 ms threshold,
    // where the extension's own quick commands are not, so the list holds just what the test ran.
    const slow = (argv: string): Promise<unknown> => f.withAdmin(1, (c) => c.eval(BUSY_SCRIPT, 0, argv));
    await f.withAdmin(1, (c) => c.config('SET', 'slowlog-log-slower-than', '20000'));
    try {
      await f.withAdmin(1, (c) => c.slowlog('RESET'));
      await slow('first');
      await workbench.openActivityBarItem(CONTAINER);
      await workbench.expandView(SLOWLOG);
      const first = await eventually('the first slow script', () => workbench.treeItemLabels(SLOWLOG), (labels) => labels.includes(`eval ${BUSY_SCRIPT} 0 ‹5 bytes›`));
      await slow('secret-value-e2e');
      await workbench.clickViewAction(SLOWLOG, 'Refresh Slowlog');
      const labels = await eventually('the second slow script', () => workbench.treeItemLabels(SLOWLOG), (l) => l.length > first.length);
      assert.equal(labels[0], `eval ${BUSY_SCRIPT} 0 ‹16 bytes›`, `newest first, the value shown as its size: ${labels.join(' | ')}`);
      assert.ok(!labels.some((x) => x.includes('secret-value-e2e')), 'the value itself is never shown');
      const description = (await workbench.treeItem(labels[0] ?? '', SLOWLOG).locator('.label-description').textContent()) ?? '';
      assert.match(description.replace(/\u00a0/g, ' '), /^\d+(?:[.,]\d)? ms · /, 'the duration the server measured, then the time');
      await workbench.screenshot('live-en-slowlog');
    } finally {
      await f.withAdmin(1, (c) => c.config('SET', 'slowlog-log-slower-than', '10000'));
    }
  });

  test('the Clients view marks this connection, recognises the NOVA backend after a refresh', async () => {
    const { workbench } = vscode();
    const f = fixture();
    await workbench.openActivityBarItem(CONTAINER);
    await workbench.expandView(CLIENTS);
    const rows = workbench.view(CLIENTS).locator('.monaco-list-row[role="treeitem"]');
    const descriptions = async (): Promise<string[]> => (await rows.locator('.label-description').allTextContents()).map((d) => d.replace(/\u00a0/g, ' ').trim());
    const own = await eventually('this connection in the list', descriptions, (d) => d.some((x) => x.startsWith('this connection · ')));
    assert.ok(own.find((x) => x.startsWith('this connection · '))?.includes('DB 1'), `the own connection is on DB 1: ${own.join(' | ')}`);
    const backend = new Redis(f.server.url(1), { connectionName: 'nova-backend', protocol: 2, disableClientInfo: true });
    try {
      await backend.ping();
      await workbench.clickViewAction(CLIENTS, 'Refresh Clients');
      await eventually('the backend in the list', () => workbench.treeItemLabels(CLIENTS), (l) => l.includes('nova-backend'));
      const row = workbench.treeItem('nova-backend', CLIENTS);
      const description = (await row.locator('.label-description').textContent())?.replace(/\u00a0/g, ' ') ?? '';
      assert.ok(description.startsWith('NOVA backend · 127.0.0.1:'), description);
      await workbench.screenshot('live-en-clients');
    } finally {
      backend.disconnect();
    }
  });

  test('Server Info shows live statistics that are sampled again while it is visible, with text charts', async () => {
    const { workbench } = vscode();
    await workbench.runCommand('NOVA: Show Server Info');
    // The rendered preview's table rows, read back as Markdown rows.
    const rows = async (): Promise<string[]> =>
      workbench
        .webview()
        .locator('tr')
        .evaluateAll((trs: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> }[]) =>
          trs.map((tr) => `| ${Array.from(tr.querySelectorAll('th, td')).map((c) => (c.textContent ?? '').replace(/\u00a0/g, ' ').trim()).join(' | ')} |`),
        );
    const bars = (all: string[]): number => /^\| Operations per second \| [^|]+ \| ([▁▂▃▄▅▆▇█ ]*) \|$/.exec(all.find((r) => r.startsWith('| Operations per second')) ?? '')?.[1]?.length ?? 0;
    const first = await eventually('the live section', rows, (all) => all.some((r) => r.startsWith('| Hit ratio |')) && bars(all) >= 1);
    // Nothing is pressed: the document reads INFO again every few seconds and the chart grows.
    const later = await eventually('a second sample', rows, (all) => bars(all) > bars(first));
    for (const row of ['Memory used', 'Connected clients', 'Evictions', 'Last RDB save']) {
      assert.ok(later.some((r) => r.startsWith(`| ${row} |`)), `${row} is shown`);
    }
    await workbench.screenshot('live-en-server-info');
    await workbench.runCommand('View: Close All Editors');
  });
});
