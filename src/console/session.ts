/**
 * The console engine behind the terminal, without `vscode`: it takes terminal input, edits the
 * line, checks every command against the safety rules, sends it on the console's own connection and
 * prints the reply the way redis-cli does. The connection is dedicated (a blocking BLPOP or a
 * MONITOR must not stall the explorer) and is reopened, never resumed, after Ctrl+C or a loss, so
 * nothing is ever re-sent: a write whose reply never came is reported as "outcome unknown".
 */
import type { OpenConnection } from '../redis/connect';
import { atLeast, parseVersion } from '../redis/capabilities';
import { isRedirect, routeOf, type ConsoleCluster } from './cluster';
import { formatReply, printsRaw, type FormatOptions } from './format';
import { LineEditor, type Completion, type EditorEvent } from './lineEditor';
import { parseLine, quoteBytes } from './parse';
import type { Reply } from './resp';
import { arityText, classify, CommandTable, isSecretLine, isWrite, word, type Confirmation, type Refusal } from './safety';
import { builtinSummary } from './summaries';
import { ConnectionLostError, Wire } from './wire';

export interface ConsoleEndpoint {
  host: string;
  port: number;
  db: number;
}

/** Every sentence the console prints itself, supplied localized by the UI (the server's replies are printed as they are). */
export interface ConsoleText {
  banner(server: string, where: string, db: number, readOnly: boolean): string;
  help(): string[];
  refused(reason: Refusal, command: string, db: number): string;
  cancelled(): string;
  invalidArguments(reason: 'unbalanced' | 'after-quote'): string;
  lost(command: string, write: boolean): string;
  interrupted(command: string, write: boolean): string;
  reconnected(where: string, db: number): string;
  cannotConnect(error: unknown): string;
  transactionDiscarded(): string;
  readingMessages(): string;
  monitorShowsPasswords(version: string): string;
  more(linesLeft: number): string;
  cutElements(shown: number, total: number): string;
  cutBytes(shown: number, total: number): string;
  jsonMode(on: boolean): string;
  scanned(keys: number, calls: number): string;
  arity(exact: boolean, count: number): string;
  /** Cluster: after the banner, how commands are routed. */
  clusterBanner(masters: number): string;
  /** Cluster: keys of one command in several hash slots. */
  crossSlot(command: string, slots: number): string;
  /** Cluster: MULTI, WATCH … cannot follow keys from node to node. */
  clusterTransaction(command: string): string;
  /** Cluster: the heading above one master's reply when a command runs on several. */
  nodeHeading(address: string): string;
}

/** Cluster: which master a command without a key runs on. */
export interface NodeRequest {
  command: string;
  masters: string[];
  /** False for streaming commands (MONITOR): they follow one node. */
  allowAll: boolean;
}

export interface ConsoleClusterOptions {
  /** Opens the console's own ioredis Cluster (after the seed connection: only on a cluster). */
  open: () => Promise<ConsoleCluster>;
  /** The masters picked (one, or all of them), or undefined when the user cancelled. */
  pickNode: (request: NodeRequest) => Promise<string[] | undefined>;
}

export type ConfirmAnswer = 'yes' | 'no' | 'scan';

export interface ConfirmRequest {
  kind: Confirmation | 'keys';
  /** The command line as the user typed it. */
  command: string;
  host: string;
  port: number;
  db: number;
  /** Cluster: the masters it runs on (`host:port`), when that is not host:port above. */
  nodes?: string[];
}

export interface HistoryStore {
  load(): string[];
  save(lines: string[]): void;
}

