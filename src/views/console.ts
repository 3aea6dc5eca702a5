/**
 * The Redis console in a VS Code terminal: a Pseudoterminal around the vscode-free engine
 * (src/console/session.ts), on a dedicated connection to the session's target and DB. This file
 * supplies what only VS Code has: the terminal, modal confirmations, the per-workspace history,
 * localized text, "Run Selection", "Copy as Command" and completion in `.redis` editors.
 */
import * as vscode from 'vscode';
import { LanguageIds, StateKeys } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import type { ReadOnlyMode } from '../connection/readOnly';
import { NovaError, isNovaError } from '../redis/errors';
import { ConsoleSession, readCommandTable, type ConfirmAnswer, type ConfirmRequest, type ConsoleClusterOptions, type ConsoleText, type NodeRequest } from '../console/session';
import { consoleCluster } from '../console/cluster';
import { arityText, type CommandTable } from '../console/safety';
import { recreateCommands, MAX_ELEMENTS } from '../console/recreate';
import { builtinSummary } from '../console/summaries';
import { DisposableBase } from '../util/event';
import { describeError } from './messages';
import { formatNumber, plural } from './format';
import { isKey, type KeysView } from './keysView';

let clients = 0;
const clientName = (): string => `nova-redis-console-${process.pid}-${++clients}`;

function consoleText(): ConsoleText {
  return {
    banner: (server, where, db, readOnly) =>
      readOnly
        ? vscode.l10n.t('Connected to {0} at {1}, DB {2}. Read-only mode: commands that change data or the server are refused. Type :help for help.', server, where, db)
        : vscode.l10n.t('Connected to {0} at {1}, DB {2}. Type :help for help.', server, where, db),
    help: () => [
      vscode.l10n.t('Commands are typed as in redis-cli: "…" with \\n \\t \\" \\xHH escapes, \'…\' literal.'),
      vscode.l10n.t('Tab completes command names; up/down and Ctrl+R search the history; Ctrl+C interrupts a blocking command or leaves SUBSCRIBE/MONITOR.'),
      vscode.l10n.t(':json toggles pretty JSON for values that hold JSON; clear clears the screen; exit closes the console.'),
      vscode.l10n.t('The console is bound to the DB of REDIS_URL: SELECT and FLUSHALL are refused; KEYS, FLUSHDB, CONFIG SET, SHUTDOWN and DEBUG ask first.'),
    ],
    refused: (reason, command, db) => {
      switch (reason) {
        case 'select':
          return vscode.l10n.t('(refused) SELECT: this console is bound to DB {0}, the DB of REDIS_URL in .env. To work on another DB, change REDIS_URL.', db);
        case 'flushall':
          return vscode.l10n.t('(refused) FLUSHALL empties every DB of the server; NOVA never sends it. FLUSHDB empties DB {0} only.', db);
        case 'otherDb':
          return vscode.l10n.t('(refused) {0} changes another DB; this console only touches DB {1}.', command, db);
        case 'readOnly':
          return vscode.l10n.t('(refused) {0} changes data or the server, and read-only mode is on (setting nova.readOnly). Nothing was sent.', command);
        case 'readOnlyUnknown':
          return vscode.l10n.t('(refused) The server\'s command table could not be read, so {0} cannot be checked in read-only mode. Nothing was sent.', command);
      }
    },
    cancelled: () => vscode.l10n.t('(cancelled) Nothing was sent.'),
    invalidArguments: (reason) =>
      reason === 'unbalanced'
        ? vscode.l10n.t('Invalid arguments: a quote is not closed. Nothing was sent.')
        : vscode.l10n.t('Invalid arguments: a closing quote must be followed by a space. Nothing was sent.'),
    lost: (command, write) =>
      write
        ? vscode.l10n.t('(error) The connection was lost before the reply to {0} came: outcome unknown. It may or may not have run; check before running it again. Nothing was re-sent.', command)
        : vscode.l10n.t('(error) The connection was lost before the reply to {0} came. Nothing was re-sent.', command),
    interrupted: (command, write) =>
      write ? vscode.l10n.t('Interrupted {0}: outcome unknown. It may or may not have run; check before running it again.', command) : vscode.l10n.t('Interrupted {0}.', command),
    reconnected: (where, db) => vscode.l10n.t('The console has a new connection to {0}, DB {1}.', where, db),
    cannotConnect: (err) => {
      const text = isNovaError(err) ? describeError(err) : { message: String(err), hint: '' };
      return vscode.l10n.t('(error) Cannot connect: {0} {1}', text.message, text.hint);
    },
    transactionDiscarded: () => vscode.l10n.t('The transaction (MULTI) was discarded with the connection.'),
    readingMessages: () => vscode.l10n.t('Reading messages... (press Ctrl+C to quit)'),
    monitorShowsPasswords: (version) => vscode.l10n.t('Warning: Redis {0} shows the AUTH password of every client to MONITOR watchers.', version),
    more: (left) => vscode.l10n.t('-- more -- {0} lines left: Space or Enter for more, q to stop', formatNumber(left)),
    cutElements: (shown, total) => vscode.l10n.t('(reply cut at the byte budget: {0} of {1} elements shown; use SCAN, HSCAN or a range)', formatNumber(shown), formatNumber(total)),
    cutBytes: (shown, total) => vscode.l10n.t('(value cut at the byte budget: {0} of {1} bytes shown; use GETRANGE or open it from the Keys view)', formatNumber(shown), formatNumber(total)),
    jsonMode: (on) => (on ? vscode.l10n.t('JSON values are now pretty-printed.') : vscode.l10n.t('JSON values are now printed as redis-cli prints them.')),
    scanned: (keys, calls) => vscode.l10n.t('(SCAN instead of KEYS: {0} keys in {1} calls, the server never blocked)', formatNumber(keys), formatNumber(calls)),
    arity: arityLabel,
    clusterBanner: (masters) =>
      vscode.l10n.t('Redis Cluster of {0} masters: a command with keys runs on the master that owns their slot; a command without keys asks which master, or runs on all of them.', masters),
    crossSlot: (command, slots) =>
      vscode.l10n.t(
        '(refused) CROSSSLOT: the keys of {0} are in {1} different hash slots, and a cluster runs a multi-key command only when all its keys are in one slot. Give the keys a common hash tag, the part of the name in braces (e.g. {2} and {3}), or run one command per key. Nothing was sent.',
        command,
        slots,
        '{user:1}:a',
        '{user:1}:b',
      ),
    clusterTransaction: (command) =>
      vscode.l10n.t('(refused) {0}: on a cluster this console sends each command to the master that owns its key, so a transaction cannot stay on one connection. Use EVAL with keys of one slot instead. Nothing was sent.', command),
    nodeHeading: (address) => vscode.l10n.t('--- {0} ---', address),
  };
}

