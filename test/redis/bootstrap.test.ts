/**
 * The set-up in front of `npm start` and `npm test` (scripts/bootstrap.mjs) for real: a fresh copy of the
 * repository without node_modules, a machine without redis-server for a user who is not root, and a
 * redis-server found where Windows installs it (a Program Files-like folder on this machine) while a
 * "service" runs from the same folder. The decisions alone, on the facts of other systems, are in
 * test/unit/setupPlan.test.ts.
 *
 * The fresh copy runs `npm ci` twice (the npm registry or npm's cache); code-server comes from this
 * repository's .cache (installed first when absent, about 2 minutes).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { REQUIREMENTS, findOnPath, locateRedisServer, systemFacts } from '../../scripts/requirements.mjs';
import { RedisServer, binaryVersion, redisServerBinary } from '../support/redisServer';
import { READY_TIMEOUT_MS, StartRun, assertNothingLeft, descendants, repo, sandboxClient, spawnGroup } from '../support/startRun';

const BOOTSTRAP = path.join('scripts', 'bootstrap.mjs');
/** Two `npm ci` runs of about a minute each on a busy machine, bounded. */
const NPM_CI_TIMEOUT_MS = 300_000;
const READY_LINE = /^NOVA Redis is ready: (\S+)$/m;
const REDIS_LINE = /^\[nova\] redis-server (\S+) listening on 127\.0\.0\.1:(\d+) \((.+); nothing saved to disk\)$/m;

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
after(() => {
  for (const dir of scratch) {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});

/** The binary under test as a full path: NOVA_TEST_REDIS_SERVER may name a command. */
function realRedisServer(): string {
  const binary = redisServerBinary();
  const found = binary.includes('/') ? path.resolve(binary) : findOnPath(binary);
  assert.ok(found, `${binary} is not on PATH`);
  return found;
}

/**
 * A PATH holding every command of this one except redis-server and its siblings: a machine without Redis.
 * `forOtherUser` leaves out the folders in this user's home, which another user cannot read.
 */
function pathWithoutRedis(forOtherUser = false): string {
  const bin = tempDir('nova-boot-bin-');
  chmodSync(bin, 0o755);
  const home = os.homedir();
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    if (forOtherUser && (dir === home || dir.startsWith(home + path.sep))) {
      continue;
    }
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!/^redis-/.test(name) && !existsSync(path.join(bin, name))) {
        symlinkSync(path.join(dir, name), path.join(bin, name));
      }
    }
  }
  return bin;
}

/** The environment of a machine where only the set-up may find redis-server. */
function envWithout(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NOVA_TEST_REDIS_SERVER;
  if (!('NOVA_REDIS_PROGRAM_FILES' in extra)) {
    delete env.NOVA_REDIS_PROGRAM_FILES;
  }
  return env;
}

/** The files a fresh clone has: tracked ones and new ones not ignored, as they are in this working tree. */
function copyOfRepository(): string {
  const copy = tempDir('nova-boot-clone-');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && existsSync(path.join(repo, f)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    copyFileSync(path.join(repo, file), path.join(copy, file));
  }
  return copy;
}

function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  return lock.packages[`node_modules/${name}`].version;
}

