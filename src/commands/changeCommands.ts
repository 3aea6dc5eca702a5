/**
 * The commands that change data: Edit TTL, Delete Key / Delete Folder, Flush Database. Each asks first
 * in a modal that names exactly what will be lost, and each is refused by the session in read-only
 * mode. Each takes the session when it starts and uses that one after its dialogs: if the connection
 * changed meanwhile, the command fails with SESSION_ENDED and nothing is sent to the new one. The
 * views refresh from what the session announces after the write.
 */
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import type { RedisSession } from '../connection/session';
import type { Logger } from '../log';
import { NovaError } from '../redis/errors';
import { parseTtlInput, ttlInputText, MAX_TTL_SECONDS, type TtlInputError } from '../redis/ttl';
import { hostPort } from '../redis/url';
import { displayName } from '../redis/keyName';
import { isFolder, isKey, type KeysView } from '../views/keysView';
import { formatNumber, formatTtl, plural } from '../views/format';
import { describeError } from '../views/messages';
import { folderTarget, type FolderNode } from '../redis/explorerModel';
import { commandTargets, FROM_KEYS_VIEW, type CommandTarget } from './targets';
import { askKeyName, valueTabKey, warnOtherDb } from './keyPrompt';
import type { HandlerTable } from './registry';

export interface ChangeDeps {
  connection: ConnectionManager;
  keys: KeysView;
  log: Logger;
}

const NAMES_IN_MODAL = 10;

export function ttlError(error: TtlInputError): string {
  switch (error) {
    case 'empty':
      return vscode.l10n.t('Enter a duration such as 3600, 90s, 15m, 1h or 2d.');
    case 'zero':
      return vscode.l10n.t('0 would delete the key at once. Use "No expiry" to remove the TTL.');
    case 'negative':
      return vscode.l10n.t('A negative TTL would delete the key at once.');
    case 'too-large':
      return vscode.l10n.t('Too large: at most {0} days (a huge TTL deletes the key on Redis 3.0).', formatNumber(MAX_TTL_SECONDS / 86400));
    case 'syntax':
      return vscode.l10n.t('Not a duration. Examples: 3600, 90s, 15m, 1h30m, 2d.');
  }
}

/**
 * The session a changing command works on, refused early in read-only mode: the session refuses too,
 * but asking questions whose answer cannot be acted on helps nobody.
 */
export function writableSession(d: Pick<ChangeDeps, 'connection'>): RedisSession {
  const session = d.connection.requireSession();
  if (session.readOnly) {
    throw new NovaError('READ_ONLY');
  }
  return session;
}

