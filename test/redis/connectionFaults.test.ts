/**
 * Passing faults during the handshake and while connected, against a real redis-server, frozen with
 * SIGSTOP or behind a fault-injecting proxy: the connection is retried (never "no database 1"), a
 * stall shows within seconds, and a reply lost inside a flush is reported as such and never re-sent.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { ConnectionManager, type ConnectionState, type ManagerOptions } from '../../src/connection/connectionManager';
import { NovaError, classifyError, type ErrorCode } from '../../src/redis/errors';
import { parseRedisUrl } from '../../src/redis/url';
import { FaultProxy, type Fault } from '../support/faultProxy';
import { RedisServer, binaryVersion, sleep, waitFor } from '../support/redisServer';
import { commandStats, seedDbs } from './mutations.helpers';

const PASSWORD = 'fault-test-password';

interface Run {
  m: ConnectionManager;
  states: ConnectionState[];
}

function start(url: string, options: Partial<ManagerOptions> = {}): Run {
  const m = new ConnectionManager({ connectTimeoutMs: 1000, commandTimeoutMs: 600, heartbeatMs: 500, backoffMs: [150], ...options });
  const states: ConnectionState[] = [];
  m.onDidChangeState((s) => states.push(s));
  m.configure(parseRedisUrl(url), { defaulted: false });
  return { m, states };
}

function errorCode(s: ConnectionState): ErrorCode | undefined {
  return s.kind === 'reconnecting' || s.kind === 'failed' ? s.error.code : undefined;
}

/** Waits for `attempts` failed handshakes, then checks none of them was taken as final. */
async function retried(run: Run, attempts: number, expected: ErrorCode[]): Promise<ErrorCode[]> {
  await waitFor(`${attempts} retried handshakes`, () => run.states.filter((s) => s.kind === 'reconnecting').length >= attempts, 15_000);
  const codes = run.states.map(errorCode).filter((c): c is ErrorCode => c !== undefined);
  assert.ok(!run.states.some((s) => s.kind === 'failed'), `taken as final: ${codes.join(', ')}`);
  assert.ok(
    codes.every((c) => expected.includes(c)),
    `codes: ${codes.join(', ')}`,
  );
  return codes;
}

async function connectedOnDb1(run: Run, server: RedisServer): Promise<void> {
  await waitFor('connected', () => run.m.state.kind === 'connected', 15_000);
  // Under maxclients the slot a test just freed may not be free yet: connect again until it is.
  let admin = server.admin(1);
  admin.on('error', () => undefined);
  await waitFor('an admin connection', async () => {
    if (await admin.ping().then(() => true, () => false)) {
      return true;
    }
    admin.disconnect();
    admin = server.admin(1);
    admin.on('error', () => undefined);
    return false;
  });
  try {
    await admin.set('fault:marker', 'db1');
    // PTTL -1: the key exists (without expiry) where the session is, so the connection selected DB 1.
    assert.equal(await run.m.requireSession().pttl(Buffer.from('fault:marker')), -1, 'the connection selected DB 1');
    await admin.del('fault:marker');
  } finally {
    admin.disconnect();
  }
}

/** A server, a proxy in front of it armed with `fault` from the first byte, and a manager through the proxy. */
async function throughProxy(
  options: { password?: string; fault?: Fault; manager?: Partial<ManagerOptions> },
  body: (server: RedisServer, proxy: FaultProxy, run: Run) => Promise<void>,
): Promise<void> {
  const server = await RedisServer.start(options.password === undefined ? {} : { password: options.password });
  const proxy = await FaultProxy.start(server.port);
  if (options.fault) {
    proxy.inject(options.fault);
  }
  const run = start(proxy.url(1, options.password), options.manager);
  try {
    await body(server, proxy, run);
  } finally {
    run.m.dispose();
    await proxy.stop();
    await server.stop();
  }
}

