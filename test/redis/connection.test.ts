import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionManager, type ConnectionState } from '../../src/connection/connectionManager';
import { parseRedisUrl } from '../../src/redis/url';
import { NovaError } from '../../src/redis/errors';
import { RedisServer, binaryAtLeast, binaryFlavor, binaryVersion, waitFor, freePort, sleep } from '../support/redisServer';

const PASSWORD = 'S3cr#t:p@ss/w%rd';
/** `redis://LONE_USER@host`: a password whose colon was forgotten, parsed as a user name. */
const LONE_USER = 'forgotColonSecret';

/** Every line the manager logs and every state it publishes, to check later that no secret leaked. */
class Recorder {
  readonly lines: string[] = [];
  readonly states: ConnectionState[] = [];
  log = (level: string, message: string) => {
    this.lines.push(`${level} ${message}`);
  };
  text(): string {
    return [...this.lines, ...this.states.map((s) => JSON.stringify(s, (_k, v: unknown) => (v instanceof NovaError ? { code: v.code, detail: v.detail, message: v.message } : v)))].join('\n');
  }
}

const managers: ConnectionManager[] = [];

function manager(rec: Recorder, overrides: Partial<ConstructorParameters<typeof ConnectionManager>[0]> = {}) {
  const m = new ConnectionManager({ connectTimeoutMs: 1000, commandTimeoutMs: 1000, heartbeatMs: 500, log: rec.log, ...overrides });
  m.onDidChangeState((s) => rec.states.push(s));
  managers.push(m);
  return m;
}

// A failed assertion skips a test's own dispose(); a live manager's timers would keep the file from exiting.
afterEach(() => {
  for (const m of managers.splice(0)) {
    m.dispose();
  }
});

const allRecorders: Recorder[] = [];
function recorder(): Recorder {
  const r = new Recorder();
  allRecorders.push(r);
  return r;
}