export function changeCommands(d: ChangeDeps): HandlerTable {

  /**
   * What a command applies to: the clicked item, the selection, the active value tab's key, or a key
   * the user names (see commandTargets). undefined when there is nothing to do.
   */
  async function targetsOf(session: RedisSession, node: unknown, selection: unknown): Promise<CommandTarget[] | undefined> {
    const tab = valueTabKey(session);
    if (tab === 'other-db' && !isKey(node) && !isFolder(node) && node !== FROM_KEYS_VIEW) {
      warnOtherDb(session);
      return undefined;
    }
    const selected = node === FROM_KEYS_VIEW ? await d.keys.cursorSelection() : d.keys.selection;
    const targets = commandTargets(node, selection, { selection: selected, tabKey: tab === 'other-db' ? undefined : tab });
    if (targets) {
      return targets;
    }
    const named = await askKeyName(session);
    return named ? [named] : undefined;
  }

  return {
    [Commands.editTtl]: async (node?: unknown) => {
      const session = writableSession(d);
      const target = (await targetsOf(session, node, undefined))?.find((t) => t.kind !== 'folder');
      if (!target) {
        return;
      }
      const pttl = await session.pttl(target.key);
      if (pttl === -2) {
        throw new NovaError('KEY_NOT_FOUND');
      }
      type Choice = vscode.QuickPickItem & { action: 'hour' | 'day' | 'persist' | 'custom' };
      const choices: Choice[] = [
        { action: 'custom', label: `$(edit) ${vscode.l10n.t('Enter a duration…')}`, description: pttl >= 0 ? vscode.l10n.t('now {0}', formatTtl(pttl)) : vscode.l10n.t('now no expiry') },
        { action: 'hour', label: `$(clock) ${vscode.l10n.t('1 hour')}`, description: vscode.l10n.t('3600 s, NOVA\'s default') },
        { action: 'day', label: `$(calendar) ${vscode.l10n.t('1 day')}`, description: '86400 s' },
        { action: 'persist', label: `$(circle-slash) ${vscode.l10n.t('No expiry')}`, description: 'PERSIST' },
      ];
      const choice = await vscode.window.showQuickPick(choices, { title: vscode.l10n.t('TTL of {0}', target.name), placeHolder: vscode.l10n.t('New TTL') });
      if (!choice) {
        return;
      }
      let result: { seconds: number } | { persist: true };
      if (choice.action === 'hour') {
        result = { seconds: 3600 };
      } else if (choice.action === 'day') {
        result = { seconds: 86400 };
      } else if (choice.action === 'persist') {
        result = { persist: true };
      } else {
        const text = await vscode.window.showInputBox({
          title: vscode.l10n.t('TTL of {0}', target.name),
          prompt: vscode.l10n.t('New TTL: seconds or a duration such as 90s, 15m, 1h, 2d, 1h30m'),
          value: pttl >= 0 ? ttlInputText(pttl) : '',
          validateInput: (v) => {
            const parsed = parseTtlInput(v);
            return 'error' in parsed ? ttlError(parsed.error) : undefined;
          },
        });
        if (text === undefined) {
          return;
        }
        const parsed = parseTtlInput(text);
        if ('error' in parsed) {
          throw new NovaError('INVALID_TTL', parsed.error);
        }
        result = parsed;
      }
      if ('persist' in result) {
        await session.persist(target.key);
        d.log.info(`PERSIST ${target.name}`);
        vscode.window.setStatusBarMessage(vscode.l10n.t('{0} no longer expires.', target.name), 4000);
      } else {
        const seconds = result.seconds;
        const newPttl = await session.setTtl(target.key, seconds);
        d.log.info(`EXPIRE ${target.name} ${seconds}`);
        vscode.window.setStatusBarMessage(vscode.l10n.t('{0} now expires in {1}.', target.name, formatTtl(newPttl)), 4000);
      }
    },

    [Commands.deleteKeys]: async (node?: unknown, selection?: unknown) => {
      const session = writableSession(d);
      const chosen = await targetsOf(session, node, selection);
      const [only] = chosen ?? [];
      if (chosen?.length === 1 && isFolder(only)) {
        await deleteFolderFlow(d, session, only);
        return;
      }
      // A folder within a multi-selection is not deleted: its menu entry is Delete Folder….
      const targets = (chosen ?? []).filter((t) => t.kind !== 'folder');
      if (targets.length === 0) {
        return;
      }
      const target = session.endpoint;
      // One key is named in the question itself; a list would only repeat it.
      const names = targets.length === 1 ? [] : targets.slice(0, NAMES_IN_MODAL).map((t) => `• ${t.name}`);
      if (targets.length > NAMES_IN_MODAL) {
        names.push(vscode.l10n.t('… and {0} more', formatNumber(targets.length - NAMES_IN_MODAL)));
      }
      const message =
        targets.length === 1
          ? vscode.l10n.t('Delete the key "{0}" from DB {1}?', targets[0]?.name ?? '', target.db)
          : vscode.l10n.t('Delete {0} keys from DB {1}?', formatNumber(targets.length), target.db);
      const confirm = targets.length === 1 ? vscode.l10n.t('Delete Key') : vscode.l10n.t('Delete {0} Keys', formatNumber(targets.length));
      const answer = await vscode.window.showWarningMessage(
        message,
        { modal: true, detail: [...names, ...(names.length > 0 ? [''] : []), vscode.l10n.t('This cannot be undone.')].join('\n') },
        confirm,
      );
      if (answer !== confirm) {
        return;
      }
      const keys = targets.map((t) => t.key);
      const result = await session.deleteKeys(keys);
      d.log.info(`Deleted keys: ${result.deleted} of ${keys.length}, in DB ${target.db} at ${hostPort(target)}`);
      const deleted = plural(result.deleted, vscode.l10n.t('Deleted {0} key.', formatNumber(result.deleted)), vscode.l10n.t('Deleted {0} keys.', formatNumber(result.deleted)));
      vscode.window.setStatusBarMessage(deleted, 4000);
    },

    // The folder's own menu entry, so that it reads "Delete Folder…"; a multi-selection goes to deleteKeys.
    [Commands.deleteFolder]: async (node?: unknown) => {
      const session = writableSession(d);
      if (isFolder(node)) {
        await deleteFolderFlow(d, session, node);
      }
    },

    [Commands.flushDatabase]: async () => {
      const session = writableSession(d);
      if (session.topology.kind === 'cluster') {
        await flushClusterFlow(d, session);
        return;
      }
      const target = session.endpoint;
      const count = await session.dbsize();
      const where = hostPort(target);
      const proceed = vscode.l10n.t('Flush DB {0}…', target.db);
      const answer = await vscode.window.showWarningMessage(
        plural(
          count,
          vscode.l10n.t('Delete the {0} key of DB {1} on {2}?', formatNumber(count), target.db, where),
          vscode.l10n.t('Delete all {0} keys of DB {1} on {2}?', formatNumber(count), target.db, where),
        ),
        {
          modal: true,
          detail: vscode.l10n.t('FLUSHDB empties database {0} only; other databases on this server are not touched. This cannot be undone.', target.db),
        },
        proceed,
      );
      if (answer !== proceed) {
        return;
      }
      const typed = await vscode.window.showInputBox({
        title: vscode.l10n.t('Flush DB {0} on {1}', target.db, where),
        prompt: vscode.l10n.t('Type the database index ({0}) to confirm.', target.db),
        validateInput: (v) => (v.trim() === String(target.db) ? undefined : vscode.l10n.t('Type {0} to confirm, or press Escape to cancel.', target.db)),
      });
      if (typed?.trim() !== String(target.db)) {
        return;
      }
      const result = await session.flush();
      d.log.warn(`FLUSHDB on ${where} DB ${result.db}: keys removed: ${result.keysBefore}`);
      void vscode.window.showInformationMessage(
        plural(
          result.keysBefore,
          vscode.l10n.t('DB {0} on {1} was flushed ({2} key removed).', result.db, where, formatNumber(result.keysBefore)),
          vscode.l10n.t('DB {0} on {1} was flushed ({2} keys removed).', result.db, where, formatNumber(result.keysBefore)),
        ),
      );
    },
  };
}

