/**
 * The scrubber is the last gate before the log and the UI: a registered password must disappear in
 * every spelling an echo may use, and credentials in URLs and AUTH commands must disappear even when
 * nobody registered them. Text without secrets must come out unchanged.
 */
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { clearSecrets, registerSecret, scrub, scrubError } from '../../src/redis/scrub';

const SECRET = `S3cr#t/p@ss w:rd"q'\\+~!é`;

/** Every spelling of the secret the scrubber promises to mask, to check none survived. */
function spellings(secret: string): string[] {
  const js = encodeURIComponent(secret);
  const py = js.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const lowerHex = (t: string) => t.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
  return [secret, js, py, lowerHex(js), lowerHex(py), JSON.stringify(secret).slice(1, -1), inspect(secret).slice(1, -1)];
}

function assertNoSecret(text: string, secret: string, label = ''): void {
  for (const form of spellings(secret)) {
    assert.ok(!text.includes(form), `${label}: "${form}" survived in ${JSON.stringify(text)}`);
  }
}

beforeEach(() => clearSecrets());

void describe('registered secrets', () => {
  void test('the raw secret is masked anywhere, every time', () => {
    registerSecret(SECRET);
    const out = scrub(`start ${SECRET} middle${SECRET}end ${SECRET}`);
    assert.equal(out, 'start *** middle***end ***');
  });

  void test('percent-encoded forms are masked: JS, Python quote(), lower-case hex', () => {
    registerSecret(SECRET);
    const js = encodeURIComponent(SECRET);
    const py = js.replace(/'/g, '%27').replace(/!/g, '%21');
    const lowerHex = py.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
    assert.notEqual(lowerHex, py);
    for (const form of [js, py, lowerHex, encodeURI(SECRET)]) {
      assert.equal(scrub(`x=${form};`), 'x=***;', form);
    }
  });

  void test('JSON and inspect() escapes are masked', () => {
    registerSecret(SECRET);
    const json = JSON.stringify({ password: SECRET });
    const shown = inspect({ password: SECRET });
    assert.ok(!json.includes(SECRET) && !shown.includes(SECRET), 'both escape the secret, or this test proves nothing');
    assertNoSecret(scrub(json), SECRET, 'JSON');
    assertNoSecret(scrub(shown), SECRET, 'inspect');
    assert.equal(scrub(json), '{"password":"***"}');
  });

  void test('a secret that is a substring of another is masked, and the longer one whole', () => {
    registerSecret('abc');
    registerSecret('abcdef');
    assert.equal(scrub('1 abcdef 2 abc 3 xabcdefx'), '1 *** 2 *** 3 x***x');
  });

  void test('registering nothing or an empty password masks nothing', () => {
    registerSecret(undefined);
    registerSecret('');
    assert.equal(scrub('a b c'), 'a b c');
  });

  void test('clearSecrets forgets them', () => {
    registerSecret('forget-me');
    assert.equal(scrub('forget-me'), '***');
    clearSecrets();
    assert.equal(scrub('forget-me'), 'forget-me');
  });
});

void describe('credentials masked without registration', () => {
  const cases: Array<[string, string, string]> = [
    ['URL password', 'connect redis://:hunter2@localhost:6379/1 now', 'connect redis://:***@localhost:6379/1 now'],
    ['URL user and password', 'rediss://nova:hunter2@cache:6380/0', 'rediss://nova:***@cache:6380/0'],
    ['unencoded @ in a URL password: up to the last @', 'redis://:hun@ter2@localhost/1', 'redis://:***@localhost/1'],
    ['lone user of a redis URL', 'redis://hunter2@localhost:6379/1', 'redis://***@localhost:6379/1'],
    ['other schemes too', 'Invalid URL: https://u:hunter2@host/x', 'Invalid URL: https://u:***@host/x'],
    ['AUTH pass', 'AUTH hunter2', 'AUTH ***'],
    ['AUTH user pass', 'sent AUTH nova hunter2', 'sent AUTH *** ***'],
    ['auth(user, pass)', 'auth(nova, hunter2) failed', 'auth(***, ***) failed'],
    ['auth(pass) quoted', "auth('hunter2')", "auth(***)"],
    ['ioredis debug form', "write command: auth([ 'hunter2' ])", "write command: auth([ *** ])"],
    ['MONITOR line', '1700000000.123456 [0 127.0.0.1:50000] "AUTH" "hunter2"', '1700000000.123456 [0 127.0.0.1:50000] "AUTH" ***'],
    ['MONITOR line with user', '1700000000.123456 [0 127.0.0.1:50000] "auth" "nova" "hunter2"', '1700000000.123456 [0 127.0.0.1:50000] "auth" *** ***'],
    ['Python repr', "('AUTH', 'hunter2')", "('AUTH', ***)"],
    ['inspect() of an ioredis ReplyError', "{\n  command: { name: 'auth', args: [ 'nova', 'hunter2' ] }\n}", "{\n  command: { name: 'auth', args: [ ***, *** ] }\n}"],
    ['JSON of an ioredis ReplyError', '{"command":{"name":"auth","args":["hunter2"]}}', '{"command":{"name":"auth","args":[***]}}'],
    ['escaped quote inside a quoted argument', "args: [ 'hun\\'ter2' ] name: 'auth', args: [ 'hun\\'ter2' ]", "args: [ 'hun\\'ter2' ] name: 'auth', args: [ *** ]"],
  ];
  for (const [name, text, expected] of cases) {
    void test(name, () => {
      const out = scrub(text);
      assert.equal(out, expected);
      assert.equal(scrub(out), out, 'scrubbing twice changes nothing');
    });
  }
});

void describe('text without secrets', () => {
  const unchanged = [
    'NOAUTH Authentication required.',
    'WRONGPASS invalid username-password pair or user is disabled.',
    'ERR invalid password',
    'auth failed: check the password',
    'author: Ada; authority granted',
    'Connecting to redis://localhost:6379/1 (from .env:3)',
    'redis://[::1]:6380/2',
    'https://example.com/a/b?c=d',
    'mail ops@example.com about it',
    'SCAN 0 MATCH user:* COUNT 1000',
    'ERR AUTH <password> called without any password configured for the default user.',
    '',
  ];
  for (const text of unchanged) {
    void test(`unchanged: ${JSON.stringify(text)}`, () => {
      registerSecret('not-in-the-text');
      assert.equal(scrub(text), text);
    });
  }
});

void describe('scrubError', () => {
  void test('an Error gives its scrubbed message only', () => {
    registerSecret(SECRET);
    const err = Object.assign(new Error(`connect failed for ${SECRET}`), { command: { name: 'auth', args: [SECRET] } });
    assert.equal(scrubError(err), 'connect failed for ***');
  });

  void test('an Error without registration still loses AUTH and URL credentials', () => {
    assert.equal(scrubError(new Error('Invalid URL redis://:hunter2@h:x/1')), 'Invalid URL redis://:***@h:x/1');
  });

  void test('values that are not Errors', () => {
    registerSecret(SECRET);
    assert.equal(scrubError(`${SECRET} thrown as a string`), '*** thrown as a string');
    assert.equal(scrubError(undefined), 'undefined');
    assert.equal(scrubError({ password: SECRET }), '[object Object]');
  });
});
