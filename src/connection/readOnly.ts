/**
 * Read-only mode in the UI: publishes the context key that hides the changing commands. The policy
 * itself (on by default when the server is not on this machine, so that a production or shared
 * Redis is never changed by accident) is the session's, which refuses every write on it.
 */
import * as vscode from 'vscode';
import { ContextKeys } from '../constants';
import { affects, readSettings } from '../config/settings';
import type { ConnectionManager } from './connectionManager';
import { readOnlyFor } from './session';
import { DisposableBase } from '../util/event';

/** Whether changing commands are refused right now: the session's verdict, or what it would be. */
export function readOnlyNow(connection: ConnectionManager): boolean {
  const session = connection.session;
  if (session) {
    return session.readOnly;
  }
  const s = connection.state;
  return s.kind === 'idle' ? false : readOnlyFor(readSettings().readOnly, s.target?.host ?? 'localhost');
}

export class ReadOnlyMode extends DisposableBase {
  constructor(private readonly connection: ConnectionManager) {
    super();
    this.register(connection.onDidChangeState(() => this.publish()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, 'readOnly')) {
          this.publish();
        }
      }),
    );
    this.publish();
  }

  get value(): boolean {
    return readOnlyNow(this.connection);
  }

  private publish(): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.readOnly, this.value);
  }
}
