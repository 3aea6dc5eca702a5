/**
 * "NOVA: Show Cache Report": the one webview of the extension (charts need one; everything else is
 * a tree or a document). One panel, reused; the report runs on the session it started on, with
 * progress and cancellation, and the webview only draws what it is sent. Strict Content Security
 * Policy: no inline script, the bundled script by nonce, styles from the extension only.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import type { RedisSession } from '../connection/session';
import { readSettings } from '../config/settings';
import { explorerDelimiter } from '../config/settingsSchema';
import { folderTarget, type FolderNode } from '../redis/explorerModel';
import { bytesFromId, displayName } from '../redis/keyName';
import type { CacheReport, ReportWarning } from '../redis/report';
import { reportCsv, reportJson } from '../redis/reportExport';
import { DisposableBase } from '../util/event';
import type { FromWebview, ReportStrings, ReportView, ToWebview } from '../webview/protocol';
import { formatNumber, plural } from './format';
import type { KeysView } from './keysView';
import type { ErrorReporter } from '../commands/registry';

interface Scope {
  prefix?: Buffer;
  delimiter: string | null;
}

export class CacheReportPanel extends DisposableBase {
  private panel: vscode.WebviewPanel | undefined;
  private scope: Scope = { delimiter: ':' };
  private report: { report: CacheReport; session: RedisSession } | undefined;
  private running: vscode.CancellationTokenSource | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly connection: ConnectionManager,
    private readonly keys: KeysView,
    private readonly reporter: ErrorReporter,
  ) {
    super();
    this.register({
      dispose: () => {
        this.running?.cancel();
        this.panel?.dispose();
      },
    });
  }

  /** Opens the panel on the DB or on a folder of the Keys view, and runs a (sampled) report. */
  async show(folder?: FolderNode): Promise<void> {
    const session = this.connection.requireSession();
    this.scope = folder ? { prefix: folder.prefix, delimiter: folder.delimiter || null } : { delimiter: explorerDelimiter(readSettings()) };
    this.report = undefined;
    this.open();
    await this.run(session, 'sample');
  }

  private open(): void {
    const title = this.scope.prefix
      ? vscode.l10n.t('Cache Report: {0}', displayName(folderTarget({ prefix: this.scope.prefix, delimiter: this.scope.delimiter ?? '' }).path))
      : vscode.l10n.t('Cache Report');
    if (this.panel) {
      this.panel.title = title;
      this.panel.reveal();
      return;
    }
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel('nova.cacheReport', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [dist],
      retainContextWhenHidden: false,
    });
    this.panel = panel;
    panel.webview.html = this.html(panel.webview, dist);
    panel.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m).catch((err: unknown) => this.reporter.report(err, 'nova.showCacheReport')));
    panel.onDidDispose(() => {
      this.running?.cancel();
      this.panel = undefined;
    });
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.post({ type: 'init', strings: reportStrings(), locale: vscode.env.language });
        if (this.report) {
          this.post({ type: 'report', view: this.view(this.report.report) });
        }
        this.post({ type: 'busy', busy: this.running !== undefined });
        return;
      case 'reveal':
        await this.reveal(m.namespaceId);
        return;
      case 'full':
      case 'refresh':
        await this.run(this.report?.session.isEnded === false ? this.report.session : this.connection.requireSession(), m.type === 'full' ? 'full' : 'sample');
        return;
      case 'export':
        await this.export(m.format);
        return;
    }
  }

  private async run(session: RedisSession, mode: 'sample' | 'full'): Promise<void> {
    this.running?.cancel();
    const cancel = new vscode.CancellationTokenSource();
    this.running = cancel;
    this.post({ type: 'busy', busy: true });
    const abort = new AbortController();
    cancel.token.onCancellationRequested(() => abort.abort());
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: mode === 'full' ? vscode.l10n.t('Full cache report') : vscode.l10n.t('Cache report'), cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => cancel.cancel());
          let last = 0;
          return session.cacheReport({
            prefix: this.scope.prefix,
            delimiter: this.scope.delimiter,
            mode,
            signal: abort.signal,
            onProgress: (p) => {
              const share = p.total > 0 ? Math.min(100, (p.seen / p.total) * 100) : 0;
              progress.report({
                message: vscode.l10n.t('{0} of {1} keys seen, {2} detailed', formatNumber(p.seen), formatNumber(p.total), formatNumber(p.detailed)),
                increment: mode === 'full' ? Math.max(0, share - last) : undefined,
              });
              last = share;
            },
          });
        },
      );
      if (this.running === cancel) {
        this.report = { report, session };
        this.post({ type: 'report', view: this.view(report) });
      }
    } finally {
      if (this.running === cancel) {
        this.running = undefined;
        this.post({ type: 'busy', busy: false });
      }
      cancel.dispose();
    }
  }

  private async reveal(namespaceId: string): Promise<void> {
    const prefix = bytesFromId(namespaceId);
    if (prefix.length === 0) {
      return;
    }
    if (!(await this.keys.revealFolder(prefix))) {
      const path = displayName(folderTarget({ prefix, delimiter: this.scope.delimiter ?? '' }).path);
      void vscode.window.showInformationMessage(vscode.l10n.t('The Keys view does not list {0} (a filter, the flat list, or no key left under it).', path));
    }
  }

  private async export(format: 'csv' | 'json'): Promise<void> {
    const current = this.report;
    if (!current) {
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `cache-report-db${current.session.db}.${format}`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: format === 'csv' ? { [vscode.l10n.t('CSV files')]: ['csv'] } : { [vscode.l10n.t('JSON files')]: ['json'] },
      saveLabel: vscode.l10n.t('Export'),
    });
    if (!target) {
      return;
    }
    const text = format === 'csv' ? reportCsv(current.report) : reportJson(current.report, { server: current.session.server.version, db: current.session.db });
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    void vscode.window.showInformationMessage(vscode.l10n.t('Cache report saved to {0}.', vscode.workspace.asRelativePath(target)));
  }

  private view(report: CacheReport): ReportView {
    const scope = report.scope.path ?? vscode.l10n.t('DB {0}', this.report?.session.db ?? this.connection.session?.db ?? 0);
    const summary = report.sampled
      ? vscode.l10n.t(
          '{0}: a sample of {1} of {2} keys, {3} of them read in detail. Counts and memory are estimates, ± their margin at {4} confidence.',
          scope,
          formatNumber(report.keysSeen),
          formatNumber(report.dbsize),
          formatNumber(report.keysDetailed),
          `${formatNumber(report.confidence * 100, 1)} %`,
        )
      : vscode.l10n.t('{0}: every key read ({1} keys).', scope, formatNumber(report.root.keys));
    return { report, summary, methodLabel: methodLabel(report), warningTexts: report.warnings.map(warningText) };
  }

  private post(message: ToWebview): void {
    void this.panel?.webview.postMessage(message);
  }


  private html(webview: vscode.Webview, dist: vscode.Uri): string {
    const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'report.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'report.css'));
    const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title></title>
</head>
<body>
<header>
  <div>
    <h1 id="title"></h1>
    <p class="summary" id="summary"></p>
    <p class="method" id="method"></p>
  </div>
  <div class="actions">
    <button id="full" type="button"></button>
    <button id="refresh" type="button" class="secondary"></button>
    <button id="export-csv" type="button" class="secondary"></button>
    <button id="export-json" type="button" class="secondary"></button>
  </div>
</header>
<p class="busy-note" id="busy" role="status" hidden></p>
<main>
  <div class="selection"><strong id="selection"></strong><button id="reveal-selected" class="link" type="button" hidden></button></div>
  <div class="charts">
    <section><h2 id="treemap-title"></h2><div class="chart" id="treemap" role="img"></div></section>
    <section><h2 id="histogram-title"></h2><div class="chart" id="histogram" role="img"></div></section>
  </div>
  <section><h2 id="warnings-title"></h2><ul class="warnings" id="warnings"></ul></section>
  <section><h2 id="namespaces-title"></h2><table id="namespaces"></table></section>
  <section><h2 id="biggest-title"></h2><table id="biggest"></table></section>
</main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }
}

