/**
 * A minimal typed event emitter with the same shape as `vscode.Event`, so the core can publish
 * events without importing `vscode` and the UI can subscribe to them unchanged.
 */

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    // Wrapping in an object gives each subscription its own identity, so the same function
    // subscribed twice is also unsubscribed exactly once per dispose.
    const entry = (value: T) => listener(value);
    this.listeners.add(entry);
    return { dispose: () => this.listeners.delete(entry) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch {
        // A faulty listener must not stop the others from hearing about a state change.
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** Owns child disposables and disposes them in reverse order of registration. */
export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      item.dispose();
    } else {
      this.items.push(item);
    }
    return item;
  }

  dispose(): void {
    this.disposed = true;
    const items = this.items.reverse();
    this.items = [];
    for (const item of items) {
      try {
        item.dispose();
      } catch {
        // Keep disposing the rest: one failure must not leak the others.
      }
    }
  }
}

/** Base class whose children live and die with it. */
export abstract class DisposableBase implements Disposable {
  protected readonly store = new DisposableStore();

  protected register<T extends Disposable>(item: T): T {
    return this.store.add(item);
  }

  dispose(): void {
    this.store.dispose();
  }
}
