/**
 * Values open as read-only virtual documents (not webviews): VS Code's own editor gives search,
 * folding, syntax highlighting and never freezes on a preview. The URI carries the key's bytes, so
 * binary names reach exactly their key, and the server and DB it was opened on, so a tab never shows
 * another DB's key after the .env changed; the path is only the tab title.
 *
 * What a tab has loaded (its `ValueSession`, paged by Load More) is kept per URI for as long as a
 * tab shows that URI. It does not follow the document's open/close events: VS Code closes and
 * reopens the document when its language changes (to JSON, say), and the loaded pages must survive.
 */
import * as vscode from 'vscode';
import { ContextKeys, Schemes, StateKeys } from '../constants';
import type { ConnectionManager, SessionKeysChange } from '../connection/connectionManager';
import type { RedisSession } from '../connection/session';
import type { ValueSession, ValueView } from '../redis/values';
import type { DecoderId, Note } from '../redis/decoders';
import { bytesFromId, bytesId, displayName } from '../redis/keyName';
import { NovaError, isNovaError } from '../redis/errors';
import { keyTypeOf } from '../redis/keyMeta';
import { hostPort } from '../redis/url';
import { affects, readSettings } from '../config/settings';
import { DisposableBase, Emitter } from '../util/event';
import { DecoderMemory } from './decoderMemory';
import { describeError } from './messages';
import { elementCount, formatBytes, formatNumber, formatTtl, plural } from './format';
import { typeLabel } from './keysView';
import { readOnlyReason } from './valueEditor';

interface Entry {
  /** The session the value was read on: Load More continues on it, or fails if it ended. */
  session: RedisSession;
  value: ValueSession;
  /** When the value's PTTL was read (local clock): the header counts down from it. */
  readAt: number;
  /** The last layout, reused while only the TTL changes (the countdown redraws every second). */
  rendered?: { decoder: DecoderId | undefined; view: ValueView };
  /** A keyspace notification said the key changed or went away after it was read. */
  remote?: RemoteChange;
}

export type RemoteChange = 'changed' | 'deleted';

/** The server and DB a value tab belongs to. */
export interface ValueBinding {
  server: string;
  db: number;
}

export function valueUri(key: Buffer, binding: ValueBinding): vscode.Uri {
  // U+2215 keeps a "/" in a key name from splitting the tab title.
  const title = displayName(key).replace(/\//g, '\u2215') || '""';
  const query = new URLSearchParams({ server: binding.server, db: String(binding.db), key: bytesId(key) });
  return vscode.Uri.from({ scheme: Schemes.value, path: `/${title}`, query: query.toString() });
}

export function keyOfUri(uri: vscode.Uri): Buffer {
  const id = new URLSearchParams(uri.query).get('key');
  if (!id) {
    throw new NovaError('KEY_NOT_FOUND', 'no key in the URI');
  }
  return bytesFromId(id);
}

export function bindingOfUri(uri: vscode.Uri): ValueBinding {
  const q = new URLSearchParams(uri.query);
  return { server: q.get('server') ?? '', db: Number(q.get('db')) };
}

export function bindingOf(session: RedisSession): ValueBinding {
  return { server: hostPort(session.endpoint), db: session.db };
}

function sameBinding(a: ValueBinding, b: ValueBinding): boolean {
  return a.server === b.server && a.db === b.db;
}

function isValueUri(uri: vscode.Uri | undefined): uri is vscode.Uri {
  return uri?.scheme === Schemes.value;
}

/** The URIs of the value tabs open in any editor group. */
function openValueTabs(): vscode.Uri[] {
  const out: vscode.Uri[] = [];
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (tab.input instanceof vscode.TabInputText && isValueUri(tab.input.uri)) {
        out.push(tab.input.uri);
      }
    }
  }
  return out;
}

