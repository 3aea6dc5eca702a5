/**
 * Code links: above each Python call that touches the cache, what the server holds now ("exists ·
 * string · TTL 42 min · 1.2 KB", "not in cache", "12 keys match user:*:profile"), with Open Value and
 * Edit TTL, and TTL advice where the code's TTL and the live keys disagree.
 *
 * Lazily: a file's lenses start unresolved; VS Code resolves only the visible ones, and the lookups
 * of one resolve wave go to the server together (the exact keys in one metadata round trip, each
 * pattern in one bounded SCAN). Results are kept a few seconds; when they arrive the lenses are
 * provided again with their actions. Parsing happens on VS Code's lens request, never on a keystroke.
 */
import * as vscode from 'vscode';
import { exactKey, findKeyUses, templateGlob, type KeyUse } from '../code/pyKeys';
import { Commands } from '../constants';
import { affects, readSettings } from '../config/settings';
import type { ConnectionManager } from '../connection/connectionManager';
import type { KeyMeta } from '../redis/keyMeta';
import { displayName, bytesId } from '../redis/keyName';
import type { PatternSample } from '../redis/patternSample';
import { formatBytes, formatNumber, formatTtl, elementCount, plural } from './format';
import { typeLabel } from './keysView';

/** How often the lenses on screen are looked up again (TTLs move, keys come and go). */
const REFRESH_MS = 5000;
/** A lookup older than this is not shown: the lens is resolved again. */
const FRESH_MS = 60_000;
/** Lookups asked for within this window go to the server together. */
const BATCH_MS = 15;

export type Lookup = { kind: 'key'; key: Buffer; meta: KeyMeta | null } | { kind: 'pattern'; glob: Buffer; sample: PatternSample };

class UseLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly use: KeyUse,
  ) {
    super(range);
  }
}

interface Parsed {
  version: number;
  uses: KeyUse[];
}

