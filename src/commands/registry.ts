/**
 * One place where commands are registered: every handler's failure is logged (scrubbed) and shown
 * as a localized, actionable message instead of disappearing into a rejected promise.
 */
import * as vscode from 'vscode';
import { Commands } from '../constants';
import { isNovaError } from '../redis/errors';
import type { Logger } from '../log';
import type { ConnectionManager } from '../connection/connectionManager';
import { describeError } from '../views/messages';

export type Handler = (...args: unknown[]) => unknown;
export type HandlerTable = Record<string, Handler>;

export interface ErrorReporter {
  /** Logs and shows the error; returns at once so a command never waits on a notification. */
  report(err: unknown, context: string): void;
}

export function createErrorReporter(log: Logger, connection: ConnectionManager): ErrorReporter {
  return {
    report(err: unknown, context: string): void {
      if (isNovaError(err, 'CANCELLED')) {
        return;
      }
      log.error(context, err);
      const state = connection.state;
      const target = state.kind === 'idle' ? undefined : state.target;
      const source = state.kind === 'idle' ? undefined : state.source;
      const text = isNovaError(err)
        ? describeError(err, target, source)
        : { message: vscode.l10n.t('Something went wrong: {0}', context), hint: vscode.l10n.t('See the NOVA Redis log for details.') };
      const openEnv = vscode.l10n.t('Open .env');
      const showLog = vscode.l10n.t('Show Log');
      void vscode.window.showErrorMessage(`${text.message} ${text.hint}`.trim(), openEnv, showLog).then(async (choice) => {
        if (choice === openEnv) {
          await vscode.commands.executeCommand(Commands.openEnv);
        } else if (choice === showLog) {
          log.show();
        }
      });
    },
  };
}

export function registerCommands(table: HandlerTable, reporter: ErrorReporter): vscode.Disposable {
  return vscode.Disposable.from(
    ...Object.entries(table).map(([id, handler]) =>
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (err) {
          reporter.report(err, id);
          return undefined;
        }
      }),
    ),
  );
}
