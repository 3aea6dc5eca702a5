/**
 * parseRedisUrl must read REDIS_URL exactly as the backend's `redis.Redis.from_url` does (redis-py
 * 6.4 in production). Every case has a hand-written expectation, and the whole table also goes
 * through the real redis-py (one Python process per interpreter: `/usr/bin/python3`, `python3` on
 * PATH, and any interpreter listed in NOVA_TEST_PYTHONS, separated like PATH).
 *
 * Documented differences from redis-py, each marked `why` in the table:
 * - `db-not-integer`: redis-py silently uses DB 0 for a path that is not an integer; we throw
 *   DB_INVALID (showing the wrong DB is worse than an error).
 * - `db-out-of-range`: redis-py passes a negative or huge DB on and fails at SELECT; we throw
 *   DB_INVALID before connecting.
 * - `port-out-of-range`: a `?port=` outside 1..65535 reaches the socket, which refuses it; we throw
 *   URL_MALFORMED before connecting.
 * - `unix-socket`: unix:// sockets are not supported (URL_SCHEME).
 * - `hash-in-password`: a raw `#` before the `@` (python-dotenv keeps it): redis-py cuts the URL at
 *   the `#` and connects with a piece of the password as host or port, DB 0; we throw
 *   URL_UNENCODED_HASH, which tells the user to write `%23`.
 * Where redis-py raises, we throw: URL_SCHEME for the scheme, DB_INVALID for `?db=`, URL_MALFORMED
 * for the rest.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { isNovaError, NovaError, type ErrorCode } from '../../src/redis/errors';
import { hostPort, intendedCredentials, NOVA_DEFAULT_URL, parseRedisUrl, pyUnquote, redactedUrl, type RedisTarget } from '../../src/redis/url';
import { PythonOracles, type OracleInfo } from '../support/pythonOracle';

/** redis-py behaviours that changed between versions (production runs 6.4: `current`). */
type RedisPyDialect = 'before-4.4' | 'current' | 'since-8.1';

function dialectForVersion(version: string): RedisPyDialect {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  if (major < 4 || (major === 4 && minor < 4)) {
    // 4.4 checks the raw text for a lower-case `redis://` prefix.
    return 'before-4.4';
  }
  if (major < 8 || (major === 8 && minor < 1)) {
    return 'current';
  }
  // 8.1 no longer percent-decodes query values a second time.
  return 'since-8.1';
}

interface Values {
  host: string;
  port: number;
  db: number;
  username: string | null;
  password: string | null;
  tls: boolean;
}
type PyOutcome = { error: 'ValueError' } | { unix: true } | Values;
type Expected = { error: ErrorCode } | Values;

interface Case {
  name: string;
  url: string;
  /** What parseRedisUrl returns or throws. */
  nova: Expected;
  /** What redis-py 6.4 gives, only where it differs from `nova` (see `why`). */
  py?: PyOutcome;
  why?: 'db-not-integer' | 'db-out-of-range' | 'port-out-of-range' | 'unix-socket' | 'hash-in-password';
  /** Other redis-py versions, where they differ from 6.4. */
  legacy?: Partial<Record<Exclude<RedisPyDialect, 'current'>, PyOutcome>>;
  /** redis-py accepts the URL but cannot build a connection from it (TypeError on the first command). */
  backendFails?: boolean;
}

function v(host: string, port: number, db: number, extra: Partial<Values> = {}): Values {
  return { host, port, db, username: null, password: null, tls: false, ...extra };
}
const E = (error: ErrorCode): Expected => ({ error });
const PY_ERROR: PyOutcome = { error: 'ValueError' };
/** A raw `#` before the `@` that redis-py accepts, connecting with what precedes it: we refuse. */
const hashInPassword = (name: string, url: string, py: Values): Case => ({ name, url, nova: E('URL_UNENCODED_HASH'), py, why: 'hash-in-password' });

