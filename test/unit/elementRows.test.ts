import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elementLines } from '../../src/redis/elementRows';
import { jArray, jObject, jsonString, printJson } from '../../src/redis/decoders/jtree';

const header = '// k · hash · TTL 1 h · 3 elements\n// Decoded as: —\n\n';

test('each top-level element of a laid-out collection is found on its first line', () => {
  const nested = printJson(jObject([['a', '1'], ['b', '[\n  2\n]']]));
  const hash = header + printJson(jObject([['f1', jsonString('x')], ['f2', nested], ['f3', jsonString('}')]]));
  const lines = hash.split('\n');
  assert.deepEqual(
    elementLines(hash).map((i) => lines[i]),
    ['  "f1": "x",', '  "f2": {', '  "f3": "}"'],
  );
  const zset = header + printJson(jArray([jObject([['member', jsonString('m')], ['score', '1']]), jObject([['member', jsonString('n')], ['score', '2']])]));
  assert.equal(elementLines(zset).length, 2);
  assert.deepEqual(elementLines(header + printJson(jArray([]))), []);
});