async function pickNode(r: NodeRequest): Promise<string[] | undefined> {
  type Item = vscode.QuickPickItem & { nodes: string[] };
  const items: Item[] = [
    ...(r.allowAll ? [{ label: vscode.l10n.t('All masters'), description: r.masters.join(', '), nodes: r.masters }] : []),
    ...r.masters.map((m): Item => ({ label: m, description: vscode.l10n.t('master'), nodes: [m] })),
  ];
  const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('"{0}" has no key: run it on which master of the cluster?', r.command) });
  return picked?.nodes;
}

function arityLabel(exact: boolean, count: number): string {
  return exact
    ? plural(count, vscode.l10n.t('{0} argument', count), vscode.l10n.t('{0} arguments', count))
    : plural(count, vscode.l10n.t('at least {0} argument', count), vscode.l10n.t('at least {0} arguments', count));
}

async function confirmModal(r: ConfirmRequest): Promise<ConfirmAnswer> {
  const where = r.nodes ? r.nodes.join(', ') : `${r.host}:${r.port}`;
  if (r.kind === 'keys') {
    const scan = vscode.l10n.t('Use SCAN');
    const keys = vscode.l10n.t('Run KEYS Anyway');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('KEYS blocks {0} while it walks every key of DB {1}.', where, r.db),
      {
        modal: true,
        detail: vscode.l10n.t('While "{0}" runs, the server answers no other client, the NOVA backend included. The SCAN equivalent returns the same keys in small steps without blocking.', r.command),
      },
      scan,
      keys,
    );
    return choice === scan ? 'scan' : choice === keys ? 'yes' : 'no';
  }
  const details: Record<Exclude<ConfirmRequest['kind'], 'keys'>, string> = {
    flushdb: vscode.l10n.t('FLUSHDB deletes every key of DB {0}. This cannot be undone.', r.db),
    delPattern: vscode.l10n.t('DEL does not expand patterns: it deletes only a key with exactly this name, * ? [ included. To delete the keys a pattern matches, use Delete on a folder of the Keys view.'),
    configSet: vscode.l10n.t('CONFIG SET changes the whole server at once, for every DB and every client.'),
    shutdown: vscode.l10n.t('SHUTDOWN stops Redis for every client; the NOVA backend falls back to its in-memory cache until the service is started again.'),
    debug: vscode.l10n.t('DEBUG can block, crash or change the server (DEBUG SLEEP, DEBUG SEGFAULT, DEBUG RELOAD).'),
  };
  const run = vscode.l10n.t('Run');
  const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Run "{0}" on {1}, DB {2}?', r.command, where, r.db), { modal: true, detail: details[r.kind] }, run);
  return choice === run ? 'yes' : 'no';
}

