/**
 * Writes, deletes and expirations per minute for each namespace (the folder levels of the tree),
 * counted from keyspace notifications. Memory stays bounded whatever the traffic: one-second buckets
 * over a sliding minute, a fixed depth of namespaces, and a cap on how many are followed.
 */
import type { KeyChange } from './keyspaceEvents';

export interface NamespaceActivity {
  /** The folder path without its trailing delimiter; '' for the whole DB. */
  namespace: string;
  /** Changes in the last `windowMs` (a minute by default). */
  writes: number;
  deletes: number;
  expirations: number;
}

export interface ActivityOptions {
  /** Folder delimiter; null counts only the whole DB. */
  delimiter: string | null;
  /** Folder levels counted below the DB (`nova`, `nova:cache`, `nova:cache:user` for 3). */
  depth?: number;
  windowMs?: number;
  /** Namespaces followed at most; a new one past the cap is counted in the DB total only. */
  maxNamespaces?: number;
  now?: () => number;
}

const SECOND = 1000;

interface Counter {
  /** Per second of the window: [writes, deletes, expirations], and the second each slot holds. */
  slots: Int32Array;
  seconds: Float64Array;
}

export class KeyspaceActivity {
  private readonly counters = new Map<string, Counter>();
  private readonly depth: number;
  private readonly size: number;
  private readonly maxNamespaces: number;
  private readonly now: () => number;

  constructor(private readonly options: ActivityOptions) {
    this.depth = options.depth ?? 3;
    this.size = Math.max(1, Math.round((options.windowMs ?? 60_000) / SECOND));
    this.maxNamespaces = options.maxNamespaces ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** The namespaces a key counts in: the DB, then each folder level up to the depth. */
  namespacesOf(key: Buffer): string[] {
    const out = [''];
    const d = this.options.delimiter;
    if (!d) {
      return out;
    }
    const name = key.toString('utf8');
    const parts = name.split(d);
    for (let i = 1; i < parts.length && i <= this.depth; i++) {
      out.push(parts.slice(0, i).join(d));
    }
    return out;
  }

  record(changes: readonly KeyChange[]): void {
    const second = Math.floor(this.now() / SECOND);
    for (const c of changes) {
      const column = c.kind === 'written' || c.kind === 'ttl' ? 0 : c.kind === 'expired' ? 2 : 1;
      for (const ns of this.namespacesOf(c.key)) {
        const counter = this.counter(ns);
        if (counter) {
          this.add(counter, second, column);
        }
      }
    }
  }

  /** Every followed namespace with what happened in it over the window, busiest first. */
  perMinute(): NamespaceActivity[] {
    const out: NamespaceActivity[] = [];
    for (const ns of this.counters.keys()) {
      const a = this.of(ns);
      if (a.writes + a.deletes + a.expirations > 0) {
        out.push(a);
      }
    }
    return out.sort((a, b) => b.writes + b.deletes + b.expirations - (a.writes + a.deletes + a.expirations) || a.namespace.localeCompare(b.namespace));
  }

  /** One namespace (a folder path without the trailing delimiter, '' for the DB). */
  of(namespace: string): NamespaceActivity {
    const counter = this.counters.get(namespace);
    const totals = [0, 0, 0];
    if (counter) {
      const oldest = Math.floor(this.now() / SECOND) - this.size + 1;
      for (let i = 0; i < this.size; i++) {
        if (counter.seconds[i] >= oldest) {
          for (let k = 0; k < 3; k++) {
            totals[k] += counter.slots[i * 3 + k];
          }
        }
      }
    }
    return { namespace, writes: totals[0], deletes: totals[1], expirations: totals[2] };
  }

  clear(): void {
    this.counters.clear();
  }

  private counter(ns: string): Counter | undefined {
    let c = this.counters.get(ns);
    if (!c) {
      if (ns !== '' && this.counters.size >= this.maxNamespaces) {
        return undefined;
      }
      c = { slots: new Int32Array(this.size * 3), seconds: new Float64Array(this.size).fill(-1) };
      this.counters.set(ns, c);
    }
    return c;
  }

  private add(c: Counter, second: number, column: number): void {
    const i = second % this.size;
    if (c.seconds[i] !== second) {
      c.seconds[i] = second;
      c.slots.fill(0, i * 3, i * 3 + 3);
    }
    c.slots[i * 3 + column]++;
  }
}