const CASES: Case[] = [
  // NOVA's own URLs
  { name: "NOVA's default URL", url: 'redis://localhost:6379/1', nova: v('localhost', 6379, 1) },
  { name: "NOVA's URL with requirepass", url: 'redis://:password@localhost:6379/1', nova: v('localhost', 6379, 1, { password: 'password' }) },
  { name: 'no path: DB 0', url: 'redis://localhost:6379', nova: v('localhost', 6379, 0) },
  { name: 'trailing slash only: DB 0', url: 'redis://localhost:6379/', nova: v('localhost', 6379, 0) },
  { name: 'scheme only: every default', url: 'redis://', nova: v('localhost', 6379, 0) },

  // passwords and users
  {
    name: 'percent-encoded @ : / # % + space in the password',
    url: 'redis://:p%40ss%3Aw%2Frd%23x%25y%2Bz%20s@localhost:6379/1',
    nova: v('localhost', 6379, 1, { password: 'p@ss:w/rd#x%y+z s' }),
  },
  { name: 'a + in the password stays a +', url: 'redis://:a+b@localhost/1', nova: v('localhost', 6379, 1, { password: 'a+b' }) },
  { name: 'invalid escapes stay as written', url: 'redis://:%ZZ%4x%@localhost/1', nova: v('localhost', 6379, 1, { password: '%ZZ%4x%' }) },
  { name: 'UTF-8 escapes decode', url: 'redis://:%C3%A9t%C3%A9@localhost/1', nova: v('localhost', 6379, 1, { password: 'été' }) },
  {
    name: 'invalid UTF-8 escapes become U+FFFD, one per maximal subpart',
    url: 'redis://:%F0%80%80x%C3@localhost/1',
    nova: v('localhost', 6379, 1, { password: '\ufffd\ufffd\ufffdx\ufffd' }),
  },
  { name: 'an encoded BOM is kept', url: 'redis://:%EF%BB%BFpw@localhost/1', nova: v('localhost', 6379, 1, { password: '\ufeffpw' }) },
  {
    name: 'ACL user and password',
    url: 'redis://nova:s3cret@cache.example:6380/2',
    nova: v('cache.example', 6380, 2, { username: 'nova', password: 's3cret' }),
  },
  { name: 'user without password', url: 'redis://nova@localhost/1', nova: v('localhost', 6379, 1, { username: 'nova' }) },
  { name: 'empty password is no password', url: 'redis://nova:@localhost/1', nova: v('localhost', 6379, 1, { username: 'nova' }) },
  { name: 'encoded colon in the user name', url: 'redis://us%3Aer:pw@localhost/1', nova: v('localhost', 6379, 1, { username: 'us:er', password: 'pw' }) },
  { name: 'colons after the first belong to the password', url: 'redis://:pw:with:colons@localhost/1', nova: v('localhost', 6379, 1, { password: 'pw:with:colons' }) },
  { name: 'unencoded @ in the password: the last @ ends it', url: 'redis://:p@ss@localhost:6379/1', nova: v('localhost', 6379, 1, { password: 'p@ss' }) },
  { name: 'unencoded # in the password: refused (redis-py: the port is not a number)', url: 'redis://:pa#ss@localhost:6379/1', nova: E('URL_UNENCODED_HASH') },
  { name: 'unencoded # in user and password: refused', url: 'redis://nova:pa#ss@localhost/1', nova: E('URL_UNENCODED_HASH') },
  hashInPassword('unencoded # in a password missing its colon: redis-py takes a piece of it for the host', 'redis://pa#ss@localhost/1', v('pa', 6379, 0)),
  hashInPassword('unencoded # after digits: redis-py takes them for the port', 'redis://:6380#ss@localhost/1', v('localhost', 6380, 0)),
  hashInPassword('unencoded # first in the password: redis-py silently uses localhost, DB 0, no password', 'redis://:#secret@localhost:6379/1', v('localhost', 6379, 0)),
  { name: 'unencoded / in the password breaks the port', url: 'redis://:pa/ss@localhost:6379/1', nova: E('URL_MALFORMED') },
  { name: 'unencoded ? in the password breaks the port', url: 'redis://:pa?ss@localhost:6379/1', nova: E('URL_MALFORMED') },
  {
    name: 'digits then unencoded / in the password: a port, and a path that is no DB',
    url: 'redis://:6380/secret@localhost/1',
    nova: E('DB_INVALID'),
    py: v('localhost', 6380, 0),
    why: 'db-not-integer',
  },
  { name: 'unencoded [ in the password', url: 'redis://:pa[ss@localhost/1', nova: E('URL_MALFORMED') },
  { name: 'fullwidth @ in the password normalizes to a delimiter', url: 'redis://:p\uff20x@localhost/1', nova: E('URL_MALFORMED') },

  // TLS
  { name: 'rediss:// is TLS', url: 'rediss://:pw@cache.example:6380/0', nova: v('cache.example', 6380, 0, { password: 'pw', tls: true }) },
  { name: 'rediss:// without path', url: 'rediss://cache.example', nova: v('cache.example', 6379, 0, { tls: true }) },

  // the DB
  { name: '?db= wins over the path', url: 'redis://localhost:6379/1?db=3', nova: v('localhost', 6379, 3) },
  { name: 'the first ?db= wins', url: 'redis://localhost/1?db=3&db=4', nova: v('localhost', 6379, 3) },
  { name: '?db= makes a bad path harmless', url: 'redis://localhost/abc?db=2', nova: v('localhost', 6379, 2) },
  { name: 'empty ?db= is ignored', url: 'redis://localhost/2?db=', nova: v('localhost', 6379, 2) },
  { name: '?db=x', url: 'redis://localhost/1?db=x', nova: E('DB_INVALID') },
  { name: '?db=+4 (+ is a space, int() strips it)', url: 'redis://localhost/1?db=+4', nova: v('localhost', 6379, 4) },
  { name: 'path /1/', url: 'redis://localhost/1/', nova: v('localhost', 6379, 1) },
  { name: 'path /01', url: 'redis://localhost/01', nova: v('localhost', 6379, 1) },
  { name: 'path / 1', url: 'redis://localhost/ 1', nova: v('localhost', 6379, 1) },
  { name: 'path /%31 is unquoted', url: 'redis://localhost/%31', nova: v('localhost', 6379, 1) },
  { name: 'path /1_0 (int() reads underscores)', url: 'redis://localhost/1_0', nova: v('localhost', 6379, 10) },
  { name: 'Arabic-Indic digit three', url: 'redis://localhost/%D9%A3', nova: v('localhost', 6379, 3) },
  { name: 'path /abc', url: 'redis://localhost/abc', nova: E('DB_INVALID'), py: v('localhost', 6379, 0), why: 'db-not-integer' },
  { name: 'path /1;db=3 (no ; parameters for redis://)', url: 'redis://localhost/1;db=3', nova: E('DB_INVALID'), py: v('localhost', 6379, 0), why: 'db-not-integer' },
  { name: 'path /-1', url: 'redis://localhost/-1', nova: E('DB_INVALID'), py: v('localhost', 6379, -1), why: 'db-out-of-range' },
  { name: 'path /99999999999', url: 'redis://localhost/99999999999', nova: E('DB_INVALID'), py: v('localhost', 6379, 99999999999), why: 'db-out-of-range' },

  // hosts
  { name: 'IPv6 with port', url: 'redis://[::1]:6380/1', nova: v('::1', 6380, 1) },
  { name: 'IPv6 without port', url: 'redis://[::1]/1', nova: v('::1', 6379, 1) },
  { name: 'IPv4-mapped IPv6', url: 'redis://:pw@[::ffff:127.0.0.1]:6379/1', nova: v('::ffff:127.0.0.1', 6379, 1, { password: 'pw' }) },
  { name: 'IPv6 zone id keeps its case', url: 'redis://[FE80::1%25Eth0]:6379/1', nova: v('fe80::1%Eth0', 6379, 1) },
  { name: 'IPv4 in brackets', url: 'redis://[127.0.0.1]:6379/1', nova: E('URL_MALFORMED') },
  { name: 'unterminated bracket', url: 'redis://[::1:6379/1', nova: E('URL_MALFORMED') },
  { name: 'upper-case host is lowered', url: 'redis://LocalHost:6379/1', nova: v('localhost', 6379, 1) },
  { name: 'host is unquoted after lowering', url: 'redis://%4C/1', nova: v('L', 6379, 1) },

  // ports
  { name: 'empty port', url: 'redis://localhost:/1', nova: v('localhost', 6379, 1) },
  { name: 'port 0 is falsy: 6379', url: 'redis://localhost:0/1', nova: v('localhost', 6379, 1) },
  { name: 'port 65535', url: 'redis://localhost:65535/1', nova: v('localhost', 65535, 1) },
  { name: 'port 65536', url: 'redis://localhost:65536/1', nova: E('URL_MALFORMED') },
  { name: 'port abc', url: 'redis://localhost:abc/1', nova: E('URL_MALFORMED') },
  { name: 'port +1', url: 'redis://localhost:+1/1', nova: E('URL_MALFORMED') },
  { name: 'two colons', url: 'redis://localhost:1:2/1', nova: E('URL_MALFORMED') },

  // schemes and whitespace
  {
    name: 'upper-case scheme',
    url: 'REDIS://LOCALHOST:6379/1',
    nova: E('URL_SCHEME'),
    legacy: { 'before-4.4': v('localhost', 6379, 1) },
  },
  {
    name: 'leading spaces',
    url: '  redis://localhost:6379/1',
    nova: E('URL_SCHEME'),
    legacy: { 'before-4.4': v('localhost', 6379, 1) },
  },
  { name: 'tabs and newlines inside are dropped', url: 'redis://local\thost:63\n79/\r1', nova: v('localhost', 6379, 1) },
  { name: 'trailing newline', url: 'redis://localhost:6379/1\n', nova: v('localhost', 6379, 1) },
  {
    name: 'redis: without //',
    url: 'redis:localhost:6379/1',
    nova: E('URL_SCHEME'),
    legacy: { 'before-4.4': v('localhost', 6379, 0) },
  },
  { name: 'unix socket', url: 'unix:///tmp/redis.sock?db=1', nova: E('URL_SCHEME'), py: { unix: true }, why: 'unix-socket' },
  { name: 'http://', url: 'http://localhost:6379/1', nova: E('URL_SCHEME') },
  { name: 'no scheme', url: 'localhost:6379', nova: E('URL_SCHEME') },
  { name: 'empty URL', url: '', nova: E('URL_SCHEME') },

  // fragment and query arguments
  { name: 'a fragment is dropped', url: 'redis://localhost:6379/1#cache', nova: v('localhost', 6379, 1) },
  { name: 'known query arguments', url: 'redis://localhost:6379/1?socket_timeout=5&health_check_interval=30', nova: v('localhost', 6379, 1) },
  { name: 'unknown query argument', url: 'redis://localhost:6379/1?foo=bar', nova: v('localhost', 6379, 1), backendFails: true },
  { name: '; does not separate query arguments', url: 'redis://localhost/1?a=1;db=3', nova: v('localhost', 6379, 1), backendFails: true },
  { name: '?socket_timeout=abc', url: 'redis://localhost/1?socket_timeout=abc', nova: E('URL_MALFORMED') },
  {
    name: '?timeout=x (converted since 5.0.2)',
    url: 'redis://localhost/1?timeout=x',
    nova: E('URL_MALFORMED'),
    legacy: { 'before-4.4': v('localhost', 6379, 1) },
    backendFails: true,
  },
  { name: '?password=', url: 'redis://localhost/1?password=s%40cret', nova: v('localhost', 6379, 1, { password: 's@cret' }) },
  { name: 'the URL password wins over ?password=', url: 'redis://:url@localhost/1?password=query', nova: v('localhost', 6379, 1, { password: 'url' }) },
  {
    name: '?password= is decoded twice',
    url: 'redis://localhost/1?password=a%2525b',
    nova: v('localhost', 6379, 1, { password: 'a%b' }),
    legacy: { 'since-8.1': v('localhost', 6379, 1, { password: 'a%25b' }) },
  },
  { name: '?host= and ?port= fill in a missing host and port', url: 'redis:///2?host=cache&port=6380', nova: v('cache', 6380, 2) },
  { name: '?port=99999', url: 'redis://localhost?port=99999', nova: E('URL_MALFORMED'), py: v('localhost', 99999, 0), why: 'port-out-of-range' },
  { name: '?port=abc', url: 'redis://localhost?port=abc', nova: E('URL_MALFORMED') },
];

