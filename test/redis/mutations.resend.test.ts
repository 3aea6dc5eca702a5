/**
 * A destructive command whose connection drops before the reply is never sent again on the next
 * connection. The server is frozen (SIGSTOP) so the commands are surely on the wire and unanswered,
 * then killed or resumed; the connection manager reconnects; keys written after that must survive.
 * The writes go through the session, as the commands send them: one that was sent and not answered
 * is OUTCOME_UNKNOWN; a flush whose read-only check got no answer was never sent, and says so.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionManager } from '../../src/connection/connectionManager';
import { NovaError } from '../../src/redis/errors';
import { parseRedisUrl } from '../../src/redis/url';
import { RedisServer, sleep, waitFor } from '../support/redisServer';
import { commandStats, dbSizes, seedDbs } from './mutations.helpers';

const DBS = [0, 1, 2];

function generation(m: ConnectionManager): number {
  return m.state.kind === 'connected' ? m.state.generation : -1;
}

/** Settles a promise into its error code, so a test can start several and look at them later. */
function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof NovaError ? e.code : 'non-coded error'),
  );
}

/** Lets the manager run several heartbeats (DBSIZE) on the new connection, then pings through it. */
async function quietPeriod(m: ConnectionManager, expectedDbSize: number): Promise<void> {
  await waitFor('a heartbeat saw the keys', () => m.state.kind === 'connected' && m.state.dbSize === expectedDbSize, 5000);
  await sleep(1500);
  await m.ping();
}

describe('no automatic re-send of destructive commands', () => {
  test('server killed with DEL and FLUSHDB in flight: nothing is replayed after the restart', async (t) => {
    const own = await RedisServer.start();
    const m = new ConnectionManager({ connectTimeoutMs: 1000, commandTimeoutMs: 5000, heartbeatMs: 300, backoffMs: [200] });
    try {
      m.configure(parseRedisUrl(own.url(1)), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected');
      await seedDbs(own, DBS);
      const g = generation(m);
      const session = m.requireSession();
      own.pause();
      const inFlight = [
        outcome(session.deleteKeys([Buffer.from('nova:cache:db1:0')])),
        outcome(session.setTtl(Buffer.from('nova:cache:db1:1'), 60)),
        outcome(session.flush()),
      ];
      await sleep(200);
      await own.kill();
      const codes = await Promise.all(inFlight);
      t.diagnostic(`in-flight commands ended with: ${codes.join(', ')}`);
      assert.deepEqual(codes, ['OUTCOME_UNKNOWN', 'OUTCOME_UNKNOWN', 'CONNECTION_LOST']);
      await own.restart();
      await waitFor('reconnected', () => generation(m) > g, 8000);
      const written = await seedDbs(own, DBS);
      await quietPeriod(m, written.get(1)!);
      assert.deepEqual(await dbSizes(own, DBS), written);
      const admin = own.admin(1);
      const stats = await commandStats(admin);
      admin.disconnect();
      for (const cmd of ['flushdb', 'del', 'unlink', 'multi', 'exec', 'flushall']) {
        assert.equal(stats.get(cmd), undefined, `${cmd} reached the restarted server`);
      }
    } finally {
      own.resume();
      m.dispose();
      await own.stop();
    }
  });

  test('server stalled then back: a timed-out write runs at most once and never on the new connection', async () => {
    const own = await RedisServer.start();
    const m = new ConnectionManager({ connectTimeoutMs: 1000, commandTimeoutMs: 500, heartbeatMs: 300, backoffMs: [200] });
    try {
      m.configure(parseRedisUrl(own.url(1)), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected');
      const seeded = await seedDbs(own, DBS);
      const g = generation(m);
      const session = m.requireSession();
      own.pause();
      const codes = await Promise.all([outcome(session.flush()), outcome(session.deleteKeys([Buffer.from('nova:cache:db1:0')]))]);
      // The flush's check timed out, so its FLUSHDB was never sent; the DEL was sent.
      assert.deepEqual(codes, ['COMMAND_TIMEOUT', 'OUTCOME_UNKNOWN']);
      await waitFor('stalled connection dropped', () => m.state.kind !== 'connected', 5000);
      own.resume();
      await waitFor('reconnected', () => generation(m) > g, 8000);
      const admin = own.admin(1);
      const flushesAtReconnect = (await commandStats(admin)).get('flushdb') ?? 0;
      assert.equal(flushesAtReconnect, 0, 'a flush whose check was not answered is never sent');
      // The data says the same on every version (Redis 4.0 files FLUSHDB inside MULTI under exec in
      // commandstats): DB 1 lost at most the key of the DEL that was on the wire.
      const left = (await dbSizes(own, [1])).get(1) ?? 0;
      assert.ok(left >= (seeded.get(1) ?? 0) - 1, `DB 1 kept ${left} of ${seeded.get(1)} keys`);
      const written = await seedDbs(own, [1]);
      await quietPeriod(m, written.get(1)!);
      const stats = await commandStats(admin);
      admin.disconnect();
      assert.equal(stats.get('flushdb') ?? 0, flushesAtReconnect, 'no FLUSHDB after the reconnect');
      assert.ok((stats.get('del') ?? 0) <= 1);
      const sizes = await dbSizes(own, DBS);
      assert.equal(sizes.get(1), written.get(1), 'keys written after the reconnect survive');
      assert.equal(sizes.get(0), seeded.get(0));
      assert.equal(sizes.get(2), seeded.get(2));
    } finally {
      own.resume();
      m.dispose();
      await own.stop();
    }
  });
});
