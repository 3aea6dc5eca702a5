/** The settings table is the one source of defaults, bounds and types: it must say what package.json says. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS, explorerDelimiter, resolveSettings } from '../../src/config/settingsSchema';
import { Settings } from '../../src/constants';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../../src/redis/deadline';

interface Property {
  type: string;
  default: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  enum?: string[];
}

const root = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, Property> } } };
const properties = manifest.contributes.configuration.properties;

describe('settings table', () => {
  test('every contributed setting is in the table with the same type, default and bounds, and the reverse', () => {
    const tableKeys = Object.values(SETTINGS).map((s) => `${Settings.section}.${s.key}`).sort();
    assert.deepEqual(tableKeys, Object.keys(properties).sort());
    for (const spec of Object.values(SETTINGS)) {
      const p = properties[`${Settings.section}.${spec.key}`];
      assert.ok(p, spec.key);
      assert.deepEqual(p.default, spec.default, `${spec.key} default`);
      switch (spec.type) {
        case 'number':
          assert.equal(p.type, 'number', spec.key);
          assert.equal(p.minimum, spec.min, `${spec.key} minimum`);
          assert.equal(p.maximum, spec.max, `${spec.key} maximum`);
          break;
        case 'string':
          assert.equal(p.type, 'string', spec.key);
          assert.equal(p.maxLength, spec.maxLength, `${spec.key} maxLength`);
          break;
        case 'boolean':
          assert.equal(p.type, 'boolean', spec.key);
          break;
        case 'enum':
          assert.deepEqual(p.enum, [...spec.values], `${spec.key} values`);
          break;
        case 'object':
          assert.equal(p.type, 'object', spec.key);
          break;
        case 'list':
          assert.equal(p.type, 'array', spec.key);
          break;
      }
    }
  });

  test('the engine deadline default is the command timeout setting default', () => {
    assert.equal(DEFAULT_COMMAND_TIMEOUT_MS, properties['nova.connection.commandTimeoutMs']?.default);
  });

  test('values are typed, clamped, and fall back to the default when the type is wrong', () => {
    const raw: Record<string, unknown> = {
      'connection.commandTimeoutMs': 10,
      'connection.connectTimeoutMs': 10_000_000,
      'explorer.pageSize': 'many',
      'explorer.scanCount': 123.6,
      'explorer.delimiter': '/',
      'explorer.flatList': 'yes',
      readOnly: 'sometimes',
      'statusBar.refreshIntervalSeconds': Number.NaN,
    };
    const s = resolveSettings((key) => raw[key]);
    assert.equal(s.commandTimeoutMs, 500);
    assert.equal(s.connectTimeoutMs, 60_000);
    assert.equal(s.pageSize, 200);
    assert.equal(s.scanCount, 124);
    assert.equal(s.delimiter, '/');
    assert.equal(s.flatList, false);
    assert.equal(s.readOnly, 'auto');
    assert.equal(s.refreshIntervalSeconds, 10);
    assert.equal(s.envFile, '.env');
    assert.equal(explorerDelimiter(s), '/');
    assert.equal(explorerDelimiter({ ...s, flatList: true }), null);
    assert.equal(explorerDelimiter({ ...s, delimiter: '' }), null);
  });
});