export class ValueDocuments extends DisposableBase implements vscode.TextDocumentContentProvider {
  private readonly changed = this.register(new Emitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly entries = new Map<string, Entry>();
  /** URIs whose content is being read. */
  private readonly reading = new Set<string>();
  private generation = -1;
  private ttlTimer: NodeJS.Timeout | undefined;
  private readonly drawnTtl = new Map<string, string>();
  readonly decoders: DecoderMemory;

  constructor(
    private readonly connection: ConnectionManager,
    state: vscode.Memento,
  ) {
    super();
    this.decoders = new DecoderMemory(state, () => readSettings().delimiter, StateKeys.decoderByPrefix, StateKeys.decoderByKey);
    this.register(
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        if (e.closed.length > 0) {
          this.forgetClosedTabs(e.closed);
        }
        // A tab opened again on a document VS Code still holds shows what it held: read it again, so
        // that it is current and Load More knows where it stands.
        for (const tab of [...e.opened, ...e.changed]) {
          const uri = tab.input instanceof vscode.TabInputText ? tab.input.uri : undefined;
          if (isValueUri(uri) && !this.entries.has(uri.toString()) && !this.reading.has(uri.toString())) {
            this.reread(uri);
          }
        }
      }),
    );
    // The Keys view opens values with vscode.open: the language follows the value once the document exists.
    this.register(
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (isValueUri(doc.uri)) {
          void this.applyLanguage(doc);
        }
      }),
    );
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, 'values')) {
          this.refreshAll();
        }
      }),
    );
    this.register(vscode.window.onDidChangeVisibleTextEditors(() => this.tickTtls()));
    this.register({ dispose: () => clearTimeout(this.ttlTimer) });
    this.register(connection.onDidChangeKeys((e) => this.onKeysChanged(e)));
    this.register(
      connection.onDidChangeState(() => {
        // A new connection: every tab reads again, on it or (another DB now) says it cannot. While
        // disconnected the tabs keep what they show.
        const session = this.connection.session;
        if (session && session.generation !== this.generation) {
          this.generation = session.generation;
          this.refreshAll();
        }
      }),
    );
    this.updateContext();
  }

  decoderFor(key: Buffer): DecoderId | undefined {
    return this.decoders.decoderFor(key);
  }

  /** After a View Value As choice: the key's open tabs lay out what they hold again, without a read. */
  redecode(key: Buffer): void {
    for (const uri of this.openUris((k) => k.equals(key))) {
      this.changed.fire(uri);
    }
  }

  async open(key: Buffer, options: { preserveFocus?: boolean } = {}): Promise<void> {
    const uri = valueUri(key, bindingOf(this.connection.requireSession()));
    // Reopening means "show me what it is now".
    const held = vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString());
    const doc = await vscode.workspace.openTextDocument(uri);
    if (held) {
      this.reread(uri);
    }
    await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: options.preserveFocus });
    await this.applyLanguage(doc);
  }

  /** After a flush or a new connection: every open value tab reads its key again. */
  refreshAll(): void {
    for (const uri of this.openUris(() => true)) {
      this.reread(uri);
    }
  }

  /**
   * "Refresh Value": reads the key again. A tab opened on another DB or server than the connection's
   * is replaced by the same key on the current one.
   */
  async refreshUri(uri: vscode.Uri): Promise<void> {
    const session = this.connection.session;
    if (session && !sameBinding(bindingOfUri(uri), bindingOf(session))) {
      await this.open(keyOfUri(uri));
      // A preview tab was replaced by the new one already; a pinned one is closed here.
      const stale = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString());
      if (stale.length > 0) {
        await vscode.window.tabGroups.close(stale);
      }
      return;
    }
    this.reread(uri);
  }

  value(uri: vscode.Uri): ValueSession | undefined {
    return this.entries.get(uri.toString())?.value;
  }

  async loadMore(uri: vscode.Uri): Promise<void> {
    const entry = this.entries.get(uri.toString());
    if (!entry?.value.canLoadMore) {
      return;
    }
    try {
      const readAt = Date.now();
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Loading the rest of the value…') }, () =>
        entry.session.loadMoreValue(entry.value),
      );
      entry.readAt = readAt;
      entry.rendered = undefined;
    } catch (err) {
      if (isNovaError(err, 'SESSION_ENDED')) {
        // Read the tab again on the new connection, so that trying again works.
        this.reread(uri);
      }
      throw err;
    }
    this.changed.fire(uri);
    this.updateContext();
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const key = keyOfUri(uri);
    this.reading.add(uri.toString());
    try {
      const session = this.connection.requireSession();
      const binding = bindingOfUri(uri);
      const now = bindingOf(session);
      if (!sameBinding(binding, now)) {
        this.entries.delete(uri.toString());
        return staleText(key, binding, now);
      }
      let entry = this.entries.get(uri.toString());
      if (!entry || entry.session !== session) {
        const settings = readSettings();
        const readAt = Date.now();
        const value = await session.openValue(key, { previewThreshold: settings.previewThresholdBytes, zsetOrder: settings.zsetOrder });
        entry = { session, value, readAt };
        this.entries.set(uri.toString(), entry);
      }
      const decoder = this.decoderFor(key);
      if (entry.rendered?.decoder !== decoder || !entry.rendered) {
        entry.rendered = { decoder, view: entry.value.render(decoder) };
      }
      const view = entry.rendered.view;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc) {
        void this.applyLanguage(doc, view);
      }
      const ttl = ttlNow(entry, Date.now());
      this.drawnTtl.set(uri.toString(), ttl);
      // The editor may not be visible yet: the first tick looks a second later.
      this.ttlTimer ??= setTimeout(() => this.tickTtls(), 1000);
      return `${header(view, ttl, entry.remote)}${view.body}${view.body.endsWith('\n') ? '' : '\n'}`;
    } catch (err) {
      this.entries.delete(uri.toString());
      const error = isNovaError(err) ? err : new NovaError('UNKNOWN', String(err));
      // Named by address: a stalled or lost server is one the user can go and look at.
      const text = describeError(error, this.connection.session?.endpoint);
      return `// ${displayName(key)}\n// ${text.message}\n// ${text.hint}\n`;
    } finally {
      this.reading.delete(uri.toString());
      this.updateContext();
    }
  }

  /**
   * A keyspace notification about keys other clients wrote or deleted: their open tabs say so in
   * their header and offer to reload, and keep what they show until the user does.
   */
  markRemote(keys: readonly Buffer[], change: RemoteChange, session: RedisSession): void {
    const set = new Set(keys.map((k) => k.toString('hex')));
    for (const uri of this.openUris((k) => set.has(k.toString('hex')))) {
      const entry = this.entries.get(uri.toString());
      // No entry: the tab is being read right now, and shows what the server holds after the change.
      if (entry && entry.session === session && entry.remote !== change) {
        entry.remote = change;
        this.changed.fire(uri);
      }
    }
  }

  /**
   * Redraws the visible value tabs whose TTL text changed (no server command: the remaining time is
   * computed from when the PTTL was read), at most once per second, only while one counts down.
   */
  private tickTtls(): void {
    clearTimeout(this.ttlTimer);
    this.ttlTimer = undefined;
    const now = Date.now();
    let counting = false;
    for (const editor of vscode.window.visibleTextEditors) {
      const uri = editor.document.uri;
      const entry = isValueUri(uri) ? this.entries.get(uri.toString()) : undefined;
      if (!entry?.rendered || entry.rendered.view.header.pttl < 0) {
        continue;
      }
      const text = ttlNow(entry, now);
      if (remainingMs(entry, now) > 0) {
        counting = true;
      }
      if (this.drawnTtl.get(uri.toString()) !== text) {
        this.drawnTtl.set(uri.toString(), text);
        this.changed.fire(uri);
      }
    }
    if (counting) {
      this.ttlTimer = setTimeout(() => this.tickTtls(), 1000);
    }
  }

  private reread(uri: vscode.Uri): void {
    this.entries.delete(uri.toString());
    this.changed.fire(uri);
  }

  /** Open value tabs whose key passes `test`. */
  private openUris(test: (key: Buffer) => boolean): vscode.Uri[] {
    const seen = new Set<string>();
    const out: vscode.Uri[] = [];
    for (const uri of [...openValueTabs(), ...vscode.workspace.textDocuments.map((d) => d.uri).filter(isValueUri)]) {
      if (!seen.has(uri.toString()) && test(keyOfUri(uri))) {
        seen.add(uri.toString());
        out.push(uri);
      }
    }
    return out;
  }

  /** A write on the session a tab was read on: that tab reads its key again. */
  private onKeysChanged({ session, change }: SessionKeysChange): void {
    const touched = (key: Buffer): boolean => {
      switch (change.kind) {
        case 'keys':
          return change.keys.some((k) => k.equals(key));
        case 'folder':
          return key.length > change.prefix.length && key.subarray(0, change.prefix.length).equals(change.prefix);
        case 'db':
          return true;
      }
    };
    for (const uri of this.openUris(touched)) {
      if (sameBinding(bindingOfUri(uri), bindingOf(session))) {
        this.reread(uri);
      }
    }
  }

  /**
   * Only the closed tabs' values are forgotten: when a preview tab is replaced, the event can come
   * before the new tab is listed, and the value just read for it must not go with the old one.
   */
  private forgetClosedTabs(closed: readonly vscode.Tab[]): void {
    const open = new Set(openValueTabs().map((u) => u.toString()));
    for (const tab of closed) {
      const uri = tab.input instanceof vscode.TabInputText && isValueUri(tab.input.uri) ? tab.input.uri.toString() : undefined;
      if (uri && !open.has(uri)) {
        this.entries.delete(uri);
        this.drawnTtl.delete(uri);
      }
    }
  }

  /** Load More of Value is offered only on a tab whose value has more to load. */
  private updateContext(): void {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const entry = isValueUri(uri) ? this.entries.get(uri.toString()) : undefined;
    void vscode.commands.executeCommand('setContext', ContextKeys.valueCanLoadMore, entry?.value.canLoadMore ?? false);
    // The element edits of the tab's title bar depend on the type it shows.
    void vscode.commands.executeCommand('setContext', ContextKeys.valueType, entry?.value.type ?? '');
  }

  private async applyLanguage(doc: vscode.TextDocument, view?: ValueView): Promise<void> {
    const v = view ?? this.value(doc.uri)?.render(this.decoderFor(keyOfUri(doc.uri)));
    // jsonc, not json: the header lines are comments, which plain JSON highlighting marks as errors. A
    // string cut by its preview is plain text: as JSON, its missing end would fill the Problems panel.
    const cut = v?.header.sizeUnit === 'bytes' && v.header.partial;
    const language = v?.header.language === 'json' && !cut ? 'jsonc' : v?.header.language === 'python' ? 'python' : 'plaintext';
    if (doc.languageId !== language) {
      await vscode.languages.setTextDocumentLanguage(doc, language);
    }
  }
}

