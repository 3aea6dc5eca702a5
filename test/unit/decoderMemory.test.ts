import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DecoderMemory, prefixOf, type StateStore } from '../../src/views/decoderMemory';

class MemoryStore implements StateStore {
  readonly data = new Map<string, unknown>();
  get<T>(key: string, defaultValue: T): T {
    return (this.data.has(key) ? this.data.get(key) : defaultValue) as T;
  }
  update(key: string, value: unknown): Promise<void> {
    this.data.set(key, JSON.parse(JSON.stringify(value)));
    return Promise.resolve();
  }
}

const k = (s: string): Buffer => Buffer.from(s);

describe('what View Value As remembers', () => {
  const make = (): { store: MemoryStore; memory: DecoderMemory } => {
    const store = new MemoryStore();
    return { store, memory: new DecoderMemory(store, () => ':', 'byPrefix', 'byKey') };
  };

  test('the prefix is the name up to its last delimiter', () => {
    assert.equal(prefixOf(k('nova:cache:user:42'), ':'), 'nova:cache:user:');
    assert.equal(prefixOf(k('plain'), ':'), 'plain');
  });

  test('"this key" applies to that key only', async () => {
    const { memory } = make();
    await memory.remember(k('nova:cache:user:1'), 'gzip', 'key');
    assert.equal(memory.decoderFor(k('nova:cache:user:1')), 'gzip');
    assert.equal(memory.decoderFor(k('nova:cache:user:2')), undefined);
  });

  test('"every key under the prefix" applies to its siblings, and replaces the key\'s own choice', async () => {
    const { memory } = make();
    await memory.remember(k('nova:cache:user:1'), 'gzip', 'key');
    await memory.remember(k('nova:cache:user:1'), 'json', 'prefix');
    assert.equal(memory.decoderFor(k('nova:cache:user:1')), 'json');
    assert.equal(memory.decoderFor(k('nova:cache:user:2')), 'json');
    assert.equal(memory.decoderFor(k('nova:cache:order:2')), undefined);
  });

  test('a decoder that failed is shown for the key but never stored', () => {
    const { store, memory } = make();
    memory.showOnce(k('nova:cache:user:1'), 'gzip');
    assert.equal(memory.decoderFor(k('nova:cache:user:1')), 'gzip');
    assert.equal(memory.decoderFor(k('nova:cache:user:2')), undefined);
    assert.equal(store.data.size, 0);
    // A new instance (VS Code restarted) has forgotten it.
    assert.equal(new DecoderMemory(store, () => ':', 'byPrefix', 'byKey').decoderFor(k('nova:cache:user:1')), undefined);
  });

  test('Automatic forgets the key, transient and prefix choices', async () => {
    const { memory } = make();
    await memory.remember(k('a:1'), 'hex', 'prefix');
    await memory.remember(k('a:1'), 'text', 'key');
    memory.showOnce(k('a:1'), 'gzip');
    await memory.forget(k('a:1'));
    assert.equal(memory.decoderFor(k('a:1')), undefined);
    assert.equal(memory.decoderFor(k('a:2')), undefined);
  });
});