function installedVersion(root: string, name: string): string {
  return (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function bootstrapRun(cwd: string, args: string[], env: NodeJS.ProcessEnv, prefix: string[] = []): StartRun {
  const [command, ...rest] = [...prefix, process.execPath, BOOTSTRAP, ...args];
  return new StartRun([], env, spawnGroup(command, rest, cwd, env));
}

describe('a fresh copy of the repository, without node_modules', () => {
  let copy: string;
  let env: NodeJS.ProcessEnv;
  const runs: StartRun[] = [];

  before(
    () => {
      copy = copyOfRepository();
      assert.equal(existsSync(path.join(copy, 'node_modules')), false);
      // The copy reuses this repository's code-server: building it again would only repeat the e2e set-up.
      const entry = execFileSync(process.execPath, [path.join(repo, 'scripts', 'code-server.mjs'), 'install'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      env = { ...process.env, NOVA_CODE_SERVER_DIR: path.resolve(entry.trim(), '..', '..', '..', '..', '..') };
    },
    { timeout: READY_TIMEOUT_MS },
  );
  after(async () => {
    await Promise.all(runs.map((r) => r.stop()));
  });

  test('npm start -- --no-browser runs npm ci, says so, then starts: VS Code answers at the printed URL', { timeout: NPM_CI_TIMEOUT_MS + READY_TIMEOUT_MS }, async () => {
    const run = new StartRun([], env, spawnGroup('npm', ['start', '--', '--no-browser', '--keys', '0'], copy, env));
    runs.push(run);
    await run.waitForOutput(/^\[setup\] node_modules is missing: running npm ci\b/m, 30_000);
    const url = new URL((await run.waitForOutput(READY_LINE, NPM_CI_TIMEOUT_MS + READY_TIMEOUT_MS))[1]);
    assert.match(run.stdout, /^\[setup\] npm ci done in \d+\.\d s$/m);
    for (const name of ['tsx', 'ioredis', 'esbuild', 'playwright-core']) {
      assert.equal(installedVersion(copy, name), lockedVersion(name), name);
    }
    // The extension VS Code runs is the copy's, built by npm start from the copy's sources.
    assert.match(run.stdout, new RegExp(`^\\[nova\\] code-server \\S+ with \\S+ \\S+ \\(copied from ${copy.replace(/[.\\]/g, '\\$&')} into `, 'm'));
    assert.ok(existsSync(path.join(copy, 'dist', 'extension.js')));
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /vscode-workbench-web-configuration/);

    const redisPort = Number(REDIS_LINE.exec(run.stdout)?.[2]);
    const pids = descendants(run.child.pid as number);
    run.interrupt();
    await run.waitForExit(20_000);
    assert.match(run.stdout, /^\[nova\] stopped: nothing it started is left running$/m, run.output);
    await assertNothingLeft({ ports: [redisPort, Number(url.port)], pids, sessionDir: path.dirname(url.searchParams.get('folder') ?? '') });
  });

  test('the next run finds node_modules matching package-lock.json and runs no npm ci', { timeout: 60_000 }, async () => {
    const run = bootstrapRun(copy, ['start', '--help'], env);
    runs.push(run);
    assert.deepEqual(await run.waitForExit(30_000), { code: 0, signal: null }, run.output);
    assert.match(run.stdout, /^Usage: npm start/m);
    assert.doesNotMatch(run.stdout, /npm ci/);
  });

  test('a package at another version than package-lock.json: it names it and runs npm ci, which puts the locked one back', { timeout: NPM_CI_TIMEOUT_MS }, async () => {
    const manifest = path.join(copy, 'node_modules', 'globals', 'package.json');
    const locked = lockedVersion('globals');
    writeFileSync(manifest, JSON.stringify({ ...(JSON.parse(readFileSync(manifest, 'utf8')) as object), version: '0.0.1' }));
    const run = bootstrapRun(copy, ['setup'], env);
    runs.push(run);
    assert.deepEqual(await run.waitForExit(NPM_CI_TIMEOUT_MS - 10_000), { code: 0, signal: null }, run.output);
    assert.match(run.stdout, new RegExp(`^\\[setup\\] globals 0\\.0\\.1 is installed, package-lock\\.json has ${locked.replace(/\./g, '\\.')}: running npm ci\\b`, 'm'));
    assert.equal(installedVersion(copy, 'globals'), locked);
  });
});

describe('what is missing is named, with the command to run', () => {
  test('no redis-server anywhere, not root: npm start names what is missing and the one command to run, and exits 1 before building anything', { timeout: 60_000 }, async (t) => {
    // As root, the run is made as `nobody`, so that it is the real not-root path and nothing gets installed.
    const setpriv = findOnPath('setpriv');
    const asRoot = process.getuid?.() === 0;
    const env = envWithout({ PATH: pathWithoutRedis(asRoot) });
    if (asRoot && !setpriv) {
      t.skip('running as root without setpriv to drop to another user');
      return;
    }
    const prefix = asRoot && setpriv ? [setpriv, '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
    if (prefix.length > 0) {
      const readable = spawnSync(prefix[0], [...prefix.slice(1), process.execPath, '-e', 'require("fs").readFileSync(process.argv[1])', path.join(repo, BOOTSTRAP)]);
      if (readable.status !== 0) {
        t.skip(`nobody cannot read ${repo} (a private folder): the not-root run cannot be made here`);
        return;
      }
    }
    const run = bootstrapRun(repo, ['start', '--no-browser'], env, prefix);
    assert.deepEqual(await run.waitForExit(45_000), { code: 1, signal: null }, run.output);
    assert.match(run.stderr, /^ {2}redis-server, needed by npm start \(VS Code in the browser\): the private Redis/m);
    if (systemFacts().apt) {
      assert.deepEqual(
        run.stderr.split('\n').filter((l) => /apt-get/.test(l)),
        ['  sudo apt-get install -y redis-server'],
      );
    } else {
      t.diagnostic('not a Debian system: the apt-get command is not offered');
      assert.match(run.stderr, /package manager/);
    }
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'a message, not a stack trace');
    assert.doesNotMatch(run.stdout, /building the extension/);
  });

  test('npm test names each missing tool with the tier that needs it, and runs no tier', { timeout: 60_000 }, async (t) => {
    const nowhere = tempDir('nova-boot-none-');
    const env = { ...process.env, NOVA_SETUP_NO_INSTALL: '1', NOVA_TEST_PYTHON: path.join(nowhere, 'python3'), NOVA_E2E_CHROMIUM: path.join(nowhere, 'chromium') };
    const run = bootstrapRun(repo, ['test'], env);
    assert.deepEqual(await run.waitForExit(45_000), { code: 1, signal: null }, run.output);
    assert.match(run.stderr, /^ {2}python-dotenv for Python 3, needed by test:unit: /m);
    assert.match(run.stderr, /^ {2}redis-py for Python 3, needed by test:unit, test:redis: /m);
    assert.match(run.stderr, /^ {2}chromium, needed by test:e2e: /m);
    const missingHere = REQUIREMENTS.filter((r) => 'python' in r.check || r.name === 'chromium').flatMap((r) => r.debian ?? []);
    assert.ok(missingHere.includes('python3-dotenv') && missingHere.includes('python3-redis') && missingHere.includes('chromium'));
    if (systemFacts().apt) {
      assert.deepEqual(
        run.stderr.split('\n').filter((l) => /apt-get/.test(l)),
        // Every Python module and the browser are missing here: one command installs them all, in table order.
        [`  ${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install -y ${missingHere.join(' ')}`],
      );
    } else {
      t.diagnostic('not a Debian system: the apt-get command is not offered');
    }
    assert.doesNotMatch(run.stdout, /running test:|# tests/);
  });
});

describe("a redis-server where Windows installs it, with the Redis service running from that folder", () => {
  let programFiles: string;
  let installed: string;
  let serviceConfig: string;
  let service: RedisServer;
  let serviceClient: Redis;
  let bin: string;
  const runs: StartRun[] = [];

  before(async () => {
    programFiles = tempDir('nova-boot-pf-');
    mkdirSync(path.join(programFiles, 'Redis'));
    installed = path.join(programFiles, 'Redis', 'redis-server.exe');
    symlinkSync(realRedisServer(), installed);
    // The service: a server started from the same binary, with the config file installed next to it.
    service = await RedisServer.start();
    serviceConfig = path.join(programFiles, 'Redis', 'redis.windows-service.conf');
    writeFileSync(serviceConfig, `port ${service.port}\nbind 127.0.0.1\ndir ${path.join(programFiles, 'Redis')}\n`);
    serviceClient = service.admin(1);
    await serviceClient.set('nova:service:key', 'kept');
    bin = pathWithoutRedis();
  });
  after(async () => {
    await Promise.all(runs.map((r) => r.stop()));
    serviceClient?.disconnect();
    await service?.stop();
  });

  test('the search: NOVA_TEST_REDIS_SERVER, then PATH, then Program Files\\Redis, then Memurai', () => {
    const version = binaryVersion().join('.');
    assert.deepEqual(locateRedisServer({ PATH: bin, NOVA_REDIS_PROGRAM_FILES: programFiles }), {
      path: installed,
      version,
      from: 'the Redis service (Windows port)',
    });
    const onPath = locateRedisServer({ PATH: process.env.PATH, NOVA_REDIS_PROGRAM_FILES: programFiles });
    assert.equal('from' in onPath && onPath.from, 'PATH');
    const named = locateRedisServer({ PATH: bin, NOVA_REDIS_PROGRAM_FILES: programFiles, NOVA_TEST_REDIS_SERVER: realRedisServer() });
    assert.equal('from' in named && named.from, 'NOVA_TEST_REDIS_SERVER');

    const memuraiOnly = tempDir('nova-boot-memurai-');
    mkdirSync(path.join(memuraiOnly, 'Memurai'));
    symlinkSync(realRedisServer(), path.join(memuraiOnly, 'Memurai', 'memurai.exe'));
    assert.deepEqual(locateRedisServer({ PATH: bin, NOVA_REDIS_PROGRAM_FILES: memuraiOnly }), {
      path: path.join(memuraiOnly, 'Memurai', 'memurai.exe'),
      version,
      from: 'Memurai',
    });

    const nothing = locateRedisServer({ PATH: bin, NOVA_REDIS_PROGRAM_FILES: tempDir('nova-boot-empty-') });
    assert.ok('missing' in nothing && !nothing.explicit);
    assert.match(nothing.missing, /^redis-server is not on PATH, nor in .*Redis.redis-server\.exe, .*Memurai.memurai\.exe\.$/);
  });

  test('npm start runs it as a private server: a free port, its own config and folder; the service is not touched', { timeout: READY_TIMEOUT_MS + 30_000 }, async (t) => {
    const serviceConfigBefore = readFileSync(serviceConfig, 'utf8');
    const connectionsBefore = Number(/total_connections_received:(\d+)/.exec(await serviceClient.info('stats'))?.[1]);
    const env = envWithout({ PATH: bin, NOVA_REDIS_PROGRAM_FILES: programFiles });
    const run = bootstrapRun(repo, ['start', '--no-browser', '--keys', '0'], env);
    runs.push(run);
    const [, version, portText, binary] = await run.waitForOutput(REDIS_LINE, READY_TIMEOUT_MS);
    const url = new URL((await run.waitForOutput(READY_LINE, READY_TIMEOUT_MS))[1]);
    const sessionDir = path.dirname(url.searchParams.get('folder') ?? '');
    const port = Number(portText);
    assert.equal(binary, installed);
    assert.equal(version, binaryVersion().join('.'));
    assert.notEqual(port, service.port);

    const sandbox = sandboxClient(port, 0);
    try {
      const info = await sandbox.info('server');
      assert.equal(/^config_file:(.*)\r$/m.exec(info)?.[1], path.join(sessionDir, 'redis', 'redis.conf'));
      assert.equal(/^tcp_port:(\d+)\r$/m.exec(info)?.[1], String(port));
      const executable = /^executable:(.*)\r$/m.exec(info)?.[1];
      if (executable === undefined) {
        t.diagnostic(`redis-server ${version} does not name its executable in INFO (Redis 5.0 and later do)`);
      } else {
        assert.equal(executable, installed);
      }
      assert.deepEqual(await sandbox.config('GET', 'dir'), ['dir', path.join(sessionDir, 'redis')]);
      assert.deepEqual(await sandbox.config('GET', 'save'), ['save', '']);
      assert.match(readFileSync(path.join(sessionDir, 'redis', 'redis.conf'), 'utf8'), new RegExp(`^port ${port}$`, 'm'));
    } finally {
      sandbox.disconnect();
    }

    const pids = descendants(run.child.pid as number);
    run.interrupt();
    assert.deepEqual(await run.waitForExit(20_000), { code: 0, signal: null }, run.output);
    await assertNothingLeft({ ports: [port, Number(url.port)], pids, sessionDir });
    // The service: still answering with its data, no connection from npm start, its config as installed.
    assert.equal(await serviceClient.get('nova:service:key'), 'kept');
    assert.equal(await serviceClient.dbsize(), 1);
    assert.equal(Number(/total_connections_received:(\d+)/.exec(await serviceClient.info('stats'))?.[1]), connectionsBefore);
    assert.equal(readFileSync(serviceConfig, 'utf8'), serviceConfigBefore);
    assert.deepEqual(readdirSync(path.join(programFiles, 'Redis')).sort(), ['redis-server.exe', 'redis.windows-service.conf']);
  });
});
