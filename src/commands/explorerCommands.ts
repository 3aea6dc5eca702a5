/** Commands of the key explorer: refresh, filter, scan everything, page, copy a name. */
import * as vscode from 'vscode';
import { Commands, Views } from '../constants';
import { literalPattern } from '../redis/glob';
import { KEY_TYPES, type KeyType } from '../redis/keyMeta';
import type { MoreNode } from '../redis/explorerModel';
import { NovaError } from '../redis/errors';
import { filterText, typeLabel, type KeyFilter, type KeysView } from '../views/keysView';
import { commandTargets, FROM_KEYS_VIEW } from './targets';
import { valueTabKey } from './keyPrompt';
import { formatNumber, keyCount, plural } from '../views/format';
import type { HandlerTable } from './registry';

export function explorerCommands(keys: KeysView): HandlerTable {
  const model = () => {
    const m = keys.currentModel;
    if (!m) {
      throw new NovaError('NOT_CONNECTED');
    }
    return m;
  };
  return {
    [Commands.refreshKeys]: () => keys.rebuild(),
    [Commands.clearFilter]: () => keys.setFilter(undefined),
    [Commands.stopKeySearch]: () => keys.stopSearch(),
    [Commands.resumeKeySearch]: () => keys.startSearch(),
    [Commands.filterKeys]: async () => {
      const filter = await pickFilter(keys.currentFilter);
      if (filter !== null) {
        keys.setFilter(filter);
      }
    },
    [Commands.scanAllKeys]: async () => {
      const m = model();
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Scanning all keys'), cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          let reported = 0;
          const started = performance.now();
          try {
            await vscode.window.withProgress({ location: { viewId: Views.keys } }, () =>
              m.scanAll({
                signal: abort.signal,
                onProgress: (p) => {
                  const pct = p.fraction === undefined ? undefined : Math.floor(p.fraction * 100);
                  const increment = pct === undefined ? undefined : Math.max(0, pct - reported);
                  reported = pct ?? reported;
                  progress.report({
                    increment,
                    message:
                      p.total !== undefined
                        ? plural(
                            p.total,
                            vscode.l10n.t('{0} of about {1} key', formatNumber(p.keys), formatNumber(p.total)),
                            vscode.l10n.t('{0} of about {1} keys', formatNumber(p.keys), formatNumber(p.total)),
                          )
                        : keyCount(p.keys),
                  });
                },
              }),
            );
            // What a finished scan established, where it is read after the progress closes.
            const elapsed = formatNumber((performance.now() - started) / 1000, 1);
            const found = m.status.keys;
            void vscode.window.showInformationMessage(
              plural(found, vscode.l10n.t('{0} key in {1} s; counts are exact.', formatNumber(found), elapsed), vscode.l10n.t('{0} keys in {1} s; counts are exact.', formatNumber(found), elapsed)),
            );
          } catch (err) {
            if (!abort.signal.aborted) {
              throw err;
            }
          } finally {
            sub.dispose();
          }
        },
      );
    },
    [Commands.loadMoreKeys]: async (node?: unknown) => {
      const more = node as MoreNode | undefined;
      await model().loadMore(more?.parent);
    },
    [Commands.copyKeyName]: async (node?: unknown, selection?: unknown) => {
      // Copying a name touches no data: the tab's key is copied even when the tab is on another DB.
      const tab = valueTabKey(undefined);
      const selected = node === FROM_KEYS_VIEW ? await keys.cursorSelection() : keys.selection;
      const targets = commandTargets(node, selection, { selection: selected, tabKey: tab === 'other-db' ? undefined : tab });
      const names = (targets ?? []).filter((t) => t.kind !== 'folder').map((t) => t.name);
      if (names.length === 0) {
        return;
      }
      await vscode.env.clipboard.writeText(names.join('\n'));
      const copied = plural(names.length, vscode.l10n.t('Copied {0} key name.', names.length), vscode.l10n.t('Copied {0} key names.', names.length));
      vscode.window.setStatusBarMessage(copied, 3000);
    },
  };
}

type FilterChoice = vscode.QuickPickItem & { mode: 'typed' | 'literal' | 'type' | 'anyType' | 'clear' };