/** FLUSHDB on every master, after a confirmation that names each one and its key count. */
async function flushClusterFlow(d: ChangeDeps, session: RedisSession): Promise<void> {
  const count = await session.keyCount();
  const perNode = count.nodes.map((n) => `${n.address}: ${n.keys === undefined ? vscode.l10n.t('no answer') : vscode.l10n.t('{0} keys', formatNumber(n.keys))}`).join('\n');
  const proceed = vscode.l10n.t('Flush every master…');
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete all {0} keys of the cluster, on {1} masters?', formatNumber(count.total), count.nodes.length),
    { modal: true, detail: `${perNode}\n\n${vscode.l10n.t('FLUSHDB runs on each master; their replicas follow. This cannot be undone.')}` },
    proceed,
  );
  if (answer !== proceed) {
    return;
  }
  const typed = await vscode.window.showInputBox({
    title: vscode.l10n.t('Flush the cluster ({0} masters)', count.nodes.length),
    prompt: vscode.l10n.t('Type the number of masters ({0}) to confirm.', count.nodes.length),
    validateInput: (v) => (v.trim() === String(count.nodes.length) ? undefined : vscode.l10n.t('Type {0} to confirm, or press Escape to cancel.', count.nodes.length)),
  });
  if (typed?.trim() !== String(count.nodes.length)) {
    return;
  }
  const results = await session.flushCluster();
  const lines = results.map((r) => {
    d.log.warn(`FLUSHDB on cluster master ${r.address}: ${r.error ? `failed (${r.error.code})` : `${r.keysBefore ?? 0} key(s) removed`}`);
    return r.error ? vscode.l10n.t('{0}: failed, {1}', r.address, describeError(r.error).message) : vscode.l10n.t('{0}: {1} keys removed', r.address, formatNumber(r.keysBefore ?? 0));
  });
  const failed = results.some((r) => r.error);
  const message = failed ? vscode.l10n.t('The cluster was flushed only in part.') : vscode.l10n.t('Every master of the cluster was flushed.');
  if (failed) {
    void vscode.window.showErrorMessage(message, { modal: true, detail: lines.join('\n') });
  } else {
    void vscode.window.showInformationMessage(`${message} ${lines.join(' · ')}`);
  }
}

