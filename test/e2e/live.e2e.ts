/**
 * The live parts of NOVA Redis in a real VS Code (code-server + Chromium): TTLs that count down on
 * screen in the Keys view and in the value tab, a key that leaves the tree when its TTL runs out
 * (nobody presses refresh), and the Slowlog and Clients views with their refresh buttons pressed,
 * in English and in French.
 *
 *   npm run package && node --import tsx --test test/e2e/live.e2e.ts
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Redis from 'ioredis';
import { eventually as poll } from './lib/eventually';
import { TreeByPath } from './lib/keysTree';
import { useNovaFixture } from './lib/novaFixture';
import { novaVsix, useVSCode } from './lib/vscode';

const CONTAINER = 'NOVA Redis';
const TICK = 'nova:live:tick';
const GONE = 'nova:live:gone';
/** A Lua loop long enough to run for tens of milliseconds on any machine (Redis 3.0 has EVAL). */
const BUSY_SCRIPT = 'for i=1,3e7 do end return 1';

/** What the user reads, in each display language (from the extension's own bundles). */
interface Labels {
  locale: 'en' | 'fr';
  keys: string;
  slowlog: string;
  clients: string;
  refreshKeys: string;
  enablePalette: string;
  enable: string;
  turnOn: (address: string) => string;
  changed: string;
  refreshValue: string;
  reconnectPalette: string;
  notificationsOff: (address: string) => string;
  onlyWhenRefreshed: string;
  enableOnServer: string;
  refreshSlowlog: string;
  bytes: (n: number) => string;
  thisConnection: string;
  db1: string;
  refreshClients: string;
  backend: string;
  serverInfoPalette: string;
  opsPerSecond: string;
  hitRatio: string;
  infoRows: string[];
}

const languages: Labels[] = [
  {
    locale: 'en',
    keys: 'Keys',
    slowlog: 'Slowlog',
    clients: 'Clients',
    refreshKeys: 'Refresh Keys',
    enablePalette: 'NOVA: Enable Keyspace Notifications…',
    enable: 'Enable',
    turnOn: (address) => `Turn on keyspace notifications on ${address}?`,
    changed: 'Changed on the server since it was read — reload?',
    refreshValue: 'Refresh Value',
    reconnectPalette: 'NOVA: Reconnect',
    notificationsOff: (address) => `Keyspace notifications are off on ${address}`,
    onlyWhenRefreshed: 'only when refreshed',
    enableOnServer: 'Enable on Server…',
    refreshSlowlog: 'Refresh Slowlog',
    bytes: (n) => `${n} bytes`,
    thisConnection: 'this connection · ',
    db1: 'DB 1',
    refreshClients: 'Refresh Clients',
    backend: 'NOVA backend · ',
    serverInfoPalette: 'NOVA: Show Server Info',
    opsPerSecond: 'Operations per second',
    hitRatio: 'Hit ratio',
    infoRows: ['Memory used', 'Connected clients', 'Evictions', 'Last RDB save'],
  },
  {
    locale: 'fr',
    keys: 'Clés',
    slowlog: 'Slowlog',
    clients: 'Clients',
    refreshKeys: 'Actualiser les clés',
    enablePalette: 'NOVA: Activer les notifications d’espace de clés…',
    enable: 'Activer',
    turnOn: (address) => `Activer les notifications d’espace de clés sur ${address} ?`,
    changed: 'Modifiée sur le serveur depuis sa lecture — recharger ?',
    refreshValue: 'Actualiser la valeur',
    reconnectPalette: 'NOVA: Se reconnecter',
    notificationsOff: (address) => `Les notifications d’espace de clés sont désactivées sur ${address}`,
    onlyWhenRefreshed: 'qu’après une actualisation',
    enableOnServer: 'Activer sur le serveur…',
    refreshSlowlog: 'Actualiser le slowlog',
    bytes: (n) => `${n} o`,
    thisConnection: 'cette connexion · ',
    db1: 'base 1',
    refreshClients: 'Actualiser les clients',
    backend: 'backend NOVA · ',
    serverInfoPalette: 'NOVA: Afficher les infos du serveur',
    opsPerSecond: 'Opérations par seconde',
    hitRatio: 'Taux de succès',
    infoRows: ['Mémoire utilisée', 'Clients connectés', 'Évictions', 'Dernière sauvegarde RDB'],
  },
];