describe('passing faults during the handshake are retried', () => {
  test('the replies that really mean "no such DB" or a bad password, as this server words them', async (t) => {
    const server = await RedisServer.start();
    const secured = await RedisServer.start({ password: PASSWORD });
    const plain = server.admin(0);
    // No ready check: it would send INFO before AUTH and give up on the NOAUTH.
    const locked = secured.client(0, { password: undefined, enableReadyCheck: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
    // The failed SELECT and AUTH are also emitted as events; the awaited replies are what is checked.
    plain.on('error', () => undefined);
    locked.on('error', () => undefined);
    try {
      const texts: Array<[string, unknown, ErrorCode, 'auth' | 'select']> = [];
      const settle = async (p: Promise<unknown>) => p.then((v) => new Error(`no error: ${String(v)}`), (e: unknown) => e);
      texts.push(['SELECT 16', await settle(plain.select(16)), 'DB_OUT_OF_RANGE', 'select']);
      texts.push(['SELECT 99999', await settle(plain.select(99999)), 'DB_OUT_OF_RANGE', 'select']);
      texts.push(['AUTH without requirepass', await settle(plain.auth('x')), 'AUTH_NOT_NEEDED', 'auth']);
      texts.push(['wrong AUTH', await settle(locked.auth('wrong')), 'WRONG_PASSWORD', 'auth']);
      texts.push(['command before AUTH', await settle(locked.ping()), 'AUTH_REQUIRED', 'auth']);
      for (const [what, err, code, phase] of texts) {
        t.diagnostic(`${binaryVersion().join('.')} ${what}: ${err instanceof Error ? err.message : String(err)}`);
        assert.equal(classifyError(err, phase), code, what);
      }
    } finally {
      plain.disconnect();
      locked.disconnect();
      await server.stop();
      await secured.stop();
    }
  });

  test('a server frozen (SIGSTOP) during the handshake is retried, then connected once it resumes', async () => {
    const server = await RedisServer.start();
    server.pause();
    const run = start(server.url(1));
    try {
      // The kernel accepts the connection for the frozen process: SELECT is what goes unanswered.
      await retried(run, 2, ['COMMAND_TIMEOUT', 'CONNECT_TIMEOUT']);
      server.resume();
      await connectedOnDb1(run, server);
    } finally {
      run.m.dispose();
      server.resume();
      await server.stop();
    }
  });

  for (const [action, expected] of [
    ['stall', ['COMMAND_TIMEOUT']],
    ['drop', ['CONNECTION_LOST']],
    ['garble', ['CONNECTION_LOST']],
  ] as const) {
    test(`SELECT ${action === 'stall' ? 'unanswered' : action === 'drop' ? 'cut off' : 'answered with garbage'}: retried, connected when the fault ends`, () =>
      throughProxy({ fault: { request: /\bselect\r\n/i, action: { kind: action }, once: false } }, async (server, proxy, run) => {
        await retried(run, 2, [...expected]);
        proxy.release();
        await connectedOnDb1(run, server);
      }));
  }

  test('AUTH unanswered or cut off is retried, never taken for a wrong password', () =>
    throughProxy({ password: PASSWORD, fault: { request: /\bauth\r\n/i, action: { kind: 'stall' }, once: false } }, async (server, proxy, run) => {
      await retried(run, 2, ['COMMAND_TIMEOUT']);
      proxy.release();
      proxy.inject({ request: /\bauth\r\n/i, action: { kind: 'drop' }, once: false });
      await waitFor('a dropped AUTH', () => run.states.some((s) => errorCode(s) === 'CONNECTION_LOST'), 10_000);
      await retried(run, 0, ['COMMAND_TIMEOUT', 'CONNECTION_LOST']);
      proxy.release();
      await connectedOnDb1(run, server);
    }));

  test('a script blocking the server (BUSY) during the handshake: retried, connected once it is killed', async () => {
    const server = await RedisServer.start();
    const admin = server.admin(0);
    const blocker = server.admin(0);
    blocker.on('error', () => undefined);
    let run: Run | undefined;
    try {
      // Past lua-time-limit the server answers every other command with BUSY instead of nothing.
      await admin.config('SET', 'lua-time-limit', '100');
      const script = blocker.eval('while true do end', 0).catch((e: unknown) => e);
      await sleep(300);
      run = start(server.url(1));
      await retried(run, 2, ['SERVER_BUSY', 'COMMAND_TIMEOUT']);
      assert.ok(run.states.some((s) => errorCode(s) === 'SERVER_BUSY'), 'the busy server is named');
      await admin.script('KILL');
      await script;
      await connectedOnDb1(run, server);
    } finally {
      run?.m.dispose();
      await admin.script('KILL').catch(() => undefined);
      admin.disconnect();
      blocker.disconnect();
      await server.stop();
    }
  });

  test('maxclients reached: retried, connected once a slot frees', async () => {
    // Two slots, both taken: one is freed for the manager, the other afterwards for the check.
    const server = await RedisServer.start({ args: ['--maxclients', '2'] });
    const holders: Redis[] = [];
    let run: Run | undefined;
    try {
      // The start-up check's connection may still hold a slot for a moment.
      await waitFor('clients hold every slot', async () => {
        const c = server.admin(0);
        c.on('error', () => undefined);
        if (await c.ping().then(() => true, () => false)) {
          holders.push(c);
        } else {
          c.disconnect();
        }
        return holders.length === 2;
      });
      run = start(server.url(1));
      const codes = await retried(run, 2, ['TOO_MANY_CLIENTS', 'CONNECTION_LOST']);
      assert.ok(codes.includes('TOO_MANY_CLIENTS'), `the refusal is named: ${codes.join(', ')}`);
      holders.pop()?.disconnect();
      await waitFor('connected', () => run?.m.state.kind === 'connected', 15_000);
      holders.pop()?.disconnect();
      await connectedOnDb1(run, server);
    } finally {
      for (const h of holders) {
        h.disconnect();
      }
      run?.m.dispose();
      await server.stop();
    }
  });
});

describe('a stalled server while connected', () => {
  test('is reported stalled within seconds, and clears when it answers again', async (t) => {
    const server = await RedisServer.start();
    // The production defaults: a 5 s command timeout, DBSIZE every 10 s.
    const run = start(server.url(1), { commandTimeoutMs: 5000, heartbeatMs: 10_000 });
    try {
      await waitFor('connected', () => run.m.state.kind === 'connected');
      const generation = run.m.state.kind === 'connected' ? run.m.state.generation : -1;
      server.pause();
      const paused = Date.now();
      await waitFor('stalled', () => run.m.state.kind === 'connected' && run.m.state.stalledSinceMs !== undefined, 8000);
      t.diagnostic(`stalled reported ${Date.now() - paused} ms after SIGSTOP (command timeout 5000 ms)`);
      server.resume();
      await waitFor('answering again', () => run.m.state.kind === 'connected' && run.m.state.stalledSinceMs === undefined, 8000);
      const s = run.m.state;
      assert.ok(s.kind === 'connected' && s.generation === generation, 'the same connection carries on');
    } finally {
      server.resume();
      run.m.dispose();
      await server.stop();
    }
  });

  test('still stalled after two probe timeouts: dropped, retried, connected after it resumes', async () => {
    const server = await RedisServer.start();
    const run = start(server.url(1), { commandTimeoutMs: 1000 });
    try {
      await waitFor('connected', () => run.m.state.kind === 'connected');
      server.pause();
      await waitFor('stalled', () => run.m.state.kind === 'connected' && run.m.state.stalledSinceMs !== undefined, 8000);
      await waitFor('dropped', () => run.m.state.kind === 'reconnecting', 10_000);
      server.resume();
      await connectedOnDb1(run, server);
    } finally {
      server.resume();
      run.m.dispose();
      await server.stop();
    }
  });
});

describe('a reply lost inside a flush', () => {
  test('the connection drops inside the MULTI/EXEC reply of FLUSHDB: OUTCOME_UNKNOWN, and the flush is not sent again', (t) =>
    throughProxy({ manager: { commandTimeoutMs: 5000 } }, async (server, proxy, run) => {
      await waitFor('connected', () => run.m.state.kind === 'connected');
      const generation = run.m.state.kind === 'connected' ? run.m.state.generation : -1;
      await seedDbs(server, [1]);
      const admin = server.admin(1);
      try {
        const before = await commandStats(admin);
        // "+OK\r\n" answers MULTI; the connection closes before the rest (QUEUED…, EXEC's reply) arrives.
        proxy.inject({ request: /\bflushdb\r\n/i, action: { kind: 'cutReply', replyBytes: 5 } });
        const outcome = await run.m
          .requireSession()
          .flush()
          .then(
            () => 'resolved',
            (e: unknown) => (e instanceof NovaError ? `${e.code} (${e.detail})` : `not coded: ${String(e)}`),
          );
        t.diagnostic(`flush ended with ${outcome}`);
        assert.equal(proxy.hits, 1, 'the fault was applied');
        // The flush was sent and its reply cut: the session says the outcome is unknown, not that it failed.
        assert.match(outcome, /^OUTCOME_UNKNOWN \(CONNECTION_LOST: /);
        await waitFor('reconnected', () => run.m.state.kind === 'connected' && run.m.state.generation > generation, 10_000);
        assert.equal(await admin.dbsize(), 0, 'the server ran the flush');
        await sleep(1000);
        const after = await commandStats(admin);
        const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
        const [major, minor] = binaryVersion();
        if (major === 4 && minor === 0) {
          // Redis 4.0 counts each command inside MULTI/EXEC as an `exec`: the DB check (CLIENT GETNAME, CLIENT
          // LIST, EXEC) and the flush (SELECT, DBSIZE, FLUSHDB, EXEC) make 7; a re-sent flush would add 4.
          t.diagnostic('Redis 4.0: checked through the EXEC count (commandstats counts FLUSHDB inside MULTI as exec)');
          assert.equal(delta('exec'), 7, 'the DB check and the flush, nothing re-sent');
        } else {
          assert.equal(delta('flushdb'), 1, 'FLUSHDB ran once, never again on the new connection');
        }
        const written = await seedDbs(server, [1]);
        await waitFor('a heartbeat saw the keys', () => run.m.state.kind === 'connected' && run.m.state.dbSize === written.get(1), 5000);
        await sleep(1000);
        assert.equal(await admin.dbsize(), written.get(1), 'keys written after the reconnect survive');
      } finally {
        admin.disconnect();
      }
    }));
});
