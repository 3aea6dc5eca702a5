/**
 * Element edits of a value tab: add, edit, remove a hash field, list element, set or sorted-set
 * member. Each runs from the tab's title bar, from a CodeLens on a row, or from the palette (which
 * opens the key's tab first when none is active). Edits apply to the page the tab shows: elements
 * are picked among those loaded, nothing reads the whole collection. The session announces the
 * change and the tab reads its key again.
 */
import * as vscode from 'vscode';
import { Commands, Schemes } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import type { RedisSession } from '../connection/session';
import type { Logger } from '../log';
import type { CollectionEdit, Shown } from '../redis/collectionEdits';
import { NovaError } from '../redis/errors';
import { bytesId, displayName, keyBytes } from '../redis/keyName';
import type { LoadedElement, ValueSession } from '../redis/values';
import { isKey, type KeysView } from '../views/keysView';
import { bindingOf, bindingOfUri, keyOfUri, type ValueDocuments } from '../views/valueDocuments';
import { writableSession } from './changeCommands';
import { askBytes, askIndex, askScore, elementLabel, preview, whole } from './editInputs';
import type { HandlerTable } from './registry';

export interface ElementDeps {
  connection: ConnectionManager;
  keys: KeysView;
  values: ValueDocuments;
  log: Logger;
}

/** What identifies a row between the moment a CodeLens was drawn and the moment it is clicked. */
export function elementId(e: LoadedElement): string {
  const own = e.field ?? e.value;
  return `${e.index}:${own.size}:${bytesId(own.bytes)}`;
}

interface Tab {
  uri: vscode.Uri;
  key: Buffer;
  name: string;
  session: RedisSession;
  value: ValueSession;
  /** The row a CodeLens named, checked against what the tab holds now. */
  row?: LoadedElement;
}

function shown(e: LoadedElement): Shown {
  return { bytes: e.value.bytes, size: e.value.size };
}