export class CodeLinks implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly parsed = new Map<string, Parsed>();
  private readonly results = new Map<string, { at: number; lookup: Lookup }>();
  private pending = new Map<string, { use: KeyUse; waiters: Array<(l: Lookup | undefined) => void> }>();
  private timer: NodeJS.Timeout | undefined;
  private refire: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly ticker: NodeJS.Timeout;
  private refreshing = false;

  constructor(private readonly connection: ConnectionManager) {
    this.ticker = setInterval(() => void this.refreshVisible(), REFRESH_MS);
    this.subscriptions.push(
      this.changed,
      connection.onDidChangeState(() => this.invalidate()),
      connection.onDidChangeKeys(() => this.invalidate()),
      vscode.workspace.onDidCloseTextDocument((doc) => this.parsed.delete(doc.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, 'codeLinks')) {
          this.parsed.clear();
          this.invalidate();
        }
      }),
    );
  }

  dispose(): void {
    clearInterval(this.ticker);
    clearTimeout(this.timer);
    clearTimeout(this.refire);
    vscode.Disposable.from(...this.subscriptions).dispose();
  }

  private invalidate(): void {
    this.results.clear();
    this.changed.fire();
  }

  private config(): { enabled: boolean; methods: ReadonlySet<string> } {
    const s = readSettings();
    return { enabled: s.codeLinksEnabled, methods: new Set(s.codeLinksMethods) };
  }

  /** The key uses of a document, parsed once per version. */
  usesOf(doc: vscode.TextDocument): KeyUse[] {
    const id = doc.uri.toString();
    const cached = this.parsed.get(id);
    if (cached?.version === doc.version) {
      return cached.uses;
    }
    const uses = findKeyUses(doc.getText(), this.config().methods);
    this.parsed.set(id, { version: doc.version, uses });
    return uses;
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.config().enabled || this.connection.state.kind !== 'connected') {
      return [];
    }
    const lenses: vscode.CodeLens[] = [];
    for (const use of this.usesOf(doc)) {
      const range = new vscode.Range(use.line, 0, use.line, 0);
      const fresh = this.fresh(use);
      if (fresh) {
        lenses.push(...this.lensesFor(range, use, fresh));
      } else {
        lenses.push(new UseLens(range, use));
      }
    }
    return lenses;
  }

  async resolveCodeLens(lens: vscode.CodeLens): Promise<vscode.CodeLens> {
    if (!(lens instanceof UseLens)) {
      return lens;
    }
    const lookup = await this.lookup(lens.use);
    if (!lookup) {
      lens.command = { title: vscode.l10n.t('$(debug-disconnect) Redis is not connected'), command: '' };
      return lens;
    }
    const [first] = this.lensesFor(lens.range, lens.use, lookup);
    lens.command = first.command;
    // The actions (Open Value, Edit TTL, …) come with the next provide, now that the result is known.
    this.scheduleRefire();
    return lens;
  }

  /**
   * Looks up again what the lenses on screen show (only the visible lines of visible Python editors),
   * and redraws them when an answer changed. Nothing is sent when no such editor is open.
   */
  private async refreshVisible(): Promise<void> {
    if (this.refreshing || this.connection.state.kind !== 'connected' || !this.config().enabled) {
      return;
    }
    const shown = vscode.window.visibleTextEditors.filter((e) => e.document.languageId === 'python');
    const uses = shown.flatMap((e) => this.usesOf(e.document).filter((u) => e.visibleRanges.some((r) => r.start.line <= u.line && u.line <= r.end.line)));
    if (uses.length === 0) {
      return;
    }
    this.refreshing = true;
    try {
      const before = uses.map((u) => signature(this.results.get(CodeLinks.id(u))?.lookup));
      for (const u of uses) {
        this.results.delete(CodeLinks.id(u));
      }
      const after = await Promise.all(uses.map((u) => this.lookup(u)));
      if (after.some((l, i) => signature(l) !== before[i])) {
        this.changed.fire();
      }
    } finally {
      this.refreshing = false;
    }
  }

  private scheduleRefire(): void {
    if (!this.refire) {
      this.refire = setTimeout(() => {
        this.refire = undefined;
        this.changed.fire();
      }, 50);
    }
  }

  private static id(use: KeyUse): string {
    const exact = exactKey(use.parts);
    return exact ? `k:${bytesId(exact)}` : `p:${bytesId(templateGlob(use.parts))}`;
  }

  private fresh(use: KeyUse): Lookup | undefined {
    const hit = this.results.get(CodeLinks.id(use));
    return hit && Date.now() - hit.at < FRESH_MS ? hit.lookup : undefined;
  }

  /** The server's answer for this use, batched with the other lookups of the same moment. */
  lookup(use: KeyUse): Promise<Lookup | undefined> {
    const fresh = this.fresh(use);
    if (fresh) {
      return Promise.resolve(fresh);
    }
    return new Promise((resolve) => {
      const id = CodeLinks.id(use);
      const entry = this.pending.get(id);
      if (entry) {
        entry.waiters.push(resolve);
      } else {
        this.pending.set(id, { use, waiters: [resolve] });
      }
      this.timer ??= setTimeout(() => void this.flush(), BATCH_MS);
    });
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    const session = this.connection.session;
    const answer = (id: string, lookup: Lookup | undefined): void => {
      if (lookup) {
        this.results.set(id, { at: Date.now(), lookup });
      }
      for (const w of batch.get(id)?.waiters ?? []) {
        w(lookup);
      }
    };
    if (!session) {
      for (const id of batch.keys()) {
        answer(id, undefined);
      }
      return;
    }
    const exact: Array<[string, Buffer]> = [];
    const patterns: Array<[string, Buffer]> = [];
    for (const [id, { use }] of batch) {
      const key = exactKey(use.parts);
      if (key) {
        exact.push([id, key]);
      } else {
        patterns.push([id, templateGlob(use.parts)]);
      }
    }
    const jobs: Promise<void>[] = [];
    if (exact.length > 0) {
      jobs.push(
        session.keyMeta(exact.map(([, k]) => k)).then(
          (metas) => exact.forEach(([id, key], i) => answer(id, metas[i] === undefined ? undefined : { kind: 'key', key, meta: metas[i] ?? null })),
          () => exact.forEach(([id]) => answer(id, undefined)),
        ),
      );
    }
    for (const [id, glob] of patterns) {
      jobs.push(
        session.samplePattern(glob).then(
          (sample) => answer(id, { kind: 'pattern', glob, sample }),
          () => answer(id, undefined),
        ),
      );
    }
    await Promise.all(jobs);
  }

  private lensesFor(range: vscode.Range, use: KeyUse, lookup: Lookup): vscode.CodeLens[] {
    const advice = ttlAdvice(use, lookup);
    if (lookup.kind === 'key') {
      const keyNode = { kind: 'key', id: bytesId(lookup.key), key: lookup.key, label: displayName(lookup.key), name: displayName(lookup.key), meta: lookup.meta ?? undefined };
      if (!lookup.meta) {
        return [new vscode.CodeLens(range, { title: vscode.l10n.t('$(circle-slash) not in cache'), command: '', tooltip: displayName(lookup.key) })];
      }
      const status = new vscode.CodeLens(range, { title: statusText(lookup.meta), command: Commands.openValue, arguments: [keyNode], tooltip: displayName(lookup.key) });
      const lenses = [
        status,
        new vscode.CodeLens(range, { title: vscode.l10n.t('Open Value'), command: Commands.openValue, arguments: [keyNode] }),
      ];
      if (!this.connection.session?.readOnly) {
        lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('Edit TTL'), command: Commands.editTtl, arguments: [keyNode] }));
      }
      if (advice) {
        lenses.push(new vscode.CodeLens(range, { title: `$(warning) ${advice}`, command: '' }));
      }
      return lenses;
    }
    const shown = lookup.glob.toString('utf8');
    const n = lookup.sample.matched;
    const title = lookup.sample.complete
      ? plural(n, vscode.l10n.t('$(search) {0} key matches {1}', formatNumber(n), shown), vscode.l10n.t('$(search) {0} keys match {1}', formatNumber(n), shown))
      : plural(n, vscode.l10n.t('$(search) {0} key matches {1} (partial: the DB is large)', formatNumber(n), shown), vscode.l10n.t('$(search) {0} keys match {1} (partial: the DB is large)', formatNumber(n), shown));
    const lenses = [new vscode.CodeLens(range, { title, command: Commands.showKeysMatching, arguments: [shown], tooltip: vscode.l10n.t('Show these keys in the Keys view') })];
    if (advice) {
      lenses.push(new vscode.CodeLens(range, { title: `$(warning) ${advice}`, command: '' }));
    }
    return lenses;
  }
}