export interface ConsoleOptions {
  /** Opens a new connection to the configured target and DB, through the shared handshake. */
  open: () => Promise<OpenConnection>;
  endpoint: ConsoleEndpoint;
  readOnly: () => boolean;
  confirm: (request: ConfirmRequest) => Promise<ConfirmAnswer>;
  text: ConsoleText;
  history?: HistoryStore;
  write: (data: string) => void;
  /** Called when the user leaves (quit, exit, Ctrl+D). */
  exit?: () => void;
  /** Key names known to the explorer that start with a prefix, for completion. */
  keyNames?: (prefix: string) => string[];
  color?: boolean;
  /** Lines shown before `-- more --`. */
  pageLines?: number;
  /** Bytes of one reply kept and printed; beyond it the reply is cut with a note. */
  budgetBytes?: number;
  /** Display language of the built-in command summaries shown where the server has no COMMAND DOCS (`en` when absent). */
  locale?: string;
  /** Set when the session is on a Redis Cluster. */
  cluster?: ConsoleClusterOptions;
}

const NL = '\r\n';
const STREAMING = new Set(['subscribe', 'psubscribe', 'ssubscribe']);
const DEFAULT_PAGE = 1000;
const DEFAULT_BUDGET = 8 * 1024 * 1024;

export class ConsoleSession {
  private wire: Wire | undefined;
  private server: OpenConnection['server'] | undefined;
  private tableValue = CommandTable.empty();
  private readonly editor: LineEditor;
  private mode: 'starting' | 'edit' | 'busy' | 'streaming' | 'paging' | 'closed' = 'starting';
  private pending = '';
  private inMulti = false;
  private interrupted = false;
  private warnedMonitor = false;
  private json = false;
  private paging: { lines: string[]; done: () => void } | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly format: FormatOptions;
  /** Cluster: the console's own ioredis Cluster, its per-master connections, the one in use. */
  private router: ConsoleCluster | undefined;
  private readonly nodeWires = new Map<string, Wire>();
  private active: Wire | undefined;
  private streamingNode: string | undefined;
  private cancelAll = false;

  constructor(private readonly o: ConsoleOptions) {
    this.editor = new LineEditor(this.promptText(), o.history?.load() ?? [], {
      complete: (before) => this.complete(before),
      hint: (line) => this.hint(line),
    });
    this.format = {
      color: o.color,
      cutNote: (shown, total) => o.text.cutElements(shown, total),
      cutBytesNote: (shown, total) => o.text.cutBytes(shown, total),
    };
  }

  /** Connects, reads the command table, greets and shows the first prompt. */
  async start(): Promise<void> {
    try {
      await this.reopen();
      const server = this.server;
      if (server) {
        const name = server.flavor === 'valkey' ? `Valkey ${server.valkeyVersion ?? server.version}` : `Redis ${server.version}`;
        this.print([this.o.text.banner(name, this.where(), this.o.endpoint.db, this.o.readOnly())]);
      }
      if (this.o.cluster && this.mode !== 'closed') {
        const router = await this.ensureRouter();
        this.print([this.o.text.clusterBanner(router.masters().length)]);
      }
    } catch (err) {
      this.print([this.o.text.cannotConnect(err)]);
    }
    this.toEdit();
  }

  /** The server's command table, for completion elsewhere (a `.redis` editor). */
  get table(): CommandTable {
    return this.tableValue;
  }

  set columns(cols: number) {
    this.editor.cols = cols;
  }

  get history(): readonly string[] {
    return this.editor.historyLines;
  }

