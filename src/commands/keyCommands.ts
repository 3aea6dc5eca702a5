/**
 * Whole-key commands: New Key, Rename Key, Duplicate Key, Copy Value, and the TTL of many keys.
 * None overwrites a key; each takes the session when it starts and fails cleanly if the connection
 * changed during its dialogs. The tree and the tabs refresh from what the session announces.
 */
import * as vscode from 'vscode';
import { Commands, Schemes } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import type { RedisSession } from '../connection/session';
import type { Logger } from '../log';
import type { NewKeyValue, TtlBulkResult, TtlChange } from '../redis/keyEdits';
import { NovaError } from '../redis/errors';
import { displayName, keyBytes, needsEscaping } from '../redis/keyName';
import { folderTarget, type FolderNode } from '../redis/explorerModel';
import type { ValueSession } from '../redis/values';
import { isFolder, isKey, typeLabel, type KeysView } from '../views/keysView';
import { keyOfUri, type ValueDocuments } from '../views/valueDocuments';
import { formatBytes, formatNumber, formatTtl, plural } from '../views/format';
import { countFolderKeys, writableSession } from './changeCommands';
import { askBytes, askKeyName, askScore, askTtl } from './editInputs';
import type { HandlerTable } from './registry';
import { FROM_KEYS_VIEW } from './targets';

export interface KeyDeps {
  connection: ConnectionManager;
  keys: KeysView;
  values: ValueDocuments;
  log: Logger;
}

/** What Copy Value puts on the clipboard at most: a clipboard is not the place for a huge value. */
const CLIPBOARD_MAX_BYTES = 16 * 1024 * 1024;

type NewType = NewKeyValue['type'];

