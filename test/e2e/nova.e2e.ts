/**
 * NOVA Redis in a real VS Code (code-server + Chromium), as a person uses it, in English and in French:
 * the packaged .vsix (NOVA_E2E_VSIX) against a real redis-server seeded with NOVA-shaped data in DB 1,
 * opened on a workspace whose .env holds REDIS_URL. One VS Code session per language; each step saves
 * test-results/e2e/nova-<locale>-<step>.png.
 *
 *   npm run package && NOVA_E2E_VSIX=$PWD/nova-redis-0.1.0.vsix \
 *     node --import tsx --test --test-concurrency=1 test/e2e/nova.e2e.ts
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { eventually } from './lib/eventually';
import { TreeByPath } from './lib/keysTree';
import { useNovaFixture } from './lib/novaFixture';
import { novaVsix, useVSCode, type Workbench } from './lib/vscode';
import { BIG_KEY, bigExportValue } from '../../scripts/start/sample';

const STATUS_ID = 'nova.redis.status';

interface Language {
  locale: 'en' | 'fr';
  container: string;
  keysView: string;
  ping: string;
  serverInfo: string;
  /** The status bar text when connected to DB 1 with `count` keys. */
  connected(count: number): string;
  /** How the status bar text starts while on DB 1, whatever the count. */
  onDb1: string;
  disconnected: string;
  /** The status bar text while a connected server answers nothing; group 1 is the seconds. */
  stalled: RegExp;
  /** The status bar text when connected with a password the server does not need. */
  unneededPassword(count: number): string;
  /** The Keys view's message above its keys in that case: its start, then the .env file and line. */
  unneededPasswordMessage(envLine: string): string;
  /** The status bar when REDIS_URL is empty, and when its password has a raw #: the cause in its text. */
  failedEmptyUrl: string;
  failedHash: string;
  /** The start of the Keys view's welcome text for `REDIS_URL=` and for a raw `#` in the password. */
  emptyUrlWelcome: string;
  hashWelcome: string;
  /** The Ping notification: server label, address, DB and round trip. */
  pong(version: string, address: string): RegExp;
  /** Rows of the server info document (the DB row: its first two cells). */
  serverRow(version: string): string;
  addressRow(address: string): string;
  configuredDbRow(keys: number): string;
  /** The type of a string key as the value header names it. */
  stringType: string;
  /** The start of a value document's second header line, which names the decoder. */
  decodedAs(decoder: string): string;
  editTtl: string;
  /** The key context menu's entry (menus show the title without the category). */
  editTtlMenuItem: string;
  /** The Edit TTL quick pick: enter a duration, 1 hour, 1 day, no expiry (their icons are not text). */
  ttlChoices: [string, string, string, string];
  ttlTitle(key: string): string;
  ttlPrompt: string;
  ttlZeroRefused: string;
  /** A key's TTL description in the Keys view and the value header when it does not expire. */
  noExpiry: string;
  flush: string;
  flushQuestion(keys: number, address: string): string;
  flushDetail: string;
  flushButton: string;
  /** VS Code's own button: English in both sessions (VS Code's language packs are not installed offline). */
  cancel: string;
  flushTitle(address: string): string;
  flushPrompt: string;
  flushWrongIndex: string;
  flushed(address: string, keys: number): string;
  /** The Keys view's welcome text when DB 1 is empty. */
  emptyDatabase: string;
  refreshKeys: string;
  /** Editor title buttons of a value tab (their tooltips: the command title without the category). */
  loadMoreValue: string;
  refreshValue: string;
  /** The start of the header line of a value that is only partly loaded. */
  partial: string;
  /** What a value tab says once the connection uses another DB than the one it was opened on. */
  staleTab(openedOn: number, now: number): string;
  /** The Keys view's context-menu entries for a key and for a folder. */
  deleteKeyMenuItem: string;
  deleteFolderMenuItem: string;
  deleteKeyQuestion(key: string): string;
  deleteKeyButton: string;
  cannotBeUndone: string;
  deleteFolderQuestion(keys: number, pattern: string): string;
  deleteFolderButton(keys: number): string;
  deletedFolder(keys: number, pattern: string): string;
  /** The value tab's title-bar button (its tooltip). */
  viewValueAsButton: string;
  /** View Value As's first item (its icon is not text). */
  automatic: string;
  /** View Value As's second question: remember the decoder for this key, or for every key under the prefix. */
  thisKeyOnly: string;
  everyKeyUnder(prefix: string): string;
  /** The start of the message when the chosen decoder does not decode the value. */
  notDecoded(decoder: string): string;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The round trip is printed with one decimal below 10 ms; the decimal separator is not pinned here (see the
 * report on the French number format).
 */
const RTT = String.raw`\d+(?:[.,]\d)?`;

