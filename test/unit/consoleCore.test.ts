/**
 * The console's vscode-free parts on their own: the redis-cli line syntax, the RESP reader (split
 * at every byte, cut at a budget), the reply printer, the safety verdicts and the line editor as a
 * user sees it on a screen. test/redis/consoleCli.test.ts checks parser and printer against the
 * real redis-cli.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { commandWord, parseLine, quoteBytes } from '../../src/console/parse';
import { encodeCommand, RespReader, type Reply } from '../../src/console/resp';
import { formatReply, prettyJson } from '../../src/console/format';
import { classify, CommandTable, isSecretLine } from '../../src/console/safety';
import { LineEditor } from '../../src/console/lineEditor';
import { Screen } from '../support/terminal';
import { PARSE_CASES } from '../fixtures/consoleCases';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const args = (line: string): string[] => {
  const r = parseLine(line);
  assert.ok(r.ok, `${line} should parse`);
  return r.args.map((a) => a.toString('latin1'));
};

describe('redis-cli line syntax', () => {
  for (const [line, expected] of PARSE_CASES) {
    test(JSON.stringify(line), () => {
      const r = parseLine(line);
      if (typeof expected === 'string') {
        assert.deepEqual(r, { ok: false, reason: expected });
      } else {
        assert.deepEqual(args(line), expected);
      }
    });
  }

  test('UTF-8 text is sent as its UTF-8 bytes', () => {
    const r = parseLine('SET clé "café ☕"');
    assert.ok(r.ok);
    assert.deepEqual(r.args[1], Buffer.from('clé', 'utf8'));
    assert.deepEqual(r.args[2], Buffer.from('café ☕', 'utf8'));
  });

  test('every byte quoted by quoteBytes and commandWord reads back to itself', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const word of [all, b(''), b('plain'), b('with space'), b("it's"), b('a"b'), b('back\\slash')]) {
      for (const text of [quoteBytes(word), commandWord(word)]) {
        const r = parseLine(`SET ${text}`);
        assert.ok(r.ok, text);
        assert.deepEqual(r.args[1], word, text);
      }
    }
    assert.equal(commandWord(b('plain:key')), 'plain:key');
    assert.equal(commandWord(b('two words')), '"two words"');
  });
});

describe('RESP reader', () => {
  const wire = Buffer.concat([
    Buffer.from('+OK\r\n-ERR bad\r\n:9223372036854775807\r\n$-1\r\n*-1\r\n*0\r\n'),
    Buffer.from('$3\r\na\r\n\r\n*2\r\n*1\r\n:1\r\n$0\r\n\r\n'),
  ]);
  const expected: Reply[] = [
    { t: 'status', v: 'OK' },
    { t: 'error', v: 'ERR bad' },
    { t: 'int', v: '9223372036854775807' },
    { t: 'nil' },
    { t: 'nil' },
    { t: 'array', v: [] },
    { t: 'bulk', v: Buffer.from('a\r\n') },
    { t: 'array', v: [{ t: 'array', v: [{ t: 'int', v: '1' }] }, { t: 'bulk', v: Buffer.alloc(0) }] },
  ];

  test('the same replies whatever the chunk boundaries', () => {
    for (let size = 1; size <= wire.length; size++) {
      const got: Reply[] = [];
      const reader = new RespReader((r) => got.push(r));
      for (let i = 0; i < wire.length; i += size) {
        reader.push(wire.subarray(i, i + size));
      }
      assert.deepEqual(got, expected, `chunks of ${size}`);
    }
  });

  test('a reply over the byte budget keeps its first elements and says how many there were', () => {
    const got: Reply[] = [];
    const reader = new RespReader((r) => got.push(r), 100);
    const items = Array.from({ length: 1000 }, (_, i) => b(`value-${i}`));
    reader.push(encodeCommand(items));
    reader.push(Buffer.from(`$1000\r\n${'x'.repeat(1000)}\r\n`));
    const [list, big] = got;
    assert.ok(list?.t === 'array');
    assert.equal(list.total, 1000);
    assert.ok(list.v.length > 5 && list.v.length < 20, String(list.v.length));
    assert.ok(big?.t === 'bulk');
    assert.equal(big.v.length, 100);
    assert.equal(big.size, 1000);
  });
});

describe('reply printer', () => {
  const bulk = (s: string): Reply => ({ t: 'bulk', v: b(s) });
  test('scalars as redis-cli prints them', () => {
    assert.deepEqual(formatReply({ t: 'status', v: 'OK' }), ['OK']);
    assert.deepEqual(formatReply(bulk('OK')), ['"OK"']);
    assert.deepEqual(formatReply({ t: 'int', v: '-3' }), ['(integer) -3']);
    assert.deepEqual(formatReply({ t: 'nil' }), ['(nil)']);
    assert.deepEqual(formatReply({ t: 'error', v: 'ERR x' }), ['(error) ERR x']);
    assert.deepEqual(formatReply({ t: 'array', v: [] }), ['(empty array)']);
    assert.deepEqual(formatReply(bulk('a\xff\n"')), ['"a\\xff\\n\\""']);
  });

  test('nested arrays are indented under their index, wider indexes right-aligned', () => {
    const ten: Reply = { t: 'array', v: Array.from({ length: 10 }, (_, i) => ({ t: 'int', v: String(i) })) };
    const lines = formatReply({ t: 'array', v: [bulk('a'), { t: 'array', v: [{ t: 'array', v: [] }, bulk('b')] }, ten] });
    assert.deepEqual(lines.slice(0, 5), ['1) "a"', '2) 1) (empty array)', '   2) "b"', '3)  1) (integer) 0', '    2) (integer) 1']);
    assert.equal(lines[lines.length - 1], '   10) (integer) 9');
  });

  test('colour only when asked', () => {
    assert.deepEqual(formatReply({ t: 'int', v: '1' }, { color: true }), ['\x1b[33m(integer) 1\x1b[0m']);
  });

  test('JSON mode pretty-prints objects and arrays only', () => {
    assert.deepEqual(formatReply(bulk('{"a":[1]}'), { json: true }), ['{', '  "a": [', '    1', '  ]', '}']);
    assert.deepEqual(formatReply(bulk('42'), { json: true }), ['"42"']);
    assert.equal(prettyJson(b('{bad')), undefined);
    assert.deepEqual(formatReply({ t: 'array', v: [bulk('[1]')] }, { json: true }), ['1) [', '     1', '   ]']);
  });

  test('a cut reply ends with the note', () => {
    const lines = formatReply({ t: 'array', v: [bulk('a')], total: 5 }, { cutNote: (s, t) => `cut ${s}/${t}` });
    assert.deepEqual(lines, ['1) "a"', 'cut 1/5']);
  });
});

/** A COMMAND reply shaped like Redis 3.0's (flags as status replies, no subcommands). */
function table30(): CommandTable {
  const entry = (name: string, arity: number, flags: string[], first = 0, last = 0, step = 0): Reply => ({
    t: 'array',
    v: [{ t: 'bulk', v: b(name) }, { t: 'int', v: String(arity) }, { t: 'array', v: flags.map((f) => ({ t: 'status', v: f })) }, { t: 'int', v: String(first) }, { t: 'int', v: String(last) }, { t: 'int', v: String(step) }],
  });
  return CommandTable.fromReply({
    t: 'array',
    v: [entry('get', 2, ['readonly', 'fast'], 1, 1, 1), entry('set', -3, ['write', 'denyoom'], 1, 1, 1), entry('config', -2, ['readonly', 'admin', 'stale']), entry('client', -2, ['readonly', 'noscript']), entry('keys', 2, ['readonly']), entry('del', -2, ['write'], 1, -1, 1), entry('eval', -3, ['noscript', 'movablekeys'])],
  });
}

