/** Commands about the connection itself: ping, reconnect, server info, the .env and the log. */
import * as vscode from 'vscode';
import { Commands, Schemes } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import type { ConnectionController } from '../connection/connectionController';
import type { EnvSource } from '../config/envSource';
import type { Logger } from '../log';
import { NovaError } from '../redis/errors';
import { hostPort } from '../redis/url';
import type { HandlerTable } from './registry';
import { serverLabel } from '../views/statusBar';
import { formatMs } from '../views/format';

export interface ConnectionCommandDeps {
  connection: ConnectionManager;
  controller: ConnectionController;
  env: EnvSource;
  log: Logger;
  serverInfoUri: vscode.Uri;
  refreshServerInfo(): void;
}

export function connectionCommands(d: ConnectionCommandDeps): HandlerTable {
  return {
    [Commands.ping]: async () => {
      const state = d.connection.state;
      if (state.kind !== 'connected') {
        // Ping is how users ask "what is wrong?": report the cause the state already knows.
        if (state.kind === 'failed' || state.kind === 'reconnecting') {
          throw state.error;
        }
        throw new NovaError('NOT_CONNECTED', state.kind);
      }
      const { rttMs, target } = await d.connection.ping();
      const now = d.connection.state;
      const label = now.kind === 'connected' ? serverLabel(now) : 'Redis';
      d.log.info(`PING ${hostPort(target)}/${target.db}: PONG in ${rttMs.toFixed(2)} ms`);
      void vscode.window.showInformationMessage(
        vscode.l10n.t('PONG from {0} at {1}, DB {2} — {3} ms', label, hostPort(target), target.db, formatMs(rttMs)),
      );
    },
    [Commands.reconnect]: () => d.controller.reconnect(),
    [Commands.showServerInfo]: async () => {
      d.connection.requireSession();
      d.refreshServerInfo();
      try {
        // Rendered, as a person reads it: the Markdown source is for tools.
        await vscode.commands.executeCommand('markdown.showPreview', d.serverInfoUri);
      } catch (err) {
        // The built-in Markdown extension is disabled: the source is still readable.
        d.log.warn(`Markdown preview unavailable, showing the source: ${String(err)}`);
        const doc = await vscode.workspace.openTextDocument(d.serverInfoUri);
        await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
        await vscode.window.showTextDocument(doc, { preview: true });
      }
    },
    [Commands.openEnv]: async () => {
      const uri = d.env.envUri();
      if (!uri) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Open a folder first: NOVA Redis reads REDIS_URL from the .env file of the workspace folder.'));
        return;
      }
      try {
        await vscode.workspace.fs.stat(uri);
      } catch {
        const create = vscode.l10n.t('Create .env');
        const choice = await vscode.window.showInformationMessage(
          vscode.l10n.t('There is no .env file in this folder yet. Create one with NOVA\'s default REDIS_URL?'),
          create,
        );
        if (choice !== create) {
          return;
        }
        await vscode.workspace.fs.writeFile(uri, Buffer.from('REDIS_URL=redis://localhost:6379/1\n', 'utf8'));
      }
      await vscode.window.showTextDocument(uri);
    },
    [Commands.showLog]: () => d.log.show(),
    [Commands.selectEnvFolder]: async () => {
      const folders = vscode.workspace.workspaceFolders ?? [];
      const active = d.env.activeFolder();
      const picked = await vscode.window.showQuickPick(
        folders.map((folder) => ({
          label: folder.name,
          description: folder === active ? vscode.l10n.t('active') : undefined,
          folder,
        })),
        { placeHolder: vscode.l10n.t('Which folder\'s .env should NOVA Redis use?') },
      );
      if (picked) {
        await d.env.setActiveFolder(picked.folder);
      }
    },
  };
}

export const SERVER_INFO_URI = vscode.Uri.from({ scheme: Schemes.serverInfo, path: '/server-info.md' });
