/** "NOVA: Show Server Info": a read-only Markdown summary of INFO, rendered in a virtual document. */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { parseInfo } from '../redis/capabilities';
import { hostPort } from '../redis/url';
import { DisposableBase, Emitter } from '../util/event';
import { describeError } from './messages';
import { isNovaError } from '../redis/errors';
import { serverLabel } from './statusBar';
import { formatBytes, formatNumber, formatTtl } from './format';
import type { RedisSession } from '../connection/session';
import { parseReplication } from '../redis/sentinel';
import { Schemes } from '../constants';
import { readSettings } from '../config/settings';
import { StatsHistory, sampleOf, sparkline } from '../redis/serverStats';

export class ServerInfoProvider extends DisposableBase implements vscode.TextDocumentContentProvider {
  private readonly changed = this.register(new Emitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  /** Samples of the live statistics: one per reading of the document, which reads INFO anyway. */
  private readonly history = new StatsHistory(120);
  private generation = -1;
  private timer: NodeJS.Timeout | undefined;

  /** `uri`: the Server Info document, whose Markdown preview is what is usually on screen. */
  constructor(
    private readonly connection: ConnectionManager,
    private readonly uri?: vscode.Uri,
  ) {
    super();
    // Sampled only while the document is on screen: a hidden Server Info costs the server nothing.
    this.register(vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()));
    this.register(vscode.window.tabGroups.onDidChangeTabs(() => this.schedule()));
    this.register(vscode.window.tabGroups.onDidChangeTabGroups(() => this.schedule()));
    this.register({ dispose: () => clearTimeout(this.timer) });
  }

