/**
 * Connects the connection owner to the workspace: the .env and its changes, Workspace Trust,
 * settings, and the context keys menus and welcome views depend on. Every (re)configuration goes
 * through here, the Reconnect command included.
 */
import * as vscode from 'vscode';
import { ContextKeys } from '../constants';
import { affects, readSettings } from '../config/settings';
import type { EnvSource } from '../config/envSource';
import type { DotenvWarning } from '../config/dotenvParse';
import type { Logger } from '../log';
import { NovaError } from '../redis/errors';
import { redactedUrl } from '../redis/url';
import { DisposableBase } from '../util/event';
import type { ConnectionManager, ConnectionState, ManagerOptions } from './connectionManager';

export function managerOptionsFromSettings(): Omit<ManagerOptions, 'log'> {
  const s = readSettings();
  return {
    connectTimeoutMs: s.connectTimeoutMs,
    commandTimeoutMs: s.commandTimeoutMs,
    heartbeatMs: s.refreshIntervalSeconds * 1000,
    // Read at each write, so that turning read-only mode on takes effect at once.
    readOnly: () => readSettings().readOnly,
    // Read at each connection: a change reconnects (see below).
    forceStandalone: () => readSettings().clusterForceStandalone,
    natMap: () => readSettings().clusterNatMap,
  };
}

/** English on purpose: the log is what users paste into bug reports. */
function describeWarning(w: DotenvWarning): string {
  const key = w.key ?? '?';
  switch (w.code) {
    case 'unparsable':
      return `line ${w.line}: python-dotenv cannot parse this statement and skips it`;
    case 'differs-from-dotenv':
      return `line ${w.line}: ${key} is read differently by the npm dotenv parser; following python-dotenv, as the backend does`;
    case 'differs-across-versions':
      return `line ${w.line}: ${key} is read differently by python-dotenv ${w.versions ?? 'older versions'}; check the backend's python-dotenv version`;
    case 'duplicate-key':
      return `line ${w.line}: ${key} is assigned again (previously line ${w.relatedLine ?? '?'}); the last assignment wins`;
    case 'no-value':
      return `line ${w.line}: ${key} has no "=" and therefore no value`;
    case 'undefined-variable':
      return `line ${w.line}: \${${w.variable ?? '?'}} is not defined and expands to an empty string`;
    case 'forward-reference':
      return `line ${w.line}: \${${w.variable ?? '?'}} is only defined later (line ${w.relatedLine ?? '?'}); python-dotenv does not look ahead`;
    case 'from-environment':
      return `line ${w.line}: \${${w.variable ?? '?'}} comes from the environment, which the backend process may not share`;
    case 'npm-comparison-skipped':
      return 'not compared with the npm dotenv parser (file too large for it, or it failed); read as python-dotenv reads it';
  }
}

/** What the welcome views key on: the reason there is no connection, or a warning about the one there is. */
function problemOf(s: ConnectionState): string {
  if (s.kind === 'failed' || s.kind === 'reconnecting') {
    return s.error.code;
  }
  return s.kind === 'connected' && s.authNotNeeded ? 'AUTH_NOT_NEEDED' : '';
}

export class ConnectionController extends DisposableBase {
  constructor(
    private readonly connection: ConnectionManager,
    private readonly env: EnvSource,
    private readonly log: Logger,
  ) {
    super();
    this.register(env.onDidChange(() => void this.configureFromEnv('the .env file changed')));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.configureFromEnv('the workspace is now trusted')));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, 'connection') || affects(e, 'statusBar')) {
          this.connection.setOptions(managerOptionsFromSettings());
        }
        if (affects(e, 'cluster')) {
          // Cluster or one server, and the natMap, are decided at connect time.
          this.log.info('The cluster settings changed: reconnecting.');
          this.connection.connect();
        }
      }),
    );
    this.register(
      connection.onDidChangeState((s) => {
        void vscode.commands.executeCommand('setContext', ContextKeys.state, s.kind);
        void vscode.commands.executeCommand('setContext', ContextKeys.connected, s.kind === 'connected');
        void vscode.commands.executeCommand('setContext', ContextKeys.problem, problemOf(s));
      }),
    );
    // The .env source reconfigures on a folder change; only the menus' multi-root key is kept here.
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.publishMultiRoot()));
    this.publishMultiRoot();
  }

  private publishMultiRoot(): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.multiRoot, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
  }

  /** "NOVA: Reconnect": reads the .env again and connects, in an untrusted workspace too (the user asked). */
  async reconnect(): Promise<void> {
    await this.configureFromEnv('reconnect requested', true);
  }

  /** Startup: connect unless the workspace is untrusted, where a .env could point anywhere. */
  async start(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      this.log.info('Workspace not trusted: not connecting automatically. Run "NOVA: Reconnect" to connect anyway.');
      return;
    }
    await this.configureFromEnv('startup');
  }

  async configureFromEnv(reason: string, asked = false): Promise<void> {
    if (!vscode.workspace.isTrusted && !asked) {
      return;
    }
    try {
      const r = await this.env.resolve();
      for (const w of r.warnings) {
        this.log.warn(`${r.source.file ?? '.env'} ${describeWarning(w)}`);
      }
      if (r.target instanceof NovaError) {
        this.log.error(`REDIS_URL in ${r.source.file ?? '.env'}${r.source.line ? `:${r.source.line}` : ''} cannot be used (${r.target.code}): ${r.target.detail}`);
      } else if (r.source.defaulted) {
        this.log.info(`No REDIS_URL in ${r.source.file ?? '(no folder)'}: using NOVA's default ${redactedUrl(r.target)} (${reason})`);
      } else {
        this.log.info(`Connecting to ${redactedUrl(r.target)} from ${r.source.file ?? '.env'}${r.source.line ? `:${r.source.line}` : ''} (${reason})`);
      }
      this.connection.configure(r.target, r.source);
    } catch (err) {
      this.log.error('Reading the .env failed', err);
      if (asked) {
        throw err;
      }
    }
  }
}