  /** Resolves when the console waits for the user again (tests and "Run Selection" use it). */
  whenIdle(): Promise<void> {
    if (this.mode === 'edit' && this.pending === '') {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Terminal input: keys, pasted text (several lines run one by one), Ctrl+C. */
  input(data: string): void {
    switch (this.mode) {
      case 'closed':
        return;
      case 'paging':
        this.pageKey(data);
        return;
      case 'busy':
      case 'streaming':
      case 'starting':
        if (data.includes('\x03')) {
          this.pending = '';
          this.interrupt();
        } else {
          this.pending += data;
        }
        return;
      case 'edit':
        this.pending += data;
        this.drain();
    }
  }

  dispose(): void {
    this.mode = 'closed';
    this.wire?.close();
    this.wire = undefined;
    this.dropNodes();
    this.router?.close();
    this.router = undefined;
    this.releaseIdle();
  }

  private drain(): void {
    while (this.mode === 'edit' && this.pending !== '') {
      const m = /\r\n?|\n/.exec(this.pending);
      const cut = m ? m.index + m[0].length : this.pending.length;
      const chunk = this.pending.slice(0, cut);
      this.pending = this.pending.slice(cut);
      const { events, output } = this.editor.feed(chunk);
      this.o.write(output);
      for (const e of events) {
        this.onEvent(e);
      }
    }
    if (this.mode === 'edit') {
      this.releaseIdle();
    }
  }

  private onEvent(e: EditorEvent): void {
    switch (e.kind) {
      case 'submit':
        this.mode = 'busy';
        void this.runLine(e.line).finally(() => {
          if (this.mode === 'busy') {
            this.toEdit();
          }
        });
        return;
      case 'interrupt':
        this.o.write(this.editor.reset());
        return;
      case 'eof':
        this.o.exit?.();
        return;
      case 'clear':
        this.o.write(`\x1b[2J\x1b[H${this.editor.render()}`);
        return;
      case 'list':
        this.o.write(`${NL}${e.candidates.join('  ')}${NL}${this.editor.redraw()}`);
    }
  }

  private toEdit(): void {
    if (this.mode === 'closed') {
      return;
    }
    this.mode = 'edit';
    this.editor.prompt = this.promptText();
    this.o.write(this.editor.reset());
    this.drain();
  }

  private releaseIdle(): void {
    for (const w of this.idleWaiters.splice(0)) {
      w();
    }
  }

  private promptText(): string {
    const { host, port, db } = this.o.endpoint;
    return `${host}:${port}${db === 0 ? '' : `[${db}]`}${this.inMulti ? '(TX)' : ''}> `;
  }

  private where(): string {
    return `${this.o.endpoint.host}:${this.o.endpoint.port}`;
  }

  private print(lines: string[]): void {
    if (lines.length > 0) {
      this.o.write(lines.join(NL) + NL);
    }
  }

  private async reopen(): Promise<void> {
    this.wire?.close();
    this.wire = undefined;
    const opened = await this.o.open();
    if (this.mode === 'closed') {
      // The terminal was closed while the connection was being opened.
      opened.client.disconnect();
      return;
    }
    // The console waits as long as the user wants (BLPOP 0, DEBUG SLEEP); Ctrl+C is its time-out.
    opened.client.options.commandTimeout = undefined;
    const wire = new Wire(opened.client, this.o.budgetBytes ?? DEFAULT_BUDGET);
    this.wire = wire;
    this.server = opened.server;
    this.inMulti = false;
    if (this.tableValue.size === 0) {
      this.tableValue = await loadTable(wire, opened.server.version);
    }
  }

  private async runLine(line: string): Promise<void> {
    const trimmed = line.trim();
    if (trimmed === '') {
      return;
    }
    const local = trimmed.toLowerCase();
    if (local === 'quit' || local === 'exit') {
      this.o.exit?.();
      return;
    }
    if (local === 'clear') {
      this.o.write('\x1b[2J\x1b[H');
      return;
    }
    if (local === ':json') {
      this.json = !this.json;
      this.print([this.o.text.jsonMode(this.json)]);
      return;
    }
    if (local === ':help' || local === 'help') {
      this.print(this.o.text.help());
      return;
    }
    const parsed = parseLine(line);
    // A mistyped line is kept too, so that it can be fixed with up-arrow.
    if (!parsed.ok || !isSecretLine(parsed.args)) {
      this.o.history?.save(this.editor.remember(line));
    }
    if (!parsed.ok) {
      this.print([this.o.text.invalidArguments(parsed.reason)]);
      return;
    }
    const args = parsed.args;
    if (args.length === 0) {
      return;
    }
    const name = word(args[0]);
    const verdict = classify(args, this.tableValue, this.o.readOnly());
    const { host, port, db } = this.o.endpoint;
    if (verdict.kind === 'refuse') {
      this.print([this.o.text.refused(verdict.reason, name.toUpperCase(), db)]);
      return;
    }
    // On a cluster: the masters the command runs on ([] for the seed connection), or nothing to run.
    let nodes: string[] | undefined;
    if (this.o.cluster) {
      nodes = await this.place(args, name, trimmed);
      if (nodes === undefined) {
        return;
      }
    }
    if (verdict.kind === 'confirm' || verdict.kind === 'keys') {
      const answer = await this.o.confirm({ kind: verdict.kind === 'keys' ? 'keys' : verdict.what, command: trimmed, host, port, db, ...(nodes?.length ? { nodes } : {}) });
      if (answer === 'no') {
        this.print([this.o.text.cancelled()]);
        return;
      }
      if (answer === 'scan' && verdict.kind === 'keys') {
        await this.scanKeys(verdict.pattern, nodes);
        return;
      }
    }
    if (!(await this.ensureOpen())) {
      return;
    }
    if ((STREAMING.has(name) && args.length > 1) || name === 'monitor') {
      await this.stream(args, name, nodes?.[0]);
      return;
    }
    if (nodes && nodes.length > 1) {
      await this.sendAll(args, name, nodes);
      return;
    }
    await this.send(args, name, nodes?.[0]);
  }

  /**
   * Cluster: where a command runs. A key's command goes to its slot's master; keys in several
   * slots, and transactions, are refused with the reason; a key-less command asks which master.
   * Undefined when nothing is to be sent (the reason is printed).
   */
  private async place(args: Buffer[], name: string, line: string): Promise<string[] | undefined> {
    const cluster = this.o.cluster;
    if (!cluster || !(await this.ensureOpen())) {
      return undefined;
    }
    const command = name.toUpperCase();
    try {
      const route = await routeOf(args, this.tableValue, (a) => this.getKeys(a));
      switch (route.kind) {
        case 'transaction':
          this.print([this.o.text.clusterTransaction(command)]);
          return undefined;
        case 'crossSlot':
          this.print([this.o.text.crossSlot(command, route.slots)]);
          return undefined;
        case 'anyNode':
          return [];
        case 'slot': {
          const owner = (await this.ensureRouter()).ownerOf(route.slot);
          // Unknown owner: the seed answers MOVED and ioredis finds the owner.
          return owner ? [owner] : [];
        }
        case 'pickNode': {
          const masters = (await this.ensureRouter()).masters();
          const choice = await cluster.pickNode({ command: line, masters, allowAll: name !== 'monitor' });
          if (choice === undefined || choice.length === 0) {
            this.print([this.o.text.cancelled()]);
            return undefined;
          }
          return choice;
        }
      }
    } catch (err) {
      this.print([this.o.text.cannotConnect(err)]);
      return undefined;
    }
  }

  /** The keys of a command whose key positions move with its arguments, as the server finds them. */
  private async getKeys(args: readonly Buffer[]): Promise<Buffer[]> {
    const reply = await this.wire?.send([Buffer.from('COMMAND'), Buffer.from('GETKEYS'), ...args]);
    return reply?.t === 'array' ? reply.v.flatMap((k) => (k.t === 'bulk' ? [k.v] : [])) : [];
  }

  private async ensureRouter(): Promise<ConsoleCluster> {
    if (!this.router) {
      const opened = await this.o.cluster!.open();
      if (this.mode === 'closed') {
        opened.close();
        throw new ConnectionLostError();
      }
      this.router = opened;
    }
    return this.router;
  }

  /** The console's own connection to one master, opened on first use. */
  private async nodeWire(address: string): Promise<Wire | undefined> {
    const open = this.nodeWires.get(address);
    if (open?.isOpen) {
      return open;
    }
    try {
      const opened = await (await this.ensureRouter()).openNode(address);
      if (this.mode === 'closed') {
        opened.client.disconnect();
        return undefined;
      }
      opened.client.options.commandTimeout = undefined;
      const wire = new Wire(opened.client, this.o.budgetBytes ?? DEFAULT_BUDGET);
      this.nodeWires.set(address, wire);
      return wire;
    } catch (err) {
      this.print([this.o.text.cannotConnect(err)]);
      return undefined;
    }
  }

  private dropNodes(): void {
    for (const w of this.nodeWires.values()) {
      w.close();
    }
    this.nodeWires.clear();
  }

  /** A key-less command on several masters: each reply under its master's address; Ctrl+C stops the round. */
  private async sendAll(args: Buffer[], name: string, nodes: string[]): Promise<void> {
    this.cancelAll = false;
    for (const node of nodes) {
      if (this.cancelAll || this.mode === 'closed') {
        break;
      }
      this.print([this.o.text.nodeHeading(node)]);
      await this.send(args, name, node);
    }
    this.cancelAll = false;
  }

  private async ensureOpen(): Promise<boolean> {
    if (this.wire?.isOpen) {
      return true;
    }
    try {
      await this.reopen();
      return true;
    } catch (err) {
      this.print([this.o.text.cannotConnect(err)]);
      return false;
    }
  }

  private async send(args: Buffer[], name: string, node?: string): Promise<void> {
    const wire = node === undefined ? this.wire : await this.nodeWire(node);
    if (!wire) {
      return;
    }
    const write = isWrite(args, this.tableValue) || (name === 'exec' && this.inMulti);
    const wasMulti = this.inMulti;
    this.interrupted = false;
    let reply: Reply;
    let routing: ConsoleCluster | undefined;
    try {
      this.active = wire;
      reply = await wire.send(args);
      if (this.router && isRedirect(reply)) {
        // The node did not run it: ioredis follows the redirection (and learns the new owner).
        this.active = undefined;
        routing = this.router;
        reply = await routing.route(args);
      }
    } catch (err) {
      if (!(err instanceof ConnectionLostError)) {
        throw err;
      }
      if (routing && this.router === routing) {
        // A Cluster that lost a connection is opened again for the next command, never reused.
        routing.close();
        this.router = undefined;
      }
      await this.afterLoss(name, write, wasMulti, node);
      return;
    } finally {
      this.active = undefined;
    }
    if (name === 'multi' && reply.t === 'status') {
      this.inMulti = true;
    } else if (name === 'exec' || name === 'discard') {
      this.inMulti = false;
    }
    await this.page(formatReply(reply, { ...this.format, json: this.json }, printsRaw(args)).map(sanitize));
  }

  /** After Ctrl+C or a dropped socket: say what may have happened, then reopen for the next command. */
  private async afterLoss(name: string, write: boolean, wasMulti: boolean, node?: string): Promise<void> {
    const byUser = this.interrupted;
    this.interrupted = false;
    const command = name.toUpperCase();
    this.print([byUser ? this.o.text.interrupted(command, write) : this.o.text.lost(command, write)]);
    if (wasMulti) {
      this.print([this.o.text.transactionDiscarded()]);
    }
    this.inMulti = false;
    if (node !== undefined) {
      // A master's connection is opened again on its next use.
      this.nodeWires.get(node)?.close();
      this.nodeWires.delete(node);
      return;
    }
    try {
      await this.reopen();
      this.print([this.o.text.reconnected(this.where(), this.o.endpoint.db)]);
    } catch (err) {
      this.print([this.o.text.cannotConnect(err)]);
    }
  }

  private async stream(args: Buffer[], name: string, node?: string): Promise<void> {
    const wire = node === undefined ? this.wire : await this.nodeWire(node);
    if (!wire) {
      return;
    }
    this.streamingNode = node;
    this.mode = 'streaming';
    if (name === 'monitor') {
      const version = this.server?.version ?? '0';
      if (!atLeast(parseVersion(version), 6) && !this.warnedMonitor) {
        this.warnedMonitor = true;
        this.print([this.o.text.monitorShowsPasswords(version)]);
      }
    } else {
      this.print([this.o.text.readingMessages()]);
    }
    wire.onPush = (reply) => this.print(formatReply(reply, { ...this.format, json: this.json }).map(sanitize));
    wire.onClose = () => {
      if (this.mode === 'streaming') {
        void this.afterLoss(name, false, false, node).then(() => this.toEdit());
      }
    };
    wire.sendStreaming(args);
  }

  private interrupt(): void {
    this.o.write(`^C${NL}`);
    if (this.mode === 'streaming') {
      this.mode = 'busy';
      const node = this.streamingNode;
      const wire = node === undefined ? this.wire : this.nodeWires.get(node);
      if (wire) {
        wire.onClose = undefined;
        wire.onPush = undefined;
      }
      if (node !== undefined) {
        this.streamingNode = undefined;
        wire?.close();
        this.nodeWires.delete(node);
        this.toEdit();
        return;
      }
      void this.reopen()
        .then(
          () => this.print([this.o.text.reconnected(this.where(), this.o.endpoint.db)]),
          (err: unknown) => this.print([this.o.text.cannotConnect(err)]),
        )
        .then(() => this.toEdit());
      return;
    }
    if (this.mode === 'busy') {
      this.interrupted = true;
      this.cancelAll = true;
      if (this.active) {
        this.active.close();
      } else if (this.router) {
        // Waiting on ioredis's Cluster (a redirected command): its connections go, and it is opened again.
        this.router.close();
        this.router = undefined;
      } else {
        this.wire?.close();
      }
    }
  }

  /**
   * KEYS' answer without blocking the server: SCAN MATCH to the end, duplicates removed. On a
   * cluster, on each master the KEYS would have run on, one after the other.
   */
  private async scanKeys(pattern: Buffer, nodes?: string[]): Promise<void> {
    if (!(await this.ensureOpen()) || !this.wire) {
      return;
    }
    const seen = new Map<string, Buffer>();
    let calls = 0;
    this.interrupted = false;
    for (const node of nodes?.length ? nodes : [undefined]) {
      const wire = node === undefined ? this.wire : await this.nodeWire(node);
      if (!wire) {
        return;
      }
      let cursor = '0';
      try {
        this.active = wire;
        do {
          const r = await wire.send([Buffer.from('SCAN'), Buffer.from(cursor), Buffer.from('MATCH'), pattern, Buffer.from('COUNT'), Buffer.from('1000')]);
          calls++;
          if (r.t !== 'array' || r.v.length < 2) {
            await this.page(formatReply(r, this.format).map(sanitize));
            return;
          }
          const [next, keys] = r.v;
          cursor = next.t === 'bulk' ? next.v.toString('latin1') : '0';
          if (keys.t === 'array') {
            for (const k of keys.v) {
              if (k.t === 'bulk') {
                seen.set(k.v.toString('latin1'), k.v);
              }
            }
          }
        } while (cursor !== '0');
      } catch (err) {
        if (err instanceof ConnectionLostError) {
          await this.afterLoss('SCAN', false, false, node);
          return;
        }
        throw err;
      } finally {
        this.active = undefined;
      }
    }
    const reply: Reply = { t: 'array', v: [...seen.values()].map((v) => ({ t: 'bulk' as const, v })) };
    await this.page([...formatReply(reply, this.format), this.o.text.scanned(seen.size, calls)].map(sanitize));
  }

  /** Prints a reply, a page of `pageLines` at a time with `-- more --` between pages. */
  private page(lines: string[]): Promise<void> {
    const size = this.o.pageLines ?? DEFAULT_PAGE;
    if (lines.length <= size) {
      this.print(lines);
      return Promise.resolve();
    }
    this.print(lines.slice(0, size));
    return new Promise((resolve) => {
      this.paging = { lines: lines.slice(size), done: resolve };
      this.mode = 'paging';
      this.o.write(`\x1b[7m${this.o.text.more(this.paging.lines.length)}\x1b[0m`);
    });
  }

  private pageKey(data: string): void {
    const p = this.paging;
    if (!p) {
      return;
    }
    this.o.write('\r\x1b[K');
    if (data === ' ' || data === '\r' || data === '\n') {
      const size = this.o.pageLines ?? DEFAULT_PAGE;
      this.print(p.lines.splice(0, size));
      if (p.lines.length > 0) {
        this.o.write(`\x1b[7m${this.o.text.more(p.lines.length)}\x1b[0m`);
        return;
      }
    }
    if (data === ' ' || data === '\r' || data === '\n' || data === 'q' || data === 'Q' || data.includes('\x03') || data === '\x1b') {
      this.paging = undefined;
      this.mode = 'busy';
      p.done();
      return;
    }
    this.o.write(`\x1b[7m${this.o.text.more(p.lines.length)}\x1b[0m`);
  }

  private complete(before: string): Completion | undefined {
    const words = before.trimStart().split(/\s+/);
    const current = words[words.length - 1] ?? '';
    const start = before.length - current.length;
    const upper = current === current.toUpperCase();
    const fix = (s: string): string => (upper ? s : s.toLowerCase());
    if (words.length === 1) {
      const names = this.tableValue.names().filter((n) => !n.includes(' ') && n.startsWith(current.toUpperCase()));
      return { start, candidates: names.map(fix) };
    }
    if (words.length === 2) {
      const prefix = `${words[0].toUpperCase()} `;
      const subs = this.tableValue.names().filter((n) => n.startsWith(prefix) && n.slice(prefix.length).startsWith(current.toUpperCase()));
      if (subs.length > 0) {
        return { start, candidates: subs.map((n) => fix(n.slice(prefix.length))) };
      }
    }
    const parsed = parseLine(before);
    const positions = parsed.ok ? this.tableValue.keyPositions([...parsed.args, Buffer.from('x')]) : [];
    if (this.o.keyNames && positions.includes(words.length - 1) && !/["']/.test(current)) {
      return { start, candidates: this.o.keyNames(current).slice(0, 200).map((k) => (quoteBytes(Buffer.from(k)) === `"${k}"` && !/\s/.test(k) ? k : quoteBytes(Buffer.from(k)))) };
    }
    return undefined;
  }

  private hint(line: string): string | undefined {
    const m = /^\s*(\S+)(?:\s+(\S+))?(\s*)$/.exec(line);
    if (!m) {
      return undefined;
    }
    const args = [Buffer.from(m[1])];
    if (m[2]) {
      args.push(Buffer.from(m[2]));
    }
    const spec = this.tableValue.lookup(args);
    if (!spec || (m[2] && !spec.name.includes('|'))) {
      return undefined;
    }
    const a = arityText(spec);
    const sub = spec.name.includes('|') ? 1 : 0;
    const count = a.count - sub;
    const locale = this.o.locale ?? 'en';
    // COMMAND DOCS (7.0+) is English: a French reader gets the built-in French line where there is one.
    const translated = /^en\b/i.test(locale) ? undefined : builtinSummary(spec.name, locale);
    const summary = translated ?? spec.summary ?? builtinSummary(spec.name, locale) ?? '';
    const text = [count > 0 ? this.o.text.arity(a.exact, count) : '', summary].filter(Boolean).join(' · ');
    return text ? `${m[3] ? '' : ' '}${text}` : undefined;
  }
}

/** Control characters in server text (an error echoing a typed name, CLIENT LIST) cannot reach the terminal as such. */
function sanitize(line: string): string {
  // eslint-disable-next-line no-control-regex -- terminal escape sequences are control characters
  return line.replace(/[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]|\x1b(?!\[[0-9;]*m)/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

async function loadTable(wire: Wire, version: string): Promise<CommandTable> {
  try {
    const command = await wire.send([Buffer.from('COMMAND')]);
    const docs = atLeast(parseVersion(version), 7) ? await wire.send([Buffer.from('COMMAND'), Buffer.from('DOCS')]) : undefined;
    return CommandTable.fromReply(command, docs?.t === 'array' ? docs : undefined);
  } catch {
    return CommandTable.empty();
  }
}

/** The server's command table on a connection of its own, closed afterwards (for `.redis` completion). */
export async function readCommandTable(opened: OpenConnection): Promise<CommandTable> {
  const wire = new Wire(opened.client, Number.POSITIVE_INFINITY);
  try {
    return await loadTable(wire, opened.server.version);
  } finally {
    wire.close();
  }
}
