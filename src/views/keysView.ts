/**
 * The Keys view: a thin adapter from the vscode-free explorer model to VS Code's tree. Nodes are
 * plain data with ids derived from the key bytes; no node holds the client.
 */
import * as vscode from 'vscode';
import { Commands, ContextKeys, Settings, Views } from '../constants';
import type { ConnectionManager, ConnectionState, SessionKeysChange } from '../connection/connectionManager';
import type { RedisSession } from '../connection/session';
import type { ExplorerModel, ExplorerNode, FolderNode, KeyNode } from '../redis/explorerModel';
import { affects, readSettings } from '../config/settings';
import { explorerDelimiter } from '../config/settingsSchema';
import type { KeyType } from '../redis/keyMeta';
import { NovaError, isNovaError } from '../redis/errors';
import { DisposableBase, Emitter } from '../util/event';
import { describeError } from './messages';
import { bindingOf, valueUri } from './valueDocuments';
import { elementCount, formatBytes, formatNumber, formatTtl, keyCount, plural } from './format';
import { TtlTicker } from './ttlTicker';
import { readOnlyNow } from '../connection/readOnly';
import { readOnlyReason } from './stateText';

interface ErrorNode {
  kind: 'error';
  id: string;
  error: NovaError;
}

/**
 * Rows above the keys that say what the view is showing: read-only mode, the filter in effect, the
 * filter search's progress; and, when nothing matches, the empty result with a Clear Filter row.
 */
export interface InfoNode {
  kind: 'info';
  id: string;
  role: 'readOnly' | 'filter' | 'search' | 'noMatch' | 'clearFilter';
}

export type KeysElement = ExplorerNode | ErrorNode | InfoNode;

export interface KeyFilter {
  match?: string | Buffer;
  type?: KeyType;
  /** The match as the user gave it (a literal search shows the text, not the escaped glob); absent without a match. */
  label?: string;
}

/** "`a*b` · type hash": every part of a filter, so a combined one says so. */
export function filterText(filter: KeyFilter): string {
  const parts: string[] = [];
  if (filter.match !== undefined) {
    parts.push(filter.label ?? String(filter.match));
  }
  if (filter.type !== undefined) {
    parts.push(vscode.l10n.t('type {0}', typeLabel(filter.type)));
  }
  return parts.join(' · ');
}

