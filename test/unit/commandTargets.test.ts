/** What Edit TTL, Delete and Copy Key Name act on, for each way of running them. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { commandTargets, FROM_KEYS_VIEW, type NamedKey } from '../../src/commands/targets';
import type { FolderNode, KeyNode } from '../../src/redis/explorerModel';

const key = (name: string): KeyNode => ({ kind: 'key', id: `k:${name}`, key: Buffer.from(name), name, label: name }) as unknown as KeyNode;
const folder = (name: string): FolderNode => ({ kind: 'folder', id: `f:${name}`, label: name }) as unknown as FolderNode;
const tab: NamedKey = { kind: 'named', key: Buffer.from('nova:tab'), name: 'nova:tab' };

describe('command targets', () => {
  test('a tree item\'s menu acts on that item, or on the whole selection when several are selected', () => {
    const a = key('a');
    const b = key('b');
    assert.deepEqual(commandTargets(a, [a], { selection: [b], tabKey: tab }), [a]);
    assert.deepEqual(commandTargets(a, [a, b], { selection: [a, b], tabKey: tab }), [a, b]);
    const f = folder('nova');
    assert.deepEqual(commandTargets(f, undefined, { selection: [], tabKey: tab }), [f]);
  });

  test('a keybinding of the Keys view acts on its selection, never on the open tab', () => {
    const a = key('a');
    const f = folder('nova');
    assert.deepEqual(commandTargets(FROM_KEYS_VIEW, undefined, { selection: [a, f], tabKey: tab }), [a, f]);
    assert.equal(commandTargets(FROM_KEYS_VIEW, undefined, { selection: [], tabKey: tab }), undefined);
  });

  test('the palette acts on the active value tab\'s key first, else on the selection, else asks', () => {
    const a = key('a');
    assert.deepEqual(commandTargets(undefined, undefined, { selection: [a], tabKey: tab }), [tab]);
    assert.deepEqual(commandTargets(undefined, undefined, { selection: [a] }), [a]);
    assert.equal(commandTargets(undefined, undefined, { selection: [] }), undefined);
  });

  test('rows that are neither keys nor folders (Load more…, errors) are never targets', () => {
    const more = { kind: 'more', id: 'more' };
    assert.equal(commandTargets(more, undefined, { selection: [more] }), undefined);
    assert.deepEqual(commandTargets(undefined, [more, key('a')], { selection: [] }), [key('a')]);
  });
});