  /**
   * The Server Info document when it is on screen: its Markdown preview as the active tab of a group
   * (the preview is a webview: its tab names the document), or its source in a visible editor.
   */
  private visibleUri(): vscode.Uri | undefined {
    const source = vscode.window.visibleTextEditors.map((e) => e.document.uri).find((u) => u.scheme === Schemes.serverInfo);
    if (source) {
      return source;
    }
    const uri = this.uri;
    const name = uri?.path.split('/').pop();
    const previewed = vscode.window.tabGroups.all.some((g) => {
      const tab = g.activeTab;
      return name !== undefined && tab?.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(tab.input.viewType) && tab.label.includes(name);
    });
    return previewed ? uri : undefined;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const uri = this.visibleUri();
    if (uri && this.connection.session) {
      this.timer = setTimeout(() => this.changed.fire(uri), readSettings().liveStatsIntervalSeconds * 1000);
    }
  }

  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  async provideTextDocumentContent(): Promise<string> {
    try {
      const session = this.connection.requireSession();
      const { server, endpoint: target } = session;
      // Plain INFO (no section argument) is what every version since 2.x answers.
      const info = parseInfo(await session.info());
      if (session.generation !== this.generation) {
        this.generation = session.generation;
        this.history.clear();
      }
      this.history.push(sampleOf(info, Date.now()));
      const state = this.connection.state;
      const label = state.kind === 'connected' ? serverLabel(state) : server.version;
      const lastSave = Number(info.get('rdb_last_save_time'));
      const rows: [string, string][] = [
        [vscode.l10n.t('Server'), label],
        // Through Sentinels the target's host is the first Sentinel: show the master reached.
        [vscode.l10n.t('Address'), vscode.l10n.t('{0}, DB {1}', session.topology.kind === 'sentinel' ? session.topology.master.address : hostPort(target), target.db)],
        [vscode.l10n.t('Operating system'), info.get('os') ?? '—'],
        [vscode.l10n.t('Mode'), info.get('redis_mode') ?? server.mode],
        [vscode.l10n.t('Uptime'), info.has('uptime_in_seconds') ? formatTtl(Number(info.get('uptime_in_seconds')) * 1000) : '—'],
        [vscode.l10n.t('Memory used'), info.get('used_memory_human') ?? '—'],
        [vscode.l10n.t('Peak memory'), info.get('used_memory_peak_human') ?? '—'],
        // maxmemory 0 means no limit; Redis 7 still reports it as "0B".
        [vscode.l10n.t('Max memory'), info.get('maxmemory') === '0' ? vscode.l10n.t('no limit') : (info.get('maxmemory_human') ?? info.get('maxmemory') ?? '—')],
        [vscode.l10n.t('Connected clients'), info.get('connected_clients') ?? '—'],
        [
          vscode.l10n.t('Last RDB save'),
          Number.isFinite(lastSave) && lastSave > 0
            ? `${new Date(lastSave * 1000).toLocaleString(vscode.env.language)} (${info.get('rdb_last_bgsave_status') ?? '?'})`
            : '—',
        ],
        [vscode.l10n.t('Changes since last save'), info.get('rdb_changes_since_last_save') ?? '—'],
      ];
      const lines = [`# ${vscode.l10n.t('Redis server')}`, '', ...this.liveSection(), '', `| ${vscode.l10n.t('Property')} | ${vscode.l10n.t('Value')} |`, `|---|---|`];
      for (const [k, v] of rows) {
        lines.push(`| ${k} | ${v.replace(/\|/g, '\\|')} |`);
      }
      // On a cluster INFO comes from one master: the Cluster section has the keys of each.
      if (session.topology.kind !== 'cluster') {
        lines.push('', `## ${vscode.l10n.t('Keys per database')}`, '', `| ${vscode.l10n.t('DB')} | ${vscode.l10n.t('Keys')} | ${vscode.l10n.t('With expiry')} | ${vscode.l10n.t('Average TTL')} |`, '|---|---|---|---|');
        let any = false;
        for (const [name, value] of info) {
          const m = /^db(\d+)$/.exec(name);
          if (!m) {
            continue;
          }
          any = true;
          const fields = new Map(value.split(',').map((kv) => kv.split('=') as [string, string]));
          const avgMs = Number(fields.get('avg_ttl') ?? 0);
          const marker = Number(m[1]) === target.db ? ` ← ${vscode.l10n.t('configured')}` : '';
          lines.push(`| ${m[1]}${marker} | ${fields.get('keys') ?? '0'} | ${fields.get('expires') ?? '0'} | ${avgMs > 0 ? formatTtl(avgMs) : '—'} |`);
        }
        if (!any) {
          lines.push(`| — | 0 | 0 | — |`);
        }
      }
      lines.push(...(await topologySection(session)));
      lines.push('', `_${vscode.l10n.t('Read-only summary of INFO, taken {0}.', new Date().toLocaleTimeString(vscode.env.language))}_`, '');
      return lines.join('\n');
    } catch (err) {
      const text = isNovaError(err) ? describeError(err) : { message: vscode.l10n.t('Redis reported an error.'), hint: '' };
      return `# ${vscode.l10n.t('Redis server')}\n\n${text.message}\n\n${text.hint}\n`;
    } finally {
      this.schedule();
    }
  }

  /** The live statistics: now, and a text chart of the samples taken while the document was visible. */
  private liveSection(): string[] {
    const last = this.history.latest;
    if (!last) {
      return [];
    }
    const s = this.history.series();
    const seconds = readSettings().liveStatsIntervalSeconds;
    const minutes = Math.max(1, Math.round(this.history.spanMs / 60_000));
    const pct = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : `${formatNumber(x * 100, 1)} %`);
    const n = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : formatNumber(x));
    const chart = (values: number[], range?: [number, number]): string => {
      // Plain text, not code: the Markdown editor paints inline code as solid blocks in some themes.
      return sparkline(values, 40, range);
    };
    const lastSave = last.lastSave;
    const rows: [string, string, string][] = [
      [vscode.l10n.t('Operations per second'), n(last.opsPerSec), chart(s.opsPerSec)],
      [vscode.l10n.t('Memory used'), last.usedMemory === undefined ? '—' : formatBytes(last.usedMemory), chart(s.usedMemory)],
      [vscode.l10n.t('Hit ratio'), pct(s.hitRatio.at(-1)), chart(s.hitRatio, [0, 1])],
      [vscode.l10n.t('Connected clients'), n(last.clients), chart(s.clients)],
      [vscode.l10n.t('Evictions'), n(s.evictions.at(-1)), chart(s.evictions)],
      [
        vscode.l10n.t('Last RDB save'),
        lastSave === undefined || lastSave <= 0 ? '—' : vscode.l10n.t('{0} ago', formatTtl(Math.max(0, Date.now() - lastSave * 1000))),
        '',
      ],
    ];
    const out = [
      `## ${vscode.l10n.t('Live')}`,
      '',
      vscode.l10n.t('Sampled every {0} s while this document is visible; charts cover the last {1} min.', seconds, minutes),
      '',
      `| ${vscode.l10n.t('Metric')} | ${vscode.l10n.t('Now')} | ${vscode.l10n.t('Recent')} |`,
      '|---|---|---|',
    ];
    for (const [k, v, c] of rows) {
      out.push(`| ${k} | ${v} | ${c} |`);
    }
    return out;
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function slotRanges(ranges: [number, number][]): string {
  return ranges.length === 0 ? '—' : ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(', ');
}