export function keyCommands(d: KeyDeps): HandlerTable {
  /** The key a command is about: the clicked node, the tree selection, the active tab, or a typed name. */
  async function targetKey(node: unknown): Promise<Buffer | undefined> {
    if (isKey(node)) {
      return node.key;
    }
    if (node === FROM_KEYS_VIEW) {
      // A keybinding of the Keys view (F2): the row under the tree's cursor.
      return (await d.keys.cursorSelection()).find(isKey)?.key;
    }
    if (node instanceof vscode.Uri && node.scheme === Schemes.value) {
      return keyOfUri(node);
    }
    const selected = d.keys.selection.find(isKey);
    if (selected) {
      return selected.key;
    }
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === Schemes.value) {
      return keyOfUri(active);
    }
    const name = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Key name') });
    return name ? keyBytes(name) : undefined;
  }

  /** The first value of a new key of `type`. */
  async function firstValue(type: NewType, name: string): Promise<NewKeyValue | undefined> {
    const title = vscode.l10n.t('First value of {0}', name);
    switch (type) {
      case 'string': {
        const value = await askBytes(title, vscode.l10n.t('Value'));
        return value && { type, value };
      }
      case 'hash': {
        const field = await askBytes(title, vscode.l10n.t('Field name'));
        const value = field && (await askBytes(vscode.l10n.t('Value of the field "{0}"', displayName(field)), vscode.l10n.t('Value')));
        return field && value && { type, field, value };
      }
      case 'list': {
        const value = await askBytes(title, vscode.l10n.t('First element'));
        return value && { type, value };
      }
      case 'set': {
        const member = await askBytes(title, vscode.l10n.t('Member'));
        return member && { type, member };
      }
      case 'zset': {
        const member = await askBytes(title, vscode.l10n.t('Member'));
        const score = member && (await askScore(vscode.l10n.t('Score of "{0}"', displayName(member))));
        return member && score !== undefined ? { type, member, score } : undefined;
      }
    }
  }

  /** The value as shown (decoded) or as stored, as text for the clipboard. */
  async function clipboardText(session: RedisSession, key: Buffer, open: ValueSession | undefined, raw: boolean): Promise<{ text: string; note?: string } | undefined> {
    let value = open;
    const needsWhole = (v: ValueSession): boolean => v.type === 'string' && v.canLoadMore;
    if (!value || needsWhole(value)) {
      value = await session.openValue(key, { previewThreshold: CLIPBOARD_MAX_BYTES });
      if (needsWhole(value)) {
        void vscode.window.showErrorMessage(vscode.l10n.t('The value is larger than {0}, too large for the clipboard: nothing was copied.', formatBytes(CLIPBOARD_MAX_BYTES)));
        return undefined;
      }
    }
    const bytes = value.loadedString();
    const loaded = value.loadedElements().length;
    const note = value.canLoadMore ? vscode.l10n.t('Copied the {0} loaded elements only.', formatNumber(loaded)) : undefined;
    if (!raw) {
      return { text: value.render(d.values.decoderFor(key)).body, note };
    }
    if (!bytes) {
      // A collection as stored: each element as its text, without decoding.
      return { text: value.render('text').body, note };
    }
    if (needsEscaping(bytes)) {
      return { text: displayName(bytes), note: vscode.l10n.t('The value is not printable text: bytes are written as \\xNN escapes.') };
    }
    return { text: bytes.toString('utf8'), note };
  }

  return {
    [Commands.newKey]: async (node?: unknown) => {
      const session = writableSession(d);
      const folder = isFolder(node) ? node : d.keys.selection.find(isFolder);
      const key = await askKeyName(vscode.l10n.t('New key in DB {0}', session.db), folder?.prefix);
      if (!key) {
        return;
      }
      const name = displayName(key);
      if ((await session.pttl(key)) !== -2) {
        throw new NovaError('KEY_EXISTS');
      }
      const types: NewType[] = ['string', 'hash', 'list', 'set', 'zset'];
      const type = await vscode.window.showQuickPick(
        types.map((t) => ({ label: typeLabel(t), type: t })),
        { title: vscode.l10n.t('Type of {0}', name), placeHolder: vscode.l10n.t('Type of the new key') },
      );
      const value = type && (await firstValue(type.type, name));
      const ttl = value && (await askTtl(vscode.l10n.t('TTL of {0}', name), vscode.l10n.t('No expiry')));
      if (!value || ttl === undefined) {
        return;
      }
      const pttl = await session.createKey(key, value, ttl ?? undefined);
      d.log.info(`Created ${name} (${value.type}) in DB ${session.db}`);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Created {0} (TTL {1}).', name, formatTtl(pttl < 0 ? null : pttl)), 4000);
      await d.values.open(key);
    },

    [Commands.renameKey]: async (node?: unknown) => {
      const session = writableSession(d);
      const from = await targetKey(node);
      if (!from) {
        return;
      }
      const to = await askKeyName(vscode.l10n.t('Rename {0}', displayName(from)), from);
      if (!to) {
        return;
      }
      const result = await session.renameKey(from, to);
      if (result === 'same') {
        vscode.window.setStatusBarMessage(vscode.l10n.t('The name is unchanged.'), 4000);
        return;
      }
      d.log.info(`Renamed ${displayName(from)} to ${displayName(to)} in DB ${session.db}`);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Renamed {0} to {1}.', displayName(from), displayName(to)), 4000);
    },

    [Commands.duplicateKey]: async (node?: unknown) => {
      const session = writableSession(d);
      const from = await targetKey(node);
      if (!from) {
        return;
      }
      const to = await askKeyName(vscode.l10n.t('Duplicate {0} as', displayName(from)), Buffer.concat([from, Buffer.from('-copy')]));
      if (!to) {
        return;
      }
      if (to.equals(from)) {
        throw new NovaError('KEY_EXISTS');
      }
      await session.duplicateKey(from, to);
      d.log.info(`Duplicated ${displayName(from)} as ${displayName(to)} in DB ${session.db}`);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Duplicated {0} as {1}.', displayName(from), displayName(to)), 4000);
    },

    [Commands.copyValue]: async (node?: unknown) => {
      const session = d.connection.requireSession();
      const key = await targetKey(node);
      if (!key) {
        return;
      }
      const how = await vscode.window.showQuickPick(
        [
          { label: `$(symbol-namespace) ${vscode.l10n.t('Decoded, as shown')}`, raw: false },
          { label: `$(file-binary) ${vscode.l10n.t('Raw, as stored')}`, raw: true },
        ],
        { title: vscode.l10n.t('Copy the value of {0}', displayName(key)) },
      );
      if (!how) {
        return;
      }
      const uri = node instanceof vscode.Uri ? node : vscode.window.activeTextEditor?.document.uri;
      const open = uri?.scheme === Schemes.value && keyOfUri(uri).equals(key) ? d.values.value(uri) : undefined;
      const copied = await clipboardText(session, key, open, how.raw);
      if (!copied) {
        return;
      }
      const { text, note } = copied;
      await vscode.env.clipboard.writeText(text);
      const done = vscode.l10n.t('Copied the value of {0}.', displayName(key));
      if (note) {
        void vscode.window.showInformationMessage(`${done} ${note}`);
      } else {
        vscode.window.setStatusBarMessage(done, 4000);
      }
    },

    [Commands.setTtlOfKeys]: async (node?: unknown, selection?: unknown) => {
      const session = writableSession(d);
      const picked = Array.isArray(selection) && selection.length > 1 ? selection : node !== undefined ? [node] : [...d.keys.selection];
      const folders = picked.filter(isFolder);
      const keys = picked.filter(isKey).map((k) => k.key);
      if (folders.length === 1 && keys.length === 0) {
        await folderTtlFlow(d, session, folders[0]);
        return;
      }
      if (keys.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Select keys or one folder in the Keys view first.'));
        return;
      }
      await keysTtlFlow(d, session, keys);
    },
  };
}