function methodLabel(r: CacheReport): string {
  const parts: string[] = [];
  switch (r.memoryMethod) {
    case 'memory-usage':
      parts.push(vscode.l10n.t('Memory: MEMORY USAGE, as the server counts it.'));
      break;
    case 'debug-object':
      parts.push(vscode.l10n.t('Memory: an estimate from DEBUG OBJECT serializedlength (the value as saved on disk, smaller than in memory).'));
      if (r.memoryFallbackKeys > 0) {
        parts.push(vscode.l10n.t('{0} values too big to serialise cheaply are estimated from their sizes.', formatNumber(r.memoryFallbackKeys)));
      }
      break;
    case 'value-sizes':
      parts.push(vscode.l10n.t('Memory: an estimate from the value sizes (STRLEN, HLEN, LLEN, SCARD, ZCARD times the size of a few members), without the server overhead.'));
      break;
  }
  if (r.memoryUsageRefused) {
    parts.push(vscode.l10n.t('MEMORY USAGE is refused on this server.'));
  }
  if (r.debugRefused) {
    parts.push(vscode.l10n.t('DEBUG is not allowed on this server.'));
  }
  if (r.memoryUnknownKeys > 0) {
    const n = formatNumber(r.memoryUnknownKeys);
    parts.push(plural(r.memoryUnknownKeys, vscode.l10n.t('{0} key of a type without a size counts as 0 bytes.', n), vscode.l10n.t('{0} keys of a type without a size count as 0 bytes.', n)));
  }
  return parts.join(' ');
}

