/**
 * `npm start -- --cluster` for real (scripts/start.ts --no-browser --cluster as a child process): three
 * masters on loopback ports form one cluster with every slot served, the sample data is in DB 0 spread
 * over the masters, the workspace .env points at one of them with /0, the extension connects to it as a
 * cluster, and Ctrl+C leaves nothing behind (ports, processes, temporary folder).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Redis from 'ioredis';
import { ConnectionManager } from '../../src/connection/connectionManager';
import { readValue } from '../../src/redis/values';
import { serverInfoFromInfo } from '../../src/redis/capabilities';
import { parseRedisUrl } from '../../src/redis/url';
import { READY_TIMEOUT_MS, StartRun, assertNothingLeft, descendants, sandboxClient } from '../support/startRun';
import { waitFor } from '../support/redisServer';

describe('npm start -- --cluster', () => {
  let run: StartRun;
  let seedPort: number;
  let ports: number[];
  let codeServerPort: number;
  let workspace: string;
  let pids: number[];
  let nodes: Redis[] = [];

  before(
    async () => {
      run = new StartRun(['--no-browser', '--cluster', '--keys', '2000']);
      const ready = await run.waitForOutput(/^NOVA Redis is ready: (\S+)$/m, READY_TIMEOUT_MS);
      const url = new URL(ready[1]);
      codeServerPort = Number(url.port);
      workspace = url.searchParams.get('folder') ?? '';
      seedPort = Number((await run.waitForOutput(/^ {2}Redis: +redis:\/\/127\.0\.0\.1:(\d+)\/0 +\(redis-cli -c -p \1\)$/m, 1000))[1]);
      const line = await run.waitForOutput(/^\[nova\] Redis Cluster of 3 masters \(redis-server \S+\) on 127\.0\.0\.1 ports (\d+), (\d+), (\d+) /m, 1000);
      ports = [Number(line[1]), Number(line[2]), Number(line[3])];
      pids = descendants(run.child.pid as number);
      nodes = ports.map((p) => sandboxClient(p, 0));
    },
    { timeout: READY_TIMEOUT_MS + 30_000 },
  );

  after(async () => {
    for (const n of nodes) {
      n.disconnect();
    }
    await run?.stop();
  });

  test('three masters serve every slot; the sample keys are spread over them, and the sum is what it printed', async () => {
    assert.ok(ports.includes(seedPort));
    for (const n of nodes) {
      const info = (await n.call('CLUSTER', 'INFO')) as string;
      assert.match(info, /^cluster_state:ok\r?$/m);
      assert.match(info, /^cluster_slots_assigned:16384\r?$/m);
      assert.match(info, /^cluster_size:3\r?$/m);
    }
    const sizes = await Promise.all(nodes.map((n) => n.dbsize()));
    assert.ok(sizes.every((s) => s > 0), `every master holds keys: ${sizes.join(', ')}`);
    const total = sizes.reduce((a, b) => a + b, 0);
    assert.ok(total > 2000, `generated keys and hand-picked samples: ${total}`);
    assert.match(run.stdout, new RegExp(`^\\[nova\\] DB 0: ${total.toLocaleString('en-US')} keys of sample data over the 3 masters$`, 'm'));
  });

  test('the hand-picked samples are on the master that owns them, as the backend writes them', async () => {
    const owner = async (key: string): Promise<Redis> => {
      const slot = Number(await nodes[0].call('CLUSTER', 'KEYSLOT', key));
      const found = [];
      for (const n of nodes) {
        if (Number(await n.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot))) > 0) {
          found.push(n);
        }
      }
      assert.equal(found.length, 1, `${key} is on one master`);
      return found[0];
    };
    const user = await owner('nova:cache:user:42');
    const caps = serverInfoFromInfo(await user.info('server')).caps;
    const view = await readValue(user, caps, Buffer.from('nova:cache:user:42'));
    assert.deepEqual(view.header.decoders, ['json']);
    assert.match(view.body, /"name": "Zoé Dupont"/);
    assert.equal(await (await owner('nova:user:42:profile')).hget('nova:user:42:profile', 'email'), 'zoe.dupont@example.com');
  });

  test('the workspace .env points at DB 0 of one master, and the session opens it as a cluster', async () => {
    const env = readFileSync(path.join(workspace, '.env'), 'utf8');
    const m = /^REDIS_URL=(redis:\/\/127\.0\.0\.1:(\d+)\/0)$/m.exec(env);
    assert.ok(m, env);
    assert.equal(Number(m[2]), seedPort);
    assert.match(readFileSync(path.join(workspace, 'README.md'), 'utf8'), /^# NOVA Redis sample workspace: a Redis Cluster$/m);
    const manager = new ConnectionManager({ connectTimeoutMs: 3000, commandTimeoutMs: 3000, heartbeatMs: 60_000 });
    try {
      manager.configure(parseRedisUrl(m[1]), { defaulted: false });
      await waitFor('connected', () => manager.state.kind === 'connected', 15_000);
      const s = manager.state;
      assert.ok(s.kind === 'connected' && s.topology === 'cluster');
      assert.deepEqual(s.nodes?.map((n) => Number(n.address.split(':')[1])).sort(), [...ports].sort());
    } finally {
      manager.dispose();
    }
  });

  test('Ctrl+C (SIGINT) stops every node and code-server, leaves no process and deletes the temporary folder', async () => {
    for (const n of nodes) {
      n.disconnect();
    }
    nodes = [];
    run.child.kill('SIGINT');
    const exit = await run.exited;
    assert.equal(exit.code, 0, run.output);
    await assertNothingLeft({ ports: [...ports, ...ports.map((p) => p + 10000), codeServerPort], pids, sessionDir: path.dirname(workspace) });
  });
});
