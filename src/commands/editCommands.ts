/** Edit Value: from the key's context menu, the value tab's title bar, or the palette. */
import * as vscode from 'vscode';
import { Commands, Schemes } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import { isKey, type KeysView } from '../views/keysView';
import { bindingOf, bindingOfUri, keyOfUri } from '../views/valueDocuments';
import type { ValueEditor } from '../views/valueEditor';
import { askKeyName, warnOtherDb } from './keyPrompt';
import type { HandlerTable } from './registry';

export function editCommands(editor: ValueEditor, keys: KeysView, connection: ConnectionManager): HandlerTable {
  return {
    [Commands.editValue]: async (arg?: unknown) => {
      if (isKey(arg)) {
        await editor.edit(arg.key);
        return;
      }
      const session = connection.requireSession();
      const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
      if (uri?.scheme === Schemes.value) {
        const tab = bindingOfUri(uri);
        const now = bindingOf(session);
        if (tab.server !== now.server || tab.db !== now.db) {
          // The tab shows a key of another DB: editing it here would change another key.
          warnOtherDb(session);
          return;
        }
        await editor.edit(keyOfUri(uri));
        return;
      }
      const selected = keys.selection.find(isKey);
      const named = selected ? undefined : await askKeyName(session);
      const key = selected?.key ?? named?.key;
      if (key) {
        await editor.edit(key);
      }
    },
  };
}
