/**
 * Export → flush → import against a real redis-server: every key comes back byte for byte, with its
 * type, members and TTL; "skip" never replaces a key and "overwrite" does; no staging key is left.
 * The Python fixture, run by the real redis-py, recreates the same keys.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { serverInfoFromInfo, type Capabilities, type ServerInfo } from '../../src/redis/capabilities';
import { isNovaError } from '../../src/redis/errors';
import {
  exportHeader,
  fixtureEnd,
  fixtureRecord,
  fixtureStart,
  headerLine,
  importRecord,
  parseHeader,
  parseRecord,
  readRecords,
  recordLine,
  type ExportRecord,
} from '../../src/redis/transfer';
import { startWithReader, stopWithClients } from '../support/clients';
import { disableCommandsArgs } from '../support/serverTraits';
import { PYTHON, pythonUnavailableReason } from '../support/pySeed';
import type { RedisServer } from '../support/redisServer';

let server: RedisServer;
let admin: Redis;
let info: ServerInfo;
let caps: Capabilities;

before(async () => {
  ({ server, reader: admin } = await startWithReader());
  info = serverInfoFromInfo(await admin.info('server'));
  caps = info.caps;
});

after(async () => {
  await stopWithClients(server, admin);
});

const b = (t: string): Buffer => Buffer.from(t, 'utf8');
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A DB with every type, small and large (the chunked read paths), binary names and values, TTLs. */
async function seed(): Promise<void> {
  await admin.flushdb();
  const p = admin.pipeline();
  p.set('nova:cache:user:42', JSON.stringify({ id: 42, name: 'Zoé', roles: ['admin'] }), 'EX', 3600);
  p.set(Buffer.from([0x6e, 0x6f, 0x76, 0x61, 0x3a, 0x00, 0xff, 0x0a]), Buffer.from([0x80, 0x04, 0x00, 0xfe, 0x0d, 0x0a]));
  p.set('empty', '');
  p.set('big:string', 'x'.repeat(2 * 1024 * 1024 + 3), 'PX', 900_000);
  p.set('{tag}:tagged', 'in a hash tag');
  p.hmset('h:small', 'f1', 'v1', Buffer.from([0x00, 0x01]), Buffer.from([0xff]));
  p.hmset('h:big', ...range(1500).flatMap((i) => [`field${i}`, `value${i}`]));
  p.pexpire('h:big', 120_000);
  p.rpush('l:small', 'a', 'b', 'a', '');
  p.rpush('l:big', ...range(2500).map((i) => `item${i}`));
  p.sadd('s:small', 'x', 'y', Buffer.from([0x00]));
  p.sadd('s:big', ...range(1200).map((i) => `m${i}`));
  p.zadd('z:small', '1.5', 'a', '-inf', 'low', 'inf', 'high', '0.1', 'tenth');
  p.zadd('z:big', ...range(1100).flatMap((i) => [String(i), `p${i}`]));
  await p.exec();
  if (caps.streams) {
    await admin.xadd('x:small', '1-1', 'f', 'v', 'g', Buffer.from([0x00, 0xfe]));
    const xp = admin.pipeline();
    for (const i of range(1200)) {
      xp.xadd('x:big', `${i + 1}-0`, 'n', String(i));
    }
    await xp.exec();
  }
}

async function allKeys(client: Redis): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let cursor = '0';
  do {
    const [next, page] = (await client.callBuffer('SCAN', cursor, 'COUNT', '1000')) as [Buffer, Buffer[]];
    cursor = next.toString();
    out.push(...page);
  } while (cursor !== '0');
  return out;
}