const GLOB_CHARS = /[*?[\\]/;

/**
 * The filter picker: what is typed in its box filters at once, as a glob when it has glob characters,
 * as text the name contains otherwise; the other modes are items. Resolves to the new filter,
 * undefined to clear it, or null when dismissed.
 */
async function pickFilter(current: KeyFilter | undefined): Promise<KeyFilter | undefined | null> {
  const qp = vscode.window.createQuickPick<FilterChoice>();
  qp.placeholder = vscode.l10n.t('Type a glob such as nova:cache:* or text the key name contains, then Enter');
  qp.matchOnDetail = false;
  const fixed = (): FilterChoice[] => {
    const items: FilterChoice[] = [
      { mode: 'literal', label: `$(search) ${vscode.l10n.t('Text in the key name…')}`, detail: vscode.l10n.t('Literal text: * ? [ ] and \\ match themselves'), alwaysShow: true },
      { mode: 'type', label: `$(symbol-class) ${vscode.l10n.t('Type…')}`, detail: vscode.l10n.t('Only keys of one type'), alwaysShow: true },
    ];
    if (current?.type !== undefined) {
      items.push({ mode: 'anyType', label: `$(symbol-misc) ${vscode.l10n.t('Any type')}`, description: vscode.l10n.t('now: {0}', typeLabel(current.type)), alwaysShow: true });
    }
    if (current) {
      items.push({ mode: 'clear', label: `$(clear-all) ${vscode.l10n.t('Clear filter')}`, description: filterText(current), alwaysShow: true });
    }
    return items;
  };
  const typedItem = (value: string): FilterChoice =>
    GLOB_CHARS.test(value)
      ? { mode: 'typed', label: `$(regex) ${vscode.l10n.t('Keys matching the glob {0}', value)}`, detail: vscode.l10n.t('SCAN MATCH: * any characters, ? one character, [abc] one of a set'), alwaysShow: true }
      : { mode: 'typed', label: `$(search) ${vscode.l10n.t('Keys whose name contains "{0}"', value)}`, detail: vscode.l10n.t('No glob characters: the text is found anywhere in the name'), alwaysShow: true };
  const update = (): void => {
    const value = qp.value;
    qp.items = value.length > 0 ? [typedItem(value), ...fixed()] : fixed();
  };
  qp.onDidChangeValue(update);
  update();
  const picked = await new Promise<{ choice: FilterChoice; value: string } | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const choice = qp.selectedItems[0] ?? qp.activeItems[0];
      resolve(choice ? { choice, value: qp.value } : undefined);
      qp.hide();
    });
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  }).finally(() => qp.dispose());
  if (!picked) {
    return null;
  }
  const { choice, value } = picked;
  const keepType = current?.type === undefined ? {} : { type: current.type };
  const keepMatch = current?.match === undefined ? {} : { match: current.match, label: current.label };
  switch (choice.mode) {
    case 'typed':
      return GLOB_CHARS.test(value) ? { match: value, label: `\`${value}\``, ...keepType } : { match: literalPattern(value, 'contains'), label: vscode.l10n.t('"{0}"', value), ...keepType };
    case 'literal': {
      const text =
        value.length > 0
          ? value
          : await vscode.window.showInputBox({
              prompt: vscode.l10n.t('Text the key name must contain'),
              validateInput: (v) => (v.length === 0 ? vscode.l10n.t('Enter a pattern, or use Clear filter.') : undefined),
            });
      return text === undefined ? null : { match: literalPattern(text, 'contains'), label: vscode.l10n.t('"{0}"', text), ...keepType };
    }
    case 'type': {
      const types: (vscode.QuickPickItem & { type?: KeyType })[] = KEY_TYPES.filter((t) => t !== 'other').map((t) => ({ label: typeLabel(t), type: t }));
      types.unshift({ label: vscode.l10n.t('Any type') });
      const t = await vscode.window.showQuickPick(types, { placeHolder: vscode.l10n.t('Show only keys of this type') });
      if (!t) {
        return null;
      }
      return t.type === undefined ? withoutType(keepMatch) : { ...keepMatch, type: t.type };
    }
    case 'anyType':
      return withoutType(keepMatch);
    case 'clear':
      return undefined;
  }
}

/** A filter with its type removed: no filter at all when nothing else is left. */
function withoutType(filter: KeyFilter): KeyFilter | undefined {
  return filter.match === undefined ? undefined : filter;
}
