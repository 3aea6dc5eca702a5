/**
 * From a .env to a target, as the backend sees it: every case has a hand-written expectation, and
 * the whole table also goes through the real python-dotenv + redis-py (load_dotenv, then
 * os.getenv with NOVA's default, then Redis.from_url), so "the backend fails here" is checked, not
 * believed. The one documented difference: a raw `#` in the password, where redis-py connects
 * somewhere else and we refuse.
 */
import { describe, test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { targetFromEnv } from '../../src/config/envTarget';
import { NovaError, type ErrorCode } from '../../src/redis/errors';
import { clearSecrets, scrub } from '../../src/redis/scrub';
import { PythonOracles } from '../support/pythonOracle';

const SECRET = 'Hunter2secret';
const TAIL = 'xyz42tail';

type Outcome = { error: ErrorCode; line?: number } | { host: string; port: number; db: number; defaulted: boolean };
type BackendResult = { error: string } | { host: string; port: number; db: number; defaulted: boolean };

interface Case {
  name: string;
  env: string | undefined;
  nova: Outcome;
  /** What the backend does, only where it differs from `nova`. */
  backend?: BackendResult;
}

const DEFAULT = { host: 'localhost', port: 6379, db: 1, defaulted: true };

const CASES: Case[] = [
  { name: 'no .env: NOVA default', env: undefined, nova: DEFAULT },
  { name: 'no REDIS_URL line: NOVA default', env: 'OTHER=1\n', nova: DEFAULT },
  { name: 'REDIS_URL without "=" sets nothing: NOVA default', env: 'REDIS_URL\n', nova: DEFAULT },
  { name: 'REDIS_URL=redis://localhost:6380/2', env: 'A=1\nREDIS_URL=redis://localhost:6380/2\n', nova: { host: 'localhost', port: 6380, db: 2, defaulted: false } },
  { name: 'REDIS_URL= (empty) is an error, not the default', env: '# cache\nREDIS_URL=\n', nova: { error: 'URL_EMPTY', line: 2 } },
  { name: 'REDIS_URL="" is an error', env: 'REDIS_URL=""\n', nova: { error: 'URL_EMPTY', line: 1 } },
  { name: 'REDIS_URL= followed by a comment is an error', env: 'REDIS_URL= # set me\n', nova: { error: 'URL_EMPTY', line: 1 } },
  { name: 'REDIS_URL=${UNSET} expands to nothing: an error', env: 'REDIS_URL=${NOVA_TEST_SURELY_UNSET}\n', nova: { error: 'URL_EMPTY', line: 1 } },
  {
    name: 'a raw # in the password: refused (the backend fails too)',
    env: `X=1\n\nREDIS_URL=redis://:${SECRET}#${TAIL}@localhost:6379/1\n`,
    nova: { error: 'URL_UNENCODED_HASH', line: 3 },
  },
  {
    name: 'a raw # in a password missing its colon: refused (the backend connects to a piece of it, DB 0)',
    env: `REDIS_URL=redis://${SECRET}#${TAIL}@localhost/1\n`,
    nova: { error: 'URL_UNENCODED_HASH', line: 1 },
    backend: { host: SECRET.toLowerCase(), port: 6379, db: 0, defaulted: false },
  },
  { name: 'the same password with %23', env: `REDIS_URL=redis://:${SECRET}%23${TAIL}@localhost:6379/1\n`, nova: { host: 'localhost', port: 6379, db: 1, defaulted: false } },
];

function novaOutcome(env: string | undefined): Outcome {
  const r = targetFromEnv(env === undefined ? undefined : Buffer.from(env), env === undefined ? undefined : '.env', {});
  if (r.target instanceof NovaError) {
    return r.source.line === undefined ? { error: r.target.code } : { error: r.target.code, line: r.source.line };
  }
  return { host: r.target.host, port: r.target.port, db: r.target.db, defaulted: r.source.defaulted };
}

afterEach(() => clearSecrets());

void describe('targetFromEnv', () => {
  for (const c of CASES) {
    void test(c.name, () => {
      assert.deepEqual(novaOutcome(c.env), c.nova);
    });
  }

  void test('a raw # in the password: no part of it in the error, and the scrubber masks it before anything logs', () => {
    for (const env of [`REDIS_URL=redis://:${SECRET}#${TAIL}@localhost:6379/1\n`, `REDIS_URL=redis://${SECRET}#${TAIL}@localhost/1\n`]) {
      const r = targetFromEnv(Buffer.from(env), '.env', {});
      assert.ok(r.target instanceof NovaError);
      const views = [r.target.message, r.target.detail, JSON.stringify(r.target.args), inspect(r.target), JSON.stringify(r.source)];
      for (const view of views) {
        assert.ok(!view.includes(SECRET) && !view.includes(TAIL), `a piece of the password shows: ${view}`);
      }
      assert.equal(scrub(`url ${SECRET}#${TAIL} here`), 'url *** here');
    }
  });

  void test('the empty REDIS_URL names its line, and the file as given', () => {
    const r = targetFromEnv(Buffer.from('A=1\nREDIS_URL=\n'), 'backend/.env', {});
    assert.ok(r.target instanceof NovaError);
    assert.equal(r.target.code, 'URL_EMPTY');
    assert.deepEqual(r.source, { defaulted: false, file: 'backend/.env', line: 2 });
  });
});

const backend = new PythonOracles<BackendResult>({
  script: resolve(__dirname, '../fixtures/url/backend_oracle.py'),
  module: 'redis',
  requestKey: 'envs',
  library: 'python-dotenv + redis-py',
  installHint: 'CI installs python3-dotenv and python3-redis',
});

void describe('cross-check with the backend (python-dotenv + redis-py)', () => {
  before(() => {
    backend.runAll(CASES.map((c) => c.env ?? ''));
  });

  backend.reportAvailability((oracle) => `redis-py ${oracle.version} from ${oracle.interpreter}: ${oracle.module}`);

  backend.describeEach((oracle) => {
    CASES.forEach((c, index) => {
      void test(c.name, () => {
        const python = backend.result(oracle, index);
        assert.ok(python, 'no result');
        const expected: BackendResult = c.backend ?? ('error' in c.nova ? { error: 'ValueError' } : c.nova);
        assert.deepEqual(python, expected);
      });
    });
  });
});