/** What the server holds, in a form to compare: hex everywhere, sets sorted, TTL kept apart. */
async function snapshot(client: Redis): Promise<Map<string, { type: string; value: unknown; pttl: number }>> {
  const out = new Map<string, { type: string; value: unknown; pttl: number }>();
  const hex = (x: Buffer): string => x.toString('hex');
  for (const key of await allKeys(client)) {
    const type = String(await client.type(key));
    let value: unknown;
    switch (type) {
      case 'string':
        value = hex((await client.getBuffer(key)) ?? Buffer.alloc(0));
        break;
      case 'hash':
        value = ((await client.callBuffer('HGETALL', key)) as Buffer[]).map(hex).reduce<string[]>((acc, x, i, all) => (i % 2 === 0 ? [...acc, `${x}=${all[i + 1]}`] : acc), []).sort();
        break;
      case 'list':
        value = ((await client.callBuffer('LRANGE', key, '0', '-1')) as Buffer[]).map(hex);
        break;
      case 'set':
        value = ((await client.callBuffer('SMEMBERS', key)) as Buffer[]).map(hex).sort();
        break;
      case 'zset':
        value = ((await client.callBuffer('ZRANGE', key, '0', '-1', 'WITHSCORES')) as Buffer[]).map((x, i) => (i % 2 === 0 ? hex(x) : x.toString()));
        break;
      case 'stream':
        value = ((await client.callBuffer('XRANGE', key, '-', '+')) as Array<[Buffer, Buffer[]]>).map(([id, f]) => [id.toString(), f.map(hex)]);
        break;
    }
    out.set(hex(key), { type, value, pttl: Number(await client.pttl(key)) });
  }
  return out;
}

async function exportAll(client: Redis, script = true): Promise<string[]> {
  const keys = await allKeys(client);
  const lines = [headerLine(exportHeader(info, 1, 'DB 1'))];
  for (let i = 0; i < keys.length; i += 100) {
    const { records, skipped } = await readRecords(client, caps, keys.slice(i, i + 100), { script });
    assert.deepEqual(skipped, [], 'every seeded type is exported');
    lines.push(...records.map((r) => recordLine(r)));
  }
  return lines;
}

function parseAll(lines: string[]): ExportRecord[] {
  parseHeader(lines[0]);
  return lines.slice(1).map((l, i) => parseRecord(l, i + 2));
}

function assertSameData(before: Awaited<ReturnType<typeof snapshot>>, now: Awaited<ReturnType<typeof snapshot>>): void {
  assert.deepEqual([...now.keys()].sort(), [...before.keys()].sort(), 'the same key names, byte for byte');
  for (const [key, was] of before) {
    const is = now.get(key);
    assert.ok(is);
    assert.equal(is.type, was.type, `type of ${key}`);
    assert.deepEqual(is.value, was.value, `value of ${key}`);
    if (was.pttl < 0) {
      assert.equal(is.pttl, -1, `${key} stays without expiry`);
    } else {
      assert.ok(is.pttl > 0 && is.pttl <= was.pttl && was.pttl - is.pttl < 10_000, `TTL of ${key}: ${is.pttl} ms after ${was.pttl} ms`);
    }
  }
}