const languages: Language[] = [
  {
    locale: 'en',
    container: 'NOVA Redis',
    keysView: 'Keys',
    ping: 'NOVA: Ping Redis',
    serverInfo: 'NOVA: Show Server Info',
    connected: (count) => `DB 1 · ${count} ${count === 1 ? 'key' : 'keys'}`,
    onDb1: 'DB 1 · ',
    disconnected: 'Redis: disconnected',
    stalled: /^Redis: not answering for (\d+) s$/,
    unneededPassword: (count) => `DB 1 · ${count} ${count === 1 ? 'key' : 'keys'} · unneeded password`,
    unneededPasswordMessage: (envLine) => `The backend will fail to connect: REDIS_URL in ${envLine} has a password, but the server`,
    failedEmptyUrl: 'Redis: REDIS_URL is empty',
    failedHash: 'Redis: raw # in the password',
    emptyUrlWelcome: 'REDIS_URL is empty in the .env file',
    hashWelcome: 'The password in REDIS_URL contains a raw #',
    pong: (version, address) => new RegExp(`^PONG from Redis ${escape(version)} at ${escape(address)}, DB 1 — ${RTT} ms$`),
    serverRow: (version) => `| Server | Redis ${version} |`,
    addressRow: (address) => `| Address | ${address}, DB 1 |`,
    configuredDbRow: (keys) => `| 1 ← configured | ${keys} |`,
    stringType: 'string',
    decodedAs: (decoder) => `// Decoded as: ${decoder} — `,
    editTtl: 'NOVA: Edit TTL…',
    editTtlMenuItem: 'Edit TTL…',
    ttlChoices: ['Enter a duration…', '1 hour', '1 day', 'No expiry'],
    ttlTitle: (key) => `TTL of ${key}`,
    ttlPrompt: 'New TTL: seconds or a duration such as 90s, 15m, 1h, 2d, 1h30m',
    ttlZeroRefused: '0 would delete the key at once. Use "No expiry" to remove the TTL.',
    noExpiry: 'no expiry',
    flush: 'NOVA: Flush Database…',
    flushQuestion: (keys, address) => `Delete all ${keys} keys of DB 1 on ${address}?`,
    flushDetail: 'FLUSHDB empties database 1 only; other databases on this server are not touched. This cannot be undone.',
    flushButton: 'Flush DB 1…',
    cancel: 'Cancel',
    flushTitle: (address) => `Flush DB 1 on ${address}`,
    flushPrompt: 'Type the database index (1) to confirm.',
    flushWrongIndex: 'Type 1 to confirm, or press Escape to cancel.',
    flushed: (address, keys) => `DB 1 on ${address} was flushed (${keys} keys removed).`,
    emptyDatabase: 'Connected. The database has no keys to show.',
    refreshKeys: 'NOVA: Refresh Keys',
    loadMoreValue: 'Load More of Value',
    refreshValue: 'Refresh Value',
    partial: '// Partial: ',
    staleTab: (openedOn, now) => `// This tab was opened on DB ${openedOn}; the connection now uses DB ${now}, so its content is not shown.`,
    deleteKeyMenuItem: 'Delete Key…',
    deleteFolderMenuItem: 'Delete Folder…',
    deleteKeyQuestion: (key) => `Delete the key "${key}" from DB 1?`,
    deleteKeyButton: 'Delete Key',
    cannotBeUndone: 'This cannot be undone.',
    deleteFolderQuestion: (keys, pattern) => `Delete the ${keys} keys under ${pattern} from DB 1?`,
    deleteFolderButton: (keys) => `Delete ${keys} Keys`,
    deletedFolder: (keys, pattern) => `Deleted ${keys} keys under ${pattern}.`,
    viewValueAsButton: 'View Value As…',
    automatic: 'Automatic',
    thisKeyOnly: 'This key only',
    everyKeyUnder: (prefix) => `Every key under ${prefix}`,
    notDecoded: (decoder) => `${decoder} does not decode this value`,
  },
  {
    locale: 'fr',
    container: 'NOVA Redis',
    keysView: 'Clés',
    ping: 'NOVA: Pinger Redis',
    serverInfo: 'NOVA: Afficher les infos du serveur',
    // French takes the singular for 0 and 1.
    connected: (count) => `base 1 · ${count} ${count < 2 ? 'clé' : 'clés'}`,
    onDb1: 'base 1 · ',
    disconnected: 'Redis : déconnecté',
    // The status bar reads back the non-breaking space before ":" as a plain one.
    stalled: /^Redis[\u00a0 ]: sans réponse depuis (\d+) s$/,
    unneededPassword: (count) => `base 1 · ${count} ${count < 2 ? 'clé' : 'clés'} · mot de passe superflu`,
    unneededPasswordMessage: (envLine) => `Le backend ne pourra pas se connecter : REDIS_URL dans ${envLine} contient un mot de passe, mais le serveur`,
    failedEmptyUrl: 'Redis : REDIS_URL est vide',
    failedHash: 'Redis : # non encodé dans le mot de passe',
    emptyUrlWelcome: 'REDIS_URL est vide dans le fichier .env',
    hashWelcome: 'Le mot de passe de REDIS_URL contient un # non encodé',
    pong: (version, address) => new RegExp(`^PONG de Redis ${escape(version)} sur ${escape(address)}, base 1 — ${RTT} ms$`),
    serverRow: (version) => `| Serveur | Redis ${version} |`,
    addressRow: (address) => `| Adresse | ${address}, base 1 |`,
    configuredDbRow: (keys) => `| 1 ← configurée | ${keys} |`,
    stringType: 'chaîne',
    decodedAs: (decoder) => `// Décodé en : ${decoder} — `,
    editTtl: 'NOVA: Modifier le TTL…',
    editTtlMenuItem: 'Modifier le TTL…',
    ttlChoices: ['Saisir une durée…', '1 heure', '1 jour', 'Sans expiration'],
    ttlTitle: (key) => `TTL de ${key}`,
    ttlPrompt: 'Nouveau TTL : des secondes ou une durée comme 90s, 15m, 1h, 2d, 1h30m',
    ttlZeroRefused: '0 supprimerait la clé immédiatement. Utilisez « Sans expiration » pour retirer le TTL.',
    noExpiry: 'sans expiration',
    flush: 'NOVA: Vider la base…',
    flushQuestion: (keys, address) => `Supprimer les ${keys} clés de la base 1 sur ${address} ?`,
    flushDetail: 'FLUSHDB vide uniquement la base 1 ; les autres bases de ce serveur ne sont pas touchées. Cette action est irréversible.',
    flushButton: 'Vider la base 1…',
    cancel: 'Cancel',
    flushTitle: (address) => `Vider la base 1 sur ${address}`,
    flushPrompt: 'Tapez le numéro de la base (1) pour confirmer.',
    flushWrongIndex: 'Tapez 1 pour confirmer ou appuyez sur Échap pour annuler.',
    flushed: (address, keys) => `La base 1 sur ${address} a été vidée (${keys} clés supprimées).`,
    emptyDatabase: 'Connecté. La base ne contient aucune clé à afficher.',
    refreshKeys: 'NOVA: Actualiser les clés',
    loadMoreValue: 'Charger plus de la valeur',
    refreshValue: 'Actualiser la valeur',
    partial: '// Partiel : ',
    staleTab: (openedOn, now) => `// Cet onglet a été ouvert sur la base ${openedOn} ; la connexion utilise maintenant la base ${now}, son contenu n'est donc pas affiché.`,
    deleteKeyMenuItem: 'Supprimer la clé…',
    deleteFolderMenuItem: 'Supprimer le dossier…',
    deleteKeyQuestion: (key) => `Supprimer la clé « ${key} » de la base 1 ?`,
    deleteKeyButton: 'Supprimer la clé',
    cannotBeUndone: 'Cette action est irréversible.',
    deleteFolderQuestion: (keys, pattern) => `Supprimer les ${keys} clés sous ${pattern} de la base 1 ?`,
    deleteFolderButton: (keys) => `Supprimer ${keys} clés`,
    deletedFolder: (keys, pattern) => `${keys} clés sous ${pattern} supprimées.`,
    viewValueAsButton: 'Afficher la valeur en tant que…',
    automatic: 'Automatique',
    thisKeyOnly: 'Cette clé seulement',
    everyKeyUnder: (prefix) => `Toutes les clés sous ${prefix}`,
    notDecoded: (decoder) => `${decoder} ne décode pas cette valeur`,
  },
];


