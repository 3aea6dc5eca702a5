/**
 * The console on a real Redis Cluster (three masters built by the harness), driven as the terminal
 * drives it, with the Cluster access the connection manager gives the UI: a key's command lands on
 * the master that owns its slot, key-less commands ask which master (or run on all, each reply under
 * its address), keys in several slots are refused before anything is sent, and a command sent to a
 * master that no longer owns the slot (MOVED) or is handing it over (ASK) still gets its reply.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionManager } from '../../src/connection/connectionManager';
import { consoleCluster } from '../../src/console/cluster';
import type { ConsoleClusterOptions, NodeRequest } from '../../src/console/session';
import { keySlot } from '../../src/redis/cluster';
import { parseRedisUrl } from '../../src/redis/url';
import { TestCluster, type ClusterNodeInfo } from '../support/cluster';
import { commandCalls } from '../support/commandStats';
import { startConsole, type ConsoleHarness } from '../support/console';
import { waitFor } from '../support/redisServer';

let tc: TestCluster;
let manager: ConnectionManager;
const open: ConsoleHarness[] = [];

before(async () => {
  tc = await TestCluster.start({ replicas: 0 });
  manager = new ConnectionManager({ connectTimeoutMs: 3000, commandTimeoutMs: 3000, heartbeatMs: 60_000, readOnly: () => 'off' });
  manager.configure(parseRedisUrl(tc.url(0)), { defaulted: false });
  await waitFor('connected', () => manager.state.kind === 'connected', 15_000);
});

afterEach(() => {
  for (const h of open.splice(0)) {
    h.dispose();
  }
});

after(async () => {
  manager?.dispose();
  await tc?.stop();
});

beforeEach(async () => {
  await tc.onMasters(async (c) => {
    await c.flushdb();
    await c.config('RESETSTAT');
  });
});

const address = (m: ClusterNodeInfo): string => `127.0.0.1:${m.server.port}`;

/** A key name served by master `m`, different for each `n`. */
function keyOn(m: ClusterNodeInfo, n = 0): string {
  let found = 0;
  for (let i = 0; ; i++) {
    const name = `nova:console:${i}`;
    if (tc.ownerOf(keySlot(name)) === m && found++ === n) {
      return name;
    }
  }
}

/** A console on the cluster; `pick` answers "which master?" and every question is kept in `asked`. */
async function clusterConsole(pick: (r: NodeRequest) => string[] | undefined = () => undefined): Promise<{ h: ConsoleHarness; asked: NodeRequest[] }> {
  const access = manager.dedicatedClusterAccess(`nova-console-test-${process.pid}`);
  assert.ok(access, 'the manager gives cluster access on a cluster');
  const asked: NodeRequest[] = [];
  const cluster: ConsoleClusterOptions = {
    open: async () => consoleCluster(await access.openCluster(), (host, port) => access.openNode(host, port)),
    pickNode: (r) => {
      asked.push(r);
      return Promise.resolve(pick(r));
    },
  };
  const h = await startConsole(tc.url(0), { cluster });
  open.push(h);
  return { h, asked };
}

/** What each master holds under `key`, read on that master alone (null where the key is not). */
async function heldBy(key: string): Promise<(string | null)[]> {
  const slot = String(keySlot(key));
  return tc.onMasters(async (c) => {
    const here = ((await c.call('CLUSTER', 'GETKEYSINSLOT', slot, '1000')) as string[]).includes(key);
    return here ? c.get(key) : null;
  });
}

/** Calls of `name` on every master since the last RESETSTAT. */
async function callsOnMasters(name: string): Promise<number[]> {
  return tc.onMasters(async (c) => {
    let n = 0;
    for (const [k, v] of await commandCalls(c)) {
      if (k === name || k.startsWith(`${name}|`)) {
        n += v;
      }
    }
    return n;
  });
}