/** A filter search over the keyspace, run by the view itself until it is covered or stopped. */
interface FilterSearch {
  abort: AbortController;
  state: 'running' | 'stopped' | 'done';
  startedAt: number;
  elapsedMs: number;
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

/** A key row's TTL text at `now`, computed from when its PTTL was read. */
function ttlText(node: KeyNode, now: number): string {
  const meta = node.meta;
  return meta ? formatTtl(meta.expiresAt === null ? null : Math.max(0, meta.expiresAt - now)) : '';
}

export class KeysView extends DisposableBase implements vscode.TreeDataProvider<KeysElement> {
  private readonly changed = this.register(new Emitter<KeysElement | KeysElement[] | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<KeysElement>;
  private model: ExplorerModel | undefined;
  private modelListener: { dispose(): void } | undefined;
  private generation = -1;
  private filter: KeyFilter | undefined;
  private readonly ticker: TtlTicker;
  private search: FilterSearch | undefined;
  /** The unfiltered listing, kept while a filter is shown when its scan was complete: clearing the filter shows its exact counts again. */
  private stash: ExplorerModel | undefined;
  /** What the last selection event said: see `selection`. */
  private reportedSelection: readonly KeysElement[] = [];

  constructor(private readonly connection: ConnectionManager) {
    super();
    this.view = this.register(vscode.window.createTreeView(Views.keys, { treeDataProvider: this, showCollapseAll: true, canSelectMany: true }));
    this.ticker = this.register(
      new TtlTicker({
        text: ttlText,
        redraw: (nodes) => this.changed.fire(nodes),
        expired: () => this.relist(),
        isVisible: () => this.view.visible,
      }),
    );
    this.register(this.view.onDidChangeSelection((e) => (this.reportedSelection = e.selection)));
    this.register(this.view.onDidChangeVisibility(() => this.ticker.wake()));
    this.register(this.view.onDidExpandElement((e) => isFolder(e.element) && this.ticker.expanded(e.element.prefix)));
    this.register(this.view.onDidCollapseElement((e) => isFolder(e.element) && this.ticker.collapsedFolder(e.element.prefix)));
    this.register(connection.onDidChangeState((s) => this.onState(s)));
    this.register(connection.onDidChangeKeys((e) => this.onKeysChanged(e)));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, 'explorer')) {
          this.rebuild();
        } else if (affects(e, 'readOnly')) {
          this.changed.fire(undefined);
        }
      }),
    );
    this.register({
      dispose: () => {
        this.dropModel();
        this.dropStash();
      },
    });
    this.onState(connection.state);
  }

  get currentModel(): ExplorerModel | undefined {
    return this.model;
  }

  /**
   * The selected rows. While the tree is listed again (a refresh, a TTL redraw), the extension host
   * forgets the handles of the rows until the workbench asks for them anew, and `view.selection` is
   * briefly empty though the rows still show selected: a title-bar command pressed then would lose the
   * selected folder. The last selection the workbench reported stands in for it meanwhile.
   */
  get selection(): readonly KeysElement[] {
    const now = this.view.selection;
    return now.length > 0 ? now : this.reportedSelection;
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
            this.stash?.noteDeleted(key);
          } else {
            // Re-adding a known key drops its cached metadata, so the next listing reads it again
            // (and drops it then if it is gone).
            this.model.noteCreated(key, this.filter?.type);
            this.stash?.noteCreated(key);
          }
        }
        this.relist();
        return;
      case 'folder':
      case 'db':
        this.rebuild();
        return;
    }
  }

  /** Keys other clients created or removed, from the session's keyspace notifications (no rescan). */
  applyRemote(session: RedisSession, changes: readonly { key: Buffer; gone: boolean }[]): void {
    if (session.generation === this.generation) {
      // The stashed unfiltered listing stays exact too, for when the filter is cleared.
      this.stash?.applyRemote(changes);
      this.model?.applyRemote(changes);
    }
  }

  setFilter(filter: KeyFilter | undefined): void {
    const wasFiltered = this.filter !== undefined;
    this.filter = filter;
    void vscode.commands.executeCommand('setContext', ContextKeys.keysFiltered, filter !== undefined);
    const model = this.model;
    const stash = this.stash;
    if (!wasFiltered && filter && model?.status.complete) {
      this.detachModel();
      this.stash = model;
    } else if (!filter && stash && this.connection.session?.generation === this.generation) {
      this.stash = undefined;
      this.dropModel();
      this.attachModel(stash);
      this.changed.fire(undefined);
      this.updateDescription();
      return;
    }
    // Same generation, no model: the next state check lists with the new filter (and keeps the stash).
    this.dropModel();
    this.onState(this.connection.state);
  }

  /** Starts over from a fresh scan (refresh button, retry, new settings). */
  rebuild(): void {
    this.dropStash();
    this.dropModel();
    this.generation = -1;
    this.onState(this.connection.state);
  }

  /** Stops the filter search; what it found stays listed. */
  stopSearch(): void {
    this.search?.abort.abort();
  }

  /** Runs the filter search (again) from where it stopped, until the keyspace is covered or it is stopped. */
  startSearch(): void {
    const model = this.model;
    if (!model || !this.filter) {
      return;
    }
    this.search?.abort.abort();
    const search: FilterSearch = { abort: new AbortController(), state: 'running', startedAt: Date.now(), elapsedMs: 0 };
    this.search = search;
    const settle = (state: FilterSearch['state']): void => {
      if (this.search === search) {
        search.state = state;
        search.elapsedMs = Date.now() - search.startedAt;
        this.changed.fire(undefined);
        this.updateDescription();
      }
    };
    void vscode.window.withProgress({ location: { viewId: Views.keys } }, () =>
      model.scanAll({ signal: search.abort.signal }).then(
        () => settle('done'),
        // Stopped, or the server failed (the error row and the status bar say so): what was found stays.
        () => settle('stopped'),
      ),
    );
    this.changed.fire(undefined);
  }

  private onState(state: ConnectionState): void {
    if (state.kind !== 'connected') {
      this.dropStash();
      if (this.model) {
        this.dropModel();
        this.changed.fire(undefined);
      }
      this.updateDescription();
      return;
    }
    const status = this.model?.status;
    if (this.model && !this.filter && status?.complete && status.keys === 0 && (state.dbSize ?? 0) > 0) {
      // The database was empty when scanned and has keys now (written by the backend): scan again.
      this.model.refresh();
    }
    const session = this.connection.session;
    if (session && (session.generation !== this.generation || !this.model)) {
      this.dropModel();
      if (this.stash && session.generation !== this.generation) {
        this.dropStash();
      }
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
      this.attachModel(this.model);
      if (this.filter) {
        // A filter on a large DB would otherwise show a lone "Load more…" at every level.
        this.startSearch();
      }
      this.changed.fire(undefined);
    }
    this.updateDescription();
  }

  private attachModel(model: ExplorerModel): void {
    this.model = model;
    this.ticker.clear(true);
    this.modelListener = model.onDidChange(() => {
      if (this.model === model) {
        this.updateDescription();
        this.relist();
      }
    });
  }

  /** Lists the whole tree again (from the model's index: no rescan); the listing tracks the rows anew. */
  private relist(): void {
    this.ticker.clear();
    this.changed.fire(undefined);
  }

  /** Lets go of the model without disposing it; returns it. */
  private detachModel(): ExplorerModel | undefined {
    this.ticker.clear(true);
    this.modelListener?.dispose();
    this.modelListener = undefined;
    const model = this.model;
    this.model = undefined;
    return model;
  }

  private dropModel(): void {
    // Rows of a listing that is gone must not stand in for a selection.
    this.reportedSelection = [];
    this.search?.abort.abort();
    this.search = undefined;
    this.detachModel()?.dispose();
  }

  private dropStash(): void {
    this.stash?.dispose();
    this.stash = undefined;
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
      parts.push(vscode.l10n.t('filter: {0}', filterText(this.filter)));
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
      case 'info':
        return this.infoItem(element);
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
        item.description = meta ? this.ticker.drawnText(element) : undefined;
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
      if (this.model === model) {
        this.ticker.track(element?.prefix ?? Buffer.alloc(0), children.filter(isKey));
      }
      if (element) {
        return children;
      }
      // A cluster master that failed: the others' keys are listed, and the root says which one is missing.
      const failed = model.status.error;
      if (isNovaError(failed, 'CLUSTER_NODE_FAILED')) {
        children.unshift({ kind: 'error', id: 'error:cluster-node', error: failed });
      }
      return this.withInfoRows(children, model);
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

  /** Computed from the element's own identity (its prefix or key bytes), so `reveal` can walk up. */
  getParent(element: KeysElement): KeysElement | undefined {
    // Error and info rows sit at the root.
    return element.kind === 'error' || element.kind === 'info' ? undefined : this.model?.parentOf(element);
  }

  /**
   * Shows a namespace (folder prefix) in the tree, selected and expanded; false when the tree does not
   * list it (another filter, flat list, or no key under it any more).
   */
  async revealFolder(prefix: Buffer): Promise<boolean> {
    const folder = await this.model?.locateFolder(prefix);
    if (!folder) {
      return false;
    }
    // The level above may have been paged further to include the folder.
    this.changed.fire(undefined);
    await this.view.reveal(folder, { select: true, focus: true, expand: true });
    return true;
  }

  /** The root's rows: what the view is showing first (read-only, filter, search), then the keys. */
  private withInfoRows(children: KeysElement[], model: ExplorerModel): KeysElement[] {
    const info = (role: InfoNode['role']): InfoNode => ({ kind: 'info', id: `info:${role}`, role });
    const rows: KeysElement[] = [];
    const searching = this.search?.state === 'running';
    const nothing = children.length === 0 && !searching;
    if (nothing && !this.filter) {
      // The welcome text says the DB is empty, with its buttons; a row would hide it.
      return [];
    }
    if (readOnlyNow(this.connection)) {
      rows.push(info('readOnly'));
    }
    if (this.filter && nothing && model.status.complete) {
      rows.push(info('noMatch'), info('clearFilter'));
      return rows;
    }
    if (this.filter) {
      rows.push(info('filter'));
      if (this.search) {
        rows.push(info('search'));
      }
    }
    return [...rows, ...children];
  }

  private infoItem(element: InfoNode): vscode.TreeItem {
    const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
    item.id = element.id;
    item.contextValue = element.role;
    const filter = this.filter ? filterText(this.filter) : '';
    switch (element.role) {
      case 'readOnly':
        item.tooltip = vscode.l10n.t('Edit TTL, Delete and Flush are turned off. Click to open the nova.readOnly setting.');
        return fill(item, readOnlyReason(true, readSettings().readOnly) ?? '', 'lock', vscode.l10n.t('— setting nova.readOnly'), {
          command: 'workbench.action.openSettings',
          title: vscode.l10n.t('Open Setting'),
          arguments: [`${Settings.section}.${Settings.readOnly}`],
        });
      case 'filter':
        return fill(item, vscode.l10n.t('Filter: {0}', filter), 'filter', vscode.l10n.t('— click to clear'), { command: Commands.clearFilter, title: vscode.l10n.t('Clear Filter') });
      case 'noMatch':
        return fill(item, vscode.l10n.t('No key matches {0}', filter), 'search-stop', vscode.l10n.t('— click to change the filter'), { command: Commands.filterKeys, title: vscode.l10n.t('Filter Keys…') });
      case 'clearFilter':
        return fill(item, vscode.l10n.t('Clear Filter'), 'clear-all', undefined, { command: Commands.clearFilter, title: vscode.l10n.t('Clear Filter') });
      case 'search':
        return this.searchItem(item);
    }
  }

  private searchItem(item: vscode.TreeItem): vscode.TreeItem {
    const search = this.search;
    const status = this.model?.status;
    if (!search || !status) {
      return item;
    }
    const found = status.keys;
    const total = status.total;
    const searched = total === undefined ? undefined : search.state === 'done' ? total : Math.min(total, Math.round((status.fraction ?? 0) * total));
    const of = (n: number, t: number): string => vscode.l10n.t('{0} of {1}', formatNumber(n), formatNumber(t));
    const foundText = plural(found, vscode.l10n.t('{0} key found', formatNumber(found)), vscode.l10n.t('{0} keys found', formatNumber(found)));
    switch (search.state) {
      case 'running':
      case 'stopped': {
        const running = search.state === 'running';
        let label: string;
        if (searched === undefined || total === undefined) {
          label = running ? vscode.l10n.t('Searching the keys — {0}', foundText) : vscode.l10n.t('Search stopped — {0}', foundText);
        } else if (running) {
          label = plural(total, vscode.l10n.t('Searched {0} key — {1}', of(searched, total), foundText), vscode.l10n.t('Searched {0} keys — {1}', of(searched, total), foundText));
        } else {
          label = plural(total, vscode.l10n.t('Search stopped after {0} key — {1}', of(searched, total), foundText), vscode.l10n.t('Search stopped after {0} keys — {1}', of(searched, total), foundText));
        }
        const command = running ? { command: Commands.stopKeySearch, title: vscode.l10n.t('Stop Search') } : { command: Commands.resumeKeySearch, title: vscode.l10n.t('Continue Search') };
        fill(item, label, running ? 'loading~spin' : 'debug-pause', running ? vscode.l10n.t('— click to stop') : vscode.l10n.t('— click to continue'), command);
        break;
      }
      case 'done': {
        const seconds = formatNumber(search.elapsedMs / 1000, 1);
        item.label =
          total === undefined
            ? vscode.l10n.t('Searched every key in {0} s — {1}', seconds, foundText)
            : plural(total, vscode.l10n.t('Searched {0} key in {1} s — {2}', formatNumber(total), seconds, foundText), vscode.l10n.t('Searched {0} keys in {1} s — {2}', formatNumber(total), seconds, foundText));
        item.iconPath = new vscode.ThemeIcon('check');
        break;
      }
    }
    item.accessibilityInformation = { label: typeof item.label === 'string' ? item.label : '' };
    return item;
  }
}

/** An info row's label, icon, grey text and click. */
function fill(item: vscode.TreeItem, label: string, icon: string, description: string | undefined, command: vscode.Command | undefined): vscode.TreeItem {
  item.label = label;
  item.iconPath = new vscode.ThemeIcon(icon);
  item.description = description;
  item.command = command;
  // A narrow sidebar cuts the row short: the tooltip has all of it.
  item.tooltip ??= description ? `${label} ${description}` : label;
  return item;
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