/** Seconds per unit of a TTL description, in both languages (`2 d 3 h`, `2 j 3 h`, `59 min 39 s`). */
const TTL_UNITS: Record<string, number> = { d: 86_400, j: 86_400, h: 3600, min: 60, s: 1 };

/**
 * The seconds a TTL description stands for, and how coarse it is (the smallest unit shown), or undefined
 * when it is not a TTL. The exact wording is the extension's business; what the user must be able to
 * read is how long the key has left.
 */
function readTtl(text: string): { seconds: number; unit: number } | undefined {
  const parts = [...text.matchAll(/(\d+) (d|j|h|min|s)(?= |$)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join(' ') !== text) {
    return undefined;
  }
  return {
    seconds: parts.reduce((sum, p) => sum + Number(p[1]) * TTL_UNITS[p[2]], 0),
    unit: Math.min(...parts.map((p) => TTL_UNITS[p[2]])),
  };
}

/** Seconds of the text Edit TTL prefills its input box with (`59m40s`, `1d2h`). */
function readTtlInput(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+)([dhms])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    return undefined;
  }
  const unit: Record<string, number> = { d: 86_400, h: 3600, m: 60, s: 1 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]], 0);
}

const USER_FOLDER = ['nova', 'cache', 'user'];

/** The Keys view path of a key under nova › cache › user. */
function userKeyPath(key: string): string[] {
  return [...USER_FOLDER, key.slice('nova:cache:user:'.length)];
}

async function statusClasses(workbench: Workbench): Promise<string[]> {
  return ((await workbench.statusBarItem(STATUS_ID).getAttribute('class')) ?? '').split(/\s+/);
}

