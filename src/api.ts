/**
 * What `activate()` returns: a read-only window on the extension's state for the integration tests
 * (and for other extensions that want to know whether NOVA's cache is reachable).
 */
import type * as vscode from 'vscode';
import type { ConnectionState } from './connection/connectionManager';
import type { KeysElement } from './views/keysView';

export interface NovaApi {
  connectionState(): ConnectionState;
  /** The Keys view's data provider, as VS Code itself queries it. */
  keysTree: vscode.TreeDataProvider<KeysElement>;
}
