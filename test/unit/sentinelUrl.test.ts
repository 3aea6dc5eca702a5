/** The redis+sentinel:// form: what each part becomes, what is refused, and what is shown. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isNovaError, type ErrorCode } from '../../src/redis/errors';
import { isSentinelTarget, parseSentinelUrl } from '../../src/redis/sentinelUrl';
import { parseRedisUrl, redactedUrl } from '../../src/redis/url';

describe('redis+sentinel:// URLs', () => {
  test('every part: user, password, several Sentinels, service, DB, Sentinel password', () => {
    const t = parseRedisUrl('redis+sentinel://app:p%40ss@10.0.0.1:26379,[::1]:26380,sentinel-c/novamaster/1?sentinel_password=s%3Acret');
    assert.ok(isSentinelTarget(t));
    assert.deepEqual(t.sentinel, {
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
        { host: 'sentinel-c', port: 26379 },
      ],
      name: 'novamaster',
      password: 's:cret',
    });
    assert.equal(t.username, 'app');
    assert.equal(t.password, 'p@ss');
    assert.equal(t.db, 1);
    assert.equal(t.tls, false);
    assert.equal(t.host, '10.0.0.1');
  });

  test('no DB means DB 0; a trailing slash changes nothing; no password means none', () => {
    for (const url of ['redis+sentinel://h:1/svc', 'redis+sentinel://h:1/svc/']) {
      const t = parseSentinelUrl(url);
      assert.equal(t.db, 0, url);
      assert.equal(t.sentinel.name, 'svc');
      assert.equal(t.password, undefined);
      assert.equal(t.sentinel.password, undefined);
    }
  });

  test('a password alone (":pw@") is the master password, as in redis://', () => {
    const t = parseSentinelUrl('redis+sentinel://:pw@h/svc/2');
    assert.equal(t.password, 'pw');
    assert.equal(t.username, undefined);
    assert.equal(t.db, 2);
  });

  const refused: [string, string, ErrorCode][] = [
    ['no service name', 'redis+sentinel://h:26379', 'URL_MALFORMED'],
    ['an empty service name', 'redis+sentinel://h:26379//1', 'URL_MALFORMED'],
    ['a DB that is not an integer', 'redis+sentinel://h:26379/svc/one', 'DB_INVALID'],
    ['a negative DB', 'redis+sentinel://h:26379/svc/-1', 'DB_INVALID'],
    ['a path with more than a DB', 'redis+sentinel://h:26379/svc/1/2', 'URL_MALFORMED'],
    ['a port that is not a number', 'redis+sentinel://h:2x/svc', 'URL_MALFORMED'],
    ['a port out of range', 'redis+sentinel://h:70000/svc', 'URL_MALFORMED'],
    ['an empty address in the list', 'redis+sentinel://h:1,,g:2/svc', 'URL_MALFORMED'],
    ['no address at all', 'redis+sentinel:///svc', 'URL_MALFORMED'],
  ];
  for (const [what, url, code] of refused) {
    test(`refused: ${what} (${code})`, () => {
      assert.throws(() => parseRedisUrl(url), (err: unknown) => isNovaError(err, code));
    });
  }

  test('an unencoded "#" in the password never reaches an error message', () => {
    assert.throws(
      () => parseRedisUrl('redis+sentinel://:zq#xv@h:1/svc'),
      (err: unknown) => isNovaError(err) && !/zq|xv/.test(err.message) && !/zq|xv/.test(JSON.stringify(err.args)),
    );
  });

  test('shown form: every Sentinel, the service and DB, both passwords masked', () => {
    const t = parseRedisUrl('redis+sentinel://app:secret@h1:1,h2:2/svc/3?sentinel_password=other');
    const shown = redactedUrl(t);
    assert.equal(shown, 'redis+sentinel://app:***@h1:1,h2:2/svc/3?sentinel_password=***');
    assert.ok(!shown.includes('secret') && !shown.includes('other'));
  });

  test('redis:// URLs are untouched by the Sentinel form', () => {
    const t = parseRedisUrl('redis://localhost:6379/1');
    assert.equal(isSentinelTarget(t), false);
    assert.equal(redactedUrl(t), 'redis://localhost:6379/1');
  });
});
