/**
 * Values a cache can hold that are small or plausible on the wire and enormous, deep or slow once
 * decoded. Generated here (not stored as fixtures) so each is documented next to the bytes that make
 * it. Each names the note the viewer must show instead of exhausting the heap or freezing.
 */
import zlib from 'node:zlib';

export interface HostileCase {
  name: string;
  /** Why it is hostile. */
  what: string;
  bytes: () => Buffer;
  /** Note codes the decoded document must carry (all of them). */
  notes: string[];
  /** Render with this decoder (View Value As). */
  decoder?: 'json';
  /** A deadline shorter than the default, for the case that must hit it on any machine. */
  deadlineMs?: number;
}

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** BINPUT n / BINGET n for memo slots below 256, LONG_BINPUT / LONG_BINGET above. */
function put(n: number): Buffer {
  return n < 256 ? Buffer.from([0x71, n]) : Buffer.concat([Buffer.from([0x72]), u32(n)]);
}
function get(n: number): Buffer {
  return n < 256 ? Buffer.from([0x68, n]) : Buffer.concat([Buffer.from([0x6a]), u32(n)]);
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** t0 = (); t(i) = (t(i-1), t(i-1)); then {t(levels): 1}: a dict key whose repr doubles at each level. */
function doublingTupleKey(levels: number): Buffer {
  const parts = [hex('8002'), hex('7d'), hex('29'), put(0), hex('30')];
  for (let i = 1; i <= levels; i++) {
    parts.push(get(i - 1), get(i - 1), hex('86'), put(i), hex('30'));
  }
  parts.push(get(levels), hex('4b01'), hex('73'), Buffer.from('.'));
  return Buffer.concat(parts);
}

/** l0 = []; l(i) = [l(i-1), l(i-1)]: 2^levels list nodes once expanded. */
function doublingLists(levels: number): Buffer {
  const parts = [hex('80025d'), put(0), hex('30')];
  for (let i = 1; i <= levels; i++) {
    parts.push(hex('28'), get(i - 1), get(i - 1), hex('6c'), put(i), i < levels ? hex('30') : Buffer.alloc(0));
  }
  parts.push(Buffer.from('.'));
  return Buffer.concat(parts);
}

/** One 100 KB string referenced from a list 20,000 times: 2 GB of output from 160 KB. */
function sharedString(): Buffer {
  const text = Buffer.alloc(100_000, 0x61);
  const refs = Buffer.concat(Array.from({ length: 20_000 }, () => get(0)));
  return Buffer.concat([hex('800258'), u32(text.length), text, put(0), hex('30'), hex('5d28'), refs, hex('65'), Buffer.from('.')]);
}

/** A list of a million small ints: real work, for the deadline case. */
function millionInts(): Buffer {
  const items = Buffer.alloc(2 * 1_000_000);
  for (let i = 0; i < 1_000_000; i++) {
    items[2 * i] = 0x4b;
    items[2 * i + 1] = i & 0xff;
  }
  return Buffer.concat([hex('80025d28'), items, hex('65'), Buffer.from('.')]);
}

export const HOSTILE_CASES: HostileCase[] = [
  {
    name: 'pickle-doubling-tuple-key',
    what: 'a 330-byte pickle whose dict key is a tuple that doubles 40 times through memo references',
    bytes: () => doublingTupleKey(40),
    notes: ['RENDER_LIMIT'],
  },
  {
    name: 'pickle-doubling-tuple-key-as-json',
    what: 'the same, rendered with View Value As → JSON (the key becomes its repr)',
    bytes: () => doublingTupleKey(40),
    notes: ['RENDER_LIMIT'],
    decoder: 'json',
  },
  {
    name: 'pickle-doubling-lists',
    what: '~1 KB pickle of lists that reference the previous one twice, 100 levels',
    bytes: () => doublingLists(100),
    notes: ['RENDER_LIMIT'],
  },
  {
    name: 'pickle-shared-string',
    what: 'a 100 KB string referenced 20,000 times',
    bytes: sharedString,
    notes: ['RENDER_LIMIT'],
  },
  {
    name: 'pickle-deep',
    what: '100,000 nested lists',
    bytes: () => Buffer.concat([hex('8002'), Buffer.alloc(100_000, 0x28), hex('5d'), Buffer.alloc(100_000, 0x6c), Buffer.from('.')]),
    notes: ['DEPTH_LIMIT'],
  },
  {
    name: 'pickle-million-ints-deadline',
    what: 'a million ints rendered under a 1 ms deadline',
    bytes: millionInts,
    notes: ['DECODE_TIMEOUT'],
    deadlineMs: 1,
  },
  {
    name: 'pickle-mark-flood',
    what: '2,000,000 MARK opcodes and no STOP',
    bytes: () => Buffer.concat([hex('8002'), Buffer.alloc(2_000_000, 0x28)]),
    notes: [],
  },
  {
    name: 'json-deep',
    what: 'a 200 KB JSON array nested 100,000 deep',
    bytes: () => Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)),
    notes: ['JSON_TOO_DEEP'],
  },
  {
    name: 'json-deep-and-wide',
    what: '999 levels of arrays around 200,000 items: each line would be indented by 2,000 spaces',
    bytes: () => Buffer.from('['.repeat(999) + Array.from({ length: 200_000 }, () => '1').join(',') + ']'.repeat(999)),
    notes: ['JSON_TOO_LARGE'],
  },
  {
    name: 'gzip-bomb',
    what: '1 GB of zeros gzip-compressed to about 1 MB',
    bytes: () => zlib.gzipSync(Buffer.alloc(1024 * 1024 * 1024), { level: 9 }),
    notes: ['INFLATE_LIMIT'],
  },
  {
    name: 'msgpack-deep',
    what: '100,000 nested one-element MessagePack arrays',
    bytes: () => Buffer.concat([Buffer.alloc(100_000, 0x91), hex('c0')]),
    notes: [],
  },
  {
    name: 'msgpack-huge-array-header',
    what: 'an array header claiming 4 billion elements',
    bytes: () => hex('ddffffffff00'),
    notes: [],
  },
];
