/**
 * Keyspace notifications (`notify-keyspace-events`, since 2.8, so on NOVA's 3.0 too): what the
 * configuration string means, what to set to turn them on, and a subscriber that turns the server's
 * messages into batches of key changes for the explorer.
 *
 * The notifications are off by default, server-wide, and per node in a cluster. The subscriber runs
 * on its own connection (a subscribed connection can send nothing else) and listens to one DB:
 * `__keyevent@<db>__:*` when the `E` class is on (the key arrives as the message, binary-safe), else
 * `__keyspace@<db>__:*` (the key is the channel's tail, the event the message).
 */
import type Redis from 'ioredis';
import type { Disposable } from '../util/event';

export type KeyChangeKind = 'written' | 'deleted' | 'expired' | 'evicted' | 'ttl';

export interface KeyChange {
  key: Buffer;
  kind: KeyChangeKind;
  /** The server's event name (`set`, `hset`, `del`, `expired`...). */
  event: string;
}

/**
 * What an event does to the explorer. Writes of every type (`set`, `hset`, `lpush`, `zadd`, `xadd`,
 * `incrby`, `restore`, `rename_to`...) may create the key; a collection emptied by a pop or a remove
 * is followed by its own `del`, so only the events below delete.
 */
export function changeKind(event: string): KeyChangeKind | undefined {
  switch (event) {
    case 'del':
    case 'rename_from':
    case 'move_from':
      return 'deleted';
    case 'expired':
      return 'expired';
    case 'evicted':
      return 'evicted';
    case 'expire':
    case 'persist':
      return 'ttl';
    // A read that missed (the 7.0 `m` class, only there when someone asked for it) changes nothing.
    case 'keymiss':
      return undefined;
    default:
      return 'written';
  }
}

/** The classes the explorer needs: generic, every type, expired and evicted. `A` stands for all of them. */
const NEEDED = ['g', '$', 'l', 's', 'h', 'z', 'x', 'e'];

export interface NotifyConfig {
  /** The raw `notify-keyspace-events` value. */
  value: string;
  /** Where to listen: keyevent when `E` is on, keyspace when only `K` is; undefined when neither. */
  channel: 'keyevent' | 'keyspace' | undefined;
  /** Every class the explorer needs is on (and a channel). */
  sufficient: boolean;
}

export function readNotifyConfig(value: string): NotifyConfig {
  const has = (c: string): boolean => value.includes(c);
  const channel = has('E') ? 'keyevent' : has('K') ? 'keyspace' : undefined;
  // 'A' is every class but the key-miss and new-key ones (which the explorer does not need).
  const classes = has('A') || NEEDED.every(has);
  return { value, channel, sufficient: channel !== undefined && classes };
}

/** The value to CONFIG SET: what is on already, plus the keyevent channel and every class. */
export function enabledValue(current: string): string {
  const kept = [...new Set(current.replace(/[EA]/g, '').split(''))].filter((c) => c !== '' && !NEEDED.includes(c));
  return ['E', 'A', ...kept].join('');
}

export function channelPattern(db: number, channel: 'keyevent' | 'keyspace'): string {
  return `__${channel}@${db}__:*`;
}

export interface WatcherOptions {
  /** How long events are gathered before one batch is handed over (a busy backend writes thousands a second). */
  batchMs?: number;
  /** Most distinct keys in one batch; past it the batch says it overflowed (the view rescans instead). */
  maxBatchKeys?: number;
}

export interface KeyChangeBatch {
  changes: KeyChange[];
  /** More keys changed than one batch holds: the caller should list again from a scan. */
  overflowed: boolean;
}

/**
 * Listens on a subscriber connection it owns (and disconnects on dispose). Changes of one key within
 * a batch collapse to the last one, so a key written then deleted arrives as deleted.
 */
export class KeyspaceWatcher implements Disposable {
  private pending = new Map<string, KeyChange>();
  private overflowed = false;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly batchMs: number;
  private readonly maxBatchKeys: number;

  private constructor(
    private readonly subscriber: Redis,
    private readonly prefix: Buffer,
    private readonly channel: 'keyevent' | 'keyspace',
    private readonly onBatch: (batch: KeyChangeBatch) => void,
    options: WatcherOptions,
  ) {
    this.batchMs = options.batchMs ?? 300;
    this.maxBatchKeys = options.maxBatchKeys ?? 5000;
  }

  /** Subscribes `subscriber` (a fresh connection, given over to the watcher) to `db`'s notifications. */
  static async start(subscriber: Redis, db: number, channel: 'keyevent' | 'keyspace', onBatch: (batch: KeyChangeBatch) => void, options: WatcherOptions = {}): Promise<KeyspaceWatcher> {
    const prefix = Buffer.from(`__${channel}@${db}__:`);
    const watcher = new KeyspaceWatcher(subscriber, prefix, channel, onBatch, options);
    subscriber.on('pmessageBuffer', (_pattern: Buffer, ch: Buffer, message: Buffer) => watcher.onMessage(ch, message));
    try {
      await subscriber.psubscribe(channelPattern(db, channel));
    } catch (err) {
      watcher.dispose();
      throw err;
    }
    return watcher;
  }

  /** Fires once when the subscriber connection closes (the session's owner decides what next). */
  onClose(listener: () => void): void {
    this.subscriber.once('close', () => {
      if (!this.disposed) {
        listener();
      }
    });
  }

  private onMessage(channel: Buffer, message: Buffer): void {
    if (this.disposed || channel.length < this.prefix.length || !channel.subarray(0, this.prefix.length).equals(this.prefix)) {
      return;
    }
    const tail = channel.subarray(this.prefix.length);
    const [event, key] = this.channel === 'keyevent' ? [tail.toString('latin1'), message] : [message.toString('latin1'), Buffer.from(tail)];
    const kind = changeKind(event);
    if (kind === undefined) {
      return;
    }
    const id = key.toString('hex');
    const before = this.pending.get(id);
    if (!before && this.pending.size >= this.maxBatchKeys) {
      this.overflowed = true;
    } else if (!(kind === 'ttl' && before?.kind === 'written')) {
      // A TTL change after a write (SET ... EX sends both) keeps the write, which may have created the key.
      // Re-inserted so that the batch keeps the order of each key's last change.
      this.pending.delete(id);
      this.pending.set(id, { key: Buffer.from(key), kind, event });
    }
    this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  private flush(): void {
    this.timer = undefined;
    const batch: KeyChangeBatch = { changes: [...this.pending.values()], overflowed: this.overflowed };
    this.pending = new Map();
    this.overflowed = false;
    if (!this.disposed && (batch.changes.length > 0 || batch.overflowed)) {
      this.onBatch(batch);
    }
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    clearTimeout(this.timer);
    this.subscriber.disconnect();
  }
}
