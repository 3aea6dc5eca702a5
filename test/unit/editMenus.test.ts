/** The edit commands of the manifest: hidden in read-only mode wherever they are offered. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface MenuItem {
  command: string;
  when?: string;
}

const EDITS = ['nova.addElement', 'nova.editElement', 'nova.removeElement', 'nova.newKey', 'nova.renameKey', 'nova.duplicateKey', 'nova.setTtlOfKeys'];

test('every menu entry of an edit command requires read-only mode off, in each of its alternatives', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { menus: Record<string, MenuItem[]> } };
  let seen = 0;
  for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
    for (const item of items.filter((i) => EDITS.includes(i.command))) {
      seen++;
      for (const alternative of (item.when ?? '').split('||')) {
        assert.match(alternative, /!nova\.readOnly\b/, `${menu} ${item.command}: "${alternative.trim()}"`);
      }
    }
  }
  assert.ok(seen >= EDITS.length, `${seen} entries checked`);
});