/** The cluster (state, nodes, roles, slot ranges, keys per master), or the replication of one master. */
async function topologySection(session: RedisSession): Promise<string[]> {
  const lines: string[] = [];
  if (session.topology.kind === 'cluster') {
    const [state, count] = await Promise.all([session.clusterState(), session.keyCount()]);
    if (!state) {
      return lines;
    }
    lines.push('', `## ${vscode.l10n.t('Cluster')}`, '', `| ${vscode.l10n.t('Property')} | ${vscode.l10n.t('Value')} |`, '|---|---|');
    lines.push(`| ${vscode.l10n.t('Cluster state')} | ${cell(state.state)} |`);
    lines.push(`| ${vscode.l10n.t('Slots served')} | ${formatNumber(state.slotsOk)} / ${formatNumber(16384)} |`);
    lines.push(`| ${vscode.l10n.t('Masters up')} | ${state.mastersUp} / ${state.masters} |`);
    lines.push(`| ${vscode.l10n.t('Replicas up')} | ${state.replicasUp} / ${state.replicas} |`);
    lines.push(`| ${vscode.l10n.t('Keys (sum of the masters)')} | ${formatNumber(count.total)}${count.complete ? '' : ' +'} |`);
    lines.push('', `| ${vscode.l10n.t('Node')} | ${vscode.l10n.t('Role')} | ${vscode.l10n.t('Slots')} | ${vscode.l10n.t('Keys')} | ${vscode.l10n.t('Link')} |`, '|---|---|---|---|---|');
    const keysOf = new Map(count.nodes.map((n) => [n.address, n.keys]));
    for (const n of state.nodes) {
      const master = n.masterId ? state.nodes.find((m) => m.id === n.masterId) : undefined;
      const role = n.role === 'master' ? vscode.l10n.t('master') : master ? vscode.l10n.t('replica of {0}', master.address) : vscode.l10n.t('replica');
      const keys = n.role === 'master' ? keysOf.get(n.address) : undefined;
      lines.push(`| \`${n.address}\` | ${cell(role)} | ${slotRanges(n.slots)} | ${keys === undefined ? '—' : formatNumber(keys)} | ${n.up ? vscode.l10n.t('up') : vscode.l10n.t('down')} |`);
    }
    lines.push('', `_${vscode.l10n.t('As seen by {0}.', state.reportedBy)}_`);
    return lines;
  }
  const replication = parseReplication(await session.info('replication'));
  lines.push('', `## ${vscode.l10n.t('Replication')}`, '');
  if (session.topology.kind === 'sentinel') {
    lines.push(vscode.l10n.t('Master {0}, found through the Sentinels.', session.topology.master.address), '');
  }
  lines.push(`${vscode.l10n.t('Role')}: ${cell(replication.role || '—')}`, '');
  if (replication.replicas.length > 0) {
    lines.push(`| ${vscode.l10n.t('Replica')} | ${vscode.l10n.t('State')} | ${vscode.l10n.t('Lag')} |`, '|---|---|---|');
    for (const r of replication.replicas) {
      lines.push(`| \`${r.address}\` | ${cell(r.state)} | ${r.lagSeconds === undefined ? '—' : `${r.lagSeconds} s`} |`);
    }
  } else {
    lines.push(vscode.l10n.t('No replicas.'));
  }
  return lines;
}
