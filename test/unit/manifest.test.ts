/** The manifest, the code and the translations must agree; VS Code itself only notices at run time. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { Commands, Views, Settings, ContextKeys } from '../../src/constants';
import { findL10nCalls } from '../support/l10nStrings';

const root = path.resolve(import.meta.dirname, '../..');
const read = (f: string) => JSON.parse(readFileSync(path.join(root, f), 'utf8')) as Record<string, unknown>;

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    views: Record<string, { id: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    configuration: { properties: Record<string, unknown> };
  };
}

const manifest = read('package.json') as unknown as Manifest;
const nlsEn = read('package.nls.json') as Record<string, string>;
const nlsFr = read('package.nls.fr.json') as Record<string, string>;
const bundleFr = read('l10n/bundle.l10n.fr.json') as Record<string, string>;

/** Command ids used as computed keys (`[Commands.x]: handler`) in the handler tables under src/commands. */
function registeredCommandIds(): Set<string> {
  const ids = new Set<string>();
  const dir = path.join(root, 'src/commands');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const file = path.join(dir, name);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && ts.isComputedPropertyName(node.name)) {
        const expr = node.name.expression;
        if (ts.isPropertyAccessExpression(expr) && ts.isIdentifier(expr.expression) && expr.expression.text === 'Commands') {
          const id = (Commands as Record<string, string>)[expr.name.text];
          if (id) {
            ids.add(id);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return ids;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

function codicons(text: string): string[] {
  return [...text.matchAll(/\$\([\w~-]+\)/g)].map((m) => m[0]).sort();
}

describe('manifest and code agree', () => {
  test('every contributed command has a handler, and every handler is contributed', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    const registered = [...registeredCommandIds()].sort();
    assert.deepEqual(registered, contributed);
    assert.deepEqual(Object.values(Commands).sort(), contributed);
  });

  test('every command is in the NOVA category and has a localized title', () => {
    for (const c of manifest.contributes.commands) {
      assert.equal(c.category, 'NOVA', c.command);
      assert.match(c.title, /^%[\w.]+%$/, `${c.command} title must be localized`);
    }
  });

  test('menus only reference contributed commands', () => {
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const e of entries) {
        assert.ok(contributed.has(e.command), `${menu} references unknown ${e.command}`);
      }
    }
  });

  test('views, settings and context keys in constants exist in the manifest', () => {
    const views = Object.values(manifest.contributes.views).flat().map((v) => v.id);
    assert.ok(views.includes(Views.keys));
    assert.ok(Object.keys(manifest.contributes).includes('viewsContainers'));
    const props = Object.keys(manifest.contributes.configuration.properties);
    for (const [name, key] of Object.entries(Settings)) {
      if (name !== 'section') {
        assert.ok(props.includes(`${Settings.section}.${key}`), `setting ${key} is not declared`);
      }
    }
    const whenClauses = JSON.stringify(manifest.contributes.menus) + JSON.stringify(manifest.contributes.viewsWelcome);
    for (const key of Object.values(ContextKeys)) {
      assert.ok(whenClauses.includes(key), `context key ${key} is never used in a when clause`);
    }
  });

  test('activation never uses "*"', () => {
    assert.ok(!manifest.activationEvents.includes('*'));
    assert.ok(manifest.activationEvents.includes('workspaceContains:.env'));
  });

  test('every %key% of the manifest exists in English and French, and no key is unused', () => {
    const text = readFileSync(path.join(root, 'package.json'), 'utf8');
    const used = new Set([...text.matchAll(/"%([\w.]+)%"/g)].map((m) => m[1] ?? ''));
    assert.ok(used.size > 10);
    for (const key of used) {
      assert.ok(nlsEn[key], `package.nls.json lacks ${key}`);
      assert.ok(nlsFr[key], `package.nls.fr.json lacks ${key}`);
    }
    assert.deepEqual(Object.keys(nlsEn).sort(), [...used].sort(), 'package.nls.json has unused keys');
    assert.deepEqual(Object.keys(nlsFr).sort(), Object.keys(nlsEn).sort());
    for (const key of used) {
      assert.deepEqual(codicons(nlsFr[key] ?? ''), codicons(nlsEn[key] ?? ''), `icons differ in ${key}`);
      const linksEn = [...(nlsEn[key] ?? '').matchAll(/\(command:[\w.]+\)/g)].map((m) => m[0]);
      const linksFr = [...(nlsFr[key] ?? '').matchAll(/\(command:[\w.]+\)/g)].map((m) => m[0]);
      assert.deepEqual(linksFr, linksEn, `command links differ in ${key}`);
    }
  });

  test('every l10n.t message is a literal with a French translation that keeps its placeholders', () => {
    const calls = findL10nCalls(path.join(root, 'src'));
    assert.ok(calls.length > 50);
    for (const c of calls) {
      assert.ok(c.message !== undefined, `${c.file}:${c.line}: l10n.t needs a literal message`);
      const fr = bundleFr[c.message];
      assert.ok(fr, `${c.file}:${c.line}: no French translation for "${c.message}"`);
      assert.deepEqual(placeholders(fr), placeholders(c.message), `placeholders differ for "${c.message}"`);
      assert.deepEqual(codicons(fr), codicons(c.message), `icons differ for "${c.message}"`);
    }
    const messages = new Set(calls.map((c) => c.message));
    const stale = Object.keys(bundleFr).filter((k) => !messages.has(k));
    assert.deepEqual(stale, [], 'the French bundle has translations no code uses');
  });
});
