/**
 * What real ioredis errors look like around authentication, against a real redis-server, and proof
 * that none of their renderings (message, String(), JSON.stringify(), util.inspect()) still holds
 * the password once scrubbed: with the password registered, and through the AUTH patterns alone.
 */
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import Redis, { type RedisOptions } from 'ioredis';
import { clearSecrets, registerSecret, scrub, scrubError } from '../../src/redis/scrub';
import { RedisServer } from '../support/redisServer';

/** What requirepass is set to: the server's config parser must take it as one word. */
const SERVER_PASSWORD = 'S3cr#t:p@ss/w%rd';
/** Sent by the client only, so it may hold what JSON and inspect() escape. */
const WRONG_PASSWORD = `wr"o'ng\\pa ss@#/é`;

function client(port: number, extra: RedisOptions = {}): Redis {
  return new Redis({
    host: '127.0.0.1',
    port,
    protocol: 2,
    disableClientInfo: true,
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...extra,
  });
}

/** Connects with the given options and returns the first error ioredis reports, event or rejection. */
async function handshakeError(port: number, extra: RedisOptions): Promise<Error> {
  const c = client(port, { ...extra, enableReadyCheck: true });
  const errors: Error[] = [];
  c.on('error', (err: Error) => errors.push(err));
  try {
    await c.connect();
    await c.ping();
  } catch (err) {
    errors.push(err as Error);
  } finally {
    c.disconnect();
  }
  // The ReplyError of AUTH comes as an event; the rejection only says the connection closed.
  const reply = errors.find((e) => e.name === 'ReplyError') ?? errors[0];
  assert.ok(reply, 'ioredis reported no error');
  return reply;
}

async function commandError(port: number, run: (c: Redis) => Promise<unknown>): Promise<Error> {
  const c = client(port);
  await c.connect();
  try {
    await run(c);
  } catch (err) {
    return err as Error;
  } finally {
    c.disconnect();
  }
  assert.fail('the command did not fail');
}

function renderings(err: Error): Record<string, string> {
  return { message: err.message, String: String(err), JSON: JSON.stringify(err), inspect: inspect(err, { depth: 5 }) };
}

/** Asserts that every rendering is clean once scrubbed; returns the renderings that held the password raw. */
function assertScrubbed(err: Error, password: string): string[] {
  const raw = renderings(err);
  const leaking = Object.entries(raw)
    .filter(([, text]) => text.includes(password) || text.includes(JSON.stringify(password).slice(1, -1)) || text.includes(inspect(password).slice(1, -1)))
    .map(([name]) => name);
  for (const registered of [false, true]) {
    clearSecrets();
    if (registered) {
      registerSecret(password);
    }
    const escaped = [password, JSON.stringify(password).slice(1, -1), inspect(password).slice(1, -1)];
    for (const [name, text] of Object.entries(raw)) {
      const out = scrub(text);
      for (const form of escaped) {
        assert.ok(!out.includes(form), `${name} (registered: ${registered}) still holds the password: ${out.split(form).join('<PASSWORD>')}`);
      }
    }
    for (const form of escaped) {
      assert.ok(!scrubError(err).includes(form), `scrubError (registered: ${registered})`);
    }
  }
  return leaking;
}

describe('ioredis authentication errors, scrubbed', () => {
  let secured: RedisServer;
  let open: RedisServer;

  before(async () => {
    secured = await RedisServer.start({ password: SERVER_PASSWORD });
    open = await RedisServer.start();
  });
  after(async () => {
    await secured?.stop();
    await open?.stop();
  });
  beforeEach(() => clearSecrets());

  test('wrong password at connect: the ReplyError carries it in command.args', async () => {
    const err = await handshakeError(secured.port, { password: WRONG_PASSWORD });
    assert.equal(err.name, 'ReplyError');
    assert.match(err.message, /WRONGPASS|invalid password/);
    const leaking = assertScrubbed(err, WRONG_PASSWORD);
    assert.deepEqual(leaking, ['JSON', 'inspect'], 'where ioredis shows the password before scrubbing');
  });

  test('wrong password from AUTH sent later', async () => {
    const err = await commandError(secured.port, (c) => c.auth(WRONG_PASSWORD));
    assert.deepEqual(assertScrubbed(err, WRONG_PASSWORD), ['JSON', 'inspect']);
  });

  test('user name and wrong password (ACL form; an argument error on Redis < 6)', async () => {
    const err = await commandError(secured.port, (c) => c.call('AUTH', 'nova', WRONG_PASSWORD));
    assert.equal(err.name, 'ReplyError');
    assert.deepEqual(assertScrubbed(err, WRONG_PASSWORD), ['JSON', 'inspect']);
  });

  test('NOAUTH: a command without a password', async () => {
    const err = await commandError(secured.port, (c) => c.get('some:key'));
    assert.match(err.message, /^NOAUTH/);
    assert.deepEqual(assertScrubbed(err, SERVER_PASSWORD), [], 'NOAUTH holds no password to begin with');
    assert.equal(scrubError(err), err.message, 'and scrubbing leaves it readable');
  });

  test('a password sent to a server that has none', async () => {
    const err = await commandError(open.port, (c) => c.auth(WRONG_PASSWORD));
    assert.match(err.message, /without any password configured|no password is set/);
    assert.deepEqual(assertScrubbed(err, WRONG_PASSWORD), ['JSON', 'inspect']);
  });

  test('the right password is never in an error of a later command', async () => {
    const err = await commandError(secured.port, async (c) => {
      await c.auth(SERVER_PASSWORD);
      return c.call('SELECT', '99999');
    });
    assert.match(err.message, /DB index/i);
    assert.deepEqual(assertScrubbed(err, SERVER_PASSWORD), []);
  });
});
