/**
 * Finds the workspace's .env, reads REDIS_URL from it as the Python backend would, and watches it.
 * In a multi-root workspace each folder may have its own .env; the user picks the active one and the
 * choice is remembered per workspace.
 */
import * as vscode from 'vscode';
import { Settings, StateKeys } from '../constants';
import { targetFromEnv, type EnvTarget } from './envTarget';
import { DisposableBase, Emitter } from '../util/event';
import { readSettings } from './settings';

export interface EnvResolution extends EnvTarget {
  folder?: vscode.WorkspaceFolder;
  envUri?: vscode.Uri;
}

/** Edits to a file come in bursts (save, format on save, git checkout). */
const DEBOUNCE_MS = 300;

export class EnvSource extends DisposableBase {
  private readonly changeEmitter = this.register(new Emitter<void>());
  /** Fires when the .env, the setting naming it, or the active folder changed. */
  readonly onDidChange = this.changeEmitter.event;
  private watcher: vscode.Disposable | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(private readonly state: vscode.Memento) {
    super();
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${Settings.section}.${Settings.envFile}`)) {
          this.rewatch();
          this.changed();
        }
      }),
    );
    this.register(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.rewatch();
        this.changed();
      }),
    );
    this.register({
      dispose: () => {
        this.watcher?.dispose();
      },
    });
    this.register({ dispose: () => clearTimeout(this.debounce) });
    this.rewatch();
  }

  /** The folder whose .env is used: the remembered choice, else the first folder. */
  activeFolder(): vscode.WorkspaceFolder | undefined {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const remembered = this.state.get<string>(StateKeys.activeFolder);
    return folders.find((f) => f.uri.toString() === remembered) ?? folders[0];
  }

  async setActiveFolder(folder: vscode.WorkspaceFolder): Promise<void> {
    await this.state.update(StateKeys.activeFolder, folder.uri.toString());
    this.rewatch();
    this.changed();
  }

  envUri(folder = this.activeFolder()): vscode.Uri | undefined {
    if (!folder) {
      return undefined;
    }
    const configured = readSettings(folder.uri).envFile || '.env';
    return isAbsolutePath(configured) ? vscode.Uri.file(configured) : vscode.Uri.joinPath(folder.uri, configured);
  }

  async resolve(): Promise<EnvResolution> {
    const folder = this.activeFolder();
    const envUri = this.envUri(folder);
    const file = envUri ? displayPath(envUri) : undefined;
    let bytes: Uint8Array | undefined;
    if (envUri) {
      try {
        bytes = await vscode.workspace.fs.readFile(envUri);
      } catch {
        bytes = undefined;
      }
    }
    // Read-only view of the extension host's environment for ${VAR} expansion; never written to.
    return { ...targetFromEnv(bytes, file, process.env), folder, envUri };
  }

  private rewatch(): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    const folder = this.activeFolder();
    const uri = this.envUri(folder);
    if (!folder || !uri) {
      return;
    }
    const relative = vscode.workspace.asRelativePath(uri, false);
    const pattern = relative === uri.fsPath ? new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), uriBasename(uri)) : new vscode.RelativePattern(folder, relative);
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const onEvent = () => this.changed();
    this.watcher = vscode.Disposable.from(watcher, watcher.onDidChange(onEvent), watcher.onDidCreate(onEvent), watcher.onDidDelete(onEvent));
  }

  private changed(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.changeEmitter.fire(), DEBOUNCE_MS);
  }
}

function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function uriBasename(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

/** Workspace-relative when possible: shorter in messages, and no machine paths in screenshots. */
export function displayPath(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, true);
}