describe('connection manager against a real redis-server', () => {
  let server: RedisServer;
  let secured: RedisServer;

  before(async () => {
    server = await RedisServer.start();
    secured = await RedisServer.start({ password: PASSWORD });
  });
  after(async () => {
    await server?.stop();
    await secured?.stop();
  });

  test('connects to the DB of the URL, identifies the server and pings', async () => {
    const admin = server.admin(1);
    await admin.set('marker:db1', 'x');
    const m = manager(recorder());
    m.configure(parseRedisUrl(server.url(1)), { defaulted: false });
    await waitFor('connected', () => m.state.kind === 'connected');
    const s = m.state;
    assert.equal(s.kind, 'connected');
    assert.equal(s.target.db, 1);
    assert.equal(s.dbSize, 1);
    assert.equal(s.server.flavor, binaryFlavor());
    // Valkey reports the Redis version it is compatible with as redis_version, and its own apart.
    assert.equal(binaryFlavor() === 'valkey' ? s.server.valkeyVersion : s.server.version, binaryVersion().join('.'));
    const pong = await m.ping();
    assert.ok(pong.rttMs >= 0);
    // The session is on DB 1, where the marker is (PTTL -1: exists, no expiry; -2 would be missing).
    assert.equal(await m.requireSession().pttl(Buffer.from('marker:db1')), -1);
    m.dispose();
    await admin.del('marker:db1');
    admin.disconnect();
  });

  test('the handshake sends nothing Redis 3.0 lacks (no HELLO, no CLIENT SETINFO)', async () => {
    const admin = server.admin(0);
    await admin.config('RESETSTAT');
    const m = manager(recorder());
    m.configure(parseRedisUrl(server.url(1)), { defaulted: false });
    await waitFor('connected', () => m.state.kind === 'connected');
    await m.ping();
    const stats = await admin.info('commandstats');
    m.dispose();
    admin.disconnect();
    const commands = [...stats.matchAll(/^cmdstat_([^:]+):/gm)].map((x) => x[1]);
    assert.ok(commands.includes('select'), `commandstats: ${commands.join(',')}`);
    for (const forbidden of ['hello', 'client|setinfo', 'memory|usage', 'unlink', 'keys', 'flushall']) {
      assert.ok(!commands.includes(forbidden), `sent ${forbidden}: ${commands.join(',')}`);
    }
    // Errors are counted per command from Redis 6.2 on; none is allowed during the handshake.
    if (binaryAtLeast(6, 2)) {
      assert.doesNotMatch(stats, /failed_calls=[1-9]|rejected_calls=[1-9]/);
    }
  });

  test('authenticates with the right password', async () => {
    const m = manager(recorder());
    m.configure(parseRedisUrl(secured.url(1, PASSWORD)), { defaulted: false });
    await waitFor('connected', () => m.state.kind === 'connected');
    assert.ok((await m.requireSession().ping()) >= 0);
    m.dispose();
  });

  test('a wrong password fails without retrying', async () => {
    const m = manager(recorder());
    m.configure(parseRedisUrl(secured.url(1, 'not-the-password')), { defaulted: false });
    await waitFor('failed', () => m.state.kind === 'failed');
    const s = m.state;
    assert.equal(s.kind === 'failed' && s.error.code, 'WRONG_PASSWORD');
    await sleep(800);
    assert.equal(m.state.kind, 'failed', 'no retry after an authentication error');
    m.dispose();
  });

  test('a missing password says authentication is required', async () => {
    const m = manager(recorder());
    m.configure(parseRedisUrl(`redis://127.0.0.1:${secured.port}/1`), { defaulted: false });
    await waitFor('failed', () => m.state.kind === 'failed');
    const s = m.state;
    assert.equal(s.kind === 'failed' && s.error.code, 'AUTH_REQUIRED');
    m.dispose();
  });

  test('a DB index the server does not have is fatal and nothing runs in DB 0', async () => {
    const admin = server.admin(0);
    const before0 = await admin.dbsize();
    const m = manager(recorder());
    m.configure(parseRedisUrl(server.url(16)), { defaulted: false });
    await waitFor('failed', () => m.state.kind === 'failed');
    const s = m.state;
    assert.equal(s.kind === 'failed' && s.error.code, 'DB_OUT_OF_RANGE');
    assert.equal(m.session, undefined);
    assert.throws(() => m.requireSession(), (e: unknown) => e instanceof NovaError && e.code === 'NOT_CONNECTED');
    assert.equal(await admin.dbsize(), before0);
    m.dispose();
    admin.disconnect();
  });

  test('a malformed URL is reported and no connection is attempted', async () => {
    const admin = server.admin(0);
    const clientsBefore = (await admin.client('LIST')) as string;
    const m = manager(recorder());
    let error: unknown;
    try {
      parseRedisUrl(`redis://127.0.0.1:${server.port}/one`);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof NovaError);
    m.configure(error, { defaulted: false, file: '/ws/.env', line: 3 });
    assert.equal(m.state.kind, 'failed');
    await sleep(300);
    const clientsAfter = (await admin.client('LIST')) as string;
    assert.equal(clientsAfter.trim().split('\n').length, clientsBefore.trim().split('\n').length);
    m.dispose();
    admin.disconnect();
  });

  test('a server that is down at start is connected within 5 s of starting, with no user action', async () => {
    const port = await freePort();
    const m = manager(recorder());
    m.configure(parseRedisUrl(`redis://127.0.0.1:${port}/1`), { defaulted: false });
    await waitFor('reconnecting', () => m.state.kind === 'reconnecting');
    const s = m.state;
    assert.equal(s.kind === 'reconnecting' && s.error.code, 'CONNECTION_REFUSED');
    await sleep(2500);
    const late = await RedisServer.start({ port });
    try {
      await waitFor('connected after the server started', () => m.state.kind === 'connected', 5000);
    } finally {
      m.dispose();
      await late.stop();
    }
  });

  test('a killed server is seen within 5 s and the connection comes back after restart', async () => {
    const own = await RedisServer.start();
    const m = manager(recorder());
    try {
      m.configure(parseRedisUrl(own.url(1)), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected');
      const firstGeneration = m.state.kind === 'connected' ? m.state.generation : -1;
      await own.kill();
      await waitFor('disconnected', () => m.state.kind === 'reconnecting', 5000);
      await assert.rejects(m.ping(), (e: unknown) => e instanceof NovaError && e.code === 'NOT_CONNECTED');
      await own.restart();
      await waitFor('connected again', () => m.state.kind === 'connected', 5000);
      const s = m.state;
      assert.ok(s.kind === 'connected' && s.generation > firstGeneration);
      // The new connection selected DB 1 again.
      const admin = own.admin(1);
      await admin.set('after-restart', '1');
      admin.disconnect();
      assert.equal(await m.requireSession().pttl(Buffer.from('after-restart')), -1);
    } finally {
      m.dispose();
      await own.stop();
    }
  });

  test('a stalled server gives a timeout error instead of a hang, then is seen as gone', async () => {
    const own = await RedisServer.start();
    const m = manager(recorder(), { commandTimeoutMs: 400, heartbeatMs: 300 });
    try {
      m.configure(parseRedisUrl(own.url(1)), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected');
      own.pause();
      await assert.rejects(m.ping(), (e: unknown) => e instanceof NovaError && e.code === 'COMMAND_TIMEOUT');
      await waitFor('not connected while stalled', () => m.state.kind !== 'connected', 5000);
      own.resume();
      await waitFor('connected after the stall', () => m.state.kind === 'connected', 5000);
    } finally {
      own.resume();
      m.dispose();
      await own.stop();
    }
  });

  test('DEBUG SLEEP on the server makes commands time out, not hang', async (t) => {
    const own = await RedisServer.start();
    const m = manager(recorder(), { commandTimeoutMs: 300, heartbeatMs: 60_000 });
    const admin = own.admin(0);
    try {
      m.configure(parseRedisUrl(own.url(1)), { defaulted: false });
      await waitFor('connected', () => m.state.kind === 'connected');
      const sleeping = admin.debug('SLEEP', '1.5').catch(() => undefined);
      await sleep(50);
      await assert.rejects(m.ping(), (e: unknown) => e instanceof NovaError && e.code === 'COMMAND_TIMEOUT');
      await sleeping;
      t.diagnostic('the server slept 1.5 s; the ping gave up at its 300 ms timeout');
    } finally {
      admin.disconnect();
      m.dispose();
      await own.stop();
    }
  });

  test('a username on a server without ACL users is a clear error, not a retry storm', async (t) => {
    if (binaryAtLeast(6)) {
      // A 6+ server has ACL users: instead, check that a wrong username/password pair is refused once.
      const m = manager(recorder());
      m.configure(parseRedisUrl(`redis://nobody:${encodeURIComponent(PASSWORD)}@127.0.0.1:${secured.port}/1`), { defaulted: false });
      await waitFor('failed', () => m.state.kind === 'failed');
      const s = m.state;
      assert.equal(s.kind === 'failed' && s.error.code, 'WRONG_PASSWORD');
      m.dispose();
      t.diagnostic('server >= 6: checked the ACL rejection path instead of ACL_UNSUPPORTED');
      return;
    }
    const m = manager(recorder());
    m.configure(parseRedisUrl(`redis://nova:${encodeURIComponent(PASSWORD)}@127.0.0.1:${secured.port}/1`), { defaulted: false });
    await waitFor('failed', () => m.state.kind === 'failed');
    const s = m.state;
    assert.equal(s.kind === 'failed' && s.error.code, 'ACL_UNSUPPORTED');
    m.dispose();
  });

  test('a user name without a password (a forgotten colon) is masked in the published state', async () => {
    for (const target of [server, secured]) {
      const rec = recorder();
      const m = manager(rec);
      m.configure(parseRedisUrl(`redis://${LONE_USER}@127.0.0.1:${target.port}/1`), { defaulted: false });
      await waitFor('a connection outcome', () => m.state.kind === 'failed' || m.state.kind === 'connected' || m.state.kind === 'reconnecting');
      const s = m.state;
      assert.ok(s.kind !== 'idle' && s.target, `state ${s.kind}`);
      assert.equal(s.target.username, '***');
      assert.ok(!JSON.stringify(s).includes(LONE_USER));
      m.dispose();
    }
  });

  test('the password appears in nothing that was logged or published', () => {
    const everything = allRecorders.map((r) => r.text()).join('\n');
    assert.ok(everything.length > 0);
    for (const form of [PASSWORD, encodeURIComponent(PASSWORD), 'not-the-password', LONE_USER]) {
      assert.ok(!everything.includes(form), 'a password form leaked into the log or state');
    }
  });
});
