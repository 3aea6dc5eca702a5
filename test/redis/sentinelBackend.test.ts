/**
 * The README's redis-py Sentinel set-up for the backend and the matching redis+sentinel:// URL reach
 * the same master and the same DB: Debian's python3-redis writes a key through `master_for`, the
 * extension's connection reads it back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { openTarget } from '../../src/redis/topology';
import { parseRedisUrl } from '../../src/redis/url';
import { PYTHON, pythonUnavailableReason } from '../support/pySeed';
import { TestSentinelSet, SERVICE_NAME, sentinelPasswordSupported } from '../support/sentinel';

const SCRIPT = path.join(__dirname, '..', 'support', 'sentinel_backend.py');

function runBackend(args: Record<string, unknown>): Promise<{ master: string }> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, JSON.stringify(args)], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`sentinel_backend.py failed: ${stderr || err.message}`));
        return;
      }
      resolve(JSON.parse(stdout) as { master: string });
    });
  });
}

describe('the backend (redis-py Sentinel) and the extension (redis+sentinel://) agree', { skip: pythonUnavailableReason() }, () => {
  let set: TestSentinelSet | undefined;
  const withSentinelPassword = sentinelPasswordSupported();

  before(async () => {
    set = await TestSentinelSet.start({ password: 'master-pw', ...(withSentinelPassword ? { sentinelPassword: 'sentinel-pw' } : {}) });
  });

  after(async () => {
    await set?.stop();
  });

  test('same master, same DB', async (t) => {
    if (!withSentinelPassword) {
      t.diagnostic('this server version has no Sentinel requirepass: checked without sentinel_password');
    }
    const py = await runBackend({
      sentinels: set!.sentinels.map((s) => [s.host, s.port]),
      service: SERVICE_NAME,
      password: 'master-pw',
      sentinel_password: withSentinelPassword ? 'sentinel-pw' : undefined,
      db: 1,
      key: 'backend:wrote',
      value: 'through master_for',
    });
    const o = await openTarget(parseRedisUrl(set!.url(1)), { connectTimeoutMs: 3000, commandTimeoutMs: 3000, clientName: 'nova-sentinel-py' });
    try {
      assert.equal(o.kind, 'sentinel');
      if (o.kind !== 'sentinel') {
        return;
      }
      assert.equal(o.master.address, py.master);
      assert.equal(await o.client.get('backend:wrote'), 'through master_for');
    } finally {
      if (o.kind !== 'cluster') {
        o.client.disconnect();
      }
    }
  });
});