for (const l of languages) {
  describe(`NOVA Redis end to end (${l.locale})`, () => {
    const fixture = useNovaFixture(`nova-${l.locale}`);
    const vscode = useVSCode(() => ({ name: `nova-${l.locale}`, vsix: [novaVsix()], locale: l.locale, folder: fixture().workspace }));
    const shot = (step: string): Promise<string> => vscode().workbench.screenshot(`nova-${l.locale}-${step}`);

    describe('Keys view', () => {
      test('the activity bar icon opens the Keys view, whose namespace tree shows the nova folder', async () => {
        const { workbench } = vscode();
        await workbench.openActivityBarItem(l.container);
        const tree = new TreeByPath(workbench, l.keysView);
        const nova = await tree.waitFor(['nova'], 30_000);
        assert.equal(nova.level, 1);
        assert.equal(nova.expanded, false);
        // The fixture is small enough to be scanned at once: the count is exact, not a lower bound ("37+").
        const novaKeys = await fixture().scanKeys('nova:*');
        assert.equal(nova.description, String(novaKeys.length));
        await shot('keys-view');
      });

      test('nova › cache › user expands to key items with their TTL', async () => {
        const { workbench } = vscode();
        const f = fixture();
        await workbench.openActivityBarItem(l.container);
        const tree = new TreeByPath(workbench, l.keysView);
        await tree.expand(['nova', 'cache', 'user']);

        const userKeys = await f.scanKeys('nova:cache:user:*');
        const user = await tree.find(['nova', 'cache', 'user']);
        assert.equal(user?.description, String(userKeys.length));

        const items = await tree.children(['nova', 'cache', 'user']);
        assert.ok(items.every((i) => i.expanded === undefined), `key items are leaves: ${JSON.stringify(items)}`);
        const labels = items.map((i) => i.label);
        for (const key of f.userKeys) {
          assert.ok(labels.includes(key.slice('nova:cache:user:'.length)), `${key} is listed under nova › cache › user: ${labels.join(', ')}`);
        }
        assert.deepEqual(labels.slice().sort(), userKeys.map((k) => k.slice('nova:cache:user:'.length)).sort());

        const jsonKeyLabel = f.jsonKey.slice('nova:cache:user:'.length);
        const shown = items.find((i) => i.label === jsonKeyLabel)?.description ?? '';
        const ttl = readTtl(shown);
        const left = (await f.pttl(f.jsonKey)) / 1000;
        // The description was drawn a little earlier than PTTL was read, and is rounded to its smallest unit.
        assert.ok(ttl && ttl.seconds >= left - ttl.unit - 2 && ttl.seconds <= left + ttl.unit + 60, `TTL of ${f.jsonKey} shown as "${shown}"; the server has ${left} s left`);
        await shot('keys-expanded');
      });
    });

    describe('Value editor: a JSON key opens in an editor tab', () => {
      test('clicking a JSON key shows the JSON the server holds, laid out, under a header with its type, TTL and decoder', async () => {
        const { workbench } = vscode();
        const f = fixture();
        await workbench.openActivityBarItem(l.container);
        const tree = new TreeByPath(workbench, l.keysView);
        await tree.expand(USER_FOLDER);
        const path = userKeyPath(f.jsonKey);
        await (await tree.locator(path)).click();

        const title = await eventually('the value tab', () => workbench.activeEditorTitle(), (t) => t === f.jsonKey || t === path.at(-1), 15_000);
        assert.ok(title === f.jsonKey || title === path.at(-1), title);
        const stored = JSON.parse((await f.get(f.jsonKey)) ?? 'null') as { name: string };
        const text = await eventually('the JSON in the tab', () => workbench.activeEditorText(), (t) => t.includes(`"name": ${JSON.stringify(stored.name)}`), 15_000);
        const lines = text.split('\n');

        const head = new RegExp(`^// ${escape(f.jsonKey)} · ${l.stringType} · TTL (.+?) · `).exec(lines[0]);
        const ttl = head ? readTtl(head[1]) : undefined;
        const left = (await f.pttl(f.jsonKey)) / 1000;
        assert.ok(ttl && ttl.seconds >= left - ttl.unit - 2 && ttl.seconds <= left + ttl.unit + 60, `header "${lines[0]}"; the server has ${left} s left`);
        assert.ok(lines[1].startsWith(l.decodedAs('json')), lines[1]);
        // Below the comment lines: the server's JSON, pretty-printed with a 2-space indent.
        const body = lines.filter((line) => !line.startsWith('//')).join('\n').trim();
        assert.equal(body, JSON.stringify(stored, null, 2));
        // JSON with Comments, so that the header lines are not flagged as errors.
        assert.equal(await workbench.statusBarText('status.editor.mode'), 'JSON with Comments');
        await shot('value-json');
        // The whole value is loaded: the tab offers Refresh Value, and no Load More.
        const actions = await eventually('the value tab\'s buttons', () => workbench.editorActionLabels(), (a) => a.includes(l.refreshValue), 10_000);
        assert.ok(!actions.includes(l.loadMoreValue), `buttons of a complete value: ${actions.join(', ')}`);
        await workbench.runCommand('View: Close All Editors');
      });

      test('Load More of Value on the 2 MB JSON sample: the tab then holds the whole value, and the button goes', async () => {
        const { workbench } = vscode();
        const f = fixture();
        const value = bigExportValue();
        const products = (JSON.parse(value) as { products: { sku: string }[] }).products;
        const lastSku = products.at(-1)?.sku ?? '';
        const path = ['nova', 'cache', 'export', 'products'];
        await f.withAdmin(1, (c) => c.set(BIG_KEY, value));
        const tree = new TreeByPath(workbench, l.keysView);
        try {
          await workbench.openActivityBarItem(l.container);
          await workbench.runCommand(l.refreshKeys);
          await tree.expand(path.slice(0, -1));
          await (await tree.locator(path)).click();
          await eventually('the value tab', () => workbench.activeEditorTitle(), (t) => t === BIG_KEY || t === path.at(-1), 15_000);
          // Above the 1 MB preview threshold: a preview first, laid out as JSON but shown as plain text, so that
          // its missing end does not fill the Problems panel.
          const partial = await eventually('the preview', () => workbench.activeEditorText(), (t) => t.split('\n').some((line) => line.startsWith(l.partial)), 15_000);
          assert.ok(partial.includes('"generated_at"'), partial.slice(0, 400));
          assert.equal(await workbench.statusBarText('status.editor.mode'), 'Plain Text');
          const offered = await eventually('the Load More button', () => workbench.editorActionLabels(), (a) => a.includes(l.loadMoreValue), 10_000);
          assert.ok(offered.includes(l.loadMoreValue), offered.join(', '));
          await shot('value-partial');

          await workbench.clickEditorAction(l.loadMoreValue);
          await eventually('the whole value', () => workbench.activeEditorText(), (t) => t.startsWith(`// ${BIG_KEY} · `) && !t.split('\n').some((line) => line.startsWith(l.partial)), 30_000);
          await workbench.activeEditorGoToEnd();
          const end = await eventually('the end of the document', () => workbench.activeEditorText(), (t) => t.includes(`"sku": "${lastSku}"`), 15_000);
          const lastLines = end.trimEnd().split('\n').slice(-3).map((line) => line.trim());
          assert.deepEqual(lastLines, ['}', ']', '}'], `the document ends with the last record, the array and the object: ${end.slice(-300)}`);
          // Whole, it is JSON again (the tab's language switches).
          await eventually('the JSON language', () => workbench.statusBarText('status.editor.mode'), (m) => m === 'JSON with Comments', 10_000);
          const after = await eventually('no Load More button', () => workbench.editorActionLabels(), (a) => a.includes(l.refreshValue) && !a.includes(l.loadMoreValue), 10_000);
          assert.ok(!after.includes(l.loadMoreValue), after.join(', '));
          await shot('value-loaded');
        } finally {
          await workbench.runCommand('View: Close All Editors');
          await f.withAdmin(1, (c) => c.del(BIG_KEY));
          // The next tests expect the fixture's tree.
          await workbench.runCommand(l.refreshKeys);
          await eventually('the tree without the sample', () => tree.find(path.slice(0, -1)), (row) => row === undefined, 15_000);
        }
      });

      test('after the .env moves to DB 2, an open tab says so, and Refresh Value reopens the key on DB 2', async () => {
        const { workbench } = vscode();
        const f = fixture();
        const envFile = path.join(f.workspace, '.env');
        const original = readFileSync(envFile, 'utf8');
        const inDb2 = { name: 'Ada Lovelace (DB 2)' };
        await f.withAdmin(2, (c) => c.set(f.jsonKey, JSON.stringify(inDb2)));
        try {
          await workbench.openActivityBarItem(l.container);
          const tree = new TreeByPath(workbench, l.keysView);
          await tree.expand(USER_FOLDER);
          await (await tree.locator(userKeyPath(f.jsonKey))).click();
          const stored = JSON.parse((await f.get(f.jsonKey)) ?? 'null') as { name: string };
          await eventually('the DB 1 value', () => workbench.activeEditorText(), (t) => t.includes(`"name": ${JSON.stringify(stored.name)}`), 15_000);

          writeFileSync(envFile, original.replace(f.server.url(1), f.server.url(2)));
          const stale = await eventually('the tab to say it belongs to DB 1', () => workbench.activeEditorText(), (t) => t.includes(l.staleTab(1, 2)), 20_000);
          assert.ok(!stale.includes(stored.name) && !stale.includes(inDb2.name), `the tab shows neither DB's value: ${stale}`);
          await shot('value-other-db');

          await workbench.clearNotifications();
          await workbench.clickEditorAction(l.refreshValue);
          await eventually('the DB 2 value', () => workbench.activeEditorText(), (t) => t.includes(`"name": ${JSON.stringify(inDb2.name)}`), 15_000);
          assert.equal((await workbench.activeEditorText()).includes(l.staleTab(1, 2)), false);
          assert.deepEqual(await workbench.notifications(), [], 'no error while reopening');
          await shot('value-reopened-db2');
        } finally {
          writeFileSync(envFile, original);
          await eventually('DB 1 again in the status bar', () => workbench.statusBarText(STATUS_ID), (t) => t.startsWith(l.onDb1), 20_000);
          await workbench.runCommand('View: Close All Editors');
          await f.withAdmin(2, (c) => c.del(f.jsonKey));
        }
      });
    });

    describe('NOVA: View Value As…', () => {
      const PYTHON_BODY = "{'user': 42, 'when': datetime.datetime(2025, 10, 9, 12, 0)}";
      const JSON_BODY = '{\n  "user": 42,\n  "when": "2025-10-09T12:00:00"\n}';
      const bodyOf = (text: string): string =>
        text
          .split('\n')
          .filter((line) => !line.startsWith('//') && !line.startsWith('# '))
          .join('\n')
          .trim();

      test('a pickle opens as Python shows it; JSON for this key only; a decoder that fails is not remembered', async () => {
        const { workbench } = vscode();
        const f = fixture();
        const [first, second] = f.pickleKeys;
        await workbench.openActivityBarItem(l.container);
        const tree = new TreeByPath(workbench, l.keysView);
        await tree.expand(['nova', 'cache', 'report']);
        const open = async (key: string, body: string): Promise<string[]> => {
          await (await tree.locator(['nova', 'cache', 'report', key.slice('nova:cache:report:'.length)])).click();
          // The tab first, then its text: reading lines while the previous value is replaced races the rendering.
          await eventually(`the tab of ${key}`, () => workbench.activeEditorTitle(), (t) => t === key, 15_000);
          const text = await eventually(`${key} in its tab`, () => workbench.activeEditorText(), (t) => bodyOf(t) === body, 15_000);
          return text.split('\n');
        };

        const lines = await open(first, PYTHON_BODY);
        // The header is a Python comment, and the editor is in the Python language mode.
        assert.ok(lines[1].startsWith(l.decodedAs('pickle').replace(/^\/\/ /, '# ')), lines[1]);
        assert.equal(await workbench.statusBarText('status.editor.mode'), 'Python');
        await shot('value-pickle-python');

        await workbench.clickEditorAction(l.viewValueAsButton);
        await workbench.pickQuickItem('JSON');
        assert.deepEqual(await workbench.quickPickLabels(), [l.thisKeyOnly, l.everyKeyUnder('nova:cache:report:')]);
        await workbench.pickQuickItem(l.thisKeyOnly);
        await eventually('the pickle as JSON', () => workbench.activeEditorText(), (t) => bodyOf(t) === JSON_BODY, 15_000);
        assert.equal(await workbench.statusBarText('status.editor.mode'), 'JSON with Comments');
        await shot('value-pickle-json');

        // Its sibling still opens as Python: the choice was for one key.
        await open(second, PYTHON_BODY);
        await workbench.clickEditorAction(l.viewValueAsButton);
        await workbench.pickQuickItem('gzip');
        await workbench.waitForNotification(l.notDecoded('gzip'));
        await workbench.clearNotifications();

        // "Every key under the prefix" covers both keys.
        await workbench.clickEditorAction(l.viewValueAsButton);
        await workbench.pickQuickItem('JSON');
        await workbench.pickQuickItem(l.everyKeyUnder('nova:cache:report:'));
        await eventually('the sibling as JSON', () => workbench.activeEditorText(), (t) => bodyOf(t) === JSON_BODY, 15_000);
        await workbench.runCommand('View: Close All Editors');
        await open(first, JSON_BODY);

        // Automatic forgets the choice.
        await workbench.clickEditorAction(l.viewValueAsButton);
        await workbench.pickQuickItem(l.automatic);
        await eventually('the pickle as Python again', () => workbench.activeEditorText(), (t) => bodyOf(t) === PYTHON_BODY, 15_000);
        await workbench.runCommand('View: Close All Editors');
      });
    });

    describe('NOVA: Ping Redis', () => {
      test('the command palette runs Ping, and the notification shows PONG and the server version', async () => {
        const { workbench } = vscode();
        const version = await fixture().serverVersion();
        await workbench.runCommand(l.ping);
        const message = await workbench.waitForNotification(/^PONG /);
        assert.match(message, l.pong(version, fixture().address));
        await shot('ping');
        await workbench.clearNotifications();
      });
    });

    describe('NOVA: Show Server Info', () => {
      test('opens a rendered document with the server version, the address and the key count of DB 1', async () => {
        const { workbench } = vscode();
        const f = fixture();
        const version = await f.serverVersion();
        await workbench.runCommand(l.serverInfo);
        // A Markdown preview: its table rows, read back as Markdown rows.
        const readRows = async (): Promise<string> => {
          const rows = await workbench
            .webview()
            .locator('tr')
            .evaluateAll((trs: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> }[]) =>
              trs.map((tr) => `| ${Array.from(tr.querySelectorAll('th, td')).map((c) => (c.textContent ?? '').replace(/\u00a0/g, ' ').trim()).join(' | ')} |`),
            );
          return rows.join('\n');
        };
        const text = await eventually('the server info preview', readRows, (t) => t.includes(l.serverRow(version)), 15_000);
        assert.ok((await workbench.activeEditorTitle()).includes('server-info.md'));
        const lines = text.split('\n');
        assert.ok(lines.includes(l.addressRow(f.address)), text);
        const configured = l.configuredDbRow(await f.dbSize());
        assert.ok(lines.some((line) => line.startsWith(configured)), text);
        assert.ok(lines.some((line) => line.startsWith(`| 0 | ${f.markerKeys.length} |`)), text);
        await shot('server-info');
        await workbench.runCommand('View: Close All Editors');
      });
    });

    describe('NOVA: Edit TTL', () => {
      test('from the key\'s context menu: a duration of 2h is set on the server; 0 is refused with a message', async () => {
        const { workbench } = vscode();
        const f = fixture();
        const key = f.jsonKey;
        const path = userKeyPath(key);
        await workbench.openActivityBarItem(l.container);
        const tree = new TreeByPath(workbench, l.keysView);
        await tree.expand(USER_FOLDER);

        const before = await f.pttl(key);
        await tree.contextMenu(path);
        await workbench.clickContextMenuItem(l.editTtlMenuItem);
        assert.deepEqual(await workbench.quickPickLabels(), l.ttlChoices);
        await workbench.pickQuickItem(l.ttlChoices[0]);

        const box = await workbench.inputBox();
        const now = await f.pttl(key);
        assert.equal(box.title, l.ttlTitle(key));
        assert.equal(box.prompt, l.ttlPrompt);
        // Prefilled with the TTL the key had when the command started.
        const prefilled = readTtlInput(box.value);
        assert.ok(prefilled !== undefined && prefilled >= now / 1000 - 1 && prefilled <= before / 1000 + 1, `prefilled "${box.value}"; PTTL went from ${before} to ${now} ms`);

        await workbench.typeInInputBox('0');
        // The box turns red a moment before its message changes: wait for the message itself.
        const refused = await eventually('the validation message', () => workbench.inputBox(), (b) => b.validation === l.ttlZeroRefused, 10_000);
        assert.equal(refused.value, '0');
        await shot('ttl-refused');
        await workbench.pressEnterInInputBox();
        const kept = await f.pttl(key);
        assert.ok(kept > 0 && kept <= now, `after Enter on 0 the key has PTTL ${kept} ms (was ${now})`);

        // Typing into the same box proves it stayed open after the refused Enter.
        await workbench.typeInInputBox('2h');
        await eventually('the prompt to come back', () => workbench.inputBox(), (b) => b.validation === undefined && b.value === '2h', 10_000);
        await workbench.pressEnterInInputBox();
        const pttl = await eventually(`the server's PTTL of ${key}`, () => f.pttl(key), (ms) => ms > 3_600_000, 10_000);
        assert.ok(pttl > 7_140_000 && pttl <= 7_200_000, `PTTL ${pttl} ms`);

        const shown = await eventually(
          'the Keys view to show the new TTL',
          async () => (await tree.find(path))?.description ?? '',
          (d) => (readTtl(d)?.seconds ?? 0) > 3600,
          10_000,
        );
        const ttl = readTtl(shown);
        assert.ok(ttl && ttl.seconds <= 7200 && ttl.seconds >= 7200 - 120, `Keys view shows "${shown}"`);
        await shot('ttl-2h');
      });

      test('from the palette on the key selected in the Keys view: No expiry removes the TTL on the server', async () => {
        const { workbench } = vscode();
        const f = fixture();
        const key = f.userKeys[1];
        const path = userKeyPath(key);
        assert.ok((await f.pttl(key)) > 0, `${key} starts with a TTL`);
        await workbench.openActivityBarItem(l.container);
        const tree = new TreeByPath(workbench, l.keysView);
        await tree.expand(USER_FOLDER);
        await (await tree.locator(path)).click();
        // The click also opens the value: wait for its tab, which would otherwise take the focus from the palette.
        await eventually('the value tab', () => workbench.activeEditorTitle(), (t) => t === key || t === path.at(-1), 15_000);

        await workbench.runCommand(l.editTtl);
        assert.deepEqual(await workbench.quickPickLabels(), l.ttlChoices);
        await workbench.pickQuickItem(l.ttlChoices[3]);
        await eventually(`the server's PTTL of ${key}`, () => f.pttl(key), (ms) => ms === -1, 10_000);
        await eventually('the Keys view to show no expiry', async () => (await tree.find(path))?.description, (d) => d === l.noExpiry, 10_000);
        // The open value tab follows: its header now says the key does not expire.
        await eventually('the value header', () => workbench.activeEditorText(), (t) => t.split('\n')[0]?.includes(` · TTL ${l.noExpiry} · `) ?? false, 10_000);
        await shot('ttl-no-expiry');
        await workbench.runCommand('View: Close All Editors');
      });
    });

    describe('Connection status', () => {
      test('a frozen server: the status bar says Redis is not answering, counts the seconds, then shows the key count again', async () => {
        const { workbench } = vscode();
        const f = fixture();
        const count = await f.dbSize();
        await eventually('the status bar to show the key count', () => workbench.statusBarText(STATUS_ID), (t) => t === l.connected(count), 20_000);
        const seconds = (text: string): number => Number(l.stalled.exec(text)?.[1] ?? Number.NaN);
        f.server.pause();
        try {
          const first = await eventually('the status bar to say Redis is not answering', () => workbench.statusBarText(STATUS_ID), (t) => l.stalled.test(t), 10_000);
          await eventually('the warning background', () => statusClasses(workbench), (c) => c.includes('warning-kind'), 5000);
          assert.equal(await workbench.statusBarItem(STATUS_ID).locator('.codicon-warning').count(), 1, 'the stalled status has a warning icon');
          await shot('status-stalled');
          await eventually('the seconds to count up', () => workbench.statusBarText(STATUS_ID), (t) => seconds(t) > seconds(first), 5000);
        } finally {
          f.server.resume();
        }
        await eventually('the key count again', () => workbench.statusBarText(STATUS_ID), (t) => t === l.connected(count), 20_000);
        assert.ok(!(await statusClasses(workbench)).includes('has-background-color'), 'no warning background once it answers');
      });

      test('.env mistakes the backend would trip over are shown: an unneeded password (status bar and Keys view, gone once fixed), an empty REDIS_URL, a raw # in the password', async () => {
        const { workbench } = vscode();
        const f = fixture();
        const count = await f.dbSize();
        await eventually('the status bar to show the key count', () => workbench.statusBarText(STATUS_ID), (t) => t === l.connected(count), 20_000);
        const envPath = path.join(f.workspace, '.env');
        const original = readFileSync(envPath, 'utf8');
        // The message names the file as the status bar does (workspace folder, file, line of REDIS_URL).
        const envLine = `${path.basename(f.workspace)}/.env:${original.split('\n').findIndex((line) => line.startsWith('REDIS_URL=')) + 1}`;
        const writeUrl = (url: string): void => writeFileSync(envPath, original.replace(/^REDIS_URL=.*$/m, `REDIS_URL=${url}`));
        const welcome = async (): Promise<string> => ((await workbench.view(l.keysView).locator('.welcome-view-content').textContent()) ?? '').replace(/\u00a0/g, ' ');
        /** The message VS Code draws above the tree's rows, or '' when none is shown. */
        const viewMessage = async (): Promise<string> => {
          const element = workbench.view(l.keysView).locator('.tree-explorer-viewlet-tree-view > .message').first();
          return (await element.isVisible()) ? ((await element.textContent()) ?? '').replace(/\u00a0/g, ' ') : '';
        };
        try {
          await workbench.openActivityBarItem(l.container);
          await new TreeByPath(workbench, l.keysView).waitFor(['nova'], 15_000);
          assert.equal(await viewMessage(), '', 'no message while the .env is right');

          writeUrl(f.server.url(1, 'unneeded-e2e-password'));
          await eventually('the status bar to warn about the password', () => workbench.statusBarText(STATUS_ID), (t) => t === l.unneededPassword(count), 20_000);
          await eventually('the warning background', () => statusClasses(workbench), (c) => c.includes('warning-kind'), 5000);
          await shot('status-unneeded-password');
          // The tree has keys, so its welcome text (which says the same) is not shown: the view's message is.
          const message = await eventually('the Keys view to warn about the password', viewMessage, (t) => t.startsWith(l.unneededPasswordMessage(envLine)), 10_000);
          assert.ok(message.includes(f.address), `the message names the server: ${message}`);
          assert.ok(!message.includes('unneeded-e2e-password'), 'no piece of the password in the view');
          await new TreeByPath(workbench, l.keysView).waitFor(['nova'], 15_000);
          await shot('view-unneeded-password');

          writeUrl(f.server.url(1));
          await eventually('the key count again', () => workbench.statusBarText(STATUS_ID), (t) => t === l.connected(count), 20_000);
          await eventually('the Keys view message to go', viewMessage, (t) => t === '', 10_000);

          writeUrl('');
          await eventually('the status bar to show failed', () => workbench.statusBarText(STATUS_ID), (t) => t === l.failedEmptyUrl, 20_000);
          await eventually('the Keys view to say REDIS_URL is empty', welcome, (t) => t.includes(l.emptyUrlWelcome), 10_000);
          await shot('welcome-empty-url');

          writeUrl(`redis://:e2e#hashed-secret@${f.address}/1`);
          await eventually('the Keys view to name the raw #', welcome, (t) => t.includes(l.hashWelcome) && !t.includes(l.emptyUrlWelcome), 20_000);
          assert.equal(await workbench.statusBarText(STATUS_ID), l.failedHash);
          assert.ok(!(await welcome()).includes('hashed-secret'), 'no piece of the password in the view');
          await shot('welcome-hash-in-password');
        } finally {
          writeFileSync(envPath, original);
        }
        await eventually('the key count again', () => workbench.statusBarText(STATUS_ID), (t) => t === l.connected(count), 20_000);
        assert.ok(!(await statusClasses(workbench)).includes('has-background-color'), 'no background once the .env is fixed');
      });

      test('the status bar shows the key count of DB 1, then disconnected when redis-server dies, then connected again after a restart', async () => {
        const { workbench } = vscode();
        const f = fixture();

        const count = await f.dbSize();
        await eventually('the status bar to show the key count', () => workbench.statusBarText(STATUS_ID), (t) => t === l.connected(count), 20_000);
        const item = workbench.statusBarItem(STATUS_ID);
        assert.equal(await item.locator('.codicon-database').count(), 1, 'the connected status has a database icon');
        assert.ok(!(await statusClasses(workbench)).includes('has-background-color'), 'no error background while connected');
        await shot('status-connected');

        await f.kill();
        await eventually('the status bar to show disconnected', () => workbench.statusBarText(STATUS_ID), (t) => t === l.disconnected, 10_000);
        const classes = await eventually('the error background', () => statusClasses(workbench), (c) => c.includes('error-kind'), 5000);
        assert.ok(classes.includes('has-background-color'), classes.join(' '));
        assert.equal(await item.locator('.codicon-debug-disconnect').count(), 1, 'the disconnected status has a disconnect icon');
        // Each automatic retry shows "connecting…" for a moment: the picture is kept only if the status read
        // "disconnected" both before and after it was taken.
        const showsDisconnected = async (): Promise<boolean> =>
          (await workbench.statusBarText(STATUS_ID)) === l.disconnected && (await statusClasses(workbench)).includes('error-kind');
        const pictured = async (): Promise<boolean> => {
          if (!(await showsDisconnected())) {
            return false;
          }
          await shot('status-disconnected');
          return showsDisconnected();
        };
        await eventually('a screenshot of the disconnected status', pictured, (ok) => ok, 10_000);

        await f.restart();
        const reseeded = await f.dbSize();
        await eventually('the status bar to show connected again', () => workbench.statusBarText(STATUS_ID), (t) => t === l.connected(reseeded), 30_000);
        assert.ok(!(await statusClasses(workbench)).includes('has-background-color'), 'no error background once reconnected');
        await workbench.openActivityBarItem(l.container);
        await new TreeByPath(workbench, l.keysView).waitFor(['nova'], 15_000);
        await shot('status-reconnected');
      });
    });

    describe('Delete Key… and Delete Folder…', () => {
      test('a key\'s menu deletes it after a modal that names it once; a folder\'s menu says Delete Folder… and deletes every key under it', async (t) => {
        const { workbench } = vscode();
        const f = fixture();
        const one = `trash-${l.locale}:one`;
        const folder = [`trash-${l.locale}:dir:a`, `trash-${l.locale}:dir:b`];
        t.after(() => f.withAdmin(1, (c) => c.del(one, ...folder)));
        await f.withAdmin(1, (c) => c.mset(one, 'x', folder[0] ?? '', 'y', folder[1] ?? '', 'z'));
        await workbench.openActivityBarItem(l.container);
        await workbench.runCommand(l.refreshKeys);
        const tree = new TreeByPath(workbench, l.keysView);
        await tree.expand([`trash-${l.locale}`]);

        await tree.contextMenu([`trash-${l.locale}`, 'one']);
        await workbench.clickContextMenuItem(l.deleteKeyMenuItem);
        const keyDialog = await workbench.dialogState();
        assert.equal(keyDialog.message, l.deleteKeyQuestion(one));
        // The key is named in the question only, not listed again below it.
        assert.equal(keyDialog.detail, l.cannotBeUndone);
        assert.deepEqual(keyDialog.buttons.slice().sort(), [l.cancel, l.deleteKeyButton].sort());
        await shot('delete-key-modal');
        await workbench.answerDialog(l.deleteKeyButton);
        await eventually(`${one} to be deleted on the server`, () => f.scanKeys(one), (keys) => keys.length === 0, 10_000);
        // The view redraws after the delete; a right-click during the redraw could land on the parent folder.
        await eventually('the Keys view to drop the key', () => tree.find([`trash-${l.locale}`, 'one']), (row) => row === undefined, 10_000);

        await tree.contextMenu([`trash-${l.locale}`, 'dir']);
        const labels = await workbench.contextMenuLabels();
        assert.ok(labels.includes(l.deleteFolderMenuItem) && !labels.includes(l.deleteKeyMenuItem), `folder menu: ${labels.join(' | ')}`);
        await workbench.clickContextMenuItem(l.deleteFolderMenuItem);
        const pattern = `trash-${l.locale}:dir:*`;
        const folderDialog = await workbench.dialogState();
        assert.equal(folderDialog.message, l.deleteFolderQuestion(2, pattern));
        assert.deepEqual(folderDialog.buttons.slice().sort(), [l.cancel, l.deleteFolderButton(2)].sort());
        await shot('delete-folder-modal');
        await workbench.answerDialog(l.deleteFolderButton(2));
        assert.equal(await workbench.waitForNotification(l.deletedFolder(2, pattern)), l.deletedFolder(2, pattern));
        assert.deepEqual(await f.scanKeys(`trash-${l.locale}:*`), []);
        assert.ok((await f.dbSize()) > 0, 'the rest of DB 1 is kept');
      });
    });

    // Last: it empties DB 1.
    describe('NOVA: Flush Database', () => {
      test('asks first in a modal naming the key count, the DB and the server; Cancel keeps every key', async () => {
        const { workbench } = vscode();
        const f = fixture();
        const count = await f.dbSize();
        assert.ok(count > 0, 'DB 1 holds the fixture');
        await workbench.runCommand(l.flush);
        const dialog = await workbench.dialogState();
        assert.equal(dialog.message, l.flushQuestion(count, f.address));
        assert.equal(dialog.detail, l.flushDetail);
        assert.deepEqual(dialog.buttons.slice().sort(), [l.cancel, l.flushButton].sort());
        await shot('flush-modal');
        await workbench.answerDialog(l.cancel);
        assert.equal(await f.dbSize(), count);
        await workbench.openActivityBarItem(l.container);
        await new TreeByPath(workbench, l.keysView).waitFor(['nova'], 5000);
      });

      test('confirming, then typing the DB index, empties DB 1 only: the DB 0 marker keys remain', async () => {
        const { workbench } = vscode();
        const f = fixture();
        const count = await f.dbSize();
        await workbench.runCommand(l.flush);
        await workbench.answerDialog(l.flushButton);

        const box = await workbench.inputBox();
        assert.equal(box.title, l.flushTitle(f.address));
        assert.equal(box.prompt, l.flushPrompt);
        await workbench.typeInInputBox('0');
        // The box turns red a moment before its message changes: wait for the message itself.
        await eventually('the validation message', () => workbench.inputBox(), (b) => b.validation === l.flushWrongIndex, 10_000);
        await workbench.pressEnterInInputBox();
        assert.equal(await f.dbSize(), count, 'a wrong index flushes nothing');

        await workbench.typeInInputBox('1');
        await eventually('the prompt to come back', () => workbench.inputBox(), (b) => b.validation === undefined && b.value === '1', 10_000);
        await workbench.pressEnterInInputBox();
        await eventually('DB 1 to be empty', () => f.dbSize(), (n) => n === 0, 10_000);
        assert.deepEqual(await f.scanKeys('*', 0), f.markerKeys.slice().sort());
        assert.equal(await workbench.waitForNotification(l.flushed(f.address, count)), l.flushed(f.address, count));

        await workbench.openActivityBarItem(l.container);
        const welcome = workbench.view(l.keysView).locator('.welcome-view-content');
        await eventually('the Keys view to say the database is empty', async () => (await welcome.textContent()) ?? '', (t) => t.includes(l.emptyDatabase), 10_000);
        assert.deepEqual(await new TreeByPath(workbench, l.keysView).rows(), []);
        // The status bar's count is refreshed with DBSIZE every 10 s.
        await eventually('the status bar to show 0 keys', () => workbench.statusBarText(STATUS_ID), (t) => t === l.connected(0), 20_000);
        await shot('flushed');
      });
    });
  });
}