describe('safety verdicts', () => {
  const t = table30();
  const v = (line: string, readOnly = false) => classify(parseLine(line).ok ? (parseLine(line) as { args: Buffer[] }).args : [], t, readOnly);
  test('bound to the DB: SELECT, FLUSHALL, SWAPDB, MOVE refused even when writes are allowed', () => {
    assert.deepEqual(v('select 2'), { kind: 'refuse', reason: 'select' });
    assert.deepEqual(v('FLUSHALL'), { kind: 'refuse', reason: 'flushall' });
    assert.deepEqual(v('swapdb 0 1'), { kind: 'refuse', reason: 'otherDb' });
    assert.deepEqual(v('move k 2'), { kind: 'refuse', reason: 'otherDb' });
  });
  test('read-only mode refuses write and admin flags, scripts, and CLIENT KILL that 3.0 does not flag', () => {
    assert.deepEqual(v('set a b', true), { kind: 'refuse', reason: 'readOnly' });
    assert.deepEqual(v('config get port', true), { kind: 'refuse', reason: 'readOnly' });
    assert.deepEqual(v('eval "return 1" 0', true), { kind: 'refuse', reason: 'readOnly' });
    assert.deepEqual(v('client kill 1.2.3.4:5', true), { kind: 'refuse', reason: 'readOnly' });
    assert.deepEqual(v('get a', true), { kind: 'send' });
    assert.deepEqual(v('client list', true), { kind: 'send' });
  });
  test('asks before KEYS, FLUSHDB, DEL of a pattern, CONFIG SET, SHUTDOWN, DEBUG', () => {
    assert.deepEqual(v('keys user:*'), { kind: 'keys', pattern: b('user:*') });
    assert.deepEqual(v('flushdb'), { kind: 'confirm', what: 'flushdb' });
    assert.deepEqual(v('del a user:*'), { kind: 'confirm', what: 'delPattern' });
    assert.deepEqual(v('del a b'), { kind: 'send' });
    assert.deepEqual(v('config set maxmemory 1'), { kind: 'confirm', what: 'configSet' });
    assert.deepEqual(v('shutdown nosave'), { kind: 'confirm', what: 'shutdown' });
    assert.deepEqual(v('debug sleep 1'), { kind: 'confirm', what: 'debug' });
  });
  test('without a command table, read-only mode lets only known reads through', () => {
    const empty = CommandTable.empty();
    assert.deepEqual(classify([b('get'), b('a')], empty, true), { kind: 'send' });
    assert.deepEqual(classify([b('hset'), b('a'), b('f'), b('v')], empty, true), { kind: 'refuse', reason: 'readOnlyUnknown' });
  });
  test('key positions come from COMMAND', () => {
    assert.deepEqual(t.keyPositions([b('del'), b('a'), b('b'), b('c')]), [1, 2, 3]);
    assert.deepEqual(t.keyPositions([b('set'), b('a'), b('v')]), [1]);
  });
  test('lines with passwords stay out of the history', () => {
    assert.ok(isSecretLine([b('AUTH'), b('pw')]));
    assert.ok(isSecretLine([b('config'), b('set'), b('requirepass'), b('x')]));
    assert.ok(isSecretLine([b('HELLO'), b('3'), b('AUTH'), b('u'), b('p')]));
    assert.ok(!isSecretLine([b('get'), b('auth')]));
  });
});