function novaOutcome(url: string): Expected {
  try {
    const t = parseRedisUrl(url);
    return { host: t.host, port: t.port, db: t.db, username: t.username ?? null, password: t.password ?? null, tls: t.tls };
  } catch (err) {
    assert.ok(err instanceof NovaError, `not a NovaError: ${String(err)}`);
    return { error: err.code };
  }
}

function pyExpected(c: Case, dialect: RedisPyDialect): PyOutcome {
  const legacy = dialect === 'current' ? undefined : c.legacy?.[dialect];
  if (legacy) {
    return legacy;
  }
  if (c.py) {
    return c.py;
  }
  return 'error' in c.nova ? PY_ERROR : c.nova;
}

void describe('parseRedisUrl, hand-written expectations', () => {
  void test('the table covers enough cases', () => {
    assert.ok(CASES.length >= 40, `only ${CASES.length} cases`);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, 'case names must be unique');
    assert.equal(new Set(CASES.map((c) => c.url)).size, CASES.length, 'URLs must be unique');
  });

  void test('every difference from redis-py 6.4 is one of the documented ones', () => {
    for (const c of CASES) {
      if (c.py) {
        assert.ok(c.why, `${c.name}: undocumented difference`);
        assert.ok(!('error' in c.py), `${c.name}: redis-py raises too, no difference to document`);
        const code = 'error' in c.nova ? c.nova.error : undefined;
        const expected = {
          'db-not-integer': 'DB_INVALID',
          'db-out-of-range': 'DB_INVALID',
          'port-out-of-range': 'URL_MALFORMED',
          'unix-socket': 'URL_SCHEME',
          'hash-in-password': 'URL_UNENCODED_HASH',
        } as const;
        assert.equal(code, expected[c.why], c.name);
      } else {
        assert.equal(c.why, undefined, c.name);
      }
    }
  });

  for (const c of CASES) {
    void test(c.name, () => {
      assert.deepEqual(novaOutcome(c.url), c.nova);
    });
  }

  void test('the default URL is NOVA DB 1 on localhost', () => {
    assert.deepEqual(parseRedisUrl(NOVA_DEFAULT_URL), { tls: false, host: 'localhost', port: 6379, db: 1 });
  });

  void test('pyUnquote leaves text without escapes alone and decodes runs', () => {
    assert.equal(pyUnquote('a+b c'), 'a+b c');
    assert.equal(pyUnquote('%%41%'), '%A%');
    assert.equal(pyUnquote('%e2%82%ac%E2%82'), '€\ufffd');
  });

  void test('hostPort brackets IPv6 hosts', () => {
    assert.equal(hostPort({ host: 'localhost', port: 6379 }), 'localhost:6379');
    assert.equal(hostPort(parseRedisUrl('redis://[::1]:6380/1')), '[::1]:6380');
  });
});