function staleText(key: Buffer, binding: ValueBinding, now: ValueBinding): string {
  const lines = [
    displayName(key),
    binding.server === now.server
      ? vscode.l10n.t('This tab was opened on DB {0}; the connection now uses DB {1}, so its content is not shown.', binding.db, now.db)
      : vscode.l10n.t('This tab was opened on {0}, DB {1}; the connection now uses {2}, DB {3}, so its content is not shown.', binding.server, binding.db, now.server, now.db),
    vscode.l10n.t('Run "NOVA: Refresh Value" to open this key on DB {0} instead.', now.db),
  ];
  return lines.map((l) => `// ${l}\n`).join('');
}

function remainingMs(entry: Entry, now: number): number {
  const pttl = entry.rendered?.view.header.pttl ?? -1;
  return pttl < 0 ? Number.POSITIVE_INFINITY : pttl - (now - entry.readAt);
}

/** The header's TTL text at `now`: counted down from the PTTL read with the value. */
function ttlNow(entry: Entry, now: number): string {
  const left = remainingMs(entry, now);
  if (left === Number.POSITIVE_INFINITY) {
    return formatTtl(null);
  }
  return left > 0 ? formatTtl(left) : vscode.l10n.t('expired');
}

function header(view: ValueView, ttl: string, remote: RemoteChange | undefined): string {
  const h = view.header;
  const lines: string[] = [];
  const size =
    h.size === undefined ? '' : h.sizeUnit === 'bytes' ? formatBytes(h.size) : elementCount(h.size);
  // The type in the display language, as in the Keys view; a module type keeps the name TYPE gave.
  const kind = keyTypeOf(h.type);
  const type = kind === 'other' || kind === 'none' ? h.type : typeLabel(kind);
  lines.push(vscode.l10n.t('{0} · {1} · TTL {2} · {3}', displayName(h.key), type, ttl, size));
  if (remote === 'changed') {
    lines.push(vscode.l10n.t('Changed on the server since it was read — reload? Run "NOVA: Refresh Value".'));
  } else if (remote === 'deleted') {
    lines.push(vscode.l10n.t('Deleted on the server (or expired) since it was read — reload? Run "NOVA: Refresh Value".'));
  }
  const decoders = h.decoders.length > 0 ? h.decoders.join(' → ') : '—';
  lines.push(vscode.l10n.t('Decoded as: {0}{1} — "NOVA: View Value As…" to change', decoders, h.requested ? ` (${vscode.l10n.t('chosen')})` : ''));
  if (h.order) {
    lines.push(
      h.order === 'highestFirst'
        ? vscode.l10n.t('Order: highest score first (setting nova.values.zsetOrder)')
        : vscode.l10n.t('Order: lowest score first (setting nova.values.zsetOrder)'),
    );
  }
  if (h.partial) {
    const loaded = h.sizeUnit === 'bytes' ? formatBytes(h.loaded) : formatNumber(h.loaded);
    lines.push(
      h.canLoadMore
        ? vscode.l10n.t('Partial: {0} of {1} loaded — run "NOVA: Load More of Value" for more.', loaded, size || '?')
        : vscode.l10n.t('Partial: {0} of {1} shown.', loaded, size || '?'),
    );
  }
  for (const note of h.notes) {
    lines.push(noteText(note));
  }
  const readOnly = readOnlyReason(h);
  if (readOnly) {
    lines.push(readOnly);
  }
  // The header is a comment in the document's language, so highlighting shows the value, not errors.
  const comment = h.language === 'python' ? '#' : '//';
  return lines.map((l) => `${comment} ${l}\n`).join('') + '\n';
}

