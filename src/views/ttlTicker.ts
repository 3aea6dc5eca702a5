/**
 * Makes the TTLs the Keys view shows count down, with no server command per tick: a key's remaining
 * time is computed from when its PTTL was read (`expiresAt` on the local clock). Only the key rows of
 * loaded levels whose folders are all expanded are tracked (VS Code tells no more about what is on
 * screen), only while the view is visible, and a row is redrawn only when its text changes, at most
 * once per second. A key whose TTL ran out makes the view list again right then: the listing re-reads
 * that key's metadata (one batched read of the expired keys only) and drops it once the server says
 * it is gone.
 */
import type { KeyNode } from '../redis/explorerModel';
import type { Disposable } from '../util/event';

interface Level {
  /** The folder prefix in hex ('' for the root): hex keeps the byte-prefix relation between folders. */
  prefix: string;
  nodes: KeyNode[];
}

export interface TtlTickerOptions {
  /** The text the row shows now; a row is redrawn when it differs from what was last drawn. */
  text(node: KeyNode, now: number): string;
  /** Rows whose text changed. */
  redraw(nodes: KeyNode[]): void;
  /** Some tracked key's TTL ran out. */
  expired(): void;
  isVisible(): boolean;
  periodMs?: number;
  now?: () => number;
}

/** How long after a key's computed expiry to look again: the server's clock runs a little behind ours. */
const EXPIRY_GRACE_MS = 30;

export class TtlTicker implements Disposable {
  private readonly levels = new Map<string, Level>();
  /** Hex prefixes of folders the user collapsed: their rows (and their subfolders') are not on screen. */
  private readonly collapsed = new Set<string>();
  private readonly drawn = new WeakMap<KeyNode, string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly periodMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TtlTickerOptions) {
    this.periodMs = options.periodMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The rows a level was just given (a level's previous rows are replaced). */
  track(prefix: Buffer, nodes: readonly KeyNode[]): void {
    const hex = prefix.toString('hex');
    const now = this.now();
    const keys = nodes.filter((n) => n.meta?.expiresAt !== null && n.meta !== undefined);
    for (const n of keys) {
      this.drawn.set(n, this.options.text(n, now));
    }
    if (keys.length === 0) {
      this.levels.delete(hex);
    } else {
      this.levels.set(hex, { prefix: hex, nodes: keys });
    }
    this.collapsed.delete(hex);
    this.wake();
  }

  /** The text a row is drawn with now (getTreeItem), remembered so that a tick redraws only on change. */
  drawnText(node: KeyNode): string {
    const text = this.options.text(node, this.now());
    this.drawn.set(node, text);
    return text;
  }

  expanded(prefix: Buffer): void {
    this.collapsed.delete(prefix.toString('hex'));
    this.wake();
  }

  collapsedFolder(prefix: Buffer): void {
    this.collapsed.add(prefix.toString('hex'));
  }

  /** Forgets the rows (the whole tree is listed again, which tracks them anew); `all` forgets collapsed folders too. */
  clear(all = false): void {
    this.levels.clear();
    if (all) {
      this.collapsed.clear();
    }
    this.stop();
  }

  /** Starts ticking if something is to count down and the view is visible; stops otherwise. */
  wake(): void {
    this.stop();
    if (!this.options.isVisible()) {
      return;
    }
    const next = this.nextDelay();
    if (next !== undefined) {
      this.timer = setTimeout(() => this.tick(), next);
    }
  }

  dispose(): void {
    this.stop();
    this.levels.clear();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onScreen(level: Level): boolean {
    for (const c of this.collapsed) {
      if (level.prefix.startsWith(c) && c !== '') {
        return false;
      }
    }
    return true;
  }

  private *visibleNodes(): Generator<KeyNode> {
    for (const level of this.levels.values()) {
      if (this.onScreen(level)) {
        yield* level.nodes;
      }
    }
  }

  /** A second from now, or sooner when a key expires before that; undefined when nothing counts down. */
  private nextDelay(): number | undefined {
    const now = this.now();
    let earliest: number | undefined;
    for (const n of this.visibleNodes()) {
      const at = n.meta?.expiresAt;
      if (at !== null && at !== undefined && (earliest === undefined || at < earliest)) {
        earliest = at;
      }
    }
    if (earliest === undefined) {
      return undefined;
    }
    return Math.max(0, Math.min(this.periodMs, earliest - now + EXPIRY_GRACE_MS));
  }

  private tick(): void {
    this.timer = undefined;
    const now = this.now();
    const changed: KeyNode[] = [];
    let expired = false;
    for (const n of this.visibleNodes()) {
      const at = n.meta?.expiresAt;
      if (at === null || at === undefined) {
        continue;
      }
      if (at <= now) {
        expired = true;
        continue;
      }
      const text = this.options.text(n, now);
      if (this.drawn.get(n) !== text) {
        this.drawn.set(n, text);
        changed.push(n);
      }
    }
    if (expired) {
      // The listing that follows tracks the rows again; until then nothing ticks.
      this.levels.clear();
      this.options.expired();
      return;
    }
    if (changed.length > 0) {
      this.options.redraw(changed);
    }
    this.wake();
  }
}
