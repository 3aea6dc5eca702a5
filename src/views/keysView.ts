/**
 * The Keys view: a thin adapter from the vscode-free explorer model to VS Code's tree. Nodes are
 * plain data with ids derived from the key bytes; no node holds the client.
 */
import * as vscode from 'vscode';
import { Commands, ContextKeys, Views } from '../constants';
import type { ConnectionManager, ConnectionState, SessionKeysChange } from '../connection/connectionManager';
import type { ExplorerModel, ExplorerNode, FolderNode, KeyNode } from '../redis/explorerModel';
import { affects, readSettings } from '../config/settings';
import { explorerDelimiter } from '../config/settingsSchema';
import type { KeyType } from '../redis/keyMeta';
import { NovaError, isNovaError } from '../redis/errors';
import { DisposableBase, Emitter } from '../util/event';
import { describeError } from './messages';
import { bindingOf, valueUri } from './valueDocuments';
import { elementCount, formatBytes, formatNumber, formatTtl, keyCount, plural } from './format';

interface ErrorNode {
  kind: 'error';
  id: string;
  error: NovaError;
}

export type KeysElement = ExplorerNode | ErrorNode;

export interface KeyFilter {
  match?: string | Buffer;
  type?: KeyType;
  /** What the user typed, for the description (a literal search shows the text, not the escaped glob). */
  label: string;
}

const TYPE_ICONS: Record<KeyType, string> = {
  string: 'symbol-string',
  hash: 'symbol-object',
  list: 'list-ordered',
  set: 'symbol-array',
  zset: 'list-filter',
  stream: 'pulse',
  other: 'question',
};

export function typeLabel(type: KeyType): string {
  switch (type) {
    case 'string':
      return vscode.l10n.t('string');
    case 'hash':
      return vscode.l10n.t('hash');
    case 'list':
      return vscode.l10n.t('list');
    case 'set':
      return vscode.l10n.t('set');
    case 'zset':
      return vscode.l10n.t('sorted set');
    case 'stream':
      return vscode.l10n.t('stream');
    case 'other':
      return vscode.l10n.t('other');
  }
}

/** Longest wait before re-listing for keys that expire: short TTLs drop out promptly, long ones cost nothing. */
const MAX_EXPIRY_WAIT_MS = 60_000;