function arg(note: Note, name: string): string {
  const v = note.args?.[name];
  return v === undefined ? '' : String(v);
}

function noteText(note: Note): string {
  switch (note.code) {
    case 'EMPTY':
      return vscode.l10n.t('The value is an empty string.');
    case 'DECODE_FAILED':
      return vscode.l10n.t('Could not decode as {0}: showing the bytes in hex.', arg(note, 'decoder'));
    case 'NEEDS_FULL_VALUE':
      return vscode.l10n.t('Looks like {0}, but only a preview is loaded: load the whole value to decode it.', arg(note, 'decoder'));
    case 'JSON_INCOMPLETE':
      return vscode.l10n.t('The JSON is cut by the preview: only the loaded part is laid out.');
    case 'JSON_BIG_NUMBERS':
      return plural(
        Number(arg(note, 'count')),
        vscode.l10n.t('{0} integer beyond 2^53 is shown exactly as stored.', arg(note, 'count')),
        vscode.l10n.t('{0} integers beyond 2^53 are shown exactly as stored.', arg(note, 'count')),
      );
    case 'JSON_NON_STANDARD':
      return vscode.l10n.t('Contains NaN or Infinity, which Python writes but strict JSON rejects.');
    case 'PICKLE_OPAQUE':
      return vscode.l10n.t('Pickled objects shown as records, never executed: {0}', arg(note, 'names'));
    case 'PICKLE_RECURSIVE':
      return vscode.l10n.t('The pickle refers to itself; the repeated reference is marked.');
    case 'PICKLE_TRAILING_BYTES':
      return plural(
        Number(arg(note, 'count')),
        vscode.l10n.t('{0} byte follows the end of the pickle.', arg(note, 'count')),
        vscode.l10n.t('{0} bytes follow the end of the pickle.', arg(note, 'count')),
      );
    case 'PICKLE_BAD_TEXT':
      return vscode.l10n.t('Text in the pickle is not valid UTF-8; replacement characters are shown.');
    case 'RENDER_LIMIT':
      return vscode.l10n.t('The value is too large to show whole; the display is cut.');
    case 'DEPTH_LIMIT':
      return vscode.l10n.t('Nested deeper than {0} levels: the deeper parts are shown as "...".', formatNumber(Number(arg(note, 'limit'))));
    case 'DECODE_TIMEOUT':
      return vscode.l10n.t('Decoding stopped after {0} s: what was decoded so far is shown.', arg(note, 'seconds'));
    case 'JSON_TOO_DEEP':
      return vscode.l10n.t('Nested deeper than {0} levels: shown as text.', formatNumber(Number(arg(note, 'limit'))));
    case 'JSON_TOO_LARGE':
      return vscode.l10n.t('Too large to lay out: the JSON is shown as stored.');
    case 'ELEMENTS_TRUNCATED':
      return vscode.l10n.t('{0} elements are larger than {1} (up to {2}): only their first bytes are shown.', arg(note, 'count'), formatBytes(Number(arg(note, 'limit'))), formatBytes(Number(arg(note, 'largest'))));
    case 'PAGE_BYTES_LIMIT':
      return vscode.l10n.t('This page stopped at {0} (large elements): load more for the next ones.', formatBytes(Number(arg(note, 'bytes'))));
    case 'PAGE_INFLATE_LIMIT':
      return vscode.l10n.t('{0} compressed elements are shown as stored: this page already expanded {1}.', arg(note, 'count'), formatBytes(Number(arg(note, 'limit'))));
    case 'ELEMENTS_JSON':
      return vscode.l10n.t('{0} elements hold a JSON object or array and are shown decoded; the others are shown as the strings Redis stores.', arg(note, 'count'));
    case 'COMPRESSED_UNSUPPORTED':
      return vscode.l10n.t('Compressed with {0}, which cannot be decoded here: showing the bytes.', arg(note, 'format'));
    case 'FRAMEWORK':
      return vscode.l10n.t('Written by {0}: its wrapping is removed.', arg(note, 'framework'));
    case 'DJANGO_KEY':
      return vscode.l10n.t('Django cache key: prefix "{0}", version {1}, key "{2}".', arg(note, 'prefix'), arg(note, 'version'), arg(note, 'key'));
    case 'HEX_TRUNCATED':
      return vscode.l10n.t('The hex view shows only the first {0} bytes.', arg(note, 'bytes') || arg(note, 'count'));
    case 'INFLATE_LIMIT':
      return vscode.l10n.t('The compressed value expands beyond the display limit; the rest is not shown.');
    case 'INFLATE_INCOMPLETE':
      return vscode.l10n.t('The compressed data is incomplete (a preview?): load the whole value.');
    case 'ELEMENTS_UNDECODED':
      return plural(
        Number(arg(note, 'count')),
        vscode.l10n.t('{0} element could not be decoded and is shown as bytes.', arg(note, 'count')),
        vscode.l10n.t('{0} elements could not be decoded and are shown as bytes.', arg(note, 'count')),
      );
    case 'UNSUPPORTED_TYPE':
      return vscode.l10n.t('The viewer cannot read keys of type {0}.', arg(note, 'type'));
  }
}
