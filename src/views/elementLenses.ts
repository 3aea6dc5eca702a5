/**
 * "Edit" and "Remove" above each row of a hash, list, set or sorted-set tab, on the lines where
 * `elementLines` finds the rows. When their count does not match the elements loaded (a display cap
 * cut the body), no lens is shown rather than one on the wrong row; the title bar and the palette
 * still work. Hidden in read-only mode.
 */
import * as vscode from 'vscode';
import { Commands, Schemes } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import { affects } from '../config/settings';
import { elementId } from '../commands/elementCommands';
import { DisposableBase, Emitter } from '../util/event';
import { elementLines } from '../redis/elementRows';
import type { ValueDocuments } from './valueDocuments';

const COLLECTIONS = new Set(['hash', 'list', 'set', 'zset']);

export class ElementLenses extends DisposableBase implements vscode.CodeLensProvider {
  private readonly changed = this.register(new Emitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly values: ValueDocuments,
    private readonly connection: ConnectionManager,
  ) {
    super();
    this.register(values.onDidChange(() => this.changed.fire()));
    this.register(connection.onDidChangeState(() => this.changed.fire()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, 'readOnly')) {
          this.changed.fire();
        }
      }),
    );
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const value = doc.uri.scheme === Schemes.value ? this.values.value(doc.uri) : undefined;
    if (!value || !COLLECTIONS.has(value.type) || this.connection.session?.readOnly !== false) {
      return [];
    }
    const elements = value.loadedElements();
    const lines = elementLines(doc.getText());
    if (lines.length !== elements.length) {
      return [];
    }
    const uri = doc.uri.toString();
    return elements.flatMap((e, i) => {
      const range = new vscode.Range(lines[i], 0, lines[i], 0);
      const args = [uri, e.index, elementId(e)];
      const lenses = [new vscode.CodeLens(range, { title: `$(trash) ${vscode.l10n.t('Remove')}`, command: Commands.removeElement, arguments: args })];
      if (value.type !== 'set') {
        lenses.unshift(new vscode.CodeLens(range, { title: `$(edit) ${vscode.l10n.t('Edit')}`, command: Commands.editElement, arguments: args }));
      }
      return lenses;
    });
  }
}
