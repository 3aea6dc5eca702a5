/**
 * What the set-up of `npm start` and `npm test` decides from the facts of a system: install Debian
 * packages, or name what is missing, who needs it and the command to run. The facts are data here; the
 * real runs (a fresh copy of the repository, a run as a user who is not root) are in
 * test/redis/bootstrap.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { NEEDERS, REQUIREMENTS, planSetup, redisPlaces, type SystemFacts } from '../../scripts/requirements.mjs';

const linux: SystemFacts = { platform: 'linux', apt: true, root: true, mayInstall: true };

function requirement(name: string) {
  const found = REQUIREMENTS.find((r) => r.name.startsWith(name));
  assert.ok(found, name);
  return found;
}

const redis = { req: requirement('redis-server'), neededBy: ['npm start'] };
const chromium = { req: requirement('chromium'), neededBy: ['test:e2e'] };
const dotenv = { req: requirement('python-dotenv'), neededBy: ['test:unit'] };

describe('planSetup: what to do about missing tools', () => {
  test('nothing missing: nothing to do', () => {
    assert.deepEqual(planSetup([], linux), { action: 'none' });
    assert.deepEqual(planSetup([], { ...linux, platform: 'win32', apt: false, root: false }), { action: 'none' });
  });

  test('Debian or Ubuntu as root: installs the Debian packages, each once', () => {
    const both = { req: requirement('redis-py'), neededBy: ['test:unit', 'test:redis'] };
    assert.deepEqual(planSetup([redis, chromium, both, dotenv], linux), {
      action: 'apt',
      packages: ['redis-server', 'chromium', 'python3-redis', 'python3-dotenv'],
    });
  });

  test('Debian, not root: names what is missing and who needs it, and gives the one sudo command', () => {
    const plan = planSetup([redis, chromium], { ...linux, root: false });
    assert.equal(plan.action, 'stop');
    const text = plan.lines.join('\n');
    assert.match(text, /^ {2}redis-server, needed by npm start: /m);
    assert.match(text, /^ {2}chromium, needed by test:e2e: the browser Playwright drives$/m);
    assert.deepEqual(
      plan.lines.filter((l) => /apt-get/.test(l)),
      ['  sudo apt-get install -y redis-server chromium'],
    );
    assert.match(text, /NOVA_TEST_REDIS_SERVER/);
  });

  test('root but told not to install (NOVA_SETUP_NO_INSTALL): the same list, the command without sudo', () => {
    const plan = planSetup([dotenv], { ...linux, mayInstall: false });
    assert.equal(plan.action, 'stop');
    assert.deepEqual(
      plan.lines.filter((l) => /apt-get/.test(l)),
      ['  apt-get install -y python3-dotenv'],
    );
    assert.doesNotMatch(plan.lines.join('\n'), /NOVA_TEST_REDIS_SERVER/, 'Redis is not what is missing');
  });

  test('macOS: brew install redis, and pip for the Python libraries', () => {
    const plan = planSetup([redis, dotenv], { platform: 'darwin', apt: false, root: false, mayInstall: true });
    assert.equal(plan.action, 'stop');
    assert.ok(plan.lines.includes('  brew install redis'), plan.lines.join('\n'));
    assert.ok(plan.lines.includes('  python3 -m pip install python-dotenv'), plan.lines.join('\n'));
  });

  test("Windows: Redis for Windows or Memurai, found where they install; the service is left alone", () => {
    const plan = planSetup([redis], { platform: 'win32', apt: false, root: false, mayInstall: true });
    assert.equal(plan.action, 'stop');
    const text = plan.lines.join('\n');
    assert.match(text, /C:\\Program Files\\Redis/);
    assert.match(text, /Memurai/);
    assert.match(text, /service itself is left alone/);
  });

  test('another Linux without apt: names the Debian packages as a guide, never installs', () => {
    const plan = planSetup([redis], { platform: 'linux', apt: false, root: true, mayInstall: true });
    assert.equal(plan.action, 'stop');
    assert.match(plan.lines.join('\n'), /package manager \(their Debian packages: redis-server\)/);
  });
});

describe('the one list of requirements', () => {
  test('every requirement has a Debian package and is needed by someone who can ask for it', () => {
    const keys = new Set(Object.values(NEEDERS).flatMap((n) => n.keys));
    for (const req of REQUIREMENTS) {
      assert.ok(req.debian.length > 0, req.name);
      assert.ok(
        req.for.every((k) => keys.has(k)),
        `${req.name} is for ${req.for.join(', ')}`,
      );
    }
  });

  test('each tier needs what its tests use: redis-server for redis and e2e, Chromium for e2e, the Python libraries for unit', () => {
    const needs = (tier: keyof typeof NEEDERS) =>
      REQUIREMENTS.filter((r) => NEEDERS[tier].keys.some((k) => r.for.includes(k))).flatMap((r) => r.debian);
    assert.deepEqual(needs('unit').sort(), ['python3-dotenv', 'python3-redis']);
    assert.ok(needs('redis').includes('redis-server') && needs('redis').includes('python3-redis'));
    assert.ok(needs('e2e').includes('chromium') && needs('e2e').includes('redis-server') && needs('e2e').includes('ripgrep'));
    assert.ok(!needs('start').includes('ripgrep'), 'npm start with the desktop VS Code builds no code-server');
    assert.ok(needs('start:browser').includes('ripgrep') && needs('start:browser').includes('libkrb5-dev'));
  });
});

describe('redisPlaces: where redis-server lives when it is not on PATH', () => {
  test("on Windows: the Redis service's install, then Memurai, under each Program Files folder", () => {
    const env = { ProgramFiles: 'D:\\Program Files', ProgramW6432: 'C:\\Program Files' };
    assert.deepEqual(redisPlaces('win32', env), [
      { file: 'D:\\Program Files\\Redis\\redis-server.exe', what: 'the Redis service (Windows port)' },
      { file: 'C:\\Program Files\\Redis\\redis-server.exe', what: 'the Redis service (Windows port)' },
      { file: 'D:\\Program Files\\Memurai\\memurai.exe', what: 'Memurai' },
      { file: 'C:\\Program Files\\Memurai\\memurai.exe', what: 'Memurai' },
    ]);
    assert.deepEqual(
      redisPlaces('win32', {}).map((p) => p.file),
      ['C:\\Program Files\\Redis\\redis-server.exe', 'C:\\Program Files\\Memurai\\memurai.exe'],
    );
  });

  test('NOVA_REDIS_PROGRAM_FILES replaces the Program Files folder, on any system', () => {
    const root = path.join(path.sep, 'srv', 'pf');
    const expected = [path.join(root, 'Redis', 'redis-server.exe'), path.join(root, 'Memurai', 'memurai.exe')];
    for (const platform of ['linux', 'win32', 'darwin']) {
      assert.deepEqual(
        redisPlaces(platform, { NOVA_REDIS_PROGRAM_FILES: root }).map((p) => p.file),
        expected,
        platform,
      );
    }
  });

  test('macOS: Homebrew on Apple silicon and on Intel; Linux: only PATH', () => {
    assert.deepEqual(
      redisPlaces('darwin', {}).map((p) => p.file),
      ['/opt/homebrew/bin/redis-server', '/usr/local/bin/redis-server'],
    );
    assert.deepEqual(redisPlaces('linux', {}), []);
  });
});
