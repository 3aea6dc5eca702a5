/** The Keys view's keyboard: each key reaches a contributed command, only while the view (not a text box) has focus. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Commands } from '../../src/constants';
import { FROM_KEYS_VIEW } from '../../src/commands/targets';

interface Keybinding {
  command: string;
  key: string;
  mac?: string;
  when?: string;
  args?: unknown;
}

const manifest = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
  contributes: { keybindings: Keybinding[]; commands: { command: string }[] };
};
const bindings = manifest.contributes.keybindings;

describe('Keys view keybindings', () => {
  const expected: [string, string, string | undefined, boolean][] = [
    ['delete', Commands.deleteKeys, 'cmd+backspace', true],
    ['ctrl+c', Commands.copyKeyName, 'cmd+c', true],
    ['f2', Commands.renameKey, undefined, true],
    ['f5', Commands.refreshKeys, undefined, false],
    ['ctrl+f', Commands.filterKeys, 'cmd+f', false],
  ];
  for (const [key, command, mac, selection] of expected) {
    test(`${key} runs ${command} while the Keys view has focus`, () => {
      const binding = bindings.find((b) => b.key === key && b.command === command);
      assert.ok(binding, `no ${key} binding for ${command}`);
      assert.equal(binding.mac, mac);
      assert.ok(binding.when?.startsWith('focusedView == nova.keys && !inputFocus'), binding.when);
      // The selection, not the open value tab: the command is told where it was run from.
      assert.equal(binding.args, selection ? FROM_KEYS_VIEW : undefined);
    });
  }

  test('Delete and F2 (rename) are not offered where nothing may be changed', () => {
    for (const command of [Commands.deleteKeys, Commands.renameKey]) {
      const binding = bindings.find((b) => b.command === command);
      assert.match(binding?.when ?? '', /&& nova\.connected && !nova\.readOnly$/, command);
    }
  });

  test('every keybinding runs a contributed command', () => {
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const b of bindings) {
      assert.ok(contributed.has(b.command), b.command);
    }
  });
});
