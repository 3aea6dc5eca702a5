/** The Keys view. Until the key explorer lands it stays empty, so VS Code shows its welcome content. */
import * as vscode from 'vscode';
import { Views } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import { DisposableBase } from '../util/event';

export class KeysView extends DisposableBase implements vscode.TreeDataProvider<never> {
  constructor(_connection: ConnectionManager) {
    super();
    this.register(vscode.window.createTreeView(Views.keys, { treeDataProvider: this }));
  }

  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }

  getChildren(): never[] {
    return [];
  }
}