export class KeysView extends DisposableBase implements vscode.TreeDataProvider<KeysElement> {
  private readonly changed = this.register(new Emitter<KeysElement | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<KeysElement>;
  private model: ExplorerModel | undefined;
  private modelListener: { dispose(): void } | undefined;
  private generation = -1;
  private filter: KeyFilter | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly connection: ConnectionManager) {
    super();
    this.view = this.register(vscode.window.createTreeView(Views.keys, { treeDataProvider: this, showCollapseAll: true, canSelectMany: true }));
    this.register(connection.onDidChangeState((s) => this.onState(s)));
    this.register(connection.onDidChangeKeys((e) => this.onKeysChanged(e)));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, 'explorer')) {
          this.rebuild();
        }
      }),
    );
    this.register({ dispose: () => this.dropModel() });
    this.onState(connection.state);
  }

  get currentModel(): ExplorerModel | undefined {
    return this.model;
  }

  get selection(): readonly KeysElement[] {
    return this.view.selection;
  }

  /**
   * What a keybinding of the view acts on: the row with the keyboard cursor, or the selection when the
   * cursor is within it. The arrow keys move the cursor (the tree's focus) without selecting, and the
   * API does not expose the focus, so it is found by toggling the focused row's selection (which opens
   * nothing) and toggling it back. Only valid while the view has the keyboard focus.
   */
  async cursorSelection(): Promise<readonly KeysElement[]> {
    const before = [...this.view.selection];
    const after = await this.toggleFocusedRow();
    if (after === undefined) {
      // No row has the cursor (an empty tree): nothing changed.
      return before;
    }
    await this.toggleFocusedRow();
    const had = new Set(before.map((e) => e.id));
    const added = after.find((e) => !had.has(e.id));
    return added ? [added] : before;
  }

  /** Toggles the cursor row's selection; the new selection, or undefined when none came within a second. */
  private async toggleFocusedRow(): Promise<readonly KeysElement[] | undefined> {
    // The change reaches the extension host as an event of its own, which may follow the command's reply.
    const changed = new Promise<readonly KeysElement[] | undefined>((resolve) => {
      const timer = setTimeout(() => {
        sub.dispose();
        resolve(undefined);
      }, 1000);
      const sub = this.view.onDidChangeSelection((e) => {
        clearTimeout(timer);
        sub.dispose();
        resolve(e.selection);
      });
    });
    await vscode.commands.executeCommand('list.toggleSelection');
    return changed;
  }

  get currentFilter(): KeyFilter | undefined {
    return this.filter;
  }

  /** A write of the session this tree lists: show what it did, without a rescan where possible. */
  private onKeysChanged({ session, change }: SessionKeysChange): void {
    if (session.generation !== this.generation || !this.model) {
      return;
    }
    switch (change.kind) {
      case 'keys':
        for (const key of change.keys) {
          if (change.deleted) {
            this.model.noteDeleted(key);
          } else {
            // Re-adding a known key drops its cached metadata, so the next listing reads it again
            // (and drops it then if it is gone).
            this.model.noteCreated(key, this.filter?.type);
          }
        }
        this.changed.fire(undefined);
        return;
      case 'folder':
      case 'db':
        this.rebuild();
        return;
    }
  }

  setFilter(filter: KeyFilter | undefined): void {
    this.filter = filter;
    void vscode.commands.executeCommand('setContext', ContextKeys.keysFiltered, filter !== undefined);
    this.rebuild();
  }

  /** Starts over from a fresh scan (refresh button, retry, new settings). */
  rebuild(): void {
    this.dropModel();
    this.generation = -1;
    this.onState(this.connection.state);
  }

  private onState(state: ConnectionState): void {
    if (state.kind !== 'connected') {
      if (this.model) {
        this.dropModel();
        this.changed.fire(undefined);
      }
      this.updateDescription();
      return;
    }
    const status = this.model?.status;
    if (this.model && status?.complete && status.keys === 0 && (state.dbSize ?? 0) > 0) {
      // The database was empty when scanned and has keys now (written by the backend): scan again.
      this.model.refresh();
    }
    const session = this.connection.session;
    if (session && (session.generation !== this.generation || !this.model)) {
      this.dropModel();
      this.generation = session.generation;
      const settings = readSettings();
      // The request deadline is the session's: the same as the connection's command timeout.
      this.model = session.createExplorer({
        delimiter: explorerDelimiter(settings),
        pageSize: settings.pageSize,
        // 0 (the default) lets COUNT follow the server's pace.
        scanCount: settings.scanCount || undefined,
        match: this.filter?.match,
        type: this.filter?.type,
      });
      const model = this.model;
      this.modelListener = model.onDidChange(() => {
        if (this.model === model) {
          this.updateDescription();
          this.changed.fire(undefined);
          this.scheduleExpiryCheck();
        }
      });
      this.changed.fire(undefined);
    }
    this.updateDescription();
  }

  private dropModel(): void {
    clearTimeout(this.expiryTimer);
    this.modelListener?.dispose();
    this.modelListener = undefined;
    this.model?.dispose();
    this.model = undefined;
  }

  private scheduleExpiryCheck(): void {
    clearTimeout(this.expiryTimer);
    const next = this.model?.nextExpiry();
    if (next === undefined) {
      return;
    }
    const wait = Math.min(MAX_EXPIRY_WAIT_MS, Math.max(250, next - Date.now() + 50));
    this.expiryTimer = setTimeout(() => this.changed.fire(undefined), wait);
  }

  private updateDescription(): void {
    const state = this.connection.state;
    if (state.kind !== 'connected') {
      this.view.description = undefined;
      this.view.message = undefined;
      return;
    }
    const status = this.model?.status;
    const total = state.dbSize;
    const parts = [vscode.l10n.t('DB {0}', state.target.db)];
    if (total !== undefined) {
      parts.push(keyCount(total));
    }
    if (this.filter) {
      parts.push(vscode.l10n.t('filter: {0}', this.filter.label));
    }
    if (status && !status.complete && status.fraction !== undefined && status.scanning) {
      parts.push(vscode.l10n.t('scanned {0}%', Math.floor(status.fraction * 100)));
    }
    this.view.description = parts.join(' · ');
    // An empty tree shows the same warning as its welcome text; a tree with keys would hide it.
    if (state.authNotNeeded && (status?.keys ?? 0) > 0) {
      const text = describeError(new NovaError('AUTH_NOT_NEEDED'), state.target, state.source);
      this.view.message = `${text.message} ${text.hint}`;
    } else {
      this.view.message = undefined;
    }
    void vscode.commands.executeCommand('setContext', ContextKeys.keysScanning, status?.scanning ?? false);
  }

  getTreeItem(element: KeysElement): vscode.TreeItem {
    switch (element.kind) {
      case 'folder': {
        const label = element.emptyName ? vscode.l10n.t('(empty name)') : element.label;
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = element.id;
        item.description = `${formatNumber(element.count)}${element.partial ? '+' : ''}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'folder';
        item.tooltip = element.partial
          ? plural(
              element.count,
              vscode.l10n.t('{0} key found so far; the scan is not complete. Run "Scan All Keys" for exact counts.', formatNumber(element.count)),
              vscode.l10n.t('{0} keys found so far; the scan is not complete. Run "Scan All Keys" for exact counts.', formatNumber(element.count)),
            )
          : keyCount(element.count);
        // Screen readers get the count as words, not the bare "42+" of the description.
        item.accessibilityInformation = { label: `${label}, ${keyCount(element.count)}` };
        return item;
      }
      case 'key': {
        const item = new vscode.TreeItem(element.label, vscode.TreeItemCollapsibleState.None);
        item.id = element.id;
        const meta = element.meta;
        item.iconPath = new vscode.ThemeIcon(meta ? TYPE_ICONS[meta.type] : 'key');
        item.description = meta ? formatTtl(meta.expiresAt === null ? null : Math.max(0, meta.expiresAt - Date.now())) : undefined;
        item.contextValue = 'key';
        item.accessibilityInformation = { label: `${element.name}, ${meta ? typeLabel(meta.type) : ''}, ${item.description ?? ''}` };
        item.tooltip = keyTooltip(element);
        // vscode.open, not Open Value: VS Code then passes how the item was opened, so a click shows a
        // preview and leaves the focus in the tree (arrow keys go on stepping), and Enter moves it to the tab.
        const session = this.connection.session;
        item.command = session
          ? { command: 'vscode.open', title: vscode.l10n.t('Open Value'), arguments: [valueUri(element.key, bindingOf(session))] }
          : { command: Commands.openValue, title: vscode.l10n.t('Open Value'), arguments: [element] };
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(
          element.scanComplete ? vscode.l10n.t('Show {0} more…', formatNumber(element.hidden)) : vscode.l10n.t('Load more…'),
          vscode.TreeItemCollapsibleState.None,
        );
        item.id = element.id;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = 'more';
        item.command = { command: Commands.loadMoreKeys, title: vscode.l10n.t('Load more…'), arguments: [element] };
        return item;
      }
      case 'error': {
        const text = describeError(element.error);
        const item = new vscode.TreeItem(text.message, vscode.TreeItemCollapsibleState.None);
        item.id = element.id;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        item.description = vscode.l10n.t('click to retry');
        item.tooltip = `${text.message}\n${text.hint}`;
        item.contextValue = 'error';
        item.command = { command: Commands.refreshKeys, title: vscode.l10n.t('Retry') };
        return item;
      }
    }
  }

  async getChildren(element?: KeysElement): Promise<KeysElement[]> {
    const model = this.model;
    if (!model || (element && element.kind !== 'folder')) {
      return [];
    }
    try {
      const children: KeysElement[] = await model.children(element);
      // A cluster master that failed: the others' keys are listed, and the root says which one is missing.
      const failed = model.status.error;
      if (!element && isNovaError(failed, 'CLUSTER_NODE_FAILED')) {
        return [{ kind: 'error', id: 'error:cluster-node', error: failed }, ...children];
      }
      return children;
    } catch (err) {
      if (isNovaError(err, 'CANCELLED')) {
        // A refresh started over while this level was loading; the new listing follows.
        return [];
      }
      const error = isNovaError(err) ? err : new NovaError('UNKNOWN', String(err));
      return [{ kind: 'error', id: `error:${element?.id ?? 'root'}`, error }];
    } finally {
      this.updateDescription();
    }
  }

  getParent(): undefined {
    return undefined;
  }
}

function keyTooltip(node: KeyNode): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendCodeblock(node.name, 'text');
  const meta = node.meta;
  if (!meta) {
    return md;
  }
  md.appendMarkdown(`${vscode.l10n.t('Type')}: **${typeLabel(meta.type)}**${meta.type === 'other' ? ` (${meta.rawType})` : ''}\n\n`);
  const ttl = meta.expiresAt === null ? null : Math.max(0, meta.expiresAt - Date.now());
  md.appendMarkdown(`${vscode.l10n.t('TTL')}: ${formatTtl(ttl)}${ttl !== null ? ` (${formatNumber(Math.round(ttl / 1000))} s)` : ''}\n\n`);
  if (meta.size !== null) {
    md.appendMarkdown(`${vscode.l10n.t('Size')}: ${meta.type === 'string' ? formatBytes(meta.size) : elementCount(meta.size)}\n\n`);
  }
  return md;
}

export function isFolder(e: unknown): e is FolderNode {
  return typeof e === 'object' && e !== null && (e as { kind?: unknown }).kind === 'folder';
}

export function isKey(e: unknown): e is KeyNode {
  return typeof e === 'object' && e !== null && (e as { kind?: unknown }).kind === 'key';
}