/** What a lens would show of a lookup, to tell whether it needs redrawing. */
function signature(lookup: Lookup | undefined): string {
  if (!lookup) {
    return '';
  }
  if (lookup.kind === 'pattern') {
    return `p ${lookup.sample.matched} ${String(lookup.sample.complete)} ${(lookup.sample.pttls ?? []).filter((p) => p === -1).length}`;
  }
  const m = lookup.meta;
  return m ? `k ${m.type} ${m.size ?? ''} ${formatTtl(m.expiresAt === null ? null : m.expiresAt - Date.now())}` : 'k none';
}

function statusText(meta: KeyMeta): string {
  const parts = [vscode.l10n.t('$(database) exists'), typeLabel(meta.type), vscode.l10n.t('TTL {0}', formatTtl(meta.expiresAt === null ? null : meta.expiresAt - Date.now()))];
  if (meta.size !== null) {
    parts.push(meta.type === 'string' ? formatBytes(meta.size) : elementCount(meta.size));
  }
  return parts.join(' · ');
}

/** What the live keys say against the TTL the code passes; undefined when they agree (or nothing is known). */
export function ttlAdvice(use: KeyUse, lookup: Lookup): string | undefined {
  const codeTtl = use.ttlMs;
  if (codeTtl === undefined || codeTtl <= 0) {
    return undefined;
  }
  const sets = formatTtl(codeTtl);
  // A little slack: the TTL was set some time before this read, and clocks differ by milliseconds.
  const longer = (pttl: number): boolean => pttl > codeTtl + 1000;
  if (lookup.kind === 'key') {
    const meta = lookup.meta;
    if (!meta) {
      return undefined;
    }
    if (meta.ttlMs === null) {
      return vscode.l10n.t('code sets {0}; this key has no expiry', sets);
    }
    return longer(meta.ttlMs) ? vscode.l10n.t('code sets {0}; this key has {1} left', sets, formatTtl(meta.ttlMs)) : undefined;
  }
  const pttls = lookup.sample.pttls;
  if (!pttls || pttls.length === 0) {
    return undefined;
  }
  const none = pttls.filter((p) => p === -1).length;
  if (none > 0) {
    return plural(none, vscode.l10n.t('code sets {0}; {1} live key has no expiry', sets, formatNumber(none)), vscode.l10n.t('code sets {0}; {1} live keys have no expiry', sets, formatNumber(none)));
  }
  const over = pttls.filter(longer).length;
  return over > 0
    ? plural(over, vscode.l10n.t('code sets {0}; {1} live key has more left', sets, formatNumber(over)), vscode.l10n.t('code sets {0}; {1} live keys have more left', sets, formatNumber(over)))
    : undefined;
}
