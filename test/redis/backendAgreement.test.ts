/**
 * Where NOVA's backend (redis-py) fails, the extension must not look healthy. These cases are
 * checked with the real redis-py against the same real server the extension connects to.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ConnectionManager } from '../../src/connection/connectionManager';
import { parseRedisUrl } from '../../src/redis/url';
import { PythonOracles } from '../support/pythonOracle';
import { RedisServer, binaryVersion, waitFor } from '../support/redisServer';

type PingResult = { ok: true } | { error: string };

const redisPy = new PythonOracles<PingResult>({
  script: resolve(__dirname, '../fixtures/url/redis_py_ping.py'),
  module: 'redis',
  requestKey: 'urls',
  library: 'redis-py',
  installHint: 'CI installs python3-redis',
});

describe('the extension warns where the backend fails', () => {
  redisPy.reportAvailability((oracle) => `redis-py ${oracle.version} from ${oracle.interpreter}: ${oracle.module}`);

  test('a password in REDIS_URL against a server without one: redis-py fails, the state says so', async (t) => {
    const server = await RedisServer.start();
    const url = server.url(1, 'unneeded-password');
    const m = new ConnectionManager({ connectTimeoutMs: 2000, commandTimeoutMs: 2000, heartbeatMs: 1000 });
    try {
      m.configure(parseRedisUrl(url), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected');
      const s = m.state;
      assert.ok(s.kind === 'connected' && s.authNotNeeded, 'the connected state carries the warning');
      if (redisPy.oracles.length === 0) {
        t.skip(`redis-py not importable, backend behaviour NOT checked: ${redisPy.unavailable.join('; ')}`);
        return;
      }
      redisPy.runAll([url, server.url(1, undefined)]);
      for (const oracle of redisPy.oracles) {
        const withPassword = redisPy.result(oracle, 0);
        t.diagnostic(`redis-py ${oracle.version} on Redis ${binaryVersion().join('.')}: ${JSON.stringify(withPassword)}`);
        assert.ok(withPassword && 'error' in withPassword, 'redis-py fails with the unneeded password');
        assert.deepEqual(redisPy.result(oracle, 1), { ok: true }, 'and connects without it');
      }
    } finally {
      m.dispose();
      await server.stop();
    }
  });
});
