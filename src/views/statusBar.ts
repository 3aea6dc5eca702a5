/** One status bar item that always says where the extension stands with Redis. Clicking it pings. */
import * as vscode from 'vscode';
import { Commands, STATUS_BAR_ID } from '../constants';
import type { ConnectionManager, ConnectionState } from '../connection/connectionManager';
import { DisposableBase } from '../util/event';
import { NovaError } from '../redis/errors';
import { describeError, endpointText, endpointUrl } from './messages';
import { formatMs, formatNumber, plural } from './format';
import { affects, readSettings } from '../config/settings';
import { readOnlyNow } from '../connection/readOnly';
import { READ_ONLY_SETTING_LINK, readOnlyReason, shortCause } from './stateText';

export function serverLabel(state: Extract<ConnectionState, { kind: 'connected' }>): string {
  const s = state.server;
  const name = s.flavor === 'valkey' ? `Valkey ${s.valkeyVersion ?? s.version}` : `Redis ${s.version}`;
  return s.windows ? vscode.l10n.t('{0} (Windows)', name) : name;
}

export class StatusBar extends DisposableBase {
  private readonly item = this.register(vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 100));
  /** Re-renders every second while the server is stalled, so the "for N s" counts up. */
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly connection: ConnectionManager) {
    super();
    this.item.name = vscode.l10n.t('NOVA Redis connection');
    this.item.command = Commands.ping;
    this.register(connection.onDidChangeState((s) => this.render(s)));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, 'readOnly')) {
          this.render(this.connection.state);
        }
      }),
    );
    this.register({ dispose: () => clearInterval(this.ticker) });
    this.render(connection.state);
    this.item.show();
  }

  private tick(stalled: boolean): void {
    if (stalled && !this.ticker) {
      this.ticker = setInterval(() => this.render(this.connection.state), 1000);
    } else if (!stalled && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /** The generation whose master change was announced, so it is said once. */
  private announced = 0;

  private render(state: ConnectionState): void {
    this.tick(state.kind === 'connected' && state.stalledSinceMs !== undefined);
    if (state.kind === 'connected' && state.previousMaster !== undefined && state.master !== undefined && state.generation !== this.announced) {
      this.announced = state.generation;
      this.register(vscode.window.setStatusBarMessage(vscode.l10n.t('$(arrow-swap) Redis failover: the master moved from {0} to {1}.', state.previousMaster, state.master), 15_000));
    }
    const tip = new vscode.MarkdownString(undefined, true);
    tip.isTrusted = { enabledCommands: [Commands.ping, Commands.reconnect, Commands.openEnv, Commands.showLog, Commands.openConsole, 'workbench.action.openSettings'] };
    this.item.backgroundColor = undefined;
    const sourceLine = (): string => {
      if (state.kind === 'idle') {
        return '';
      }
      const src = state.source;
      if (src.defaulted) {
        return vscode.l10n.t('No REDIS_URL in {0}: using NOVA\'s default redis://localhost:6379/1.', src.file ?? '.env');
      }
      return src.file ? vscode.l10n.t('From REDIS_URL in {0}', src.line ? `${src.file}:${src.line}` : src.file) : '';
    };
    switch (state.kind) {
      case 'idle':
        this.item.text = '$(database) NOVA Redis';
        tip.appendMarkdown(vscode.l10n.t('Not connected.'));
        break;
      case 'connecting':
        this.item.text = vscode.l10n.t('$(sync~spin) Redis: connecting…');
        tip.appendMarkdown(vscode.l10n.t('Connecting to {0}…', endpointText(state.target)));
        tip.appendMarkdown(`\n\n${sourceLine()}`);
        break;
      case 'connected': {
        const count = state.dbSize === undefined ? '?' : formatNumber(state.dbSize);
        // An unknown count ("?") reads as a plural.
        const n = state.dbSize ?? 2;
        if (state.stalledSinceMs !== undefined) {
          // Still connected, but the user must not read "connected" while nothing answers.
          const seconds = Math.max(1, Math.round((Date.now() - state.stalledSinceMs) / 1000));
          this.item.text = vscode.l10n.t('$(warning) Redis: not answering for {0} s', seconds);
          this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
          tip.appendMarkdown(`**${escapeMd(vscode.l10n.t('Redis at {0} has not answered for {1} s.', endpointText(state.target), seconds))}**\n\n`);
          tip.appendMarkdown(
            `${escapeMd(vscode.l10n.t('The server is stalled or busy (a long save, a paused process, a slow command). The connection is kept and probed every second; it is dropped and retried if the silence lasts.'))}\n\n`,
          );
        } else if (state.authNotNeeded) {
          const text = describeError(new NovaError('AUTH_NOT_NEEDED'), state.target, state.source);
          this.item.text = plural(
            n,
            vscode.l10n.t('$(warning) DB {0} · {1} key · unneeded password', state.target.db, count),
            vscode.l10n.t('$(warning) DB {0} · {1} keys · unneeded password', state.target.db, count),
          );
          this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
          tip.appendMarkdown(`**${escapeMd(text.message)}**\n\n${escapeMd(text.hint)}\n\n`);
        } else if (state.topology === 'cluster') {
          this.item.text = vscode.l10n.t('$(database) Cluster · {0} keys', count);
        } else if (state.master !== undefined) {
          this.item.text = vscode.l10n.t('$(database) {0}/{1} · {2} keys', state.master, state.target.db, count);
        } else {
          this.item.text = plural(n, vscode.l10n.t('$(database) DB {0} · {1} key', state.target.db, count), vscode.l10n.t('$(database) DB {0} · {1} keys', state.target.db, count));
        }
        const readOnly = readOnlyReason(readOnlyNow(this.connection), readSettings().readOnly);
        if (readOnly && state.stalledSinceMs === undefined) {
          // Edit TTL, Delete and Flush are hidden in read-only mode: say why where it is always seen.
          this.item.text = `${this.item.text.replace('$(database)', '$(lock)')} · ${vscode.l10n.t('read-only')}`;
        }
        tip.appendMarkdown(`**${vscode.l10n.t('Connected')}** — \`${endpointUrl(state.target)}\`\n\n`);
        if (readOnly) {
          tip.appendMarkdown(`$(lock) ${escapeMd(readOnly)} — [${vscode.l10n.t('setting nova.readOnly')}](${READ_ONLY_SETTING_LINK})\n\n`);
        }
        tip.appendMarkdown(`${serverLabel(state)}\n\n`);
        if (state.master !== undefined) {
          tip.appendMarkdown(`${vscode.l10n.t('Master {0}, found through the Sentinels.', state.master)}\n\n`);
        }
        if (state.previousMaster !== undefined && state.master !== undefined) {
          tip.appendMarkdown(`$(arrow-swap) ${vscode.l10n.t('Failover: the master moved from {0} to {1}.', state.previousMaster, state.master)}\n\n`);
        }
        if (state.topology === 'cluster') {
          tip.appendMarkdown(`${vscode.l10n.t('Keys in the cluster: {0}, the sum of the masters (approximate: DBSIZE counts keys that expired but were not reclaimed yet)', count)}\n\n`);
          for (const n of state.nodes ?? []) {
            tip.appendMarkdown(`- \`${n.address}\`: ${n.keys === undefined ? vscode.l10n.t('no answer') : vscode.l10n.t('{0} keys', formatNumber(n.keys))}\n`);
          }
          const c = state.cluster;
          if (c) {
            tip.appendMarkdown(
              `\n${vscode.l10n.t('Cluster state: {0}, {1} of {2} slots served, masters up {3}/{4}, replicas up {5}/{6}', c.state, formatNumber(c.slotsOk), formatNumber(16384), c.mastersUp, c.masters, c.replicasUp, c.replicas)}\n\n`,
            );
          }
        } else {
          tip.appendMarkdown(`${vscode.l10n.t('Keys in DB {0}: {1} (approximate: DBSIZE counts keys that expired but were not reclaimed yet)', state.target.db, count)}\n\n`);
        }
        tip.appendMarkdown(`${vscode.l10n.t('Round trip: {0} ms', formatMs(state.rttMs))}\n\n`);
        tip.appendMarkdown(sourceLine());
        tip.appendMarkdown(`\n\n[${vscode.l10n.t('Ping')}](command:${Commands.ping})`);
        tip.appendMarkdown(` · [$(terminal) ${vscode.l10n.t('Open Redis Console')}](command:${Commands.openConsole})`);
        if (state.authNotNeeded) {
          tip.appendMarkdown(` · [${vscode.l10n.t('Open .env')}](command:${Commands.openEnv})`);
        }
        break;
      }
      case 'reconnecting':
      case 'failed': {
        const text = describeError(state.error, state.target, state.source);
        // A failure that waits for the user names its cause where it is seen without hovering.
        this.item.text = state.kind === 'reconnecting' ? vscode.l10n.t('$(debug-disconnect) Redis: disconnected') : vscode.l10n.t('$(error) Redis: {0}', shortCause(state.error));
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        if (state.target) {
          tip.appendMarkdown(`\`${endpointUrl(state.target)}\`\n\n`);
        }
        tip.appendMarkdown(`**${escapeMd(text.message)}**\n\n${escapeMd(text.hint)}\n\n`);
        if (state.kind === 'reconnecting') {
          tip.appendMarkdown(`${vscode.l10n.t('Retrying automatically (attempt {0}).', state.attempt)}\n\n`);
        }
        tip.appendMarkdown(`${sourceLine()}\n\n`);
        tip.appendMarkdown(
          `[${vscode.l10n.t('Reconnect')}](command:${Commands.reconnect}) · [${vscode.l10n.t('Open .env')}](command:${Commands.openEnv}) · [${vscode.l10n.t('Show Log')}](command:${Commands.showLog})`,
        );
        break;
      }
    }
    this.item.tooltip = tip;
  }
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>]/g, '\\$&');
}
