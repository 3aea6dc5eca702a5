/**
 * "Edit Value": a string value opened as a normal, writable VS Code document (undo, search,
 * multi-cursor, format) on a file system of its own, whose writeFile is the save to Redis. The value
 * tabs stay read-only virtual documents; an edit tab is a separate document, so a refresh of the
 * value tab never overwrites what is being typed.
 *
 * Saving re-encodes the text the way the value was stored (valueWrite.ts) and writes it only if the
 * server still holds the value the edit started from. If not, the user sees the server's value
 * beside theirs in the diff editor and chooses; if the key is gone, they may create it again with
 * the TTL it had. Every write goes through the session, which refuses it in read-only mode.
 */
import * as vscode from 'vscode';
import { Schemes } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import type { RedisSession } from '../connection/session';
import { displayName } from '../redis/keyName';
import { NovaError, isNovaError } from '../redis/errors';
import type { ValueHeader } from '../redis/values';
import { editForm, encodeEdit, sha1, type EditBlock, type EditForm, type LoadedString, type SaveMode, type SaveOutcome, type StringWatch } from '../redis/valueWrite';
import { DisposableBase, Emitter } from '../util/event';
import { formatTtl } from './format';
import { describeError } from './messages';
import { bindingOf, valueUri, type ValueBinding, type ValueDocuments } from './valueDocuments';

interface EditEntry {
  key: Buffer;
  binding: ValueBinding;
  form: EditForm;
  /** The stored bytes the edit started from: a save writes only if the server still holds them. */
  baseSha1: string;
  /** PTTL when loaded (-1: none), offered again if the key vanishes meanwhile. */
  pttl: number;
  /** What readFile returns. */
  text: string;
  mtime: number;
  /** After "Take the server's value": once VS Code has finished the save, the document reloads. */
  reloadAfterSave?: boolean;
  /** The WATCH a save goes through when it still can (one server); disposed with the tab. */
  watch?: StringWatch;
}

/** The server's value, shown on the left of a conflict diff; read-only. */
interface ServerView {
  text: string;
  mtime: number;
}

const EXTENSIONS: Record<EditForm['language'], string> = { json: '.json', python: '.py', plaintext: '.txt' };

/**
 * Like the value tab's URI (key bytes, server and DB), on the editable scheme. The title ends with
 * the language's extension: VS Code picks the language from it (setting it afterwards reopens the
 * document, which would drop what is typed meanwhile), and it tells the tab from the read-only one.
 */
export function editUri(key: Buffer, binding: ValueBinding, language: EditForm['language']): vscode.Uri {
  const uri = valueUri(key, binding);
  return uri.with({ scheme: Schemes.edit, path: uri.path + EXTENSIONS[language] });
}

function serverUri(uri: vscode.Uri): vscode.Uri {
  return uri.with({ query: `${uri.query}&side=server` });
}

function isServerUri(uri: vscode.Uri): boolean {
  return new URLSearchParams(uri.query).get('side') === 'server';
}

/** Why a value cannot be edited, as the header and the command say it. */
export function blockText(block: EditBlock): string {
  switch (block.code) {
    case 'BINARY':
      return vscode.l10n.t('Read-only: binary data (shown in hex) cannot be edited as text.');
    case 'PICKLE_CLASSES':
      return vscode.l10n.t('Read-only: the pickle holds {0}, which only its Python class can rebuild. Only plain data (dict, list, str, int, datetime, Decimal…) can be edited.', block.names);
    case 'PICKLE_INVALID':
      return vscode.l10n.t('Read-only: the pickle is damaged or has bytes after its end.');
    case 'MSGPACK_BINARY':
      return vscode.l10n.t('Read-only: the MessagePack value holds binary data, which JSON cannot show exactly.');
    case 'MSGPACK_EXTENSION':
      return vscode.l10n.t('Read-only: the MessagePack value holds extension types (such as timestamps), which JSON cannot show exactly.');
    case 'MSGPACK_KEYS':
      return vscode.l10n.t('Read-only: the MessagePack value has map keys that are not text, which JSON cannot show exactly.');
    case 'TOO_LARGE':
      return vscode.l10n.t('Read-only: the value is too large to be edited here.');
  }
}

