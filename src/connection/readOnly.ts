/**
 * Read-only mode: on by default when the server is not on this machine, so that a production or
 * shared Redis is never changed by accident. The core refuses writes on this flag; the context key
 * only hides the commands.
 */
import * as vscode from 'vscode';
import { ContextKeys, Settings } from '../constants';
import type { ConnectionManager } from './connectionManager';
import { DisposableBase } from '../util/event';

export type ReadOnlySetting = 'auto' | 'on' | 'off';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '0:0:0:0:0:0:0:1';
}

export class ReadOnlyMode extends DisposableBase {
  constructor(private readonly connection: ConnectionManager) {
    super();
    this.register(connection.onDidChangeState(() => this.publish()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${Settings.section}.${Settings.readOnly}`)) {
          this.publish();
        }
      }),
    );
    this.publish();
  }

  get setting(): ReadOnlySetting {
    const v = vscode.workspace.getConfiguration(Settings.section).get<string>(Settings.readOnly, 'auto');
    return v === 'on' || v === 'off' ? v : 'auto';
  }

  /** Whether changing commands are refused right now. */
  get value(): boolean {
    const setting = this.setting;
    if (setting !== 'auto') {
      return setting === 'on';
    }
    const s = this.connection.state;
    return s.kind === 'idle' ? false : !isLoopback(s.target?.host ?? 'localhost');
  }

  private publish(): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.readOnly, this.value);
  }
}
