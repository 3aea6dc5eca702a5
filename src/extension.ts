/** Activation only wires the parts together; each part owns its own behaviour and disposables. */
import * as vscode from 'vscode';
import { Schemes } from './constants';
import { Logger } from './log';
import { EnvSource } from './config/envSource';
import { ConnectionManager } from './connection/connectionManager';
import { ConnectionController, managerOptionsFromSettings } from './connection/connectionController';
import { StatusBar } from './views/statusBar';
import { ServerInfoProvider } from './views/serverInfo';
import { KeysView } from './views/keysView';
import { connectionCommands, SERVER_INFO_URI } from './commands/connectionCommands';
import { explorerCommands } from './commands/explorerCommands';
import { changeCommands } from './commands/changeCommands';
import { transferCommands } from './commands/transferCommands';
import { codeCommands } from './commands/codeCommands';
import { CodeLinks } from './views/codeLinks';
import { valueCommands } from './commands/valueCommands';
import { consoleCommands } from './commands/consoleCommands';
import { elementCommands } from './commands/elementCommands';
import { keyCommands } from './commands/keyCommands';
import { ElementLenses } from './views/elementLenses';
import { Consoles } from './views/console';
import { ValueDocuments } from './views/valueDocuments';
import { ValueEditor } from './views/valueEditor';
import { editCommands } from './commands/editCommands';
import { ReadOnlyMode } from './connection/readOnly';
import { createErrorReporter, registerCommands } from './commands/registry';
import type { NovaApi } from './api';
import { CacheReportPanel } from './views/cacheReport';
import { reportCommands } from './commands/reportCommands';
import { ServerViews } from './views/serverViews';
import { LiveKeyspaceController } from './views/liveKeyspace';
import { liveCommands } from './commands/liveCommands';

export function activate(context: vscode.ExtensionContext): NovaApi {
  const own = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };
  const log = own(new Logger());
  const connection = own(
    new ConnectionManager({
      ...managerOptionsFromSettings(),
      log: (level, message) => (level === 'error' ? log.error(message) : level === 'warn' ? log.warn(message) : log.info(message)),
    }),
  );
  const env = own(new EnvSource(context.workspaceState));
  const controller = own(new ConnectionController(connection, env, log));
  own(new StatusBar(connection));
  const serverInfo = own(new ServerInfoProvider(connection, SERVER_INFO_URI));
  own(vscode.workspace.registerTextDocumentContentProvider(Schemes.serverInfo, serverInfo));
  const keys = own(new KeysView(connection));
  const values = own(new ValueDocuments(connection, context.workspaceState));
  own(vscode.workspace.registerTextDocumentContentProvider(Schemes.value, values));
  const editor = own(new ValueEditor(connection, values));
  own(vscode.workspace.registerFileSystemProvider(Schemes.edit, editor, { isCaseSensitive: true }));
  own(vscode.languages.registerCodeLensProvider({ scheme: Schemes.value }, own(new ElementLenses(values, connection))));
  const readOnly = own(new ReadOnlyMode(connection));
  own(vscode.languages.registerCodeLensProvider({ language: 'python' }, own(new CodeLinks(connection))));
  const reporter = createErrorReporter(log, connection);
  const serverViews = own(new ServerViews(connection));
  const live = own(new LiveKeyspaceController(connection, keys, values, log));
  own(
    registerCommands(
      {
        ...explorerCommands(keys),
        ...changeCommands({ connection, keys, log }),
        ...transferCommands({ connection, keys, log }),
        ...codeCommands(keys),
        ...valueCommands(values, connection),
        ...editCommands(editor, keys, connection),
        ...elementCommands({ connection, keys, values, log }),
        ...keyCommands({ connection, keys, values, log }),
        ...consoleCommands(own(new Consoles(connection, readOnly, context.workspaceState, keys))),
        ...reportCommands(own(new CacheReportPanel(context.extensionUri, connection, keys, reporter))),
        ...liveCommands(serverViews, live),
        ...connectionCommands({ connection, controller, env, log, serverInfoUri: SERVER_INFO_URI, refreshServerInfo: () => serverInfo.refresh(SERVER_INFO_URI) }),
      },
      reporter,
    ),
  );
  void controller.start();
  return { connectionState: () => connection.state, keysTree: keys };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions, which VS Code disposes.
}