/** The header line of a value tab whose string value cannot be edited, from what its view shows. */
export function readOnlyReason(h: ValueHeader): string | undefined {
  if (h.type !== 'string' || h.partial) {
    return undefined;
  }
  const opaque = h.notes.find((n) => n.code === 'PICKLE_OPAQUE');
  if (opaque) {
    return blockText({ code: 'PICKLE_CLASSES', names: String(opaque.args?.names ?? '') });
  }
  return h.decoders[h.decoders.length - 1] === 'hex' && h.notes.every((n) => n.code !== 'EMPTY') ? blockText({ code: 'BINARY' }) : undefined;
}

function ttlText(pttl: number): string {
  return pttl < 0 ? formatTtl(null) : formatTtl(pttl);
}

function sameBinding(a: ValueBinding, b: ValueBinding): boolean {
  return a.server === b.server && a.db === b.db;
}

export class ValueEditor extends DisposableBase implements vscode.FileSystemProvider {
  private readonly changed = this.register(new Emitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.changed.event;
  private readonly entries = new Map<string, EditEntry>();
  private readonly serverViews = new Map<string, ServerView>();
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('nova-edit'));

  constructor(
    private readonly connection: ConnectionManager,
    private readonly values: ValueDocuments,
  ) {
    super();
    this.register(
      vscode.workspace.onDidSaveTextDocument((doc) => {
        const entry = this.entries.get(doc.uri.toString());
        if (entry?.reloadAfterSave) {
          entry.reloadAfterSave = false;
          entry.mtime = Date.now() + 1;
          this.changed.fire([{ type: vscode.FileChangeType.Changed, uri: doc.uri }]);
        }
      }),
    );
    this.register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        // A marked problem goes as soon as the text changes: it is checked again at the next save.
        if (e.document.uri.scheme === Schemes.edit && e.contentChanges.length > 0) {
          this.diagnostics.delete(e.document.uri);
        }
      }),
    );
    this.register(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === Schemes.edit && !vscode.workspace.textDocuments.some((d) => d.uri.toString() === doc.uri.toString())) {
          this.entries.get(doc.uri.toString())?.watch?.dispose();
          this.entries.delete(doc.uri.toString());
          this.serverViews.delete(doc.uri.toString());
          this.diagnostics.delete(doc.uri);
        }
      }),
    );
  }

  /** Loads the whole value (a preview is never edited) and opens it in an editable tab. */
  async edit(key: Buffer): Promise<void> {
    const session = this.connection.requireSession();
    if (session.readOnly) {
      throw new NovaError('READ_ONLY', 'read-only mode is on', { reason: 'setting' });
    }
    const query = valueUri(key, bindingOf(session)).query;
    const dirty = vscode.workspace.textDocuments.find((d) => d.uri.scheme === Schemes.edit && d.uri.query === query && d.isDirty && this.entries.has(d.uri.toString()));
    if (dirty) {
      // Unsaved changes are never replaced by a fresh read.
      await vscode.window.showTextDocument(dirty, { preview: false });
      return;
    }
    const { loaded, watch } = await this.load(session, key);
    const form = this.formOf(key, loaded.bytes);
    if (!form) {
      watch?.dispose();
      return;
    }
    const uri = editUri(key, bindingOf(session), form.language);
    this.entries.get(uri.toString())?.watch?.dispose();
    this.entries.set(uri.toString(), { key, binding: bindingOf(session), form, baseSha1: sha1(loaded.bytes), pttl: loaded.pttl, text: form.text, mtime: Date.now(), watch });
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) {
      this.changed.fire([{ type: vscode.FileChangeType.Changed, uri }]);
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
  }

  private async load(session: RedisSession, key: Buffer): Promise<{ loaded: LoadedString; watch?: StringWatch }> {
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Loading the whole value to edit it…') }, () => session.readForEdit(key));
    } catch (err) {
      if (isNovaError(err, 'WRONG_TYPE')) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Only string values can be edited as a document; "{0}" is a {1}.', displayName(key), String(err.args.actual)));
        throw new NovaError('CANCELLED');
      }
      throw err;
    }
  }

  /** The editable form, or undefined after telling the user why the value stays read-only. */
  private formOf(key: Buffer, bytes: Buffer): EditForm | undefined {
    const result = editForm(bytes, this.values.decoderFor(key));
    if (!result.ok) {
      void vscode.window.showWarningMessage(`${displayName(key)}: ${blockText(result.block)}`);
      return undefined;
    }
    return result.form;
  }

  // FileSystemProvider

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const server = isServerUri(uri) ? this.serverViews.get(uri.with({ query: uri.query.replace(/&side=server$/, '') }).toString()) : undefined;
    const entry = server ?? this.entries.get(uri.toString());
    if (!entry) {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
    return {
      type: vscode.FileType.File,
      ctime: 0,
      mtime: entry.mtime,
      size: Buffer.byteLength(entry.text),
      permissions: server ? vscode.FilePermission.Readonly : undefined,
    };
  }

  readFile(uri: vscode.Uri): Uint8Array {
    const base = uri.with({ query: uri.query.replace(/&side=server$/, '') }).toString();
    const entry = isServerUri(uri) ? this.serverViews.get(base) : this.entries.get(uri.toString());
    if (!entry) {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
    return Buffer.from(entry.text, 'utf8');
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const entry = this.entries.get(uri.toString());
    if (!entry || isServerUri(uri)) {
      throw vscode.FileSystemError.NoPermissions(uri);
    }
    const text = Buffer.from(content).toString('utf8');
    let bytes: Buffer;
    try {
      bytes = encodeEdit(entry.form, text);
    } catch (err) {
      if (isNovaError(err, 'EDIT_INVALID')) {
        this.mark(uri, text, err);
      }
      throw this.failure(err);
    }
    this.diagnostics.delete(uri);
    try {
      await this.save(uri, entry, text, bytes);
    } catch (err) {
      throw this.failure(err);
    }
  }

  private async save(uri: vscode.Uri, entry: EditEntry, text: string, bytes: Buffer): Promise<void> {
    const session = this.connection.requireSession();
    if (!sameBinding(bindingOf(session), entry.binding)) {
      throw new NovaError('WRONG_DB', 'the edit tab belongs to another server or DB');
    }
    const name = displayName(entry.key);
    let outcome = await session.saveString(entry.key, bytes, { mode: 'check', expectedSha1: entry.baseSha1 }, entry.watch);
    if (outcome.status === 'changed') {
      outcome = await this.resolveConflict(uri, entry, session, bytes);
      if (outcome.status === 'saved' && entry.reloadAfterSave) {
        return;
      }
    }
    if (outcome.status === 'gone') {
      outcome = await this.offerCreate(entry, session, bytes);
    }
    this.settle(entry, name, text, bytes, outcome);
  }

  /** After a save attempt: the new base on success, else the reason nothing was written. */
  private settle(entry: EditEntry, name: string, text: string, bytes: Buffer, outcome: SaveOutcome): void {
    switch (outcome.status) {
      case 'saved':
        entry.baseSha1 = sha1(bytes);
        entry.text = text;
        entry.mtime = Date.now();
        if (outcome.pttl >= 0) {
          entry.pttl = outcome.pttl;
        }
        vscode.window.setStatusBarMessage(vscode.l10n.t('Saved {0} to Redis (TTL: {1}).', name, ttlText(outcome.pttl)), 5000);
        return;
      case 'type':
        throw new EditStop(vscode.l10n.t('Not saved: "{0}" now holds a {1}, not a string.', name, outcome.type));
      case 'exists':
        throw new EditStop(vscode.l10n.t('Not saved: "{0}" was created again meanwhile. Run "Edit Value" again to see it.', name));
      case 'changed':
      case 'gone':
        throw new EditStop(vscode.l10n.t('Not saved: your text is kept in the editor.'));
    }
  }

  /** The key changed since the edit started: the server's value beside the user's, and their choice. */
  private async resolveConflict(uri: vscode.Uri, entry: EditEntry, session: RedisSession, bytes: Buffer): Promise<SaveOutcome> {
    let current: { bytes: Buffer; pttl: number };
    try {
      current = await session.readWholeString(entry.key);
    } catch (err) {
      if (isNovaError(err, 'KEY_NOT_FOUND')) {
        return { status: 'gone' };
      }
      if (isNovaError(err, 'WRONG_TYPE')) {
        return { status: 'type', type: String(err.args.actual) };
      }
      throw err;
    }
    const form = editForm(current.bytes, this.values.decoderFor(entry.key));
    const serverText = form.ok ? form.form.text : blockText(form.block);
    this.serverViews.set(uri.toString(), { text: serverText, mtime: Date.now() });
    const left = serverUri(uri);
    this.changed.fire([{ type: vscode.FileChangeType.Changed, uri: left }]);
    const name = displayName(entry.key);
    await vscode.commands.executeCommand('vscode.diff', left, uri, vscode.l10n.t('{0}: on the server ↔ yours', name), { preview: true });
    const overwrite = vscode.l10n.t('Overwrite');
    const take = vscode.l10n.t("Take the Server's Value");
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('"{0}" was changed on the server since you opened it.', name),
      { modal: true, detail: vscode.l10n.t("The diff shows the server's value (left) and yours (right). Overwrite replaces the server's value with yours; Take the Server's Value discards your changes.") },
      overwrite,
      take,
    );
    if (choice === overwrite || choice === take) {
      // Decided: the diff has served; on Cancel it stays open to merge by hand.
      await closeDiff(uri);
    }
    if (choice === overwrite) {
      return session.saveString(entry.key, bytes, { mode: 'force' });
    }
    if (choice === take && form.ok) {
      entry.form = form.form;
      entry.baseSha1 = sha1(current.bytes);
      entry.pttl = current.pttl;
      entry.text = form.form.text;
      entry.mtime = Date.now();
      entry.reloadAfterSave = true;
      return { status: 'saved', pttl: current.pttl };
    }
    return { status: 'changed' };
  }

  /** The key expired or was deleted meanwhile: create it again, with the TTL it had, if the user says so. */
  private async offerCreate(entry: EditEntry, session: RedisSession, bytes: Buffer): Promise<SaveOutcome> {
    const create = vscode.l10n.t('Create It Again');
    const name = displayName(entry.key);
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('"{0}" no longer exists: it expired or was deleted since you opened it.', name),
      { modal: true, detail: vscode.l10n.t('Create It Again writes your value with the TTL the key had when you opened it ({0}).', ttlText(entry.pttl)) },
      create,
    );
    if (choice !== create) {
      return { status: 'gone' };
    }
    const how: SaveMode = { mode: 'create', pttl: entry.pttl };
    return session.saveString(entry.key, bytes, how);
  }

  private mark(uri: vscode.Uri, text: string, err: NovaError): void {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const offset = Math.min(Number(err.args.offset) || 0, text.length);
    const start = doc ? doc.positionAt(offset) : new vscode.Position(0, 0);
    const range = new vscode.Range(start, start.translate(0, 1));
    const message = err.args.kind === 'python' ? vscode.l10n.t('Python value: {0}', String(err.args.reason)) : vscode.l10n.t('JSON: {0}', String(err.args.reason));
    const diagnostic = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'NOVA Redis';
    this.diagnostics.set(uri, [diagnostic]);
  }

  /** What VS Code shows under "Failed to save": a localized reason, the document stays dirty. */
  private failure(err: unknown): vscode.FileSystemError {
    if (err instanceof vscode.FileSystemError) {
      return err;
    }
    if (err instanceof EditStop) {
      return new vscode.FileSystemError(err.message);
    }
    const e = isNovaError(err) ? err : new NovaError('UNKNOWN', String(err));
    const text = describeError(e);
    return new vscode.FileSystemError(`${text.message} ${text.hint}`.trim());
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}

/** Closes the conflict diff whose right side is `uri`. */
async function closeDiff(uri: vscode.Uri): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === uri.toString());
  if (tabs.length > 0) {
    await vscode.window.tabGroups.close(tabs);
  }
}

/** A save that stops with a message already in the user's words. */
class EditStop extends Error {}