function warningText(w: ReportWarning): string {
  switch (w.kind) {
    case 'noTtlInCache':
      return plural(
        w.keys,
        vscode.l10n.t('{0} key without a TTL in the cache namespace {1} never expires (for example {2}).', formatNumber(w.keys), w.path, w.examples.join(', ')),
        vscode.l10n.t('{0} keys without a TTL in the cache namespace {1} never expire (for example {2}).', formatNumber(w.keys), w.path, w.examples.join(', ')),
      );
    case 'defaultTtlOnly':
      return plural(
        w.keys,
        vscode.l10n.t('The only key of {0} was written with the default TTL of {1} s: this namespace never sets its own.', w.path, formatNumber(w.ttlSeconds)),
        vscode.l10n.t('Every key of {0} ({1} keys) was written with the default TTL of {2} s: this namespace never sets its own.', w.path, formatNumber(w.keys), formatNumber(w.ttlSeconds)),
      );
    case 'djangoVersionSkew':
      return vscode.l10n.t(
        'Django cache versions {0} are all alive under the prefix "{1}": the keys of the old versions are never read again and wait for their TTL.',
        w.versions.map((v) => plural(v.keys, vscode.l10n.t('{0} ({1} key)', v.version, formatNumber(v.keys)), vscode.l10n.t('{0} ({1} keys)', v.version, formatNumber(v.keys)))).join(', '),
        w.prefix,
      );
  }
}

function reportStrings(): ReportStrings {
  return {
    title: vscode.l10n.t('Cache Report'),
    wholeDb: vscode.l10n.t('Whole DB'),
    fullReport: vscode.l10n.t('Full Report'),
    refresh: vscode.l10n.t('Refresh'),
    exportCsv: vscode.l10n.t('Export CSV'),
    exportJson: vscode.l10n.t('Export JSON'),
    memoryByNamespace: vscode.l10n.t('Memory by namespace'),
    ttlDistribution: vscode.l10n.t('TTL distribution'),
    namespaces: vscode.l10n.t('Namespaces'),
    biggestKeys: vscode.l10n.t('Biggest keys'),
    warnings: vscode.l10n.t('Warnings'),
    noWarnings: vscode.l10n.t('No warnings.'),
    selected: vscode.l10n.t('Selected'),
    showInTree: vscode.l10n.t('Show in Keys view'),
    namespace: vscode.l10n.t('Namespace'),
    keys: vscode.l10n.t('Keys'),
    memory: vscode.l10n.t('Memory'),
    ttlShare: vscode.l10n.t('With TTL'),
    idleAvg: vscode.l10n.t('Idle (mean)'),
    idleMax: vscode.l10n.t('Idle (max)'),
    key: vscode.l10n.t('Key'),
    type: vscode.l10n.t('Type'),
    ttl: vscode.l10n.t('TTL'),
    idle: vscode.l10n.t('Idle'),
    noExpiry: vscode.l10n.t('no expiry'),
    bucketSoon: vscode.l10n.t('≤ 1 min'),
    bucketHour: vscode.l10n.t('≤ 1 h'),
    bucketDay: vscode.l10n.t('≤ 1 day'),
    bucketLonger: vscode.l10n.t('> 1 day'),
    bucketNone: vscode.l10n.t('No expiry'),
    directKeys: vscode.l10n.t('(keys directly here)'),
    otherNamespaces: vscode.l10n.t('{0} other namespaces'),
    emptyName: vscode.l10n.t('(empty name)'),
    running: vscode.l10n.t('Reading the keys…'),
    sortHint: vscode.l10n.t('Sort by this column'),
    units: {
      b: vscode.l10n.t('{0} B'),
      kb: vscode.l10n.t('{0} KB'),
      mb: vscode.l10n.t('{0} MB'),
      gb: vscode.l10n.t('{0} GB'),
      tb: vscode.l10n.t('{0} TB'),
      s: vscode.l10n.t('{0} s'),
      min: vscode.l10n.t('{0} min'),
      h: vscode.l10n.t('{0} h'),
      d: vscode.l10n.t('{0} d'),
    },
  };
}