describe('NDJSON export and import', () => {
  test('export → flush → import (skip) restores every key, type, member and TTL', async (t) => {
    await seed();
    if (!caps.streams) {
      t.diagnostic(`streams not seeded: ${info.version} has none`);
    }
    const before = await snapshot(admin);
    const lines = await exportAll(admin);
    assert.equal(lines.length - 1, before.size, 'one line per key');
    const json = lines.find((l) => l.includes('"nova:cache:user:42"'));
    assert.ok(json, 'a UTF-8 key is written as text');
    const parsed = JSON.parse(json) as { decoder: string; decoded: { name: string } };
    assert.equal(parsed.decoder, 'json');
    assert.equal(parsed.decoded.name, 'Zoé', 'the readable column shows the JSON value');
    assert.ok(lines.some((l) => l.includes('"key_b64":"bm92YToA/wo="')), 'a binary key is written as base64');

    await admin.flushdb();
    const records = parseAll(lines);
    const outcomes = [];
    for (const r of records) {
      outcomes.push(await importRecord(admin, caps, r, 'skip'));
    }
    assert.ok(outcomes.every((o) => o === 'created'));
    assertSameData(before, await snapshot(admin));
  });

  test('without scripting (as on a cluster, or EVAL renamed away) the same data goes through', async () => {
    await seed();
    const before = await snapshot(admin);
    const withScript = await exportAll(admin);
    const withPipelines = await exportAll(admin, false);
    // Member order may differ between reads; the lines hold the same keys.
    const names = (lines: string[]): string[] => lines.slice(1).map((l) => parseRecord(l, 2).key.toString('hex')).sort();
    assert.deepEqual(names(withPipelines), names(withScript));
    const noEval = await startWithReader({ args: await disableCommandsArgs(['EVAL']) });
    try {
      for (const line of withPipelines.slice(1)) {
        assert.equal(await importRecord(noEval.reader, caps, parseRecord(line, 2), 'skip'), 'created');
      }
      assertSameData(before, await snapshot(noEval.reader));
      // Read back where EVAL is refused: the export falls back to pipelines and loses nothing.
      const again = await exportAll(noEval.reader);
      await admin.flushdb();
      for (const r of parseAll(again)) {
        await importRecord(admin, caps, r, 'skip');
      }
      assertSameData(before, await snapshot(admin));
    } finally {
      await stopWithClients(noEval.server, noEval.reader);
    }
  });

  test('skip leaves an existing key alone, overwrite replaces it; no staging key is left', async () => {
    await seed();
    const lines = await exportAll(admin);
    const records = parseAll(lines);
    const user = records.find((r) => r.key.equals(b('nova:cache:user:42')));
    const tagged = records.find((r) => r.key.equals(b('{tag}:tagged')));
    assert.ok(user && tagged);
    await admin.set('nova:cache:user:42', 'changed by the backend');
    await admin.set('{tag}:tagged', 'changed too');
    assert.equal(await importRecord(admin, caps, user, 'skip'), 'skipped');
    assert.equal(await admin.get('nova:cache:user:42'), 'changed by the backend');
    assert.equal(await admin.pttl('nova:cache:user:42'), -1, 'its TTL is not touched either');
    assert.equal(await importRecord(admin, caps, user, 'overwrite'), 'overwritten');
    assert.equal(await admin.get('nova:cache:user:42'), JSON.stringify({ id: 42, name: 'Zoé', roles: ['admin'] }));
    assert.ok(Number(await admin.pttl('nova:cache:user:42')) > 3_590_000, 'and the exported TTL with it');
    assert.equal(await importRecord(admin, caps, tagged, 'overwrite'), 'overwritten');
    assert.equal(await admin.get('{tag}:tagged'), 'in a hash tag');
    const left = (await allKeys(admin)).filter((k) => k.includes(b(':nova-import:')));
    assert.deepEqual(left, [], 'no staging key remains');
  });

  test('a malformed line is refused with its line number, before anything of it is written', () => {
    const good = recordLine({ type: 'string', key: b('k'), value: b('v'), ttlMs: null });
    assert.doesNotThrow(() => parseRecord(good, 2));
    const bad = [
      '{"key":"k","type":"string","ttl_ms":null,"raw":"not base64!"}',
      '{"key":"k","type":"nope","ttl_ms":null,"raw":"dg=="}',
      '{"key":"k","type":"zset","ttl_ms":null,"raw":[["dg==","NaN"]]}',
      '{"key":"k","type":"string","ttl_ms":-5,"raw":"dg=="}',
      '{"type":"string","ttl_ms":null,"raw":"dg=="}',
      'not json',
    ];
    for (const line of bad) {
      assert.throws(() => parseRecord(line, 7), (err: unknown) => isNovaError(err, 'IMPORT_INVALID') && err.args.line === 7, line);
    }
    assert.throws(() => parseHeader('{"format":"something else"}'), (err: unknown) => isNovaError(err, 'IMPORT_INVALID'));
  });

  test('the Python fixture, run by redis-py, recreates the same keys', async (t) => {
    const reason = pythonUnavailableReason();
    if (reason) {
      t.skip(reason);
      return;
    }
    await seed();
    const before = await snapshot(admin);
    const records = parseAll(await exportAll(admin));
    const header = exportHeader(info, 1, 'DB 1');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nova-fixture-'));
    try {
      writeFileSync(path.join(dir, 'nova_fixture.py'), [fixtureStart(header), ...records.map(fixtureRecord), fixtureEnd()].join('\n'));
      await admin.flushdb();
      const script = `import sys, redis\nsys.path.insert(0, ${JSON.stringify(dir)})\nimport nova_fixture\nr = redis.Redis(host=${JSON.stringify(server.host)}, port=${server.port}, db=1)\nprint(len(nova_fixture.load_cache(r)))\n`;
      const out = await new Promise<string>((resolve, reject) => {
        execFile(PYTHON, ['-c', script], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)));
      });
      assert.equal(Number(out.trim()), before.size, 'load_cache returns the keys it wrote');
      assertSameData(before, await snapshot(admin));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
