import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import type Redis from 'ioredis';
import { ValueSession, readValue, type ValueView } from '../../src/redis/values';
import { REDIS_3_0_CAPS, serverInfoFromInfo, type Capabilities } from '../../src/redis/capabilities';
import { hexDump } from '../../src/redis/decoders';
import { isNovaError } from '../../src/redis/errors';
import { binaryAtLeast, type RedisServer } from '../support/redisServer';
import { startWithReader, stopWithClients } from '../support/clients';
import { CommandCounter } from '../support/commandStats';
import { pythonUnavailableReason, seedWithPython } from '../support/pySeed';

const k = (s: string): Buffer => Buffer.from(s, 'utf8');
const codes = (v: ValueView): string[] => v.header.notes.map((n) => n.code);

async function loadEverything(client: Redis, session: ValueSession): Promise<number> {
  let pages = 0;
  while (session.canLoadMore) {
    await session.loadMore(client);
    pages++;
  }
  return pages;
}

describe('value readers against a real redis-server', () => {
  let server: RedisServer;
  let admin: Redis;
  let reader: Redis;
  let caps: Capabilities;
  let counter: CommandCounter | undefined;

  before(async () => {
    ({ server, admin, reader } = await startWithReader());
    caps = serverInfoFromInfo(await reader.info('server')).caps;
    counter = await CommandCounter.open(server);
  });
  after(async () => {
    counter?.dispose();
    await stopWithClients(server, admin, reader);
  });

  describe('values written by Python (python3-redis), as NOVA writes them', { skip: pythonUnavailableReason() }, () => {
    const P = 'py:';
    const view = async (name: string): Promise<ValueView> => readValue(reader, caps, k(P + name));
    const parsed = async (name: string): Promise<unknown> => JSON.parse((await view(name)).body);

    before(async () => {
      const written = await seedWithPython(server.host, server.port, 1, P);
      assert.ok(written.length > 20, 'the Python seed wrote its keys');
    });

    test('json.dumps with a TTL of 3600: pretty JSON, type, TTL and size in the header', async () => {
      const v = await view('json:user');
      assert.equal(v.header.type, 'string');
      assert.ok(v.header.pttl > 3_500_000 && v.header.pttl <= 3_600_000, `pttl ${v.header.pttl}`);
      assert.equal(v.header.size, await admin.strlen(P + 'json:user'));
      assert.equal(v.header.loaded, v.header.size);
      assert.equal(v.header.partial, false);
      assert.equal(v.header.canLoadMore, false);
      assert.deepEqual(v.header.decoders, ['json']);
      assert.equal(v.header.language, 'json');
      // json.dumps escapes é as \u00e9; the viewer shows the name as written in Python.
      assert.match(v.body, /^ {2}"name": "Zoé Dupont",$/m);
      assert.match(v.body, /^ {2}"id": 42,$/m);
      // 2**64 + 1 keeps every digit (a JS number would show 18446744073709552000).
      assert.match(v.body, /^ {2}"big_id": 18446744073709551617,$/m);
      assert.deepEqual(v.header.notes, [{ code: 'JSON_BIG_NUMBERS', args: { count: 1 } }]);
      assert.equal(v.body.split('\n')[1], '  "id": 42,');
    });

    test('json.dumps(42) is the JSON number 42; NaN and inf from Python are shown and flagged', async () => {
      const n = await view('json:number');
      assert.equal(n.body, '42');
      assert.deepEqual(n.header.decoders, ['json']);
      const nan = await view('json:nan');
      assert.equal(nan.body, '{\n  "score": NaN,\n  "max": Infinity\n}');
      assert.deepEqual(codes(nan), ['JSON_NON_STANDARD']);
    });

    test("pickle.dumps({'user': 42, 'when': datetime(2025,10,9,12,0)}) is shown as Python shows it, in the Python language mode", async () => {
      const v = await view('pickle:dict');
      assert.deepEqual(v.header.decoders, ['pickle']);
      assert.equal(v.header.language, 'python');
      assert.equal(v.body, "{'user': 42, 'when': datetime.datetime(2025, 10, 9, 12, 0)}");
      assert.deepEqual(v.header.notes, []);
    });

    test('View Value As → JSON shows the same pickle as a JSON tree, the datetime in ISO form', async () => {
      const session = await ValueSession.open(reader, caps, k(P + 'pickle:dict'));
      const v = session.render('json');
      assert.equal(v.header.language, 'json');
      assert.deepEqual(JSON.parse(v.body), { user: 42, when: '2025-10-09T12:00:00' });
      assert.equal(session.decodesWith('json'), true);
    });

    test('every pickle protocol (0 to 5) gives the same view', async () => {
      for (let p = 0; p <= 5; p++) {
        const v = await view(`pickle:p${p}`);
        assert.deepEqual(v.header.decoders, ['pickle'], `protocol ${p}`);
        assert.equal(v.body, "{'user': 42, 'when': datetime.datetime(2025, 10, 9, 12, 0), 'tags': ('a', 'b')}", `protocol ${p}`);
      }
    });

    test('pickled lists, nested dicts, tuples, sets, bytes, Decimal, dates and non-string keys keep their Python types', async () => {
      const body = async (name: string): Promise<string> => (await view(name)).body;
      assert.equal(await body('pickle:list'), "[1, 'two', 3.0, None, True, -3000000000, 1180591620717411303424]");
      assert.equal(await body('pickle:nested'), "{'orders': [{'id': 1, 'items': {'A-1': 2}}, {'id': 2, 'items': {}}],\n 'meta': {'page': (1, 10)}}");
      assert.equal(await body('pickle:set'), "{'green', 'red'}");
      assert.equal(await body('pickle:frozenset'), 'frozenset({7})');
      assert.equal(await body('pickle:tuple'), "(1, 'a', (2, 3))");
      assert.equal(await body('pickle:bytes'), "b'\\x00\\xffraw'");
      // Decimal('19.990') keeps its trailing zero.
      assert.equal(await body('pickle:decimal'), "Decimal('19.990')");
      assert.equal(await body('pickle:datetime_tz'), 'datetime.datetime(2025, 10, 9, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(seconds=7200)))');
      assert.equal(await body('pickle:date'), 'datetime.date(2025, 1, 31)');
      assert.equal(await body('pickle:timedelta'), 'datetime.timedelta(days=2, seconds=10800)');
      assert.equal(await body('pickle:intkeys'), "{1: 'one', (2, 3): 'pair'}");
    });

    test('instances of a custom class show their class and attributes, without the class being available', async () => {
      const v = await view('pickle:custom');
      assert.equal(
        v.body,
        "__main__.CachedUser(user_id=7,\n                    name='ann',\n                    roles=['ops'],\n                    last_login=datetime.datetime(2025, 10, 9, 8, 30, 15, 250000))",
      );
      assert.deepEqual(v.header.notes, []);
      assert.equal(
        (await view('pickle:custom_p0')).body,
        "__main__.CachedUser(user_id=8,\n                    name='bob',\n                    roles=[],\n                    last_login=datetime.datetime(2025, 10, 9, 8, 30, 15, 250000))",
      );
      assert.equal((await view('pickle:slots')).body, '__main__.Slotted(x=1, y=2)');
    });

    test("gzip'd JSON and zlib'd pickle are unwrapped, then decoded", async () => {
      const gz = await view('gzip:json');
      assert.deepEqual(gz.header.decoders, ['gzip', 'json']);
      assert.equal(gz.body, (await view('json:user')).body);
      const z = await view('zlib:pickle');
      assert.deepEqual(z.header.decoders, ['zlib', 'pickle']);
      assert.equal(z.body, (await view('pickle:dict')).body);
    });

    test('invalid UTF-8 is shown as hex, never as replacement characters; forcing text says it failed', async () => {
      const raw = await admin.getBuffer(P + 'raw:invalid_utf8');
      assert.ok(raw);
      const v = await view('raw:invalid_utf8');
      assert.deepEqual(v.header.decoders, ['hex']);
      assert.equal(v.body, hexDump(raw));
      const session = await ValueSession.open(reader, caps, k(P + 'raw:invalid_utf8'));
      const forced = session.render('text');
      assert.equal(forced.header.requested, 'text');
      assert.deepEqual(forced.header.decoders, ['hex']);
      assert.equal(forced.header.notes[0].code, 'DECODE_FAILED');
      assert.deepEqual(session.applicableDecoders(), ['hex']);
    });

    test('an empty string is an empty document with a note', async () => {
      const v = await view('raw:empty');
      assert.equal(v.body, '');
      assert.equal(v.header.size, 0);
      assert.deepEqual(codes(v), ['EMPTY']);
    });

    test('a hash with JSON, pickle, text and a binary field name: every value decoded like a string', async () => {
      const v = await view('hash:profile');
      assert.equal(v.header.type, 'hash');
      assert.equal(v.header.size, 4);
      assert.equal(v.header.pttl, -1);
      assert.deepEqual(v.header.decoders, ['pickle', 'json', 'text']);
      assert.deepEqual(codes(v), ['ELEMENTS_JSON']);
      assert.deepEqual(JSON.parse(v.body), {
        json: { a: 1 },
        pickle: { when: '2025-10-09T12:00:00' },
        "b'\\x00\\xfebin'": 'v',
        name: 'Zoé',
      });
    });

    test('a list of mixed values keeps its order', async () => {
      assert.deepEqual(await parsed('list:events'), [{ event: 'login' }, ['logout', 3], 'plain']);
    });
  });

  describe('values written from Node', () => {
    test('MessagePack bytes are decoded', async () => {
      await admin.set(k('mp:1'), Buffer.from(encode({ user: 42, tags: ['a', 'b'], ok: true })));
      const v = await readValue(reader, caps, k('mp:1'));
      assert.deepEqual(v.header.decoders, ['msgpack']);
      assert.deepEqual(JSON.parse(v.body), { user: 42, tags: ['a', 'b'], ok: true });
    });

    test('a binary key name reaches exactly its key, not the key its lossy UTF-8 decoding names', async () => {
      const binary = Buffer.from([0x6e, 0x3a, 0xff, 0xfe]);
      const lookalike = Buffer.from('n:\uFFFD\uFFFD', 'utf8');
      await admin.set(binary, 'binary one');
      await admin.set(lookalike, 'lookalike');
      assert.equal((await readValue(reader, caps, binary)).body, 'binary one');
      assert.equal((await readValue(reader, caps, lookalike)).body, 'lookalike');
      const v = await readValue(reader, caps, binary);
      assert.ok(v.header.key.equals(binary));
    });

    test('a key deleted before opening is KEY_NOT_FOUND', async () => {
      await admin.set('gone', 'x');
      await admin.del('gone');
      await assert.rejects(ValueSession.open(reader, caps, k('gone')), (err) => isNovaError(err, 'KEY_NOT_FOUND'));
    });

    test('a key deleted between two pages is KEY_NOT_FOUND on "load more"', async () => {
      const fields = Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat();
      await admin.hmset('vanishing', ...fields);
      const session = await ValueSession.open(reader, caps, k('vanishing'), { pageSize: 50 });
      assert.equal(session.canLoadMore, true);
      await admin.del('vanishing');
      await assert.rejects(session.loadMore(reader), (err) => isNovaError(err, 'KEY_NOT_FOUND'));
    });

    test('a key that changes type between pages is WRONG_TYPE on "load more"; opening it again reads the new type', async () => {
      const fields = Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat();
      await admin.hmset('shifty', ...fields);
      const session = await ValueSession.open(reader, caps, k('shifty'), { pageSize: 50 });
      await admin.del('shifty');
      await admin.set('shifty', '{"now":"a string"}');
      await assert.rejects(session.loadMore(reader), (err) => isNovaError(err, 'WRONG_TYPE') && err.args.actual === 'string' && err.args.expected === 'hash');
      const again = await readValue(reader, caps, k('shifty'));
      assert.equal(again.header.type, 'string');
      assert.deepEqual(JSON.parse(again.body), { now: 'a string' });

      await admin.set('shifty2', Buffer.alloc(3000, 0x61));
      const preview = await ValueSession.open(reader, caps, k('shifty2'), { previewThreshold: 1000, previewBytes: 1000 });
      assert.equal(preview.canLoadMore, true);
      await admin.del('shifty2');
      await admin.rpush('shifty2', 'a');
      await assert.rejects(preview.loadMore(reader), (err) => isNovaError(err, 'WRONG_TYPE') && err.args.actual === 'list');
    });

    test('a key flipping between hash and string while it is opened is always read as one consistent value', async () => {
      const text = '{"kind":"string"}';
      let flipping = true;
      const flipper = (async () => {
        for (let i = 0; flipping; i++) {
          await (i % 2 === 0 ? admin.multi().del('flip').set('flip', text) : admin.multi().del('flip').hmset('flip', 'kind', '"hash"')).exec();
        }
      })();
      let strings = 0;
      let hashes = 0;
      try {
        // At least 300 reads, and more on a loaded machine until both types were seen (the flipper may be starved).
        for (let i = 0; i < 300 || ((strings === 0 || hashes === 0) && i < 5000); i++) {
          let v: ValueView;
          try {
            v = await readValue(reader, caps, k('flip'));
          } catch (err) {
            // Three type changes in a row while opening: a coded error, never a misread.
            assert.ok(isNovaError(err, 'WRONG_TYPE') || isNovaError(err, 'KEY_NOT_FOUND'), String(err));
            continue;
          }
          if (v.header.type === 'string') {
            strings++;
            assert.equal(v.body, '{\n  "kind": "string"\n}');
          } else {
            hashes++;
            assert.equal(v.header.type, 'hash');
            // The field holds the JSON string "hash": shown as the string Redis stores, quotes included.
            assert.equal(v.body, '{\n  "kind": "\\"hash\\""\n}');
          }
        }
      } finally {
        flipping = false;
        await flipper;
      }
      assert.ok(strings > 0 && hashes > 0, `strings=${strings} hashes=${hashes}`);
    });

    test('a string above the preview size: preview first (GETRANGE), the whole value on request (GET)', async () => {
      const text = 'é'.repeat(1500) + 'END';
      await admin.set('long', text);
      await counter!.reset();
      const session = await ValueSession.open(reader, caps, k('long'), { previewThreshold: 1001, previewBytes: 1001 });
      const preview = session.render();
      assert.equal(preview.header.size, Buffer.byteLength(text));
      assert.equal(preview.header.loaded, 1001);
      assert.equal(preview.header.partial, true);
      assert.equal(preview.header.canLoadMore, true);
      // The cut fell inside a 2-byte character: the preview shows the 500 whole ones.
      assert.equal(preview.body, 'é'.repeat(500));
      const before = await counter!.calls();
      assert.equal(before.get('getrange'), 1);
      assert.equal(before.has('get'), false);
      await session.loadMore(reader);
      const full = session.render();
      assert.equal(full.header.loaded, Buffer.byteLength(text));
      assert.equal(full.header.partial, false);
      assert.equal(full.header.canLoadMore, false);
      assert.equal(full.body, text);
      assert.equal((await counter!.calls()).get('get'), 1);
    });

    test('a string between the preview size and the threshold is sized first, then read whole', async () => {
      const text = 'x'.repeat(5000);
      await admin.set('medium', text);
      await counter!.reset();
      const v = (await ValueSession.open(reader, caps, k('medium'), { previewThreshold: 10_000, previewBytes: 1000 })).render();
      assert.equal(v.header.partial, false);
      assert.equal(v.header.loaded, 5000);
      assert.equal(v.body, text);
      const sent = await counter!.calls();
      assert.equal(sent.get('getrange'), 1);
      assert.equal(sent.get('get'), 1);
    });

    test('a JSON preview is laid out as far as it goes, and is complete after "load all"', async () => {
      const doc = { items: Array.from({ length: 400 }, (_, i) => ({ id: i, label: `item ${i}` })) };
      await admin.set('json:big', JSON.stringify(doc));
      const session = await ValueSession.open(reader, caps, k('json:big'), { previewThreshold: 2000, previewBytes: 2000 });
      const preview = session.render();
      assert.deepEqual(preview.header.decoders, ['json']);
      assert.equal(preview.header.language, 'json');
      assert.ok(codes(preview).includes('JSON_INCOMPLETE'));
      assert.ok(JSON.stringify(doc, null, 2).startsWith(preview.body.slice(0, 500)));
      await session.loadMore(reader);
      const full = session.render();
      assert.deepEqual(full.header.notes, []);
      assert.equal(full.body, JSON.stringify(doc, null, 2));
    });

    test('hash, set, sorted set and list are read page by page until complete, without duplicates', async () => {
      const n = 5000;
      const fields: string[] = [];
      const members: string[] = [];
      const zargs: Array<string | number> = [];
      for (let i = 0; i < n; i++) {
        fields.push(`field:${i}`, JSON.stringify({ i }));
        members.push(`member:${i}`);
        zargs.push(n - i, `z:${i}`);
      }
      await admin.hmset('paged:hash', ...fields);
      await admin.sadd('paged:set', ...members);
      await admin.zadd('paged:zset', ...zargs);
      await admin.rpush('paged:list', ...members);

      const hash = await ValueSession.open(reader, caps, k('paged:hash'), { pageSize: 300 });
      assert.ok(hash.render().header.loaded < n);
      assert.ok((await loadEverything(reader, hash)) > 3);
      const h = hash.render();
      assert.equal(h.header.loaded, n);
      assert.equal(h.header.partial, false);
      const obj = JSON.parse(h.body) as Record<string, { i: number }>;
      assert.equal(Object.keys(obj).length, n);
      assert.deepEqual(obj['field:1234'], { i: 1234 });

      const set = await ValueSession.open(reader, caps, k('paged:set'), { pageSize: 300 });
      await loadEverything(reader, set);
      assert.deepEqual((JSON.parse(set.render().body) as string[]).sort(), [...members].sort());

      const zset = await ValueSession.open(reader, caps, k('paged:zset'), { pageSize: 300 });
      const firstPage = JSON.parse(zset.render().body) as Array<{ member: string; score: number }>;
      assert.equal(firstPage.length, 300);
      assert.deepEqual(firstPage[0], { member: `z:${n - 1}`, score: 1 });
      await loadEverything(reader, zset);
      const z = JSON.parse(zset.render().body) as Array<{ member: string; score: number }>;
      assert.equal(z.length, n);
      assert.deepEqual(
        z.map((e) => e.score),
        Array.from({ length: n }, (_, i) => i + 1),
      );

      const list = await ValueSession.open(reader, caps, k('paged:list'), { pageSize: 300 });
      await loadEverything(reader, list);
      assert.deepEqual(JSON.parse(list.render().body), members);
    });

    test('sorted-set scores: fractions, infinities', async () => {
      await admin.zadd('scores', 0.1, 'a', '-inf', 'low', '+inf', 'high', 2.5, 'b');
      const v = await readValue(reader, caps, k('scores'));
      assert.deepEqual(JSON.parse(v.body), [
        { member: 'low', score: '-inf' },
        { member: 'a', score: 0.1 },
        { member: 'b', score: 2.5 },
        { member: 'high', score: 'inf' },
      ]);
    });

    test('a forced decoder applies to every element; elements it cannot decode are counted', async () => {
      await admin.hmset('forced', 'a', '{"x":1}', 'b', 'not json', 'c', '[2]');
      const session = await ValueSession.open(reader, caps, k('forced'));
      const v = session.render('json');
      assert.deepEqual(JSON.parse(v.body), { a: { x: 1 }, b: 'not json', c: [2] });
      assert.deepEqual(v.header.notes, [{ code: 'ELEMENTS_UNDECODED', args: { count: 1, decoder: 'json' } }]);
      const hex = session.render('hex');
      assert.deepEqual(JSON.parse(hex.body), { a: '7b 22 78 22 3a 31 7d', b: '6e 6f 74 20 6a 73 6f 6e', c: '5b 32 5d' });
    });

    test('streams are read with XRANGE pages, each entry keyed by its ID', { skip: binaryAtLeast(5) ? false : 'streams need redis-server >= 5' }, async () => {
      const ids: string[] = [];
      for (let i = 0; i < 450; i++) {
        ids.push((await admin.xadd('events', '*', 'n', String(i), 'payload', i === 0 ? Buffer.from([0xff, 0x00]) : JSON.stringify({ i }))) as string);
      }
      const session = await ValueSession.open(reader, caps, k('events'), { pageSize: 200, loadMoreSize: 200 });
      const first = session.render();
      assert.equal(first.header.type, 'stream');
      assert.equal(first.header.size, 450);
      assert.equal(first.header.loaded, 200);
      assert.equal(await loadEverything(reader, session), 2);
      const all = JSON.parse(session.render().body) as Record<string, { n: string; payload: unknown }>;
      assert.deepEqual(Object.keys(all), ids);
      // Field values are the strings Redis stores: "449" is not the number 449; objects are decoded.
      assert.deepEqual(all[ids[0]], { n: '0', payload: "b'\\xff\\x00'" });
      assert.deepEqual(all[ids[449]], { n: '449', payload: { i: 449 } });
    });

    test('a type the viewer does not read is an "unsupported" result with its type', { skip: binaryAtLeast(5) ? false : 'needs a stream (redis-server >= 5)' }, async () => {
      await admin.xadd('stream:old', '*', 'a', '1');
      const v = await readValue(reader, REDIS_3_0_CAPS, k('stream:old'));
      assert.equal(v.header.type, 'stream');
      assert.equal(v.header.unsupported, true);
      assert.equal(v.header.size, undefined);
      assert.equal(v.body, '');
      assert.deepEqual(v.header.notes, [{ code: 'UNSUPPORTED_TYPE', args: { type: 'stream' } }]);
    });
  });
});