describe('console on a cluster', () => {
  test('a command with a key runs on the master that owns the slot; replies print as redis-cli prints them', async () => {
    const { h, asked } = await clusterConsole();
    assert.match(h.screen.text().join('\n'), /\(cluster of 3 masters\)/);
    for (const [i, m] of tc.masters.entries()) {
      const key = keyOn(m);
      assert.equal(await h.run(`SET ${key} "value ${i}"`), 'OK');
      assert.equal(await h.run(`GET ${key}`), `"value ${i}"`);
      assert.equal(await h.run(`TYPE ${key}`), 'string');
      assert.deepEqual(await heldBy(key), tc.masters.map((x) => (x === m ? `value ${i}` : null)), `only ${address(m)} holds ${key}`);
    }
    assert.equal(asked.length, 0, 'a command with a key never asks which master');
  });

  test('a command without a key asks which master; "all" prints each master\'s reply under its address', async () => {
    const sizes = [1, 2, 3];
    await tc.onMasters(async (c, m) => {
      const i = tc.masters.indexOf(m);
      for (let n = 0; n < sizes[i]; n++) {
        await c.set(keyOn(m, n), 'v');
      }
    });
    const { h, asked } = await clusterConsole((r) => r.masters);
    const out = await h.run('DBSIZE');
    const expected = [...tc.masters]
      .map((m, i) => ({ a: address(m), n: sizes[i] }))
      .sort((x, y) => x.a.localeCompare(y.a))
      .flatMap(({ a, n }) => [`--- ${a} ---`, `(integer) ${n}`]);
    assert.deepEqual(out.split('\n'), expected);
    assert.deepEqual([...asked[0].masters].sort(), tc.masters.map(address).sort());
    assert.equal(asked[0].allowAll, true);
    assert.equal(asked[0].command, 'DBSIZE');
  });

  test('a command without a key runs on the one master picked, or nowhere when the pick is cancelled', async () => {
    const second = tc.masters[1];
    await tc.onMasters(async (c, m) => c.set(keyOn(m), m === second ? 'picked' : 'other'));
    let answer: string[] | undefined = [address(second)];
    const { h } = await clusterConsole(() => answer);
    assert.equal(await h.run('DBSIZE'), '(integer) 1');
    assert.match(await h.run('INFO server'), new RegExp(`tcp_port:${second.server.port}`));
    assert.deepEqual(await callsOnMasters('dbsize'), tc.masters.map((m) => (m === second ? 1 : 0)));
    answer = undefined;
    assert.equal(await h.run('DBSIZE'), '(cancelled) Nothing was sent.');
    assert.deepEqual(await callsOnMasters('dbsize'), tc.masters.map((m) => (m === second ? 1 : 0)), 'a cancelled pick sends nothing');
  });

  test('keys in several slots are refused before sending (CROSSSLOT explained); a common hash tag runs', async () => {
    const { h } = await clusterConsole();
    const [a, b] = [keyOn(tc.masters[0]), keyOn(tc.masters[1])];
    assert.equal(await h.run(`MGET ${a} ${b}`), '(refused) CROSSSLOT MGET in 2 slots. Nothing was sent.');
    assert.equal(await h.run(`DEL ${a} ${b}`), '(refused) CROSSSLOT DEL in 2 slots. Nothing was sent.');
    assert.deepEqual(await callsOnMasters('mget'), [0, 0, 0]);
    assert.deepEqual(await callsOnMasters('del'), [0, 0, 0]);
    assert.equal(await h.run('MSET {user:1}:a 1 {user:1}:b 2'), 'OK');
    assert.equal(await h.run('MGET {user:1}:a {user:1}:b'), '1) "1"\n2) "2"');
    const owner = tc.ownerOf(keySlot('{user:1}:a'));
    assert.deepEqual(await heldBy('{user:1}:b'), tc.masters.map((m) => (m === owner ? '2' : null)));
  });

  test('EVAL is routed by the keys the server finds in it; a transaction is refused with the reason', async () => {
    const m = tc.masters[2];
    const key = keyOn(m);
    await tc.onMasters(async (c, node) => (node === m ? c.set(key, 'scripted') : undefined));
    const { h, asked } = await clusterConsole(() => [address(m)]);
    assert.equal(await h.run(`EVAL "return redis.call('GET', KEYS[1])" 1 ${key}`), '"scripted"');
    assert.equal(asked.length, 0);
    assert.equal(await h.run(`EVAL "return redis.call('DBSIZE')" 0`), '(integer) 1');
    assert.equal(asked.length, 1, 'a script without keys asks which master');
    assert.equal(await h.run('MULTI'), '(refused) MULTI on a cluster. Nothing was sent.');
    assert.deepEqual(await callsOnMasters('multi'), [0, 0, 0]);
  });

  test('a slot moved after the console learned the slot map (MOVED) and a slot half moved (ASK): the reply still comes', async () => {
    const { h } = await clusterConsole();
    const [from, to] = [tc.masters[0], tc.masters[1]];
    const moved = keyOn(from, 0);
    const asking = keyOn(from, 1);
    assert.notEqual(keySlot(moved), keySlot(asking));
    assert.equal(await h.run(`SET ${moved} before`), 'OK');
    assert.equal(await h.run(`SET ${asking} half`), 'OK');
    const movedSlot = keySlot(moved);
    const askingSlot = keySlot(asking);
    try {
      await tc.migrateSlot(movedSlot, to, true);
      // The console's map still names the old owner: that master answers MOVED, ioredis follows it.
      assert.equal(await h.run(`GET ${moved}`), '"before"');
      assert.equal(await h.run(`SET ${moved} after`), 'OK');
      assert.deepEqual(await heldBy(moved), tc.masters.map((m) => (m === to ? 'after' : null)));
      await tc.migrateSlot(askingSlot, to, false);
      // The key left with MIGRATE while the slot is still the source's: it answers ASK.
      assert.equal(await h.run(`GET ${asking}`), '"half"');
    } finally {
      await tc.migrateSlot(askingSlot, to, true);
      await tc.migrateSlot(movedSlot, from, true);
      await tc.migrateSlot(askingSlot, from, true);
    }
  });
});