/** One terminal: the Pseudoterminal VS Code drives, around one console session. */
class ConsoleTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  readonly started: Promise<void>;
  private resolveStarted: () => void = () => undefined;
  terminal: vscode.Terminal | undefined;
  private closed = false;

  constructor(
    readonly session: (write: (d: string) => void, exit: () => void) => ConsoleSession,
    private readonly onClosed: (t: ConsoleTerminal) => void,
  ) {
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
    this.engine = session(
      (d) => this.writeEmitter.fire(d),
      () => {
        // exit / Ctrl+D: the connection goes with the terminal, whether or not VS Code calls close().
        this.closeEmitter.fire();
        this.close();
      },
    );
  }

  readonly engine: ConsoleSession;

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    if (dimensions) {
      this.engine.columns = dimensions.columns;
    }
    void this.engine.start().finally(() => this.resolveStarted());
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.engine.columns = dimensions.columns;
  }

  handleInput(data: string): void {
    this.engine.input(data);
  }

  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.engine.dispose();
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
    this.onClosed(this);
  }
}

export class Consoles extends DisposableBase implements vscode.CompletionItemProvider {
  private readonly open = new Set<ConsoleTerminal>();
  private last: ConsoleTerminal | undefined;
  private table: { generation: number; table: Promise<CommandTable> } | undefined;

  constructor(
    private readonly connection: ConnectionManager,
    private readonly readOnly: ReadOnlyMode,
    private readonly state: vscode.Memento,
    private readonly keys: KeysView,
  ) {
    super();
    this.register(vscode.languages.registerCompletionItemProvider({ language: LanguageIds.redis }, this, ' '));
    this.register(
      vscode.window.onDidChangeActiveTerminal((t) => {
        const found = [...this.open].find((c) => c.terminal === t);
        if (found) {
          this.last = found;
        }
      }),
    );
    this.register({ dispose: () => [...this.open].forEach((c) => c.terminal?.dispose()) });
  }

  private endpoint(): { host: string; port: number; db: number } {
    const s = this.connection.state;
    if (s.kind !== 'connected') {
      throw new NovaError('NOT_CONNECTED', `state ${s.kind}`);
    }
    return { host: s.target.host, port: s.target.port, db: s.target.db };
  }

  /** NOVA: Open Redis Console. */
  async openConsole(): Promise<ConsoleTerminal> {
    const endpoint = this.endpoint();
    const pty = new ConsoleTerminal(
      (write, exit) =>
        new ConsoleSession({
          open: () => this.connection.openDedicatedConnection(clientName()),
          endpoint,
          readOnly: () => this.readOnly.value,
          confirm: confirmModal,
          text: consoleText(),
          history: {
            load: () => this.state.get<string[]>(StateKeys.consoleHistory, []),
            save: (lines) => void this.state.update(StateKeys.consoleHistory, lines),
          },
          write,
          exit,
          keyNames: (prefix) => this.keyNames(prefix),
          color: true,
          locale: vscode.env.language,
          cluster: this.clusterOptions(),
        }),
      (t) => {
        this.open.delete(t);
        if (this.last === t) {
          this.last = undefined;
        }
      },
    );
    pty.terminal = vscode.window.createTerminal({
      name: `NOVA Redis · ${endpoint.host}:${endpoint.port}/${endpoint.db}`,
      pty,
      iconPath: new vscode.ThemeIcon('terminal'),
    });
    this.open.add(pty);
    this.last = pty;
    pty.terminal.show();
    await pty.started;
    return pty;
  }