for (const scripting of [true, false]) {
  describe(`value readers on the Redis 3.0 path${scripting ? '' : ', EVAL refused'}`, () => {
    // The commands Redis 3.0 lacks are removed from this server: sending one would fail the read.
    // Without EVAL (renamed away, as some hosts do), pages come from the plain commands.
    // Only those this server has: redis-server refuses to rename a command it does not have.
    const since: Array<[string[], number, number]> = [
      [['TOUCH', 'HSTRLEN'], 3, 2],
      [['MEMORY', 'UNLINK'], 4, 0],
      [['XLEN', 'XRANGE', 'XREVRANGE'], 5, 0],
      [['LPOS'], 6, 2],
      [['GETEX', 'GETDEL', 'COPY'], 6, 2],
    ];
    const missingOn30 = since.filter(([, major, minor]) => binaryAtLeast(major, minor)).flatMap(([names]) => names);
    const renamed = [...missingOn30, ...(scripting ? [] : ['EVAL'])];
    let server: RedisServer;
    let admin: Redis;
    let reader: Redis;
    let counter: CommandCounter | undefined;

    before(async () => {
      const args = renamed.flatMap((name) => ['--rename-command', name, '']);
      ({ server, admin, reader } = await startWithReader({ args }));
      counter = await CommandCounter.open(server);
    });
    after(async () => {
      counter?.dispose();
      await stopWithClients(server, admin, reader);
    });

    test('every reader, first page and the next ones, only sends commands Redis 3.0 has', async () => {
      await admin.set('s:small', '{"a":1}');
      await admin.set('s:big', Buffer.alloc(5000, 0x62));
      // Above 512 fields, so the hash is a hashtable and HSCAN pages it.
      await admin.hmset('h', ...Array.from({ length: 1000 }, (_, i) => [`f${i}`, `${i}`]).flat());
      await admin.sadd('st', ...Array.from({ length: 400 }, (_, i) => `m${i}`));
      await admin.zadd('z', ...Array.from({ length: 400 }, (_, i) => [i, `m${i}`]).flat());
      await admin.rpush('l', ...Array.from({ length: 400 }, (_, i) => `e${i}`));
      if (binaryAtLeast(5)) {
        await admin.xadd('x', '*', 'a', '1');
      }
      await counter!.reset();

      const keys = ['s:small', 's:big', 'h', 'st', 'z', 'l', ...(binaryAtLeast(5) ? ['x'] : [])];
      const expectedSizes: Record<string, number> = { h: 1000, st: 400, z: 400, l: 400 };
      for (const name of keys) {
        const session = await ValueSession.open(reader, REDIS_3_0_CAPS, k(name), { previewThreshold: 1000, previewBytes: 1000, pageSize: 100, loadMoreSize: 100 });
        const pages = await loadEverything(reader, session);
        const v = session.render();
        assert.equal(v.header.partial, false, name);
        if (name in expectedSizes) {
          assert.equal(v.header.loaded, expectedSizes[name], name);
          assert.ok(pages >= 3, `${name} was read in pages (${pages + 1})`);
        }
      }

      const calls = await counter!.calls();
      const allowed = new Set(['type', 'pttl', 'strlen', 'getrange', 'get', 'hlen', 'hscan', 'scard', 'sscan', 'zcard', 'zrange', 'zrevrange', 'llen', 'lrange', 'multi', 'exec', 'info', 'config', 'config|resetstat', ...(scripting ? ['eval'] : [])]);
      const sent = [...calls.keys()];
      assert.deepEqual(
        sent.filter((name) => !allowed.has(name)),
        [],
        `commands outside the Redis 3.0 set: ${sent.join(', ')}`,
      );
      assert.equal(calls.has('eval'), scripting, `pages through the script only where EVAL exists: ${JSON.stringify([...calls])}`);
    });

    test('a sorted set read highest score first pages down from the top, and its header says so', async () => {
      await admin.zadd('board', ...Array.from({ length: 250 }, (_, i) => [i, `p${i}`]).flat());
      const session = await ValueSession.open(reader, REDIS_3_0_CAPS, k('board'), { pageSize: 100, loadMoreSize: 100, zsetOrder: 'highestFirst' });
      const first = session.render();
      assert.equal(first.header.order, 'highestFirst');
      const top = JSON.parse(first.body) as Array<{ member: string; score: number }>;
      assert.deepEqual(top.slice(0, 2), [{ member: 'p249', score: 249 }, { member: 'p248', score: 248 }]);
      assert.ok(top.length < 250, 'the first page is not the whole set');
      await loadEverything(reader, session);
      const all = JSON.parse(session.render().body) as Array<{ member: string; score: number }>;
      assert.deepEqual(
        all.map((e) => e.score),
        Array.from({ length: 250 }, (_, i) => 249 - i),
      );
      const lowest = await ValueSession.open(reader, REDIS_3_0_CAPS, k('board'), { pageSize: 100 });
      assert.equal(lowest.render().header.order, 'lowestFirst');
      assert.deepEqual((JSON.parse(lowest.render().body) as Array<{ score: number }>)[0], { member: 'p0', score: 0 });
      // Only sorted sets have an order to state.
      await admin.rpush('board:list', 'a', 'b');
      assert.equal((await ValueSession.open(reader, REDIS_3_0_CAPS, k('board:list'), { zsetOrder: 'highestFirst' })).render().header.order, undefined);
    });
  });
}