describe('line editor, as seen on a screen', () => {
  const setup = (history: string[] = [], cols = 40) => {
    const screen = new Screen(cols);
    const editor = new LineEditor('> ', history, {
      complete: (before) => {
        const word = before.split(' ').pop() ?? '';
        return { start: before.length - word.length, candidates: ['GET', 'GETDEL', 'GETEX', 'SET'].filter((c) => c.startsWith(word.toUpperCase())) };
      },
      hint: (line) => (line.toUpperCase() === 'GET ' ? 'key' : undefined),
    });
    editor.cols = cols;
    screen.write(editor.reset());
    const type = (data: string) => {
      const r = editor.feed(data);
      screen.write(r.output);
      return r.events;
    };
    return { screen, editor, type };
  };

  test('typing, moving and editing in the middle', () => {
    const { screen, type } = setup();
    type('SET a b');
    type('\x1b[D\x1b[D');
    type('X');
    assert.deepEqual(screen.cursor, { line: '> SET aX b', col: 8 });
    type('\x01');
    assert.equal(screen.cursor.col, 2);
    type('\x05');
    assert.equal(screen.cursor.col, 10);
    type('\x17');
    assert.equal(screen.cursor.line, '> SET aX ');
    type('\x1b[1;5D');
    assert.equal(screen.cursor.col, 6);
    type('\x15');
    assert.deepEqual(screen.cursor, { line: '> aX ', col: 2 });
    type('\x1b[H\x1b[3~\x1b[F');
    assert.deepEqual(screen.cursor, { line: '> X ', col: 4 });
  });

  test('Enter submits the line and moves to a new row; the hint is not left behind', () => {
    const { screen, type } = setup();
    type('get ');
    assert.equal(screen.cursor.line, '> get key');
    const events = type('\r');
    assert.deepEqual(events, [{ kind: 'submit', line: 'get ' }]);
    assert.equal(screen.text()[0], '> get');
  });

  test('history with up and down keeps the line being typed', () => {
    const { screen, type } = setup(['GET a', 'SET b c']);
    type('PI');
    type('\x1b[A');
    assert.equal(screen.cursor.line, '> SET b c');
    type('\x1b[A\x1b[A');
    assert.equal(screen.cursor.line, '> GET a');
    type('\x1b[B\x1b[B');
    assert.equal(screen.cursor.line, '> PI');
  });

  test('Ctrl+R finds an older line and Enter runs it', () => {
    const { screen, type } = setup(['HGETALL user:1', 'GET a', 'HGETALL user:2']);
    type('\x12HGET');
    assert.equal(screen.cursor.line, "(reverse-i-search)'HGET': HGETALL user:2");
    type('\x12');
    assert.equal(screen.cursor.line, "(reverse-i-search)'HGET': HGETALL user:1");
    assert.deepEqual(type('\r'), [{ kind: 'submit', line: 'HGETALL user:1' }]);
  });

  test('Tab completes a unique name, extends a common prefix, lists on the second Tab', () => {
    const { screen, type } = setup();
    type('s\t');
    assert.equal(screen.cursor.line, '> SET ');
    type('\x15GETD\t');
    assert.equal(screen.cursor.line, '> GETDEL ');
    type('\x15ge\t');
    assert.equal(screen.cursor.line, '> GET');
    assert.deepEqual(type('\t'), [{ kind: 'list', candidates: ['GET', 'GETDEL', 'GETEX'] }]);
  });

  test('a line longer than the terminal wraps, and redraws stay on their rows', () => {
    const { screen, type } = setup([], 20);
    type('SET key ' + 'v'.repeat(31));
    assert.deepEqual(screen.text(), ['> SET key vvvvvvvvvv', 'vvvvvvvvvvvvvvvvvvvv', 'v']);
    type('\x01');
    type('X');
    assert.deepEqual(screen.text(), ['> XSET key vvvvvvvvv', 'vvvvvvvvvvvvvvvvvvvv', 'vv']);
    assert.equal(screen.row, 0);
    assert.equal(screen.col, 3);
  });

  test('pasted lines come out as one submit each; CR LF counts once', () => {
    const { type } = setup();
    assert.deepEqual(type('PING\r\nGET a\rECHO b\n'), [
      { kind: 'submit', line: 'PING' },
      { kind: 'submit', line: 'GET a' },
      { kind: 'submit', line: 'ECHO b' },
    ]);
  });

  test('Ctrl+C abandons the line; Ctrl+D on an empty line leaves', () => {
    const { type } = setup();
    type('GET a');
    assert.deepEqual(type('\x03'), [{ kind: 'interrupt' }]);
    assert.deepEqual(type('\x04'), [{ kind: 'eof' }]);
  });
});
