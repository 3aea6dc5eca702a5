/** Commands of the key explorer: refresh, filter, scan everything, page, copy a name. */
import * as vscode from 'vscode';
import { Commands, Views } from '../constants';
import { literalPattern } from '../redis/glob';
import { KEY_TYPES, type KeyType } from '../redis/keyMeta';
import type { MoreNode } from '../redis/explorerModel';
import { NovaError } from '../redis/errors';
import { typeLabel, type KeysView } from '../views/keysView';
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
    [Commands.filterKeys]: async () => {
      const current = keys.currentFilter;
      type Choice = vscode.QuickPickItem & { mode: 'glob' | 'literal' | 'type' | 'clear' };
      const choices: Choice[] = [
        { mode: 'glob', label: `$(regex) ${vscode.l10n.t('Glob pattern…')}`, detail: vscode.l10n.t('SCAN MATCH: * any characters, ? one character, [abc] one of a set') },
        { mode: 'literal', label: `$(search) ${vscode.l10n.t('Text in the key name…')}`, detail: vscode.l10n.t('Literal text: * ? [ ] and \\ match themselves') },
        { mode: 'type', label: `$(symbol-class) ${vscode.l10n.t('Type…')}`, detail: vscode.l10n.t('Only keys of one type') },
      ];
      if (current) {
        choices.push({ mode: 'clear', label: `$(clear-all) ${vscode.l10n.t('Clear filter')}`, description: current.label });
      }
      const choice = await vscode.window.showQuickPick(choices, { placeHolder: vscode.l10n.t('Filter the keys of the Keys view') });
      if (!choice) {
        return;
      }
      if (choice.mode === 'clear') {
        keys.setFilter(undefined);
        return;
      }
      if (choice.mode === 'type') {
        const picked = await vscode.window.showQuickPick(
          KEY_TYPES.filter((t) => t !== 'other').map((t) => ({ label: typeLabel(t), type: t })),
          { placeHolder: vscode.l10n.t('Show only keys of this type') },
        );
        if (picked) {
          keys.setFilter({ ...current, type: picked.type as KeyType, label: [current?.match !== undefined ? current.label : undefined, typeLabel(picked.type)].filter(Boolean).join(', ') });
        }
        return;
      }
      const text = await vscode.window.showInputBox({
        prompt: choice.mode === 'glob' ? vscode.l10n.t('Glob pattern for SCAN MATCH, e.g. nova:cache:*') : vscode.l10n.t('Text the key name must contain'),
        value: choice.mode === 'glob' && typeof current?.match === 'string' ? current.match : undefined,
        validateInput: (v) => (v.length === 0 ? vscode.l10n.t('Enter a pattern, or use Clear filter.') : undefined),
      });
      if (text === undefined) {
        return;
      }
      const match = choice.mode === 'glob' ? text : literalPattern(text, 'contains');
      keys.setFilter({ match, type: current?.type, label: choice.mode === 'glob' ? text : `"${text}"` });
    },
    [Commands.scanAllKeys]: async () => {
      const m = model();
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Scanning all keys'), cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          let reported = 0;
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