void describe('no secret leaves parseRedisUrl or redactedUrl', () => {
  const SECRET = 'Hunter2xyz';
  const MALFORMED = [
    `redis://:${SECRET}#@localhost:6379/1`,
    `redis://${SECRET}#${SECRET}@localhost:6379/1`,
    `redis://:${SECRET}#${SECRET}@localhost:6379/1`,
    `redis://:${SECRET}/x@localhost:6379/1`,
    `redis://:${SECRET}?@localhost:6379/1`,
    `redis://:12345/${SECRET}@localhost/1`,
    `redis://:${SECRET}@localhost:99999/1`,
    `redis://:${SECRET}[@localhost/1`,
    `redis://:${SECRET}@[${SECRET}]/1`,
    `REDIS://:${SECRET}@localhost/1`,
    ` redis://:${SECRET}@localhost/1`,
    `${SECRET}://localhost/1`,
    `redis://:${SECRET}@localhost/${SECRET}`,
    `redis://:${SECRET}@localhost/-1`,
    `redis://localhost/1?db=${SECRET}`,
    `redis://localhost/1?socket_timeout=${SECRET}`,
    `redis://localhost?port=${SECRET}`,
    `unix://:${SECRET}@/tmp/redis.sock`,
  ];

  for (const url of MALFORMED) {
    void test(`error for ${url.replaceAll(SECRET, 'SECRET')}`, () => {
      let thrown: unknown;
      try {
        parseRedisUrl(url);
      } catch (err) {
        thrown = err;
      }
      assert.ok(isNovaError(thrown), 'a NovaError is thrown');
      const views = [thrown.message, thrown.detail, String(thrown), JSON.stringify(thrown), JSON.stringify(thrown.args), inspect(thrown), thrown.stack ?? ''];
      for (const view of views) {
        assert.ok(!view.includes(SECRET), `the password shows in ${thrown.code}: ${view.replaceAll(SECRET, '<SECRET>')}`);
        assert.ok(!view.includes(url.trim().slice(0, 12)), `the URL shows in ${thrown.code}`);
      }
    });
  }

  void test('redactedUrl never shows the password, whatever the case', () => {
    let checked = 0;
    for (const c of CASES) {
      if ('error' in c.nova || !c.nova.password) {
        continue;
      }
      const target = parseRedisUrl(c.url);
      const shown = redactedUrl(target);
      assert.ok(!shown.includes(c.nova.password), `${c.name}: ${shown}`);
      assert.ok(!shown.includes(encodeURIComponent(c.nova.password)), `${c.name}: ${shown}`);
      assert.match(shown, /:\*\*\*@/, c.name);
      checked++;
    }
    assert.ok(checked >= 10, `only ${checked} cases with a password`);
  });

  void test('redactedUrl shows scheme, user, host, port and DB', () => {
    const acl: RedisTarget = parseRedisUrl('rediss://nova:s3cret@cache.example:6380/2');
    assert.equal(redactedUrl(acl), 'rediss://nova:***@cache.example:6380/2');
    assert.equal(redactedUrl(parseRedisUrl('redis://:password@localhost:6379/1')), 'redis://:***@localhost:6379/1');
    assert.equal(redactedUrl(parseRedisUrl('redis://[::1]/3')), 'redis://[::1]:6379/3');
    // The status bar marks "has a password" with an empty one.
    assert.equal(redactedUrl({ tls: false, host: 'h', port: 1, db: 0, password: '' }), 'redis://:***@h:1/0');
  });

  void test('intendedCredentials finds the password as meant, even where the URL breaks', () => {
    const password = `${SECRET}#tail`;
    assert.deepEqual(intendedCredentials(`redis://:${password}@localhost:6379/1`), [`:${password}`, password]);
    assert.deepEqual(intendedCredentials(`redis://nova:p%40ss@h/1`), ['nova:p%40ss', 'nova:p@ss', 'p%40ss', 'p@ss']);
    assert.deepEqual(intendedCredentials(`redis://${SECRET}@h/1`), [SECRET]);
    assert.deepEqual(intendedCredentials('redis://localhost:6379/1'), []);
  });

  void test('redactedUrl masks a user name that comes without a password', () => {
    const target = parseRedisUrl(`redis://${SECRET}@localhost:6379/1`);
    assert.equal(target.username, SECRET);
    assert.equal(redactedUrl(target), 'redis://***@localhost:6379/1');
  });
});