  /** On a cluster: the console's own Cluster and master connections, and the quick pick for key-less commands. */
  private clusterOptions(): ConsoleClusterOptions | undefined {
    const access = this.connection.dedicatedClusterAccess(clientName());
    if (!access) {
      return undefined;
    }
    return {
      open: async () => consoleCluster(await access.openCluster(), (host, port) => access.openNode(host, port)),
      pickNode,
    };
  }

  /** Run Selection in Redis Console: the selected lines (or the current one), `#` comments skipped. */
  async runSelection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      return;
    }
    const lines: string[] = [];
    for (const sel of editor.selections) {
      const range = sel.isEmpty ? editor.document.lineAt(sel.active.line).range : sel;
      lines.push(...editor.document.getText(range).split(/\r?\n/));
    }
    const commands = lines.filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
    if (commands.length === 0) {
      return;
    }
    const target = this.last && this.open.has(this.last) ? this.last : await this.openConsole();
    target.terminal?.show(true);
    await target.started;
    target.engine.input(`${commands.join('\r')}\r`);
  }

  /** Copy as Command: the redis-cli lines that rebuild the key, TTL included. */
  async copyAsCommand(node?: unknown): Promise<void> {
    if (!isKey(node)) {
      return;
    }
    const opened = await this.connection.openDedicatedConnection(clientName());
    let text: string[];
    try {
      text = await recreateCommands(opened.client, node.key, opened.server.caps);
    } catch (err) {
      if (isNovaError(err, 'UNSUPPORTED') && err.args.count !== undefined) {
        void vscode.window.showWarningMessage(vscode.l10n.t('{0} has {1} elements; Copy as Command stops at {2}. Use DUMP and RESTORE instead.', node.name, formatNumber(Number(err.args.count)), formatNumber(MAX_ELEMENTS)));
        return;
      }
      throw err;
    } finally {
      opened.client.disconnect();
    }
    await vscode.env.clipboard.writeText(`${text.join('\n')}\n`);
    const copied = plural(
      text.length,
      vscode.l10n.t('Copied {0} command that recreates {1}.', text.length, node.name),
      vscode.l10n.t('Copied {0} commands that recreate {1}.', text.length, node.name),
    );
    vscode.window.setStatusBarMessage(copied, 4000);
  }

  /** Names the Keys view already knows, as typed text: binary names cannot be completed from bare typing. */
  private keyNames(prefix: string): string[] {
    const found = this.keys.currentModel?.keyNamesStartingWith(Buffer.from(prefix, 'utf8'), 200) ?? [];
    return found.filter((k) => Buffer.from(k.toString('utf8'), 'utf8').equals(k)).map((k) => k.toString('utf8'));
  }

  /** The command table of the connected server: from an open console, else read once per connection. */
  private commandTable(): Promise<CommandTable> | undefined {
    const s = this.connection.state;
    if (s.kind !== 'connected') {
      return undefined;
    }
    const live = [...this.open].find((c) => c.engine.table.size > 0);
    if (live) {
      return Promise.resolve(live.engine.table);
    }
    if (this.table?.generation !== s.generation) {
      this.table = {
        generation: s.generation,
        table: this.connection.openDedicatedConnection(clientName()).then((opened) => readCommandTable(opened)),
      };
      this.table.table.catch(() => (this.table = undefined));
    }
    return this.table.table;
  }

  async provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[]> {
    const before = document.lineAt(position.line).text.slice(0, position.character);
    const words = before.trimStart().split(/\s+/);
    if (words.length > 2 || before.trimStart().startsWith('#')) {
      return [];
    }
    const table = await this.commandTable()?.catch(() => undefined);
    if (!table) {
      return [];
    }
    const first = words.length === 2 ? `${(words[0] ?? '').toUpperCase()} ` : '';
    return table
      .names()
      .filter((n) => (first ? n.startsWith(first) : !n.includes(' ')))
      .map((n) => {
        const label = first ? n.slice(first.length) : n;
        const spec = table.lookup(n.split(' ').map((p) => Buffer.from(p)));
        const item = new vscode.CompletionItem(label, vscode.CompletionItemKind.Keyword);
        if (spec) {
          const a = arityText(spec);
          const count = a.count - (first ? 1 : 0);
          item.detail = arityLabel(a.exact, count);
          item.documentation = spec.summary ?? builtinSummary(spec.name, vscode.env.language);
        }
        return item;
      });
  }
}
