/**
 * Values open as read-only virtual documents (not webviews): VS Code's own editor gives search,
 * folding, syntax highlighting and never freezes on a preview. The URI carries the key's bytes, so
 * binary names reach exactly their key; the path is only the tab title.
 */
import * as vscode from 'vscode';
import { Schemes, Settings, StateKeys } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import { ValueSession, type ValueView } from '../redis/values';
import type { DecoderId, Note } from '../redis/decoders';
import { bytesFromId, bytesId, displayName } from '../redis/keyName';
import { NovaError, isNovaError } from '../redis/errors';
import { DisposableBase, Emitter } from '../util/event';
import { describeError } from './messages';
import { formatBytes, formatNumber, formatTtl } from './format';

interface Entry {
  session?: ValueSession;
  generation: number;
}

export function valueUri(key: Buffer, db: number): vscode.Uri {
  // U+2215 keeps a "/" in a key name from splitting the tab title.
  const title = displayName(key).replace(/\//g, '\u2215') || '""';
  return vscode.Uri.from({ scheme: Schemes.value, path: `/${title}`, query: `db=${db}&key=${bytesId(key)}` });
}

export function keyOfUri(uri: vscode.Uri): Buffer {
  const id = new URLSearchParams(uri.query).get('key');
  if (!id) {
    throw new NovaError('KEY_NOT_FOUND', 'no key in the URI');
  }
  return bytesFromId(id);
}

/** Decoder choices are remembered per key prefix: keys of one namespace are usually written alike. */
export function prefixOf(key: Buffer, delimiter: string): string {
  const name = displayName(key);
  const at = delimiter ? name.lastIndexOf(delimiter) : -1;
  return at > 0 ? name.slice(0, at + delimiter.length) : name;
}

export class ValueDocuments extends DisposableBase implements vscode.TextDocumentContentProvider {
  private readonly changed = this.register(new Emitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly connection: ConnectionManager,
    private readonly state: vscode.Memento,
  ) {
    super();
    this.register(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === Schemes.value) {
          this.entries.delete(doc.uri.toString());
        }
      }),
    );
  }

  private delimiter(): string {
    return vscode.workspace.getConfiguration(Settings.section).get<string>(Settings.delimiter, ':');
  }

  decoderFor(key: Buffer): DecoderId | undefined {
    const map = this.state.get<Record<string, DecoderId>>(StateKeys.decoderByPrefix, {});
    return map[prefixOf(key, this.delimiter())];
  }

  async rememberDecoder(key: Buffer, decoder: DecoderId | undefined): Promise<void> {
    const map = { ...this.state.get<Record<string, DecoderId>>(StateKeys.decoderByPrefix, {}) };
    const prefix = prefixOf(key, this.delimiter());
    if (decoder) {
      map[prefix] = decoder;
    } else {
      delete map[prefix];
    }
    await this.state.update(StateKeys.decoderByPrefix, map);
    this.refreshKey(key, false);
  }

  async open(key: Buffer): Promise<void> {
    const { target } = this.connection.getClient();
    const uri = valueUri(key, target.db);
    // Reopening means "show me what it is now".
    this.entries.delete(uri.toString());
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
    await this.applyLanguage(doc);
  }

  /** Drops the cached reads of a key's open tabs, so they show the server's current value. */
  refreshKey(key: Buffer, reread = true): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme === Schemes.value && keyOfUri(doc.uri).equals(key)) {
        if (reread) {
          this.entries.delete(doc.uri.toString());
        }
        this.changed.fire(doc.uri);
      }
    }
  }

  /** After a flush or a folder delete: every open value tab reads its key again. */
  refreshAll(): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme === Schemes.value) {
        this.refreshUri(doc.uri);
      }
    }
  }

  refreshUri(uri: vscode.Uri): void {
    this.entries.delete(uri.toString());
    this.changed.fire(uri);
  }

  session(uri: vscode.Uri): ValueSession | undefined {
    return this.entries.get(uri.toString())?.session;
  }

  async loadMore(uri: vscode.Uri): Promise<void> {
    const session = this.session(uri);
    if (!session?.canLoadMore) {
      return;
    }
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Loading the rest of the value…') }, () =>
      this.connection.run((client) => session.loadMore(client)),
    );
    this.changed.fire(uri);
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const key = keyOfUri(uri);
    try {
      const state = this.connection.state;
      const generation = state.kind === 'connected' ? state.generation : -1;
      let entry = this.entries.get(uri.toString());
      if (!entry?.session || entry.generation !== generation) {
        const session = await this.connection.run((client, server) =>
          ValueSession.open(client, server.caps, key, {
            previewThreshold: vscode.workspace.getConfiguration(Settings.section).get<number>(Settings.previewBytes, 1024 * 1024),
          }),
        );
        entry = { session, generation };
        this.entries.set(uri.toString(), entry);
      }
      const view = entry.session!.render(this.decoderFor(key));
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc) {
        void this.applyLanguage(doc, view);
      }
      return `${header(view)}${view.body}${view.body.endsWith('\n') ? '' : '\n'}`;
    } catch (err) {
      const error = isNovaError(err) ? err : new NovaError('UNKNOWN', String(err));
      const text = describeError(error);
      return `// ${displayName(key)}\n// ${text.message}\n// ${text.hint}\n`;
    }
  }

  private async applyLanguage(doc: vscode.TextDocument, view?: ValueView): Promise<void> {
    const v = view ?? this.session(doc.uri)?.render(this.decoderFor(keyOfUri(doc.uri)));
    // jsonc, not json: the header lines are comments, which plain JSON highlighting marks as errors.
    const language = v?.header.language === 'json' ? 'jsonc' : 'plaintext';
    if (doc.languageId !== language) {
      await vscode.languages.setTextDocumentLanguage(doc, language);
    }
  }
}

