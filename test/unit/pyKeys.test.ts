/**
 * Key templates read from Python source by the code links' parser: hand-written expectations for the
 * forms NOVA's backend writes, and the whole corpus (test/fixtures/python/keys_corpus.py) cross-checked
 * against Python's own `ast` (test/support/py_keys.py, Debian's python3), which evaluates literals,
 * escapes and f-strings as the interpreter does.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_KEY_METHODS, exactKey, findKeyUses, templateGlob, templatePrefix } from '../../src/code/pyKeys';
import { PYTHON } from '../support/pySeed';

const CORPUS = path.join(__dirname, '..', 'fixtures', 'python', 'keys_corpus.py');
const ORACLE = path.join(__dirname, '..', 'support', 'py_keys.py');

function uses(source: string): Array<{ method: string; line: number; glob: string; exact: boolean; ttlMs: number | undefined }> {
  return findKeyUses(source).map((u) => ({ method: u.method, line: u.line, glob: templateGlob(u.parts).toString('latin1'), exact: exactKey(u.parts) !== undefined, ttlMs: u.ttlMs }));
}

describe('key templates from Python source', () => {
  test("NOVA's RedisCacheManager calls: the literal key and the TTL they pass", () => {
    const src = "cache = RedisCacheManager()\nawait cache.cache_data('ma_cle', {'data': 'valeur'}, ttl=3600)\ndata = await cache.get_cached_data('ma_cle')\n";
    assert.deepEqual(uses(src), [
      { method: 'cache_data', line: 1, glob: 'ma_cle', exact: true, ttlMs: 3_600_000 },
      { method: 'get_cached_data', line: 2, glob: 'ma_cle', exact: true, ttlMs: undefined },
    ]);
  });

  test('f-strings, % and .format() become patterns; constants of the file are resolved', () => {
    const src = [
      'PREFIX = "nova:"',
      'HOUR = 60 * 60',
      'r.set(f"{PREFIX}user:{uid}:profile", v, ex=HOUR)',
      'r.get("session:%s" % sid)',
      'r.hgetall("h:{}:x".format(a))',
      'r.delete(PREFIX + "tmp:" + name)',
      'r.get("a*b?[c]")',
    ].join('\n');
    assert.deepEqual(uses(src), [
      { method: 'set', line: 2, glob: 'nova:user:*:profile', exact: false, ttlMs: 3_600_000 },
      { method: 'get', line: 3, glob: 'session:*', exact: false, ttlMs: undefined },
      { method: 'hgetall', line: 4, glob: 'h:*:x', exact: false, ttlMs: undefined },
      { method: 'delete', line: 5, glob: 'nova:tmp:*', exact: false, ttlMs: undefined },
      { method: 'get', line: 6, glob: 'a\\*b\\?\\[c\\]', exact: true, ttlMs: undefined },
    ]);
    const [first] = findKeyUses(src);
    assert.equal(templatePrefix(first.parts).toString(), 'nova:user:');
  });

  test('a key the file does not spell out (a bare variable), and calls of other methods, are left out', () => {
    assert.deepEqual(uses('r.get(key)\nr.publish("chan", "x")\nd.get(name)\n'), []);
  });

  test('bytes literals keep their exact bytes', () => {
    const [use] = findKeyUses('r.get(b"bin:\\x00\\xff")');
    assert.deepEqual(exactKey(use.parts), Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0x00, 0xff]));
  });

  test("the corpus gives the same templates and TTLs as Python's own ast", (t) => {
    const source = readFileSync(CORPUS, 'utf8');
    let oracle: string;
    try {
      oracle = execFileSync(PYTHON, [ORACLE, CORPUS, JSON.stringify(DEFAULT_KEY_METHODS)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
    } catch (err) {
      t.skip(`${PYTHON} could not run the ast oracle: ${(err as Error).message.split('\n')[0]}`);
      return;
    }
    const expected = (JSON.parse(oracle) as Array<{ method: string; line: number; glob: string; exact: boolean; ttl_ms: number | null }>).map((u) => ({
      method: u.method,
      line: u.line,
      glob: Buffer.from(u.glob, 'hex').toString('latin1'),
      exact: u.exact,
      ttlMs: u.ttl_ms ?? undefined,
    }));
    assert.ok(expected.length >= 30, `the corpus holds many uses (${expected.length})`);
    assert.deepEqual(uses(source), expected);
  });
});