/**
 * Counts a folder's keys for a confirmation, with a cancellable progress notification. Undefined
 * when cancelled or when the folder is empty (then the user is told so).
 */
export async function countFolderKeys(session: RedisSession, path: Buffer, delimiter: string, pattern: string): Promise<{ count: number } | undefined> {
  const counted = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Counting the keys under {0}', pattern), cancellable: true },
    async (_p, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        return await session.countFolder(path, delimiter, { signal: abort.signal });
      } finally {
        sub.dispose();
      }
    },
  );
  if (counted.cancelled) {
    return undefined;
  }
  if (counted.count === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No keys under {0}.', pattern));
    return undefined;
  }
  return counted;
}

async function deleteFolderFlow(d: ChangeDeps, session: RedisSession, folder: FolderNode): Promise<void> {
  const target = session.endpoint;
  // The folder's own delimiter: the setting may have changed since the tree was built.
  const { path, delimiter } = folderTarget(folder);
  const pattern = `${displayName(folder.prefix)}*`;
  const counted = await countFolderKeys(session, path, delimiter, pattern);
  if (!counted) {
    return;
  }
  const n = formatNumber(counted.count);
  const confirm = plural(counted.count, vscode.l10n.t('Delete {0} Key', n), vscode.l10n.t('Delete {0} Keys', n));
  const answer = await vscode.window.showWarningMessage(
    plural(counted.count, vscode.l10n.t('Delete the {0} key under {1} from DB {2}?', n, pattern, target.db), vscode.l10n.t('Delete the {0} keys under {1} from DB {2}?', n, pattern, target.db)),
    { modal: true, detail: vscode.l10n.t('Every key whose name starts with {0} is deleted; keys that only share the beginning of the name are kept. This cannot be undone.', displayName(folder.prefix)) },
    confirm,
  );
  if (answer !== confirm) {
    return;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Deleting the keys under {0}', pattern), cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      let last = 0;
      try {
        return await session.deleteFolder(path, delimiter, {
          signal: abort.signal,
          onProgress: (p) => {
            const pct = Math.min(100, Math.floor((p.done / counted.count) * 100));
            progress.report({ increment: pct - last, message: vscode.l10n.t('{0} of {1}', formatNumber(p.done), formatNumber(counted.count)) });
            last = pct;
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
  d.log.info(`Deleted keys under ${pattern} in DB ${target.db}: ${result.deleted}${result.cancelled ? ' (cancelled part-way)' : ''}`);
  void vscode.window.showInformationMessage(
    result.cancelled
      ? plural(
          result.deleted,
          vscode.l10n.t('Stopped: {0} key under {1} was deleted before the cancel.', formatNumber(result.deleted), pattern),
          vscode.l10n.t('Stopped: {0} keys under {1} were deleted before the cancel.', formatNumber(result.deleted), pattern),
        )
      : plural(
          result.deleted,
          vscode.l10n.t('Deleted {0} key under {1}.', formatNumber(result.deleted), pattern),
          vscode.l10n.t('Deleted {0} keys under {1}.', formatNumber(result.deleted), pattern),
        ),
  );
}
