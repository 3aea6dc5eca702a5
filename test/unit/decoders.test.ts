import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import {
  applicableDecoders,
  bytesLiteral,
  decodeBytes,
  decodeDocument,
  decodeElement,
  hexDump,
  layoutJson,
  printJson,
  type DecodedDocument,
} from '../../src/redis/decoders';
import { nextStreamId } from '../../src/redis/values';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const codes = (d: { notes: Array<{ code: string }> }): string[] => d.notes.map((n) => n.code);

/** A small seeded PRNG so the generated cases are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('JSON', () => {
  const samples: unknown[] = [
    { user: { id: 42, name: 'Zoé', tags: ['a', 'b'], nested: { deep: [1, [2, [3, {}]], []] } } },
    // No astral characters here: the mutations below edit UTF-16 units and would split surrogate pairs.
    [1, -2.5, 3e-7, true, false, null, '', 'quote " and \\ and \n and \u0001 and €'],
    [],
    {},
    'just a string',
    0,
    -0.5,
    [{ a: {} }, { b: [] }],
  ];

  test('lays out ordinary documents exactly as JSON.stringify(value, null, 2) does', () => {
    for (const sample of samples) {
      const compact = JSON.stringify(sample);
      const spaced = JSON.stringify(sample, null, 4).replace(/\n/g, '\r\n  \t');
      for (const input of [compact, spaced, ` ${compact}\n`]) {
        const doc = decodeDocument(b(input));
        assert.deepEqual(doc.chain, ['json'], input);
        assert.equal(doc.language, 'json');
        assert.equal(doc.body, JSON.stringify(sample, null, 2));
      }
    }
  });

  test('keeps integers beyond 2^53 and number spellings exactly as stored', () => {
    const input = '{"id":12345678901234567890123,"neg":-9007199254740993,"safe":9007199254740991,"f":1.0,"e":1E400,"d":0.1000000000000000055511151231257827}';
    const doc = decodeDocument(b(input));
    assert.equal(
      doc.body,
      '{\n  "id": 12345678901234567890123,\n  "neg": -9007199254740993,\n  "safe": 9007199254740991,\n  "f": 1.0,\n  "e": 1E400,\n  "d": 0.1000000000000000055511151231257827\n}',
    );
    assert.deepEqual(doc.notes, [{ code: 'JSON_BIG_NUMBERS', args: { count: 2 } }]);
  });

  test("shows Python's \\u escapes of printable characters as the characters, keeps the others", () => {
    // json.dumps({'name': 'Zoé 😀', ...}) with the default ensure_ascii=True
    const input = '{"name":"Zo\\u00e9 \\ud83d\\ude00","ctl":"\\u0001\\n","zw":"a\\u200bb","lone":"\\ud83d","q":"\\"\\/"}';
    const doc = decodeDocument(b(input));
    assert.equal(doc.body, '{\n  "name": "Zoé 😀",\n  "ctl": "\\u0001\\n",\n  "zw": "a\\u200bb",\n  "lone": "\\ud83d",\n  "q": "\\"\\/"\n}');
    assert.deepEqual(JSON.parse(doc.body), JSON.parse(input));
  });

  test('a bare number, string or literal is JSON; a plain word is text', () => {
    for (const input of ['42', '-1.5e3', '"hello"', 'true', 'null']) {
      const doc = decodeDocument(b(input));
      assert.deepEqual(doc.chain, ['json'], input);
      assert.equal(doc.body, input);
    }
    for (const input of ['hello', '0123', '42abc', '{a:1}', "{'a': 1}", '[1,]', '1.', '.5', '- 1']) {
      assert.deepEqual(decodeDocument(b(input)).chain, ['text'], input);
    }
  });

  test("accepts the NaN and Infinity that Python's json.dumps writes, and says so", () => {
    const doc = decodeDocument(b('{"a": NaN, "b": [Infinity, -Infinity]}'));
    assert.deepEqual(doc.chain, ['json']);
    assert.equal(doc.body, '{\n  "a": NaN,\n  "b": [\n    Infinity,\n    -Infinity\n  ]\n}');
    assert.deepEqual(doc.notes, [{ code: 'JSON_NON_STANDARD', args: { count: 3 } }]);
  });

  test('agrees with JSON.parse on what is valid, over thousands of mutated documents', () => {
    const rand = prng(7);
    const alphabet = '{}[]",:.-+eE0123456789 \n\\tfnrule"ab';
    let valid = 0;
    for (let i = 0; i < 20000; i++) {
      let text = JSON.stringify(samples[i % samples.length]);
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * (text.length + 1));
        const op = rand();
        const ch = alphabet[Math.floor(rand() * alphabet.length)];
        text = op < 0.4 ? text.slice(0, at) + ch + text.slice(at) : op < 0.8 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + ch + text.slice(at + 1);
      }
      let parsed = true;
      try {
        JSON.parse(text);
      } catch {
        parsed = false;
      }
      const laid = layoutJson(text);
      assert.equal(laid.ok, parsed, `disagreement on ${JSON.stringify(text)}`);
      if (laid.ok) {
        valid++;
        assert.deepEqual(JSON.parse(laid.text), JSON.parse(text));
      }
    }
    // The mutations must exercise both outcomes for the comparison to mean something.
    assert.ok(valid > 1000 && valid < 19000, `valid=${valid}`);
  });

  test('a preview cut anywhere inside a document is laid out up to the cut', () => {
    const full = JSON.stringify({ list: [1, 22, 'three', { four: [true, null] }], s: 'a\\"b', n: -12.5e3 });
    for (let cut = 1; cut < full.length; cut++) {
      const prefix = b(full.slice(0, cut));
      const doc = decodeDocument(prefix, { partial: true });
      assert.deepEqual(doc.chain, ['json'], `cut at ${cut}`);
      assert.equal(doc.complete, false);
      assert.ok(codes(doc).includes('JSON_INCOMPLETE'), `cut at ${cut}`);
      assert.equal(doc.body.replace(/\s/g, ''), full.slice(0, cut).replace(/\s/g, ''));
      // The same bytes are not JSON when they claim to be the whole value.
      assert.notDeepEqual(decodeDocument(prefix).chain, ['json'], `cut at ${cut}`);
    }
  });

  test('a preview cut inside a multi-byte character is still decoded', () => {
    const full = b('["été"]');
    const doc = decodeDocument(full.subarray(0, 4), { partial: true });
    assert.deepEqual(doc.chain, ['json']);
    assert.equal(doc.body, '[\n  "é');
  });
});

describe('hex dump', () => {
  test('has the offset, hex and ASCII columns of hexdump -C', () => {
    const bytes = Buffer.concat([b('Hello World\n'), hex('00fffefd'), b('ABC')]);
    assert.equal(
      hexDump(bytes),
      '00000000  48 65 6c 6c 6f 20 57 6f  72 6c 64 0a 00 ff fe fd  |Hello World.....|\n' +
        '00000010  41 42 43                                          |ABC|',
    );
    assert.equal(hexDump(Buffer.alloc(0)), '');
    assert.equal(hexDump(hex('7f80'), 0x1230).slice(0, 10), '00001230  ');
  });

  test('is what undecodable bytes show, and what invalid UTF-8 gets instead of replacement characters', () => {
    const bytes = hex('fffe00616263c3');
    const doc = decodeDocument(bytes);
    assert.deepEqual(doc.chain, ['hex']);
    assert.equal(doc.body, hexDump(bytes));
    assert.ok(!doc.body.includes('\uFFFD'));
  });

  test('is capped, and says how much is shown', () => {
    const bytes = Buffer.alloc(100, 0x01);
    const doc = decodeDocument(bytes, { maxHexBytes: 32 });
    assert.equal(doc.body.split('\n').length, 2);
    assert.deepEqual(doc.notes, [{ code: 'HEX_TRUNCATED', args: { shown: 32, total: 100 } }]);
    assert.equal(doc.complete, false);
  });
});

describe('text', () => {
  test('valid UTF-8 is text; an empty value is empty text with a note', () => {
    const doc = decodeDocument(b('Bonjour à tous\tles 👋\r\n'));
    assert.deepEqual(doc.chain, ['text']);
    assert.equal(doc.body, 'Bonjour à tous\tles 👋\r\n');
    const empty = decodeDocument(Buffer.alloc(0));
    assert.deepEqual(empty.chain, ['text']);
    assert.equal(empty.body, '');
    assert.deepEqual(codes(empty), ['EMPTY']);
  });

  test('UTF-8 full of control bytes is shown as hex automatically, as text on request', () => {
    const bytes = hex('0001020304050607');
    assert.deepEqual(decodeDocument(bytes).chain, ['hex']);
    const forced = decodeDocument(bytes, { decoder: 'text' });
    assert.deepEqual(forced.chain, ['text']);
    assert.equal(forced.body, '\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007');
  });

  test('forcing text on invalid UTF-8 shows hex and says why', () => {
    const doc = decodeDocument(hex('41ff42'), { decoder: 'text' });
    assert.deepEqual(doc.chain, ['hex']);
    assert.equal(doc.requested, 'text');
    assert.equal(doc.notes[0].code, 'DECODE_FAILED');
    assert.equal(doc.notes[0].args?.decoder, 'text');
    assert.equal(doc.body, hexDump(hex('41ff42')));
  });
});

describe('MessagePack', () => {
  test('decodes a map with nested values, keeping key order and 64-bit integers', () => {
    // A map with integer keys, as Python's msgpack writes a dict (the JS encoder only writes string keys).
    const pairs: unknown[] = ['b', [1, -1, 1.5, 'x', null, true], 2, 'two', 1, 'one', 'big', 18446744073709551615n, 'bin', new Uint8Array([0, 255])];
    const bytes = Buffer.concat([Buffer.from([0x80 | (pairs.length / 2)]), ...pairs.map((v) => encode(v, { useBigInt64: true }))]);
    const doc = decodeDocument(bytes);
    assert.deepEqual(doc.chain, ['msgpack']);
    assert.equal(doc.language, 'json');
    assert.equal(
      doc.body,
      printJson({
        kind: 'object',
        entries: [
          ['b', { kind: 'array', items: ['1', '-1', '1.5', '"x"', 'null', 'true'] }],
          ['2', '"two"'],
          ['1', '"one"'],
          ['big', '18446744073709551615'],
          ['bin', JSON.stringify("b'\\x00\\xff'")],
        ],
      }),
    );
  });

  test('short plain text is never taken for MessagePack', () => {
    const words = ['a', 'x', 'ok', 'hi', 'OK', 'yes', 'no', 'é', 'ça', '42', '1', 'true', 'null', 'Bonjour', 'user:42', ' ', '\n', 'ab\tc', '€'];
    for (const w of words) {
      const chain = decodeDocument(b(w)).chain;
      assert.ok(!chain.includes('msgpack'), `${JSON.stringify(w)} detected as ${chain.join('+')}`);
    }
  });

  test('random short binary is almost never MessagePack, and is hex instead', () => {
    const rand = prng(42);
    let msgpack = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.alloc(8 + Math.floor(rand() * 24));
      for (let k = 0; k < bytes.length; k++) {
        bytes[k] = Math.floor(rand() * 256);
      }
      if (decodeBytes(bytes).chain.includes('msgpack')) {
        msgpack++;
      }
    }
    assert.ok(msgpack < 20, `${msgpack} random values taken for MessagePack`);
  });

  test('forcing MessagePack on a single ASCII byte reads it as the integer it encodes', () => {
    const doc = decodeDocument(b('a'), { decoder: 'msgpack' });
    assert.deepEqual(doc.chain, ['msgpack']);
    assert.equal(doc.body, '97');
  });

  test('MessagePack nested deeper than any real document is not taken for MessagePack', () => {
    const bytes = Buffer.concat([Buffer.alloc(50_000, 0x91), Buffer.from([0x01])]);
    assert.deepEqual(decodeDocument(bytes).chain, ['hex']);
  });

  test('truncated MessagePack is not decoded (the hex view shows the bytes)', () => {
    const bytes = Buffer.from(encode({ list: [1, 2, 3], name: 'abc' }));
    assert.deepEqual(decodeDocument(bytes.subarray(0, bytes.length - 2)).chain, ['hex']);
  });
});

describe('pickle', () => {
  const dictWithDatetime2 =
    '80027d71002858040000007573657271014b2a58040000007768656e7102636461746574696d650a6461746574696d650a7103635f636f646563730a656e636f64650a7104580b00000007c3a90a090c0000000000710558060000006c6174696e31710686710752710885710952710a752e';
  const dictWithDatetime0 =
    '(dp0\nVuser\np1\nI42\nsVwhen\np2\ncdatetime\ndatetime\np3\n(c_codecs\nencode\np4\n(V\x07\xe9\\u000a\t\x0c\\u0000\\u0000\\u0000\\u0000\\u0000\np5\nVlatin1\np6\ntp7\nRp8\ntp9\nRp10\ns.';
  const expected = "{'user': 42, 'when': datetime.datetime(2025, 10, 9, 12, 0)}";
  const expectedJson = '{\n  "user": 42,\n  "when": "2025-10-09T12:00:00"\n}';

  test('decodes the same dict pickled with protocol 2 and protocol 0, as Python shows it, or as JSON on request', () => {
    for (const bytes of [hex(dictWithDatetime2), Buffer.from(dictWithDatetime0, 'latin1')]) {
      const doc = decodeDocument(bytes);
      assert.deepEqual(doc.chain, ['pickle']);
      assert.equal(doc.language, 'python');
      assert.equal(doc.body, expected);
      assert.deepEqual(doc.notes, []);
      const json = decodeDocument(bytes, { decoder: 'json' });
      assert.deepEqual(json.chain, ['pickle']);
      assert.equal(json.language, 'json');
      assert.equal(json.body, expectedJson);
    }
  });

  test('keeps every digit of negative and wide integers (LONG1)', () => {
    const doc = decodeDocument(hex('80025d7100288a0500a22f4dff8a090100000000000000018a090000000000000000c0652e'));
    assert.equal(doc.body, '[-3000000000, 18446744073709551617, -1180591620717411303424]');
  });

  test('shows floats with a decimal point and bytes in Python notation', () => {
    const doc = decodeDocument(hex('8004951900000000000000284b018c0161944e88473ff00000000000004301009474942e'));
    assert.equal(doc.body, "(1, 'a', None, True, 1.0, b'\\x00')");
    assert.equal(decodeDocument(hex('8004951900000000000000284b018c0161944e88473ff00000000000004301009474942e'), { decoder: 'json' }).body, '[\n  1,\n  "a",\n  null,\n  true,\n  1.0,\n  "b\'\\\\x00\'"\n]');
  });

  test('records a call instead of running it, and flags it', () => {
    // os.system('echo pwned'), protocol 2
    const bytes = Buffer.concat([hex('8002'), b('cos\nsystem\n'), hex('580a000000'), b('echo pwned'), hex('8552'), b('.')]);
    const doc = decodeDocument(bytes);
    assert.deepEqual(doc.chain, ['pickle']);
    assert.equal(doc.body, "os.system('echo pwned')");
    assert.deepEqual(doc.notes, [{ code: 'PICKLE_OPAQUE', args: { names: 'os.system' } }]);
    assert.equal(decodeDocument(bytes, { decoder: 'json' }).body, '{\n  "__reduce__": "os.system",\n  "__args__": [\n    "echo pwned"\n  ]\n}');
  });

  test('shows a self-referencing list once, with a marker', () => {
    const doc = decodeDocument(hex('80025d71006800612e'));
    assert.equal(doc.body, '[[...]]');
    assert.deepEqual(codes(doc), ['PICKLE_RECURSIVE']);
    assert.equal(decodeDocument(hex('80025d71006800612e'), { decoder: 'json' }).body, '[\n  "<recursion>"\n]');
  });

  test('a small pickle that expands exponentially through shared references stops at the render budget', () => {
    // l0 = []; l1 = [l0, l0]; ... l60 = [l59, l59]: 2^60 nodes when expanded.
    const parts = [hex('80025d710030')];
    for (let level = 1; level <= 60; level++) {
      parts.push(Buffer.from([0x28, 0x68, level - 1, 0x68, level - 1, 0x6c, 0x71, level]), level < 60 ? hex('30') : Buffer.alloc(0));
    }
    parts.push(b('.'));
    for (const decoder of [undefined, 'json'] as const) {
      const doc = decodeDocument(Buffer.concat(parts), { decoder });
      assert.deepEqual(doc.chain, ['pickle']);
      assert.deepEqual(doc.notes, [{ code: 'RENDER_LIMIT' }]);
      assert.equal(doc.complete, false);
      assert.ok(doc.body.includes('…'));
    }
  });

  test('nesting deeper than any real pickle is cut off, not a stack overflow', () => {
    // 100,000 nested lists: EMPTY_LIST then (EMPTY_LIST, APPEND-into-previous) is built bottom-up with MARK/LIST.
    const depth = 100_000;
    const bytes = Buffer.concat([hex('8002'), Buffer.alloc(depth, 0x28), hex('5d'), Buffer.alloc(depth, 0x6c), b('.')]);
    const doc = decodeDocument(bytes);
    assert.deepEqual(doc.chain, ['pickle']);
    assert.deepEqual(doc.notes, [{ code: 'DEPTH_LIMIT', args: { limit: 1000 } }]);
    assert.ok(doc.body.startsWith('[[[['));
    assert.ok(doc.body.includes('[...]') || doc.body.includes('...'));
    const json = decodeDocument(bytes, { decoder: 'json' });
    assert.deepEqual(json.notes, [{ code: 'DEPTH_LIMIT', args: { limit: 1000 } }]);
    assert.ok(json.body.startsWith('[\n  [\n    [\n'));
  });

  test('declared lengths beyond the data fail cleanly instead of allocating', () => {
    // BINBYTES8 claiming 2^62 bytes, BINUNICODE claiming 4 GB
    for (const bytes of [hex('80048e0000000000000040' + '2e'), hex('800258ffffffff2e')]) {
      const doc = decodeDocument(bytes, { decoder: 'pickle' });
      assert.deepEqual(doc.chain, ['hex']);
      assert.equal(doc.notes[0].code, 'DECODE_FAILED');
    }
  });

  test('a preview of a pickle asks for the whole value', () => {
    const doc = decodeDocument(hex(dictWithDatetime2).subarray(0, 40), { partial: true });
    assert.deepEqual(doc.chain, ['hex']);
    assert.deepEqual(doc.notes, [{ code: 'NEEDS_FULL_VALUE', args: { decoder: 'pickle' } }]);
  });

  test('corrupt pickles are not decoded automatically, and forcing says why', () => {
    const bytes = hex(dictWithDatetime2);
    const corrupt = Buffer.from(bytes);
    corrupt[20] = 0xff;
    assert.deepEqual(decodeDocument(corrupt).chain, ['hex']);
    const forced = decodeDocument(corrupt, { decoder: 'pickle' });
    assert.deepEqual(forced.chain, ['hex']);
    assert.equal(forced.notes[0].code, 'DECODE_FAILED');
    // Trailing bytes: Python would ignore them, detection does not trust them, forcing shows them.
    const trailing = Buffer.concat([bytes, b('xyz')]);
    assert.deepEqual(decodeDocument(trailing).chain, ['hex']);
    const forcedTrailing = decodeDocument(trailing, { decoder: 'pickle' });
    assert.equal(forcedTrailing.body, expected);
    assert.deepEqual(forcedTrailing.notes, [{ code: 'PICKLE_TRAILING_BYTES', args: { count: 3 } }]);
  });

  test('text that merely ends with a period is not a protocol-0 pickle', () => {
    for (const text of ['I love it.', 'N.', '(hello).', 'See you.', 'cat.']) {
      assert.deepEqual(decodeDocument(b(text)).chain, ['text'], text);
    }
  });
});

describe('compression', () => {
  const json = JSON.stringify({ user: 42, items: Array.from({ length: 50 }, (_, i) => ({ i })) });

  test('gzip and zlib are unwrapped and what they hold is decoded again', () => {
    const gz = decodeDocument(zlib.gzipSync(b(json)));
    assert.deepEqual(gz.chain, ['gzip', 'json']);
    assert.equal(gz.body, JSON.stringify(JSON.parse(json), null, 2));
    const z = decodeDocument(zlib.deflateSync(hex('80025d71006800612e')));
    assert.deepEqual(z.chain, ['zlib', 'pickle']);
    const twice = decodeDocument(zlib.gzipSync(zlib.deflateSync(b('plain words'))));
    assert.deepEqual(twice.chain, ['gzip', 'zlib', 'text']);
    assert.equal(twice.body, 'plain words');
  });

  test('a preview of gzip data is expanded as far as it goes', () => {
    const text = Array.from({ length: 20000 }, (_, i) => `line ${i}`).join('\n');
    const gz = zlib.gzipSync(b(text));
    const doc = decodeDocument(gz.subarray(0, Math.floor(gz.length / 2)), { partial: true });
    assert.deepEqual(doc.chain, ['gzip', 'text']);
    assert.equal(doc.complete, false);
    assert.ok(codes(doc).includes('INFLATE_INCOMPLETE'));
    assert.ok(doc.body.length > 1000 && text.startsWith(doc.body));
  });

  test('expansion is capped: past the cap the compressed bytes are shown as hex with a note', () => {
    const gz = zlib.gzipSync(Buffer.alloc(1_000_000));
    const doc = decodeDocument(gz, { maxInflatedBytes: 10_000 });
    assert.deepEqual(doc.chain, ['hex']);
    assert.deepEqual(doc.notes, [{ code: 'INFLATE_LIMIT', args: { limit: 10_000 } }]);
  });

  test('text that starts like a zlib header is still text', () => {
    assert.deepEqual(decodeDocument(b('x^2 + y^2')).chain, ['text']);
  });

  test('forcing gzip on data that is not gzip says so', () => {
    const doc = decodeDocument(b(json), { decoder: 'gzip' });
    assert.deepEqual(doc.chain, ['hex']);
    assert.equal(doc.notes[0].code, 'DECODE_FAILED');
  });
});

describe('collection elements', () => {
  test('are embedded as JSON nodes: decoded values, text strings, bytes in Python notation', () => {
    assert.equal(printJson(decodeElement(b('{"a":1}')).node), '{\n  "a": 1\n}');
    assert.equal(decodeElement(b('plain')).node, '"plain"');
    assert.equal(decodeElement(hex('00ff')).node, JSON.stringify("b'\\x00\\xff'"));
    assert.equal(decodeElement(hex('00ff'), { decoder: 'hex' }).node, '"00 ff"');
    const failed = decodeElement(b('not json'), { decoder: 'json' });
    assert.equal(failed.undecoded, true);
    assert.equal(failed.node, '"not json"');
  });

  test('bytesLiteral follows Python repr', () => {
    assert.equal(bytesLiteral(b("it's")), 'b"it\'s"');
    assert.equal(bytesLiteral(b('a\'b"c')), "b'a\\'b\"c'");
    assert.equal(bytesLiteral(hex('5c0a0d0900807f')), "b'\\\\\\n\\r\\t\\x00\\x80\\x7f'");
  });
});

describe('View Value As…', () => {
  test('lists the decoders that apply, in detection order, hex always last', () => {
    assert.deepEqual(applicableDecoders(b('42')), ['json', 'text', 'hex']);
    assert.deepEqual(applicableDecoders(b('7')), ['json', 'msgpack', 'text', 'hex']);
    // "JSON" also lays out what a compressed value holds.
    assert.deepEqual(applicableDecoders(zlib.gzipSync(b('{}'))), ['gzip', 'json', 'hex']);
    assert.deepEqual(applicableDecoders(hex('ff00')), ['hex']);
  });

  test('a forced decoder is reported as requested', () => {
    const doc: DecodedDocument = decodeDocument(b('{"a":1}'), { decoder: 'text' });
    assert.equal(doc.requested, 'text');
    assert.deepEqual(doc.chain, ['text']);
    assert.equal(doc.body, '{"a":1}');
  });
});

describe('stream paging', () => {
  test('the next XRANGE page starts right after the last ID, also when the sequence is at its maximum', () => {
    assert.equal(nextStreamId('1700000000000-0'), '1700000000000-1');
    assert.equal(nextStreamId('1700000000000-41'), '1700000000000-42');
    assert.equal(nextStreamId('5-18446744073709551615'), '6-0');
  });
});

describe('fidelity', () => {
  test("MessagePack timestamps keep their nanoseconds (Python msgpack's Timestamp(1704164645, 123456789))", () => {
    const doc = decodeDocument(hex('81a26174d7ff1d6f345465937d25'));
    assert.deepEqual(doc.chain, ['msgpack']);
    assert.equal(doc.body, '{\n  "at": "2024-01-02T03:04:05.123456789Z"\n}');
  });

  test('collection members are the strings Redis stores; only objects and arrays are decoded as JSON, and say so', () => {
    assert.equal(decodeElement(b('42')).node, '"42"');
    assert.equal(decodeElement(b('"x"')).node, JSON.stringify('"x"'));
    assert.equal(decodeElement(b('true')).node, '"true"');
    assert.equal(decodeElement(b('42')).json, false);
    const obj = decodeElement(b('{"a":1}'));
    assert.equal(obj.json, true);
    assert.equal(printJson(obj.node), '{\n  "a": 1\n}');
    assert.equal(decodeElement(b(' [1]')).json, true);
    // Forcing JSON is the user's choice: then 42 is the number.
    assert.equal(decodeElement(b('42'), { decoder: 'json' }).node, '42');
  });

  test('JSON deeper than 1,000 levels is shown as text with a note; a layout past the output cap too', () => {
    const deep = decodeDocument(b('['.repeat(1001) + ']'.repeat(1001)));
    assert.deepEqual(deep.chain, ['json']);
    assert.equal(deep.language, 'plaintext');
    assert.equal(deep.body, '['.repeat(1001) + ']'.repeat(1001));
    assert.deepEqual(deep.notes, [{ code: 'JSON_TOO_DEEP', args: { limit: 1000 } }]);
    assert.deepEqual(decodeDocument(b('['.repeat(1000) + ']'.repeat(1000))).notes, []);
    // Invalid deep text is still not JSON: validation goes on after the layout stops.
    assert.deepEqual(decodeDocument(b('['.repeat(2000) + ']'.repeat(1999))).chain, ['text']);
  });

  test('xz, lz4 and zstd data are named, not decoded', () => {
    for (const [magic, format] of [
      ['fd377a585a00', 'xz (lzma)'],
      ['04224d18', 'lz4'],
      ['28b52ffd', 'zstd'],
    ]) {
      const doc = decodeDocument(Buffer.concat([hex(magic), hex('00ff00ff00')]));
      assert.deepEqual(doc.chain, ['hex']);
      assert.deepEqual(doc.notes, [{ code: 'COMPRESSED_UNSUPPORTED', args: { format } }]);
    }
  });

  test("cachelib's `!` + pickle is unwrapped and named", () => {
    const pickled = hex('80027d71002858040000007573657271014b2a752e');
    const doc = decodeDocument(Buffer.concat([b('!'), pickled]));
    assert.deepEqual(doc.chain, ['pickle']);
    assert.equal(doc.framework, 'cachelib');
    assert.equal(doc.body, "{'user': 42}");
  });
});
