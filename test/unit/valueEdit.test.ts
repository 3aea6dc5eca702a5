/**
 * Encoding an edited value back the way it was stored. Pickles are cross-checked with CPython
 * (test/support/pickle_reload.py): what pickle.loads reads from our bytes must be what it read from
 * Python's own, with the same protocol, at every protocol Python has.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { editForm, encodeEdit, type EditForm } from '../../src/redis/valueWrite';
import { isNovaError } from '../../src/redis/errors';
import { PYTHON } from '../support/pySeed';

interface Loaded {
  repr: string;
  types: unknown;
  protocol: number | null;
  maxOpcodeProtocol: number;
}
interface Sample {
  protocol: number;
  hex: string;
  edited_repr: string;
}
interface Case {
  name: string;
  protocol: number;
  hex: string;
  builtin: boolean;
}

function python<T>(script: string, input?: unknown): T | string {
  const run = spawnSync(PYTHON, [path.join(__dirname, '../support', script)], { input: input === undefined ? undefined : JSON.stringify(input), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  if (run.error || run.status !== 0) {
    return `${PYTHON} could not run ${script} (${run.error?.message ?? run.stderr.trim().split('\n').pop()}): cross-check with CPython NOT run`;
  }
  return JSON.parse(run.stdout) as T;
}

function reload(pickles: Buffer[]): { version: string; loaded: Loaded[] } {
  const result = python<{ version: string; loaded: Loaded[] }>('pickle_reload.py', { pickles: pickles.map((p) => p.toString('hex')) });
  assert.ok(typeof result !== 'string', result as string);
  return result;
}

function form(bytes: Buffer): EditForm {
  const r = editForm(bytes);
  assert.ok(r.ok, `editable: ${r.ok ? '' : JSON.stringify(r.block)}`);
  return r.form;
}

const casesRun = python<{ version: string; cases: Case[] }>('pickle_cases.py');
const skip = typeof casesRun === 'string' ? casesRun : undefined;
const cases = typeof casesRun === 'string' ? [] : casesRun.cases;
/** Builtin values that are not plain data: they need a class (complex, UUID, ZoneInfo) or are mutable bytes. */
const NOT_PLAIN = new Set(['complex', 'complex_imag', 'bytearray', 'uuid', 'zoneinfo']);

describe('pickles re-pickled for CPython', { skip }, () => {
  test('every plain CPython pickle, saved unedited, loads back to the same value with the same protocol', (t) => {
    const plain = cases.filter((c) => c.builtin && !NOT_PLAIN.has(c.name));
    assert.ok(plain.length > 150, `${plain.length} cases`);
    const originals = plain.map((c) => Buffer.from(c.hex, 'hex'));
    const ours = originals.map((bytes) => {
      const r = editForm(bytes, 'pickle');
      assert.ok(r.ok, `editable: ${JSON.stringify(r.ok ? '' : r.block)}`);
      return encodeEdit(r.form, r.form.text);
    });
    const { version, loaded } = reload([...originals, ...ours]);
    t.diagnostic(`CPython ${version}, ${plain.length} pickles`);
    plain.forEach((c, i) => {
      const before = loaded[i];
      const after = loaded[plain.length + i];
      const label = `${c.name} protocol ${c.protocol}`;
      assert.equal(after.repr, before.repr, label);
      assert.deepEqual(after.types, before.types, label);
      assert.equal(after.protocol, c.protocol >= 2 ? c.protocol : null, `${label}: PROTO`);
      assert.ok(after.maxOpcodeProtocol <= c.protocol, `${label}: no opcode newer than the protocol (${after.maxOpcodeProtocol})`);
    });
  });

  test('custom classes and non-plain builtins stay read-only, naming what is in the way', () => {
    const blocked = cases.filter((c) => !c.builtin || NOT_PLAIN.has(c.name));
    assert.ok(blocked.length > 20);
    for (const c of blocked) {
      const r = editForm(Buffer.from(c.hex, 'hex'), 'pickle');
      assert.equal(r.ok, false, `${c.name} protocol ${c.protocol}`);
      if (!r.ok && r.block.code === 'PICKLE_CLASSES') {
        assert.ok(r.block.names.length > 0);
      }
    }
  });

  test('an edited NOVA-like pickle, at every protocol, loads in CPython as the edit says', () => {
    const run = python<{ sample: Sample[] }>('pickle_reload.py', { sample: true });
    assert.ok(typeof run !== 'string', run as string);
    const ours = run.sample.map((s) => {
      const f = form(Buffer.from(s.hex, 'hex'));
      assert.equal(f.language, 'python');
      const text = f.text.replace("'ann'", "'zoé'").replace("Decimal('9.99')", "Decimal('10.50')");
      assert.notEqual(text, f.text, 'the edit applies');
      return encodeEdit(f, text);
    });
    const { loaded } = reload(ours);
    run.sample.forEach((s, i) => {
      assert.equal(loaded[i].repr, s.edited_repr, `protocol ${s.protocol}`);
      assert.equal(loaded[i].protocol, s.protocol >= 2 ? s.protocol : null);
      assert.ok(loaded[i].maxOpcodeProtocol <= s.protocol);
    });
  });

  test('cachelib values keep their "!" prefix', () => {
    const pickled = Buffer.from('80049509000000000000007d948c01619488732e', 'hex');
    const stored = Buffer.concat([Buffer.from('!'), pickled]);
    const f = form(stored);
    assert.deepEqual(f.layers, ['cachelib']);
    const saved = encodeEdit(f, f.text.replace('True', 'False'));
    assert.equal(saved[0], 0x21);
    const { loaded } = reload([saved.subarray(1)]);
    assert.equal(loaded[0].repr, "{'a': False}");
  });
});

