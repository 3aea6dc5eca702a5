/**
 * Values written by the real Python cache frameworks (cachelib / Flask-Caching, django-redis with
 * its serializers and compressors, RQ, Celery) into a real redis-server, read through the real
 * readers: the wrapping is removed and the header names the framework. A framework the machine
 * lacks is skipped with the reason (Debian: python3-cachelib python3-django-redis python3-rq
 * python3-celery python3-msgpack).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type Redis from 'ioredis';
import { readValue, type ValueView } from '../../src/redis/values';
import { serverInfoFromInfo, type Capabilities } from '../../src/redis/capabilities';
import type { RedisServer } from '../support/redisServer';
import { startWithReader, stopWithClients } from '../support/clients';
import { PYTHON, pythonUnavailableReason } from '../support/pySeed';

const DB = 1;
const USER = "{'id': 42,\n 'name': 'Zoé',\n 'roles': ('admin', 'editor'),\n 'when': datetime.datetime(2025, 10, 9, 12, 0)}";

describe('values written by Python cache frameworks', { skip: pythonUnavailableReason() }, () => {
  let server: RedisServer;
  let admin: Redis;
  let reader: Redis;
  let caps: Capabilities;
  let written: Record<string, string> = {};
  let missing: Record<string, string> = {};

  before(async () => {
    ({ server, admin, reader } = await startWithReader({}, DB));
    caps = serverInfoFromInfo(await reader.info('server')).caps;
    const out = execFileSync(PYTHON, [path.join(__dirname, '../support/seed_frameworks.py'), server.host, String(server.port), String(DB)], { encoding: 'utf8', timeout: 120_000 });
    ({ written, missing } = JSON.parse(out) as { written: Record<string, string>; missing: Record<string, string> });
  });
  after(() => stopWithClients(server, admin, reader));

  /** The view of what `name` wrote, or a skip saying why that framework did not run. */
  const viewOf = async (t: { skip: (reason: string) => void }, name: string): Promise<ValueView | undefined> => {
    const key = written[name];
    if (key === undefined) {
      t.skip(`${name} not written: ${missing[name] ?? missing[name.split('_')[0]] ?? 'unknown reason'}`);
      return undefined;
    }
    return readValue(reader, caps, Buffer.from(key));
  };

  test('cachelib / Flask-Caching: `!` + pickle is unwrapped and named', async (t) => {
    const v = await viewOf(t, 'cachelib');
    if (!v) {
      return;
    }
    assert.equal(v.header.framework, 'cachelib');
    assert.deepEqual(v.header.decoders, ['pickle']);
    assert.equal(v.header.language, 'python');
    assert.equal(v.body, USER);
    const n = await viewOf(t, 'cachelib_int');
    assert.equal(n?.body, '42');
  });

  test('django-redis: the key format and its version are shown, the pickle decoded', async (t) => {
    const v = await viewOf(t, 'django');
    if (!v) {
      return;
    }
    assert.equal(v.header.framework, 'django');
    assert.deepEqual(v.header.notes, [
      { code: 'FRAMEWORK', args: { framework: 'Django' } },
      { code: 'DJANGO_KEY', args: { prefix: '', version: 1, key: 'user:42' } },
    ]);
    assert.equal(v.body, USER);
    // Django stores integers raw, as digits.
    assert.equal((await viewOf(t, 'django_int'))?.body, '42');
  });

  test('django-redis compressors and serializers: zlib and msgpack decoded, JSON laid out, lzma named', async (t) => {
    const rows = Array.from({ length: 50 }, (_, i) => `row ${i}`);
    const zlibbed = await viewOf(t, 'django_zlib');
    if (zlibbed) {
      assert.deepEqual(zlibbed.header.decoders, ['zlib', 'pickle']);
      assert.equal(zlibbed.header.framework, 'django');
      assert.ok(zlibbed.body.startsWith("{'rows': ['row 0',\n          'row 1',"), zlibbed.body.slice(0, 80));
    }
    const json = await viewOf(t, 'django_json');
    if (json) {
      assert.deepEqual(json.header.decoders, ['json']);
      assert.deepEqual(JSON.parse(json.body), { rows });
    }
    const msgpack = await viewOf(t, 'django_msgpack');
    if (msgpack) {
      assert.deepEqual(msgpack.header.decoders, ['msgpack']);
      assert.equal(msgpack.header.framework, 'django');
      assert.deepEqual(JSON.parse(msgpack.body), { rows });
    }
    const lzma = await viewOf(t, 'django_lzma');
    if (lzma) {
      assert.deepEqual(lzma.header.decoders, ['hex']);
      assert.ok(lzma.header.notes.some((n) => n.code === 'COMPRESSED_UNSUPPORTED' && n.args?.format === 'xz (lzma)'), JSON.stringify(lzma.header.notes));
    }
  });

  test('RQ: the job hash is named, its zlib-compressed pickled call decoded', async (t) => {
    const v = await viewOf(t, 'rq');
    if (!v) {
      return;
    }
    assert.equal(v.header.type, 'hash');
    assert.equal(v.header.framework, 'rq');
    const job = JSON.parse(v.body) as Record<string, unknown>;
    assert.deepEqual(job.data, ['os.path.join', null, ['a', 'b'], {}]);
    assert.equal(job.status, 'queued');
    assert.ok(v.header.decoders.includes('zlib') && v.header.decoders.includes('pickle'));
  });

  test('Celery: the result document is named and laid out', async (t) => {
    const v = await viewOf(t, 'celery');
    if (!v) {
      return;
    }
    assert.equal(v.header.framework, 'celery');
    const meta = JSON.parse(v.body) as Record<string, unknown>;
    assert.equal(meta.status, 'SUCCESS');
    assert.deepEqual(meta.result, { ok: true, rows: 3 });
    assert.equal(meta.task_id, '3f1d2c4b-task');
  });
});
