/** Edit Value: from the key's context menu, the value tab's title bar, or the palette. */
import * as vscode from 'vscode';
import { Commands, Schemes } from '../constants';
import { keyBytes } from '../redis/keyName';
import { isKey, type KeysView } from '../views/keysView';
import { keyOfUri } from '../views/valueDocuments';
import type { ValueEditor } from '../views/valueEditor';
import type { HandlerTable } from './registry';

export function editCommands(editor: ValueEditor, keys: KeysView): HandlerTable {
  return {
    [Commands.editValue]: async (arg?: unknown) => {
      if (isKey(arg)) {
        await editor.edit(arg.key);
        return;
      }
      const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
      if (uri?.scheme === Schemes.value) {
        await editor.edit(keyOfUri(uri));
        return;
      }
      const selected = keys.selection.find(isKey);
      if (selected) {
        await editor.edit(selected.key);
        return;
      }
      const name = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Key name') });
      if (name) {
        await editor.edit(keyBytes(name));
      }
    },
  };
}