function header(view: ValueView): string {
  const h = view.header;
  const lines: string[] = [];
  const size =
    h.size === undefined ? '' : h.sizeUnit === 'bytes' ? formatBytes(h.size) : vscode.l10n.t('{0} elements', formatNumber(h.size));
  const ttl = h.pttl < 0 ? formatTtl(null) : formatTtl(h.pttl);
  lines.push(vscode.l10n.t('{0} · {1} · TTL {2} · {3}', displayName(h.key), h.type, ttl, size));
  const decoders = h.decoders.length > 0 ? h.decoders.join(' → ') : '—';
  lines.push(vscode.l10n.t('Decoded as: {0}{1} — "NOVA: View Value As…" to change', decoders, h.requested ? ` (${vscode.l10n.t('chosen')})` : ''));
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
  return lines.map((l) => `// ${l}\n`).join('') + '\n';
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
      return vscode.l10n.t('{0} integers beyond 2^53 are shown exactly as stored.', arg(note, 'count'));
    case 'JSON_NON_STANDARD':
      return vscode.l10n.t('Contains NaN or Infinity, which Python writes but strict JSON rejects.');
    case 'PICKLE_OPAQUE':
      return vscode.l10n.t('Pickled objects shown as records, never executed: {0}', arg(note, 'names'));
    case 'PICKLE_RECURSIVE':
      return vscode.l10n.t('The pickle refers to itself; the repeated reference is marked.');
    case 'PICKLE_TRAILING_BYTES':
      return vscode.l10n.t('{0} bytes follow the end of the pickle.', arg(note, 'count'));
    case 'PICKLE_BAD_TEXT':
      return vscode.l10n.t('Text in the pickle is not valid UTF-8; replacement characters are shown.');
    case 'RENDER_LIMIT':
      return vscode.l10n.t('The value is too large to show whole; the display is cut.');
    case 'HEX_TRUNCATED':
      return vscode.l10n.t('The hex view shows only the first {0} bytes.', arg(note, 'bytes') || arg(note, 'count'));
    case 'INFLATE_LIMIT':
      return vscode.l10n.t('The compressed value expands beyond the display limit; the rest is not shown.');
    case 'INFLATE_INCOMPLETE':
      return vscode.l10n.t('The compressed data is incomplete (a preview?): load the whole value.');
    case 'ELEMENTS_UNDECODED':
      return vscode.l10n.t('{0} elements could not be decoded and are shown as bytes.', arg(note, 'count'));
    case 'UNSUPPORTED_TYPE':
      return vscode.l10n.t('The viewer cannot read keys of type {0}.', arg(note, 'type'));
  }
}