/** Text as read on screen, with the non-breaking spaces of French typography as plain ones. */
function plain(text: string): string {
  return text.replace(/[\u00a0\u202f]/g, ' ');
}

/** Reads until `ok` holds; the limit only catches a hang, what is checked is what the user sees. */
function eventually<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  return poll(what, read, ok, timeoutMs);
}

/** Seconds of a TTL text of under an hour (`45 s`, `1 min 5 s`). */
function seconds(text: string | undefined): number | undefined {
  const m = /^(?:(\d+) min)?\s*(?:(\d+) s)?$/.exec(text ?? '');
  return m && (m[1] || m[2]) ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : undefined;
}

for (const l of languages.filter((x) => !process.env.NOVA_E2E_LOCALE || x.locale === process.env.NOVA_E2E_LOCALE)) {
  describe(`NOVA Redis live views (${l.locale})`, () => {
    const fixture = useNovaFixture(`live-${l.locale}`);
    const vscode = useVSCode(() => ({ name: `live-${l.locale}`, vsix: [novaVsix()], locale: l.locale, folder: fixture().workspace }));

    test('a TTL ticks down on screen, in the Keys view and in the value tab, and an expired key leaves the tree by itself', async (t) => {
      const { workbench } = vscode();
      const f = fixture();
      await workbench.openActivityBarItem(CONTAINER);
      const tree = new TreeByPath(workbench, l.keys);
      await tree.waitFor(['nova'], 30_000);
      await f.withAdmin(1, async (c) => {
        await c.set(TICK, 'counting down', 'EX', 50);
        await c.set(GONE, 'about to go', 'PX', 8000);
      });
      const goneAt = Date.now() + 8000;
      await workbench.clickViewAction(l.keys, l.refreshKeys);
      await tree.expand(['nova', 'live']);

      const first = await eventually('the TTL of tick', async () => (await tree.find(['nova', 'live', 'tick']))?.description, (d) => seconds(d) !== undefined);
      const later = await eventually('the TTL of tick going down', async () => (await tree.find(['nova', 'live', 'tick']))?.description, (d) => (seconds(d) ?? 99) < (seconds(first) ?? 0));
      t.diagnostic(`tree: ${first} → ${later}`);
      assert.ok(seconds(first) !== undefined && (seconds(first) ?? 0) <= 50);
      await workbench.screenshot(`live-${l.locale}-ticking`);

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
      await workbench.screenshot(`live-${l.locale}-expired`);
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
      const tree = new TreeByPath(workbench, l.keys);
      await tree.expand(['nova', 'live']);
      await workbench.runCommand(l.enablePalette);
      const question = plain(await workbench.answerDialog(l.enable));
      assert.ok(question.startsWith(l.turnOn(f.address)), question);
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
      await eventually('the tab to say its key changed', () => workbench.activeEditorText(), (text) => plain(text).includes(l.changed) && text.includes('counting down'));
      await workbench.screenshot(`live-${l.locale}-changed`);
      await workbench.clickEditorAction(l.refreshValue);
      await eventually('the reloaded tab', () => workbench.activeEditorText(), (text) => text.includes('changed elsewhere') && !plain(text).includes(l.changed));
      await f.withAdmin(1, (c) => c.del('nova:live:new'));
      await eventually('the deleted key to leave', () => tree.find(['nova', 'live', 'new']), (row) => row === undefined);

      // Off again on the server: the next connection says so and offers to turn them back on.
      await f.withAdmin(0, (c) => c.config('SET', 'notify-keyspace-events', ''));
      await workbench.runCommand(l.reconnectPalette);
      const offer = plain(await workbench.waitForNotification(l.notificationsOff(f.address), 30_000));
      assert.ok(offer.includes(l.onlyWhenRefreshed), offer);
      await workbench.clickNotificationButton(l.notificationsOff(f.address), l.enableOnServer);
      await workbench.answerDialog(l.enable);
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
        await workbench.expandView(l.slowlog);
        const first = await eventually('the first slow script', () => workbench.treeItemLabels(l.slowlog), (labels) => labels.map(plain).includes(`eval ${BUSY_SCRIPT} 0 ‹${l.bytes(5)}›`));
        await slow('secret-value-e2e');
        await workbench.clickViewAction(l.slowlog, l.refreshSlowlog);
        const labels = await eventually('the second slow script', () => workbench.treeItemLabels(l.slowlog), (shown) => shown.length > first.length);
        assert.equal(plain(labels[0] ?? ''), `eval ${BUSY_SCRIPT} 0 ‹${l.bytes(16)}›`, `newest first, the value shown as its size: ${labels.join(' | ')}`);
        assert.ok(!labels.some((x) => x.includes('secret-value-e2e')), 'the value itself is never shown');
        const description = (await workbench.treeItem(labels[0] ?? '', l.slowlog).locator('.label-description').textContent()) ?? '';
        assert.match(plain(description), /^\d+(?:[.,]\d)? ms · /, 'the duration the server measured, then the time');
        await workbench.screenshot(`live-${l.locale}-slowlog`);
      } finally {
        await f.withAdmin(1, (c) => c.config('SET', 'slowlog-log-slower-than', '10000'));
      }
    });

    test('the Clients view marks this connection, recognises the NOVA backend after a refresh', async () => {
      const { workbench } = vscode();
      const f = fixture();
      await workbench.openActivityBarItem(CONTAINER);
      await workbench.expandView(l.clients);
      const rows = workbench.view(l.clients).locator('.monaco-list-row[role="treeitem"]');
      const descriptions = async (): Promise<string[]> => (await rows.locator('.label-description').allTextContents()).map((d) => plain(d).trim());
      const own = await eventually('this connection in the list', descriptions, (d) => d.some((x) => x.startsWith(l.thisConnection)));
      assert.ok(own.find((x) => x.startsWith(l.thisConnection))?.includes(l.db1), `the own connection is on DB 1: ${own.join(' | ')}`);
      const backend = new Redis(f.server.url(1), { connectionName: 'nova-backend', protocol: 2, disableClientInfo: true });
      try {
        await backend.ping();
        await workbench.clickViewAction(l.clients, l.refreshClients);
        await eventually('the backend in the list', () => workbench.treeItemLabels(l.clients), (shown) => shown.includes('nova-backend'));
        const row = workbench.treeItem('nova-backend', l.clients);
        const description = plain((await row.locator('.label-description').textContent()) ?? '');
        assert.ok(description.startsWith(`${l.backend}127.0.0.1:`), description);
        await workbench.screenshot(`live-${l.locale}-clients`);
      } finally {
        backend.disconnect();
      }
    });

    test('Server Info shows live statistics that are sampled again while it is visible, with text charts', async () => {
      const { workbench } = vscode();
      await workbench.runCommand(l.serverInfoPalette);
      // The rendered preview's table rows, read back as Markdown rows.
      const rows = async (): Promise<string[]> =>
        workbench
          .webview()
          .locator('tr')
          .evaluateAll((trs: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> }[]) =>
            trs.map((tr) => `| ${Array.from(tr.querySelectorAll('th, td')).map((c) => (c.textContent ?? '').replace(/[\u00a0\u202f]/g, ' ').trim()).join(' | ')} |`),
          );
      const bars = (all: string[]): number => new RegExp(`^\\| ${l.opsPerSecond} \\| [^|]+ \\| ([▁▂▃▄▅▆▇█ ]*) \\|$`).exec(all.find((r) => r.startsWith(`| ${l.opsPerSecond}`)) ?? '')?.[1]?.length ?? 0;
      const first = await eventually('the live section', rows, (all) => all.some((r) => r.startsWith(`| ${l.hitRatio} |`)) && bars(all) >= 1);
      // Nothing is pressed: the document reads INFO again every few seconds and the chart grows.
      const later = await eventually('a second sample', rows, (all) => bars(all) > bars(first));
      for (const row of l.infoRows) {
        assert.ok(later.some((r) => r.startsWith(`| ${row} |`)), `${row} is shown`);
      }
      await workbench.screenshot(`live-${l.locale}-server-info`);
      await workbench.runCommand('View: Close All Editors');
    });
  });
}
