import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyNode } from '../../src/redis/explorerModel';
import { TtlTicker } from '../../src/views/ttlTicker';

let now = 0;

function node(name: string, expiresAt: number | null): KeyNode {
  return {
    kind: 'key',
    id: `k:${name}`,
    key: Buffer.from(name),
    label: name,
    name,
    meta: { type: 'string', rawType: 'string', ttlMs: expiresAt === null ? null : expiresAt - now, expiresAt, size: 1, fetchedAt: now },
  };
}

/** Whole seconds left, as the view would show them. */
const seconds = (n: KeyNode, at: number): string => (n.meta?.expiresAt === null || n.meta?.expiresAt === undefined ? '∞' : `${Math.ceil((n.meta.expiresAt - at) / 1000)} s`);

function ticker(visible = () => true) {
  const redrawn: string[][] = [];
  let expired = 0;
  const t = new TtlTicker({
    text: seconds,
    redraw: (nodes) => redrawn.push(nodes.map((n) => n.name)),
    expired: () => expired++,
    isVisible: visible,
    now: () => now,
  });
  return { t, redrawn, expired: () => expired };
}

describe('TTL ticker', () => {
  beforeEach(() => {
    now = 1_000_000;
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => mock.timers.reset());

  function advance(ms: number): void {
    now += ms;
    mock.timers.tick(ms);
  }

  test('redraws only the rows whose text changed, once per second, without asking anything else', () => {
    const { t, redrawn } = ticker();
    const a = node('a', now + 5_000);
    const b = node('b', now + 60_500);
    const c = node('c', null);
    t.track(Buffer.alloc(0), [a, b, c]);
    advance(1000);
    assert.deepEqual(redrawn, [['a', 'b']]);
    advance(400);
    assert.deepEqual(redrawn.length, 1, 'no redraw between seconds');
    advance(600);
    assert.deepEqual(redrawn, [['a', 'b'], ['a', 'b']]);
    t.dispose();
  });

  test('a key whose TTL ran out asks for a listing at that moment, not at the next whole second', () => {
    const { t, expired } = ticker();
    t.track(Buffer.alloc(0), [node('short', now + 1_200)]);
    advance(1000);
    assert.equal(expired(), 0);
    advance(250);
    assert.equal(expired(), 1);
    advance(5000);
    assert.equal(expired(), 1, 'nothing ticks until the listing tracks the rows again');
    t.dispose();
  });

  test('nothing ticks while the view is hidden, or for the rows of a collapsed folder', () => {
    let visible = false;
    const { t, redrawn } = ticker(() => visible);
    const folder = Buffer.from('nova:');
    t.track(folder, [node('nova:a', now + 9_000)]);
    advance(3000);
    assert.deepEqual(redrawn, []);
    visible = true;
    t.wake();
    advance(1000);
    assert.deepEqual(redrawn, [['nova:a']]);
    t.collapsedFolder(Buffer.from('nova:'));
    advance(2000);
    assert.equal(redrawn.length, 1, 'collapsed: not on screen');
    t.expanded(folder);
    advance(1000);
    assert.equal(redrawn.length, 2);
    t.dispose();
  });
});
