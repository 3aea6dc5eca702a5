/**
 * The Slowlog and Clients views: read-only trees in the NOVA sidebar, one row per slowlog entry or
 * client connection. Each is read when it becomes visible and when its refresh button is pressed,
 * never on a timer: SLOWLOG GET and CLIENT LIST are cheap, but nobody asked for them meanwhile.
 */
import * as vscode from 'vscode';
import { Views } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import type { FromNode, RedisSession } from '../connection/session';
import type { ClientInfo } from '../redis/clients';
import { NovaError, isNovaError } from '../redis/errors';
import type { SlowlogEntry } from '../redis/slowlog';
import { DisposableBase, Emitter } from '../util/event';
import { describeError } from './messages';
import { formatBytes, formatNumber, formatTtl, plural } from './format';

interface Row {
  id: string;
  item: vscode.TreeItem;
}

/** A list read from the server on demand; `read` runs on the live session, `rows` lays it out. */
class ServerList<T> extends DisposableBase implements vscode.TreeDataProvider<Row> {
  private readonly changed = this.register(new Emitter<undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<Row>;
  private rows: Row[] = [];
  private generation = -1;
  private loading: Promise<void> | undefined;

  constructor(
    viewId: string,
    private readonly connection: ConnectionManager,
    private readonly read: (session: RedisSession) => Promise<T[]>,
    private readonly layout: (items: T[]) => Row[],
    private readonly counted: (n: number) => string,
    private readonly empty: () => string,
  ) {
    super();
    this.view = this.register(vscode.window.createTreeView(viewId, { treeDataProvider: this }));
    this.register(this.view.onDidChangeVisibility((e) => e.visible && this.generation !== this.connection.session?.generation && void this.refresh()));
    this.register(
      connection.onDidChangeState((s) => {
        if (s.kind !== 'connected') {
          this.show([], undefined);
          this.generation = -1;
        } else if (this.view.visible && this.connection.session?.generation !== this.generation) {
          void this.refresh();
        }
      }),
    );
    if (this.view.visible) {
      void this.refresh();
    }
  }

  /** Reads the list again (the refresh button); joins a read under way. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const session = this.connection.session;
    if (!session) {
      this.show([], describeError(new NovaError('NOT_CONNECTED')).message);
      return;
    }
    try {
      const items = await this.read(session);
      this.generation = session.generation;
      this.show(this.layout(items), items.length === 0 ? this.empty() : undefined, items.length);
    } catch (err) {
      const text = describeError(isNovaError(err) ? err : new NovaError('UNKNOWN', String(err)));
      this.show([], `${text.message} ${text.hint}`);
    }
  }

  private show(rows: Row[], message: string | undefined, count?: number): void {
    this.rows = rows;
    this.view.message = message;
    this.view.description = count === undefined ? undefined : vscode.l10n.t('{0} · read at {1}', this.counted(count), new Date().toLocaleTimeString(vscode.env.language));
    this.changed.fire(undefined);
  }

  getTreeItem(row: Row): vscode.TreeItem {
    return row.item;
  }

  getChildren(row?: Row): Row[] {
    return row ? [] : this.rows;
  }
}

/** `850 µs`, `12.3 ms`, `1.2 s`: the server measures microseconds. */
export function formatDuration(us: number): string {
  if (us < 1000) {
    return vscode.l10n.t('{0} µs', formatNumber(us));
  }
  if (us < 1_000_000) {
    return vscode.l10n.t('{0} ms', formatNumber(us / 1000, us < 10_000 ? 1 : 0));
  }
  return vscode.l10n.t('{0} s', formatNumber(us / 1_000_000, 1));
}

const MAX_LABEL = 100;

function cut(text: string): string {
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}

function slowlogRows(entries: FromNode<SlowlogEntry>[]): Row[] {
  return entries.map((e) => {
    const command = e.args.join(' ');
    const item = new vscode.TreeItem(cut(command), vscode.TreeItemCollapsibleState.None);
    const when = new Date(e.time);
    item.id = `slow:${e.node ?? ''}:${e.id}`;
    item.description = `${formatDuration(e.durationUs)} · ${when.toLocaleTimeString(vscode.env.language)}`;
    item.iconPath = new vscode.ThemeIcon('watch');
    item.contextValue = 'slowlogEntry';
    const md = new vscode.MarkdownString();
    md.appendCodeblock(command, 'text');
    md.appendMarkdown(`${vscode.l10n.t('Ran at')}: ${when.toLocaleString(vscode.env.language)}\n\n`);
    md.appendMarkdown(`${vscode.l10n.t('Duration')}: ${formatDuration(e.durationUs)}\n\n`);
    if (e.client !== undefined) {
      md.appendMarkdown(`${vscode.l10n.t('Client')}: \`${e.client}\`${e.clientName ? ` (${e.clientName})` : ''}\n\n`);
    }
    if (e.node !== undefined) {
      md.appendMarkdown(`${vscode.l10n.t('Node')}: \`${e.node}\`\n\n`);
    }
    md.appendMarkdown(vscode.l10n.t('Passwords are shown as *** and values as their size.'));
    item.tooltip = md;
    item.accessibilityInformation = { label: `${command}, ${item.description}` };
    return { id: item.id, item };
  });
}

const CLIENT_ICONS: Record<ClientInfo['kind'], string> = {
  self: 'star-full',
  extension: 'plug',
  otherExtension: 'plug',
  backend: 'server-process',
  other: 'person',
};

function clientKindLabel(kind: ClientInfo['kind']): string | undefined {
  switch (kind) {
    case 'self':
      return vscode.l10n.t('this connection');
    case 'extension':
      return vscode.l10n.t('NOVA Redis, this window');
    case 'otherExtension':
      return vscode.l10n.t('NOVA Redis, another window');
    case 'backend':
      return vscode.l10n.t('NOVA backend');
    case 'other':
      return undefined;
  }
}

function clientRows(clients: FromNode<ClientInfo>[]): Row[] {
  return clients.map((c) => {
    const kind = clientKindLabel(c.kind);
    const item = new vscode.TreeItem(c.name || c.addr, vscode.TreeItemCollapsibleState.None);
    item.id = `client:${c.node ?? ''}:${c.id ?? c.addr}`;
    const parts = [
      ...(kind ? [kind] : []),
      ...(c.name ? [c.addr] : []),
      ...(c.db === undefined ? [] : [vscode.l10n.t('DB {0}', c.db)]),
      ...(c.idleSeconds === undefined ? [] : [vscode.l10n.t('idle {0}', formatTtl(c.idleSeconds * 1000))]),
      ...(c.cmd ? [c.cmd] : []),
    ];
    item.description = parts.join(' · ');
    item.iconPath = new vscode.ThemeIcon(CLIENT_ICONS[c.kind]);
    item.contextValue = `client.${c.kind}`;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${c.name || c.addr}**${kind ? ` — ${kind}` : ''}\n\n`);
    const fields = [...c.fields].map(([k, v]) => `${k}=${v}`).join('\n');
    md.appendCodeblock(fields, 'text');
    item.tooltip = md;
    item.accessibilityInformation = { label: `${c.name || c.addr}, ${item.description}` };
    return { id: item.id, item };
  });
}

export class ServerViews extends DisposableBase {
  readonly slowlog: ServerList<FromNode<SlowlogEntry>>;
  readonly clients: ServerList<FromNode<ClientInfo>>;

  constructor(connection: ConnectionManager) {
    super();
    this.slowlog = this.register(
      new ServerList(
        Views.slowlog,
        connection,
        (s) => s.slowlog(128, (n) => `‹${formatBytes(n)}›`),
        slowlogRows,
        (n) => plural(n, vscode.l10n.t('{0} entry', formatNumber(n)), vscode.l10n.t('{0} entries', formatNumber(n))),
        () => vscode.l10n.t('No slow commands logged. The server logs those slower than its slowlog-log-slower-than setting.'),
      ),
    );
    this.clients = this.register(
      new ServerList(
        Views.clients,
        connection,
        (s) => s.clients(),
        clientRows,
        (n) => plural(n, vscode.l10n.t('{0} client', formatNumber(n)), vscode.l10n.t('{0} clients', formatNumber(n))),
        () => vscode.l10n.t('No clients.'),
      ),
    );
  }
}
