/**
 * What "View Value As…" remembers. A choice is remembered only when the decoder succeeded on the
 * value it was chosen for, and only as far as the user said: this key, or every key under its
 * prefix. A decoder that failed is shown for this key (until another choice or a restart) and never stored:
 * trying gzip once on one user key must not make every `nova:cache:user:*` key open as hex.
 *
 * No `vscode` import: the store is anything with the two Memento methods used, so the rules are
 * tested in plain Node.
 */
import type { DecoderId } from '../redis/decoders';
import { bytesId, displayName } from '../redis/keyName';

export interface StateStore {
  get<T>(key: string, defaultValue: T): T;
  update(key: string, value: unknown): PromiseLike<void>;
}

export type DecoderScope = 'key' | 'prefix';

/** Keys of one namespace are usually written alike: the prefix is the name up to its last delimiter. */
export function prefixOf(key: Buffer, delimiter: string): string {
  const name = displayName(key);
  const at = delimiter ? name.lastIndexOf(delimiter) : -1;
  return at > 0 ? name.slice(0, at + delimiter.length) : name;
}

type Stored = Record<string, DecoderId>;

export class DecoderMemory {
  /** Choices that failed to decode: shown, not stored. */
  private readonly transient = new Map<string, DecoderId>();

  constructor(
    private readonly store: StateStore,
    private readonly delimiter: () => string,
    private readonly byPrefixKey: string,
    private readonly byKeyKey: string,
  ) {}

  private stored(which: string): Stored {
    return this.store.get<Stored>(which, {});
  }

  /** The decoder for `key`: a transient choice, then the key's own, then its prefix's. */
  decoderFor(key: Buffer): DecoderId | undefined {
    const id = bytesId(key);
    return this.transient.get(id) ?? this.stored(this.byKeyKey)[id] ?? this.stored(this.byPrefixKey)[prefixOf(key, this.delimiter())];
  }

  /** The prefix "every key under" would cover. */
  prefix(key: Buffer): string {
    return prefixOf(key, this.delimiter());
  }

  /** Shows `decoder` for this key only, without storing it (it did not decode the value). */
  showOnce(key: Buffer, decoder: DecoderId): void {
    this.transient.set(bytesId(key), decoder);
  }

  /** Stores a decoder that succeeded, for the key or for its prefix. */
  async remember(key: Buffer, decoder: DecoderId, scope: DecoderScope): Promise<void> {
    const id = bytesId(key);
    this.transient.delete(id);
    if (scope === 'key') {
      await this.store.update(this.byKeyKey, { ...this.stored(this.byKeyKey), [id]: decoder });
      return;
    }
    // The key's own choice would hide the prefix's: the newer, wider choice wins.
    const own = { ...this.stored(this.byKeyKey) };
    delete own[id];
    await this.store.update(this.byKeyKey, own);
    await this.store.update(this.byPrefixKey, { ...this.stored(this.byPrefixKey), [this.prefix(key)]: decoder });
  }

  /** Back to automatic detection for this key: its own choice, a transient one, and its prefix's. */
  async forget(key: Buffer): Promise<void> {
    const id = bytesId(key);
    this.transient.delete(id);
    const own = { ...this.stored(this.byKeyKey) };
    delete own[id];
    const byPrefix = { ...this.stored(this.byPrefixKey) };
    delete byPrefix[this.prefix(key)];
    await this.store.update(this.byKeyKey, own);
    await this.store.update(this.byPrefixKey, byPrefix);
  }
}
