/**
 * Pickles made by CPython (test/support/pickle_cases.py, every protocol it has), shown as Python
 * shows them: for builtin types the document must be exactly pprint.pformat(pickle.loads(data),
 * sort_dicts=False); custom classes, whose repr needs the class, are checked against fixed texts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { decodeDocument } from '../../src/redis/decoders';
import { PYTHON } from '../support/pySeed';

interface Case {
  name: string;
  protocol: number;
  hex: string;
  pformat: string;
  repr: string;
  builtin: boolean;
}

function loadCases(): { version: string; cases: Case[] } | string {
  const run = spawnSync(PYTHON, [path.join(__dirname, '../support/pickle_cases.py')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  if (run.error || run.status !== 0) {
    return `${PYTHON} could not run pickle_cases.py (${run.error?.message ?? run.stderr.trim().split('\n').pop()}): cross-check with CPython NOT run`;
  }
  return JSON.parse(run.stdout) as { version: string; cases: Case[] };
}

const loaded = loadCases();
const skip = typeof loaded === 'string' ? loaded : undefined;
const cases = typeof loaded === 'string' ? [] : loaded.cases;

/** What the viewer must show for values of classes it cannot import (Python itself would show `<... object at 0x...>`). */
const CUSTOM: Record<string, string | ((protocol: number) => string)> = {
  namedtuple: '__main__.Point(1, 2)',
  namedtuple_plain: "__main__.Pair('x', [1])",
  int_sub: '__main__.IntSub(5)',
  str_sub: "__main__.StrSub('abc')",
  list_sub: '__main__.ListSub([1, 2])',
  dict_sub: "__main__.DictSub({'a': 1})",
  // Protocols 0-1 store a tuple subclass's items as its state; 2+ pass the tuple to __new__.
  tuple_sub: (p) => (p < 2 ? '__main__.TupleSub(1, 2)' : '__main__.TupleSub((1, 2))'),
  // __getnewargs_ex__ is used from protocol 2 (through functools.partial before 4, NEWOBJ_EX after).
  keyword_only: (p) => (p < 2 ? '__main__.KeywordOnly(_a=1)' : '__main__.KeywordOnly(a=1, _a=1)'),
  custom: "__main__.CachedUser(user_id=7,\n                    name='ann',\n                    roles=['ops'],\n                    last_login=datetime.datetime(2025, 10, 9, 8, 30, 15, 250000))",
  recursive_list: '[[...]]',
  recursive_tuple: '([(...)],)',
};

describe('pickles from CPython, shown as Python shows them', { skip }, () => {
  test('which Python made them', (t) => {
    t.diagnostic(`CPython ${typeof loaded === 'string' ? '?' : loaded.version}, ${cases.length} pickles`);
    assert.ok(cases.length > 200);
  });

  test('builtin values: exactly pprint.pformat of what the pickle holds, at every protocol', () => {
    for (const c of cases.filter((x) => x.builtin)) {
      const bytes = Buffer.from(c.hex, 'hex');
      // `()` at protocol 1 is the two bytes ")." : too short to tell from text, so only forcing reads it.
      const doc = decodeDocument(bytes, bytes.length < 3 ? { decoder: 'pickle' } : {});
      assert.deepEqual(doc.chain, ['pickle'], `${c.name} protocol ${c.protocol}`);
      assert.equal(doc.language, 'python');
      assert.equal(doc.body, c.pformat, `${c.name} protocol ${c.protocol}`);
      assert.deepEqual(doc.notes, [], `${c.name} protocol ${c.protocol}`);
    }
  });

  test('namedtuples, subclasses of builtins, __getnewargs_ex__ and custom objects keep their class and contents', () => {
    for (const c of cases.filter((x) => !x.builtin)) {
      const expected = CUSTOM[c.name];
      assert.ok(expected !== undefined, `no expectation for ${c.name}`);
      const doc = decodeDocument(Buffer.from(c.hex, 'hex'));
      assert.deepEqual(doc.chain, ['pickle'], `${c.name} protocol ${c.protocol}`);
      assert.equal(doc.body, typeof expected === 'function' ? expected(c.protocol) : expected, `${c.name} protocol ${c.protocol}`);
      if (c.name.startsWith('recursive')) {
        // Python's own repr of a recursive value, and a note.
        assert.equal(doc.body, c.repr);
        assert.deepEqual(doc.notes, [{ code: 'PICKLE_RECURSIVE' }]);
      } else {
        assert.deepEqual(doc.notes, [], `${c.name} protocol ${c.protocol}`);
      }
    }
  });

  test('View Value As → JSON keeps the JSON tree: timedelta exact, named zone kept, tuple as an array', () => {
    const json = (name: string, protocol = 4): string => {
      const c = cases.find((x) => x.name === name && x.protocol === protocol) as Case;
      const doc = decodeDocument(Buffer.from(c.hex, 'hex'), { decoder: 'json' });
      assert.equal(doc.language, 'json');
      return doc.body;
    };
    assert.equal(json('timedelta_max_days'), '"999999999 days, 0:00:00"');
    assert.equal(json('timedelta_negative'), '"-1 day, 0:00:05"');
    assert.equal(json('datetime_named_tz'), '"2024-01-02T00:00:00+01:00[CET]"');
    assert.equal(json('tuple1'), '[\n  1\n]');
    assert.equal(json('int_keys'), '{\n  "8": 120\n}');
  });
});
