/**
 * The one mapping from low-level errors to codes. The texts are the ones ioredis 6 and the servers
 * produce (the redis tier checks the servers' own wording in connectionFaults.test.ts); the point
 * here is each text in each phase, which the handshake's retry rule depends on.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { classifyError, toNovaError, type ErrorCode, type ErrorPhase } from '../../src/redis/errors';
import { clearSecrets, registerSecret } from '../../src/redis/scrub';

function err(message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), extra);
}

/** [what, error, code in the handshake's SELECT phase, code for a command] */
const TABLE: Array<[string, unknown, ErrorCode, ErrorCode]> = [
  ['3.0 out of range', err('ERR invalid DB index'), 'DB_OUT_OF_RANGE', 'DB_OUT_OF_RANGE'],
  ['4.0+ out of range', err('ERR DB index is out of range'), 'DB_OUT_OF_RANGE', 'DB_OUT_OF_RANGE'],
  ['timeout', err('Command timed out'), 'COMMAND_TIMEOUT', 'COMMAND_TIMEOUT'],
  ['closed', err('Connection is closed.'), 'CONNECTION_LOST', 'CONNECTION_LOST'],
  ['aborted in a pipeline', err('Command aborted due to connection close'), 'CONNECTION_LOST', 'CONNECTION_LOST'],
  ['not writeable', err("Stream isn't writeable and enableOfflineQueue options is false"), 'CONNECTION_LOST', 'CONNECTION_LOST'],
  ['max retries', err('Reached the max retries per request limit (which is 0). Refer to "maxRetriesPerRequest" option for details.', { name: 'MaxRetriesPerRequestError' }), 'CONNECTION_LOST', 'CONNECTION_LOST'],
  ['garbage', err('Unknown RESP type 0 "\u0000". Please report this.'), 'CONNECTION_LOST', 'CONNECTION_LOST'],
  ['reset', err('read ECONNRESET', { code: 'ECONNRESET' }), 'CONNECTION_LOST', 'CONNECTION_LOST'],
  ['broken pipe', err('write EPIPE', { code: 'EPIPE' }), 'CONNECTION_LOST', 'CONNECTION_LOST'],
  ['maxclients', err('ERR max number of clients reached'), 'TOO_MANY_CLIENTS', 'TOO_MANY_CLIENTS'],
  ['loading', err('LOADING Redis is loading the dataset in memory'), 'SERVER_LOADING', 'SERVER_LOADING'],
  ['busy script', err('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'), 'SERVER_BUSY', 'SERVER_BUSY'],
  ['noauth', err('NOAUTH Authentication required.'), 'AUTH_REQUIRED', 'AUTH_REQUIRED'],
  ['a slot being moved', err('TRYAGAIN Multiple keys request during rehashing of slot'), 'CLUSTER_SLOT_MOVING', 'CLUSTER_SLOT_MOVING'],
  ['a slot moved', err('MOVED 3999 127.0.0.1:7002'), 'CLUSTER_MOVED', 'CLUSTER_MOVED'],
  ['a slot half moved', err('ASK 3999 127.0.0.1:7002'), 'CLUSTER_MOVED', 'CLUSTER_MOVED'],
  ['an unknown reply', err('ERR something new'), 'CONNECTION_LOST', 'UNKNOWN'],
];

describe('classifyError', () => {
  for (const [what, e, select, command] of TABLE) {
    test(what, () => {
      assert.equal(classifyError(e, 'select'), select, 'during SELECT');
      assert.equal(classifyError(e, 'command'), command, 'for a command');
    });
  }

  test('AUTH replies', () => {
    const cases: Array<[string, ErrorPhase, ErrorCode]> = [
      ['ERR invalid password', 'auth', 'WRONG_PASSWORD'],
      ['WRONGPASS invalid username-password pair or user is disabled.', 'auth', 'WRONG_PASSWORD'],
      ['ERR Client sent AUTH, but no password is set', 'auth', 'AUTH_NOT_NEEDED'],
      ['ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?', 'auth', 'AUTH_NOT_NEEDED'],
      ['Command timed out', 'auth', 'COMMAND_TIMEOUT'],
      ['Connection is closed.', 'auth', 'CONNECTION_LOST'],
      ['ERR max number of clients reached', 'auth', 'TOO_MANY_CLIENTS'],
    ];
    for (const [message, phase, code] of cases) {
      assert.equal(classifyError(err(message), phase), code, message);
    }
  });

  test('before the handshake a closed socket means a TLS mismatch, a socket time-out a connect time-out', () => {
    assert.equal(classifyError(err('Connection is closed.'), 'connect'), 'TLS_MISMATCH');
    assert.equal(classifyError(err('connect ETIMEDOUT', { code: 'ETIMEDOUT' }), 'connect'), 'CONNECT_TIMEOUT');
    assert.equal(classifyError(err('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }), 'connect'), 'CONNECTION_REFUSED');
  });

  test('every "connection went away" text of the installed ioredis is recognised', () => {
    const require = createRequire(import.meta.url);
    const built = dirname(require.resolve('ioredis'));
    const sources = ['Redis.js', 'redis/event_handler.js', 'utils/index.js', 'errors/MaxRetriesPerRequestError.js', 'DataHandler.js'].map((f) => readFileSync(join(built, f), 'utf8'));
    const texts = [
      /CONNECTION_CLOSED_ERROR_MSG = "([^"]+)"/,
      /AbortError\("(Command aborted due to connection close)"\)/,
      /new Error\("(Stream isn't writeable[^"]*)"\)/,
      /`(Reached the max retries per request limit) \(which is/,
    ];
    for (const pattern of texts) {
      const found = sources.map((s) => pattern.exec(s)?.[1]).find((t) => t !== undefined);
      assert.ok(found, `ioredis no longer has ${String(pattern)}: check the mapping`);
      assert.equal(classifyError(err(found), 'command'), 'CONNECTION_LOST', found);
    }
    assert.ok(sources.some((s) => s.includes('err.message += ". Please report this."')), 'ioredis marks parser failures as before');
  });
});

describe('toNovaError', () => {
  test('keeps the first line, scrubbed', () => {
    registerSecret('Hunter2secret');
    try {
      const e = toNovaError(err('WRONGPASS invalid username-password pair\ncommand: auth Hunter2secret'), 'auth');
      assert.equal(e.code, 'WRONG_PASSWORD');
      assert.equal(e.detail, 'WRONGPASS invalid username-password pair');
      assert.ok(!toNovaError(err('ERR Hunter2secret'), 'command').detail.includes('Hunter2secret'));
    } finally {
      clearSecrets();
    }
  });

  test('a MULTI refused at EXEC takes the code and text of the queued command that was refused', () => {
    const abort = err('EXECABORT Transaction discarded because of previous errors.', { previousErrors: [err('TRYAGAIN Multiple keys request during rehashing of slot')] });
    const e = toNovaError(abort);
    assert.equal(e.code, 'CLUSTER_SLOT_MOVING');
    assert.equal(e.detail, 'TRYAGAIN Multiple keys request during rehashing of slot');
    assert.equal(toNovaError(err('EXECABORT Transaction discarded because of previous errors.')).code, 'UNKNOWN', 'without the queued errors');
  });
});
