/**
 * The Redis 3.0 path: the engine run with NOVA's production capabilities against a server where the
 * commands 3.0 lacks are disabled, watched by MONITOR and INFO commandstats. Whatever the server
 * binary (a current one, or an old one through NOVA_TEST_REDIS_SERVER), nothing 3.0 lacks may be sent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { REDIS_3_0_CAPS } from '../../src/redis/capabilities';
import { ExplorerModel, type KeyNode } from '../../src/redis/explorerModel';
import { RedisServer, binaryAtLeast } from '../support/redisServer';
import { ServerMonitor } from '../support/monitor';
import { commandCalls } from '../support/commandStats';
import { disableCommandsArgs, serverTraits } from '../support/serverTraits';
import { seedNovaData } from '../support/seed';
import { stopWithClients } from '../support/clients';
import { engineClient, walk } from './scanEngine.helpers';

/** Everything the explorer may send to NOVA's 3.0 server (all present in 3.0), lower case. */
const ALLOWED_ON_3_0 = new Set(['scan', 'type', 'pttl', 'strlen', 'hlen', 'llen', 'scard', 'zcard', 'eval', 'dbsize', 'select', 'info', 'client', 'ping']);

/** Commands a 3.0 server does not have: they are disabled on the test server when it has them. */
const MISSING_ON_3_0 = ['MEMORY', 'UNLINK', 'XLEN'];

let server: RedisServer;
let admin: Redis;
let monitor: ServerMonitor | undefined;
let engine: Redis;

before(async () => {
  server = await RedisServer.start({ args: await disableCommandsArgs(MISSING_ON_3_0) });
  admin = server.admin(1);
  await seedNovaData(admin, { keys: 3000 });
  await admin.hmset('other:hash', { a: '1' });
  if (binaryAtLeast(5, 0)) {
    // A stream exists on the server: under 3.0 capabilities its length must not be asked (no XLEN).
    await admin.xadd('other:stream', '*', 'f', 'v');
  }
  await admin.config('RESETSTAT');
  monitor = await ServerMonitor.start(server);
  engine = engineClient(server, 1, { connectionName: 'nova-explorer-30' });
  await engine.ping();
});

after(async () => {
  monitor?.dispose();
  await stopWithClients(server, engine, admin);
});

describe('Redis 3.0 path', () => {
  test('the explorer sends nothing Redis 3.0 lacks: no SCAN TYPE, no MEMORY, no UNLINK, no XLEN', async (t) => {
    // Everything the explorer does: first screen, paging, load more, a full scan, a client-side type
    // filter, metadata of every level, a tooltip's memory usage.
    const model = new ExplorerModel(engine, REDIS_3_0_CAPS, { firstScreenCount: 50, firstScreenKeys: 100, scanCount: 100, smallDbKeys: 0 });
    const first = await model.children();
    assert.ok(first.length > 0);
    await model.loadMore();
    await model.scanAll();
    const tree = await walk(model);
    assert.ok(tree.keys.length > 0);
    const anyKey = tree.keys[0];
    assert.equal(await model.memoryUsage(anyKey), undefined, 'no MEMORY USAGE on 3.0');
    for (const type of ['hash', 'stream', 'other'] as const) {
      const filtered = new ExplorerModel(engine, REDIS_3_0_CAPS, { type, pageSize: 100_000 });
      await filtered.scanAll();
      const keys = (await walk(filtered)).keys;
      assert.ok(keys.every((k) => k.meta?.type === type));
      if (type === 'stream' && binaryAtLeast(5, 0)) {
        const stream = keys.find((k) => k.name === 'other:stream') as KeyNode;
        assert.equal(stream.meta?.size, null, 'stream length unknown without XLEN');
      }
      filtered.dispose();
    }
    model.dispose();

    const enginePort = String(engine.stream.localPort);
    await monitor!.sync();
    const fromEngine = monitor!.commands.filter((s) => s.source.endsWith(`:${enginePort}`) || s.source === 'lua');
    assert.ok(fromEngine.length > 50, `${fromEngine.length} commands observed`);
    for (const { args } of fromEngine) {
      const name = args[0].toLowerCase();
      assert.ok(ALLOWED_ON_3_0.has(name), `${args.slice(0, 3).join(' ')} is a 3.0 command the explorer may use`);
      if (name === 'scan') {
        assert.ok(!args.some((a) => a.toLowerCase() === 'type'), `no SCAN TYPE: ${args.join(' ')}`);
      }
      if (name === 'client') {
        assert.equal(args[1].toLowerCase(), 'setname', `CLIENT ${args[1]}`);
      }
    }
    assert.ok(fromEngine.some((s) => s.args[0].toLowerCase() === 'type' && s.source !== 'lua'), 'the type filter ran client-side with TYPE');

    const stats = await admin.info('commandstats');
    for (const missing of ['memory', 'unlink', 'xlen', 'touch', 'hello', 'getex', 'hstrlen']) {
      assert.doesNotMatch(stats, new RegExp(`cmdstat_${missing}[:|]`), `${missing} was never called`);
    }
    // MONITOR shows no admin command on Redis 4.0 to 6.2; commandstats counts them all, by name only.
    const counted = [...(await commandCalls(admin)).keys()].map((entry) => entry.split('|')[0]);
    const foreign = counted.filter((name) => !ALLOWED_ON_3_0.has(name) && !['monitor', 'config'].includes(name));
    assert.deepEqual(foreign, [], `commandstats: ${counted.join(', ')}`);
    if (!(await serverTraits()).monitorShowsClient) {
      t.diagnostic('MONITOR hides CLIENT on this server: its arguments (SETNAME only) were not checked, its use was counted through commandstats');
    }
  });
});