export function elementCommands(d: ElementDeps): HandlerTable {
  /** The tab a command is about: its argument (title bar, CodeLens), the active tab, or one it opens. */
  async function tab(arg: unknown, index: unknown, id: unknown): Promise<Tab | undefined> {
    let uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.parse(arg) : undefined;
    if (uri?.scheme !== Schemes.value) {
      uri = undefined;
    }
    const active = vscode.window.activeTextEditor?.document.uri;
    uri ??= active?.scheme === Schemes.value ? active : undefined;
    const session = writableSession(d);
    if (!uri) {
      const selected = d.keys.selection.find(isKey);
      const name = selected ? undefined : await vscode.window.showInputBox({ prompt: vscode.l10n.t('Key name') });
      const key = selected?.key ?? (name ? keyBytes(name) : undefined);
      if (!key) {
        return undefined;
      }
      await d.values.open(key);
      const opened = vscode.window.activeTextEditor?.document.uri;
      uri = opened?.scheme === Schemes.value ? opened : undefined;
      if (!uri) {
        return undefined;
      }
    }
    const binding = bindingOfUri(uri);
    const now = bindingOf(session);
    if (binding.server !== now.server || binding.db !== now.db) {
      // The tab shows another DB than the connection's: an edit must never land on the wrong one.
      throw new NovaError('SESSION_ENDED', 'the tab belongs to another DB');
    }
    const value = d.values.value(uri);
    if (!value) {
      throw new NovaError('KEY_NOT_FOUND', 'the tab holds no value');
    }
    const key = keyOfUri(uri);
    let row: LoadedElement | undefined;
    if (typeof index === 'number') {
      row = value.loadedElements()[index];
      if (!row || elementId(row) !== id) {
        await d.values.refreshUri(uri);
        throw new NovaError('ELEMENT_CHANGED', 'the tab was re-read since the CodeLens was drawn');
      }
    }
    return { uri, key, name: displayName(key), session, value, row };
  }

  /** An element of the page shown, picked by the user; `extra` items come first. */
  async function pick<T extends string>(t: Tab, placeHolder: string, extra: Array<{ label: string; action: T }> = []): Promise<LoadedElement | T | undefined> {
    type Item = vscode.QuickPickItem & { element?: LoadedElement; action?: T };
    const items: Item[] = [
      ...extra.map((x) => ({ label: x.label, action: x.action })),
      ...t.value.loadedElements().map((e) => ({ ...elementLabel(t.value.type, e), element: e })),
    ];
    const chosen = await vscode.window.showQuickPick(items, { title: t.name, placeHolder, matchOnDescription: true });
    return chosen?.element ?? chosen?.action;
  }

  async function apply(t: Tab, edit: CollectionEdit, done: string): Promise<void> {
    const result = await t.session.editCollection(t.key, edit);
    d.log.info(`${edit.op} on ${t.name}`);
    if (result.keyDeleted) {
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} had no element left and no longer exists.', t.name));
    } else if (!result.changed) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to change in {0}: {1}', t.name, done || vscode.l10n.t('the element was already gone.')));
    } else {
      vscode.window.setStatusBarMessage(vscode.l10n.t('{0} updated.', t.name), 4000);
    }
  }

  /** The modal every removal asks first, naming the element and, for the last one, the key. */
  async function confirmRemoval(t: Tab, what: string): Promise<boolean> {
    const last = t.value.reportedSize === 1;
    const remove = vscode.l10n.t('Remove');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Remove {0} from {1}?', what, t.name),
      { modal: true, detail: last ? vscode.l10n.t('It is the last element: the key {0} is deleted with it.', t.name) : vscode.l10n.t('This cannot be undone.') },
      remove,
    );
    return answer === remove;
  }

  function refuseCut(e: LoadedElement): void {
    if ((e.field && !whole(e.field)) || (!e.field && !whole(e.value))) {
      // Only the first bytes were read: the name cannot be sent back exactly.
      throw new NovaError('ELEMENT_PARTIAL');
    }
  }

  return {
    [Commands.addElement]: async (arg?: unknown) => {
      const t = await tab(arg, undefined, undefined);
      if (!t) {
        return;
      }
      switch (t.value.type) {
        case 'hash': {
          const field = await askBytes(vscode.l10n.t('New field of {0}', t.name), vscode.l10n.t('Field name'));
          const value = field && (await askBytes(vscode.l10n.t('Value of the field "{0}"', displayName(field)), vscode.l10n.t('Value')));
          if (field && value) {
            await apply(t, { op: 'hashAdd', field, value }, '');
          }
          return;
        }
        case 'list': {
          const end = await vscode.window.showQuickPick(
            [
              { label: `$(arrow-up) ${vscode.l10n.t('At the head (LPUSH)')}`, end: 'head' as const },
              { label: `$(arrow-down) ${vscode.l10n.t('At the tail (RPUSH)')}`, end: 'tail' as const },
            ],
            { title: vscode.l10n.t('Push an element to {0}', t.name) },
          );
          const value = end && (await askBytes(vscode.l10n.t('Push an element to {0}', t.name), vscode.l10n.t('Value')));
          if (end && value) {
            await apply(t, { op: 'listPush', end: end.end, value }, '');
          }
          return;
        }
        case 'set': {
          const member = await askBytes(vscode.l10n.t('New member of {0}', t.name), vscode.l10n.t('Member'));
          if (member) {
            await apply(t, { op: 'setAdd', member }, vscode.l10n.t('"{0}" is a member already.', displayName(member)));
          }
          return;
        }
        case 'zset': {
          const member = await askBytes(vscode.l10n.t('New member of {0}', t.name), vscode.l10n.t('Member'));
          const score = member && (await askScore(vscode.l10n.t('Score of "{0}"', displayName(member))));
          if (member && score !== undefined) {
            await apply(t, { op: 'zsetAdd', member, score }, '');
          }
          return;
        }
        default:
          throw new NovaError('UNSUPPORTED', `no element edits for ${t.value.type}`);
      }
    },

    [Commands.editElement]: async (arg?: unknown, index?: unknown, id?: unknown) => {
      const t = await tab(arg, index, id);
      if (!t) {
        return;
      }
      const type = t.value.type;
      if (type !== 'hash' && type !== 'list' && type !== 'zset') {
        throw new NovaError('UNSUPPORTED', `no element edit for ${type}`);
      }
      const chosen =
        t.row ??
        (await pick<'index'>(
          t,
          type === 'hash' ? vscode.l10n.t('Field to edit') : type === 'list' ? vscode.l10n.t('Element to replace') : vscode.l10n.t('Member whose score to change'),
          type === 'list' ? [{ label: `$(symbol-number) ${vscode.l10n.t('Enter an index…')}`, action: 'index' }] : [],
        ));
      if (chosen === undefined) {
        return;
      }
      if (chosen === 'index') {
        const at = await askIndex(vscode.l10n.t('Element of {0} to replace', t.name), t.value.reportedSize ?? 0);
        const value = at === undefined ? undefined : await askBytes(vscode.l10n.t('New value at index {0}', at), vscode.l10n.t('Value'));
        if (at !== undefined && value) {
          await apply(t, { op: 'listSet', index: at, value }, '');
        }
        return;
      }
      refuseCut(chosen);
      if (type === 'zset') {
        const score = await askScore(vscode.l10n.t('Score of "{0}"', preview(chosen.value)), chosen.score);
        if (score !== undefined) {
          await apply(t, { op: 'zsetScore', member: chosen.value.bytes, score }, '');
        }
        return;
      }
      const title = type === 'hash' ? vscode.l10n.t('Value of the field "{0}"', preview(chosen.field ?? chosen.value)) : vscode.l10n.t('New value at index {0}', chosen.index);
      const value = await askBytes(title, vscode.l10n.t('Value'), chosen.value);
      if (!value) {
        return;
      }
      if (type === 'hash' && chosen.field) {
        await apply(t, { op: 'hashSet', field: chosen.field.bytes, value }, '');
      } else {
        await apply(t, { op: 'listSet', index: chosen.index, expected: shown(chosen), value }, '');
      }
    },

    [Commands.removeElement]: async (arg?: unknown, index?: unknown, id?: unknown) => {
      const t = await tab(arg, index, id);
      if (!t) {
        return;
      }
      const type = t.value.type;
      if (type !== 'hash' && type !== 'list' && type !== 'set' && type !== 'zset') {
        throw new NovaError('UNSUPPORTED', `no element edit for ${type}`);
      }
      const extra =
        type === 'list'
          ? [
              { label: `$(symbol-number) ${vscode.l10n.t('Enter an index…')}`, action: 'index' as const },
              { label: `$(search) ${vscode.l10n.t('The first element equal to a value…')}`, action: 'value' as const },
            ]
          : [];
      const chosen = t.row ?? (await pick<'index' | 'value'>(t, vscode.l10n.t('Element to remove'), extra));
      if (chosen === undefined) {
        return;
      }
      if (chosen === 'value') {
        const value = await askBytes(vscode.l10n.t('Remove from {0}', t.name), vscode.l10n.t('Value of the element to remove (its first occurrence from the head)'));
        if (value && (await confirmRemoval(t, vscode.l10n.t('the first element equal to "{0}"', preview({ bytes: value, size: value.length }))))) {
          await apply(t, { op: 'listRemoveValue', value }, vscode.l10n.t('no element is equal to that value.'));
        }
        return;
      }
      if (chosen === 'index') {
        const at = await askIndex(vscode.l10n.t('Remove from {0}', t.name), t.value.reportedSize ?? 0);
        // An index on the page shown is checked against the element the tab shows there.
        const onPage = at === undefined ? undefined : t.value.loadedElements()[at];
        if (at !== undefined && (await confirmRemoval(t, vscode.l10n.t('the element at index {0}', at)))) {
          await apply(t, { op: 'listRemoveIndex', index: at, expected: onPage && shown(onPage) }, '');
        }
        return;
      }
      if (type === 'list') {
        if (await confirmRemoval(t, vscode.l10n.t('the element at index {0} ("{1}")', chosen.index, preview(chosen.value)))) {
          await apply(t, { op: 'listRemoveIndex', index: chosen.index, expected: shown(chosen) }, '');
        }
        return;
      }
      refuseCut(chosen);
      if (type === 'hash' && chosen.field) {
        if (await confirmRemoval(t, vscode.l10n.t('the field "{0}"', preview(chosen.field)))) {
          await apply(t, { op: 'hashDelete', field: chosen.field.bytes }, '');
        }
        return;
      }
      if (await confirmRemoval(t, vscode.l10n.t('the member "{0}"', preview(chosen.value)))) {
        await apply(t, type === 'set' ? { op: 'setRemove', member: chosen.value.bytes } : { op: 'zsetRemove', member: chosen.value.bytes }, '');
      }
    },
  };
}