function ttlText(change: TtlChange): string {
  return change === null ? vscode.l10n.t('no expiry') : formatTtl(change * 1000);
}

/** The modal that names how many keys change and how. */
async function confirmTtl(count: number, where: string, change: TtlChange): Promise<boolean> {
  const n = formatNumber(count);
  const message =
    change === null
      ? plural(count, vscode.l10n.t('Remove the TTL of {0} key {1}?', n, where), vscode.l10n.t('Remove the TTL of {0} keys {1}?', n, where))
      : plural(count, vscode.l10n.t('Set the TTL of {0} key {1} to {2}?', n, where, ttlText(change)), vscode.l10n.t('Set the TTL of {0} keys {1} to {2}?', n, where, ttlText(change)));
  const proceed = change === null ? vscode.l10n.t('Remove TTL') : vscode.l10n.t('Set TTL');
  const answer = await vscode.window.showWarningMessage(
    message,
    { modal: true, detail: change === null ? vscode.l10n.t('The keys will no longer expire. This runs in batches and can be cancelled between them.') : vscode.l10n.t('Keys that expire sooner or later get this TTL instead. This runs in batches and can be cancelled between them.') },
    proceed,
  );
  return answer === proceed;
}

async function withTtlProgress(title: string, total: number, run: (opts: { signal: AbortSignal; onProgress: (p: { done: number }) => void }) => Promise<TtlBulkResult>): Promise<TtlBulkResult> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    let last = 0;
    try {
      return await run({
        signal: abort.signal,
        onProgress: (p) => {
          const pct = Math.min(100, Math.floor((p.done / Math.max(1, total)) * 100));
          progress.report({ increment: pct - last, message: vscode.l10n.t('{0} of {1}', formatNumber(p.done), formatNumber(total)) });
          last = pct;
        },
      });
    } finally {
      sub.dispose();
    }
  });
}

function reportTtl(d: KeyDeps, result: TtlBulkResult, change: TtlChange, where: string): void {
  const n = formatNumber(result.changed);
  d.log.info(`TTL ${change === null ? 'removed' : `${change} s`} on ${result.changed} key(s) ${where}${result.cancelled ? ' (cancelled part-way)' : ''}`);
  const text = result.cancelled
    ? plural(result.changed, vscode.l10n.t('Stopped: {0} key was changed before the cancel.', n), vscode.l10n.t('Stopped: {0} keys were changed before the cancel.', n))
    : change === null
      ? plural(result.changed, vscode.l10n.t('{0} key no longer expires.', n), vscode.l10n.t('{0} keys no longer expire.', n))
      : plural(result.changed, vscode.l10n.t('{0} key now expires in {1}.', n, ttlText(change)), vscode.l10n.t('{0} keys now expire in {1}.', n, ttlText(change)));
  void vscode.window.showInformationMessage(text);
}

async function keysTtlFlow(d: KeyDeps, session: RedisSession, keys: Buffer[]): Promise<void> {
  const change = await askTtl(vscode.l10n.t('TTL of {0} keys', formatNumber(keys.length)), vscode.l10n.t('No expiry (remove the TTL)'));
  if (change === undefined || !(await confirmTtl(keys.length, vscode.l10n.t('in DB {0}', session.db), change))) {
    return;
  }
  const result = await withTtlProgress(vscode.l10n.t('Changing the TTL of {0} keys', formatNumber(keys.length)), keys.length, (opts) => session.setTtlOfKeys(keys, change, opts));
  reportTtl(d, result, change, `in DB ${session.db}`);
}

async function folderTtlFlow(d: KeyDeps, session: RedisSession, folder: FolderNode): Promise<void> {
  const { path, delimiter } = folderTarget(folder);
  const pattern = `${displayName(folder.prefix)}*`;
  const counted = await countFolderKeys(session, path, delimiter, pattern);
  if (!counted) {
    return;
  }
  const change = await askTtl(vscode.l10n.t('TTL of the keys under {0}', pattern), vscode.l10n.t('No expiry (remove the TTL)'));
  if (change === undefined || !(await confirmTtl(counted.count, vscode.l10n.t('under {0} in DB {1}', pattern, session.db), change))) {
    return;
  }
  const result = await withTtlProgress(vscode.l10n.t('Changing the TTL of the keys under {0}', pattern), counted.count, (opts) => session.setTtlOfFolder(path, delimiter, change, opts));
  reportTtl(d, result, change, `under ${pattern}`);
}