// ---- cross-check with the real redis-py ----

/** The oracle's answer: `connect` is set only when redis-py accepted the URL. */
type PythonResult = ({ error: string } | { unix: true } | Values) & { connect?: string | null };

const redisPy = new PythonOracles<PythonResult, OracleInfo & { python: string }>({
  script: resolve(__dirname, '../fixtures/url/redis_py_oracle.py'),
  module: 'redis',
  requestKey: 'urls',
  library: 'redis-py',
  installHint: 'CI installs python3-redis',
});

void describe('cross-check with the real redis-py', () => {
  before(() => {
    redisPy.runAll(CASES.map((c) => c.url));
  });

  redisPy.reportAvailability(
    (oracle) => `redis-py ${oracle.version} (${dialectForVersion(oracle.version)}) on Python ${oracle.python} from ${oracle.interpreter}: ${oracle.module}`,
  );

  redisPy.describeEach((oracle) => {
    const dialect = dialectForVersion(oracle.version);
    CASES.forEach((c, index) => {
      void test(c.name, () => {
        const python = redisPy.result(oracle, index);
        assert.ok(python, 'no result');
        const { connect = null, ...outcome } = python;
        assert.deepEqual(outcome, pyExpected(c, dialect), 'hand-written expectation of redis-py');
        assert.equal(connect !== null, c.backendFails === true && 'host' in outcome, `redis-py builds a connection (${connect ?? 'ok'})`);
        const documented = c.why !== undefined || (dialect !== 'current' && c.legacy?.[dialect] !== undefined);
        if (!documented) {
          const nova = novaOutcome(c.url);
          assert.deepEqual('error' in nova ? PY_ERROR : nova, outcome, 'parseRedisUrl agrees with redis-py');
        }
      });
    });
  });
});