describe('Python text that does not parse', () => {
  const f = form(Buffer.from('80049509000000000000007d948c01619488732e', 'hex'));
  for (const [text, offset] of [
    ["{'a': True", 10],
    ["{'a': open('x')}", 6],
    ["{'a': datetime.date(2025, 2, 30)}", 6],
    ["{'a': b'é'}", 8],
  ] as const) {
    test(`${text} → EDIT_INVALID at ${offset}`, () => {
      assert.throws(
        () => encodeEdit(f, text),
        (err: unknown) => isNovaError(err, 'EDIT_INVALID') && err.args.kind === 'python' && err.args.offset === offset,
      );
    });
  }
});

describe('JSON saved in the style it was stored in', () => {
  test("Python's json.dumps style: separators and \\u escapes; unchanged text gives the same bytes", () => {
    const stored = Buffer.from('{"name": "\\u00e9t\\u00e9", "big": 12345678901234567890, "f": 1.0, "list": [1, {}]}');
    const f = form(stored);
    assert.match(f.text, /"été"/);
    assert.ok(encodeEdit(f, f.text).equals(stored));
    assert.equal(encodeEdit(f, f.text.replace('"été"', '"hiver à Noël"')).toString(), '{"name": "hiver \\u00e0 No\\u00ebl", "big": 12345678901234567890, "f": 1.0, "list": [1, {}]}');
  });

  test('compact UTF-8 stays compact UTF-8; indented text keeps the edited layout', () => {
    const compact = form(Buffer.from('{"a":"é","b":[1,2]}'));
    assert.equal(encodeEdit(compact, compact.text).toString(), '{"a":"é","b":[1,2]}');
    const pretty = form(Buffer.from('{\n    "a": 1\n}'));
    assert.equal(encodeEdit(pretty, '{\n    "a": 2\n}\n').toString(), '{\n    "a": 2\n}');
  });

  test('a syntax error gives the character offset, counted in characters not bytes', () => {
    const f = form(Buffer.from('{"a": 1}'));
    assert.throws(
      () => encodeEdit(f, '{"é": 1,, }'),
      (err: unknown) => isNovaError(err, 'EDIT_INVALID') && err.args.kind === 'json' && err.args.offset === 8,
    );
  });

  test('zlib and gzip layers are applied again', () => {
    for (const wrap of [zlib.gzipSync, zlib.deflateSync]) {
      const f = form(wrap(Buffer.from('{"a": [1, 2]}')));
      const out = encodeEdit(f, f.text.replace('2', '3'));
      const unwrapped = wrap === zlib.gzipSync ? zlib.gunzipSync(out) : zlib.inflateSync(out);
      assert.equal(unwrapped.toString(), '{"a": [1, 3]}');
    }
  });

  test('UTF-8 text is written as typed', () => {
    const f = form(Buffer.from('bonjour\nà tous'));
    assert.equal(f.leaf.kind, 'text');
    assert.equal(encodeEdit(f, 'au revoir ✓').toString(), 'au revoir ✓');
  });
});

describe('MessagePack packed again', () => {
  test('unchanged text gives the same bytes; integers and floats keep their kind', () => {
    const stored = Buffer.from(encode({ a: 1, b: [1.5, 'x', 2.0], c: null, d: true, e: -200, big: 2n ** 60n, s: 'é'.repeat(40) }, { useBigInt64: true, forceIntegerToFloat: false }));
    const f = form(stored);
    assert.equal(f.leaf.kind, 'msgpack');
    const again = encodeEdit(f, f.text);
    assert.ok(again.equals(stored), `${again.toString('hex')} vs ${stored.toString('hex')}`);
    const edited = encodeEdit(f, f.text.replace('"x"', '"y"'));
    assert.equal(edited.length, stored.length);
  });

  test('binary data and extension types stay read-only', () => {
    const bin = editForm(Buffer.from(encode({ raw: new Uint8Array([0, 255]) })), 'msgpack');
    assert.deepEqual(bin.ok ? undefined : bin.block, { code: 'MSGPACK_BINARY' });
    const ext = editForm(Buffer.from(encode({ at: new Date(0) })), 'msgpack');
    assert.deepEqual(ext.ok ? undefined : ext.block, { code: 'MSGPACK_EXTENSION' });
  });
});

describe('Edit Value in the manifest', () => {
  test('every menu that offers Edit Value hides it in read-only mode', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>> } };
    const entries = Object.entries(pkg.contributes.menus).flatMap(([menu, items]) => items.filter((i) => i.command === 'nova.editValue').map((i) => ({ menu, when: i.when ?? '' })));
    assert.deepEqual(entries.map((e) => e.menu).sort(), ['commandPalette', 'editor/title', 'view/item/context']);
    for (const e of entries) {
      assert.match(e.when, /!nova\.readOnly\b/, `${e.menu}: ${e.when}`);
    }
  });
});
