/**
 * `npm start` for real: runs `scripts/start.ts --no-browser` (what npm start runs once set up; the set-up
 * itself is tested in bootstrap.test.ts) as a child process, checks what a developer would see (the ready
 * line, the sample data in DB 1 as the value viewer shows it, the workspace .env, VS Code answering at the
 * printed URL), then stops it the way a terminal does and checks that nothing it started is left: ports,
 * processes, temporary files.
 *
 * The first run installs code-server into .cache/code-server (about 2 minutes, then cached).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type Redis from 'ioredis';
import { readValue } from '../../src/redis/values';
import { SMALL_DB_KEYS } from '../../src/redis/explorerModel';
import { serverInfoFromInfo, type Capabilities } from '../../src/redis/capabilities';
import { READY_TIMEOUT_MS, StartRun, assertNothingLeft, descendants, portOpen, repo, sandboxClient } from '../support/startRun';

const samples = path.join(repo, 'test', 'fixtures', 'sample');
const BINARY_KEY = Buffer.concat([Buffer.from('nova:bin:'), Buffer.from([0xff, 0x00, 0x0a])]);

describe('npm start -- --no-browser', () => {
  let run: StartRun;
  let url: URL;
  let redisPort: number;
  let codeServerPort: number;
  let workspace: string;
  let sessionDir: string;
  let pids: number[];
  let db1: Redis;
  let caps: Capabilities;
  const jsonFixtures = JSON.parse(readFileSync(path.join(samples, 'json-values.json'), 'utf8')) as { key: string; ttl: number; value: string }[];

  /** When npm start began: the sample data's TTLs have run down since then, however slow the machine. */
  let startedAt: number;
  const elapsedSeconds = (): number => Math.ceil((Date.now() - startedAt) / 1000);

  before(
    async () => {
      startedAt = Date.now();
      run = new StartRun(['--no-browser']);
      const ready = await run.waitForOutput(/^NOVA Redis is ready: (\S+)$/m, READY_TIMEOUT_MS);
      url = new URL(ready[1]);
      codeServerPort = Number(url.port);
      redisPort = Number((await run.waitForOutput(/^ {2}Redis: +redis:\/\/127\.0\.0\.1:(\d+)\/1\b/m, 1000))[1]);
      workspace = url.searchParams.get('folder') ?? '';
      sessionDir = path.dirname(workspace);
      pids = descendants(run.child.pid as number);
      db1 = sandboxClient(redisPort, 1);
      caps = serverInfoFromInfo(await db1.info('server')).caps;
    },
    { timeout: READY_TIMEOUT_MS + 30_000 },
  );
  after(async () => {
    db1?.disconnect();
    await run?.stop();
  });

  test('prints where everything is: the VS Code URL, the Redis URL, a workspace in a private temporary folder', () => {
    assert.equal(url.hostname, '127.0.0.1');
    assert.notEqual(codeServerPort, redisPort);
    assert.ok(path.isAbsolute(workspace) && workspace.startsWith(os.tmpdir()), `workspace ${workspace}`);
    assert.match(run.stdout, new RegExp(`^\\[nova\\] redis-server \\d+\\.\\d+\\.\\d+ listening on 127\\.0\\.0\\.1:${redisPort}\\b`, 'm'));
    assert.match(run.stdout, /^ {2}Press Ctrl\+C to stop everything\.$/m);
    assert.ok(pids.length >= 4, `start.ts, its two watchdogs, redis-server and code-server run: ${pids.join(' ')}`);
  });

  test('the workspace .env points at DB 1 of the sample server, and a README says what the folder is', () => {
    const env = readFileSync(path.join(workspace, '.env'), 'utf8');
    assert.match(env, new RegExp(`^REDIS_URL=redis://127\\.0\\.0\\.1:${redisPort}/1$`, 'm'));
    const readme = readFileSync(path.join(workspace, 'README.md'), 'utf8');
    assert.match(readme, /^# NOVA Redis sample workspace$/m);
    assert.match(readme, new RegExp(`redis-cli -p ${redisPort} -n 1`));
  });

  test('the printed URL serves the VS Code workbench', async () => {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /vscode-workbench-web-configuration/);
  });

  test('code-server has the extension installed', () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
    const line = new RegExp(`^\\[nova\\] code-server \\S+ with ${pkg.publisher}\\.${pkg.name} ${pkg.version.replace(/\./g, '\\.')} \\(copied from (.+) into (.+)\\)$`, 'm').exec(run.stdout);
    assert.ok(line, run.output);
    const extension = path.join(line[2], `${pkg.publisher}.${pkg.name}-${pkg.version}`);
    assert.deepEqual(readFileSync(path.join(extension, 'package.json')), readFileSync(path.join(repo, 'package.json')));
    // Not compared with the repository's dist/: another build may have replaced it since.
    const main = JSON.parse(readFileSync(path.join(extension, 'package.json'), 'utf8')) as { main: string };
    assert.ok(statSync(path.join(extension, main.main)).size > 10_000, `${main.main} is the bundle`);
    // code-server's own view of its extensions folder, with a private config and user data.
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'nova-start-list-'));
    try {
      const cache = path.resolve(process.env.NOVA_CODE_SERVER_DIR || path.join(repo, '.cache', 'code-server'));
      const entry = path.join(cache, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
      const listed = execFileSync(
        process.execPath,
        [entry, '--config', path.join(scratch, 'config.yaml'), '--user-data-dir', path.join(scratch, 'ud'), '--extensions-dir', line[2], '--list-extensions', '--show-versions'],
        { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: scratch, XDG_DATA_HOME: scratch, EXTENSIONS_GALLERY: '{}' }, timeout: 60_000 },
      );
      assert.match(listed, new RegExp(`^${pkg.publisher}\\.${pkg.name}@${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('JSON values are the bytes RedisCacheManager writes (json.dumps), with a TTL of 3600 s', async () => {
    const user = jsonFixtures.find((f) => f.key === 'nova:cache:user:42');
    assert.ok(user);
    assert.equal(await db1.get('nova:cache:user:42'), user.value);
    assert.match(user.value, /^\{"id": 42, "name": "Zo\\u00e9 Dupont"/);
    const ttl = await db1.ttl('nova:cache:user:42');
    assert.ok(ttl >= 3600 - elapsedSeconds() && ttl <= 3600, `TTL ${ttl}, ${elapsedSeconds()} s after npm start`);
    const view = await readValue(db1, caps, Buffer.from('nova:cache:user:42'));
    assert.deepEqual(view.header.decoders, ['json']);
    assert.match(view.body, /"name": "Zoé Dupont"/);
    for (const f of jsonFixtures) {
      assert.equal(await db1.get(f.key), f.value, f.key);
    }
    const search = jsonFixtures.filter((f) => f.key.startsWith('nova:cache:search:'));
    const sessions = jsonFixtures.filter((f) => f.key.startsWith('nova:session:'));
    assert.ok(search.length >= 1 && sessions.length >= 1);
    const sessionTtl = await db1.ttl(sessions[0].key);
    assert.ok(sessionTtl >= 1800 - elapsedSeconds() && sessionTtl <= 1800, `session TTL ${sessionTtl}, ${elapsedSeconds()} s after npm start`);
  });

  test('a pickled dict with datetimes (protocols 4 and 5) is stored as Python wrote it and shows decoded', async () => {
    const daily = await db1.getBuffer('nova:cache:report:daily');
    assert.deepEqual(daily, readFileSync(path.join(samples, 'report-daily.p4.pickle')));
    assert.deepEqual([...(daily ?? Buffer.alloc(0)).subarray(0, 2)], [0x80, 4]);
    const weekly = await db1.getBuffer('nova:cache:report:weekly');
    assert.deepEqual(weekly, readFileSync(path.join(samples, 'report-weekly.p5.pickle')));
    assert.deepEqual([...(weekly ?? Buffer.alloc(0)).subarray(0, 2)], [0x80, 5]);
    const view = await readValue(db1, caps, Buffer.from('nova:cache:report:daily'));
    assert.deepEqual(view.header.decoders, ['pickle']);
    // Shown as Python would print it, with the datetime's own type.
    assert.match(view.body, /'generated_at': datetime\.datetime\(2025, 10, 9, 6, 0\)/);
  });

  test("a gzip'd JSON value and a 2 MB JSON value (over the viewer's preview threshold)", async () => {
    const gz = await db1.getBuffer('nova:cache:catalog:gz');
    assert.ok(gz);
    assert.equal((JSON.parse(gunzipSync(gz).toString('utf8')) as { categories: unknown[] }).categories.length, 40);
    const big = await db1.strlen('nova:cache:export:products');
    assert.ok(big > 1.9e6 && big < 2.3e6, `${big} bytes`);
    const view = await readValue(db1, caps, Buffer.from('nova:cache:export:products'));
    assert.equal(view.header.partial, true);
    assert.equal(view.header.canLoadMore, true);
  });

  test('a key named by the bytes nova:bin:\\xff\\x00\\n, found by SCAN with its exact bytes', async () => {
    const found: Buffer[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await db1.scanBuffer(cursor, 'MATCH', 'nova:bin:*', 'COUNT', 1000);
      found.push(...keys);
      cursor = next.toString();
    } while (cursor !== '0');
    assert.deepEqual(found, [BINARY_KEY]);
    assert.match((await db1.getBuffer(BINARY_KEY))?.toString() ?? '', /not UTF-8/);
  });

  test('a hash, a list, a sorted set and a set, among at most 5,000 keys; DB 0 holds only its marker', async () => {
    assert.equal(await db1.type('nova:user:42:profile'), 'hash');
    assert.equal(await db1.hget('nova:user:42:profile', 'email'), 'zoe.dupont@example.com');
    assert.equal(await db1.type('nova:queue:emails'), 'list');
    assert.equal(await db1.llen('nova:queue:emails'), 3);
    assert.equal(await db1.type('nova:leaderboard:sales'), 'zset');
    assert.equal(await db1.zscore('nova:leaderboard:sales', 'CH-1001'), '48211.75');
    assert.equal(await db1.type('nova:tags:product:CH-1001'), 'set');
    // The key tree scans a database of up to 5,000 keys in full when it opens: every key the README names is on the first screen.
    assert.ok((await db1.dbsize()) <= SMALL_DB_KEYS);
    const db0 = sandboxClient(redisPort, 0);
    try {
      assert.equal(await db0.dbsize(), 1);
      assert.match((await db0.get('nova:start:marker')) ?? '', /DB 1/);
    } finally {
      db0.disconnect();
    }
  });

  test('Ctrl+C (SIGINT) stops redis-server and code-server, leaves no process and deletes the temporary folder', async () => {
    db1.disconnect();
    run.child.kill('SIGINT');
    const exit = await run.waitForExit(20_000);
    assert.deepEqual(exit, { code: 0, signal: null }, run.output);
    assert.match(run.stdout, /^\[nova\] SIGINT: stopping$/m);
    await assertNothingLeft({ ports: [redisPort, codeServerPort], pids, sessionDir });
  });
});

describe('npm start stops cleanly in other cases', () => {
  const runs: StartRun[] = [];
  after(async () => {
    await Promise.all(runs.map((r) => r.stop()));
  });

  test('SIGTERM stops everything too', { timeout: READY_TIMEOUT_MS + 30_000 }, async () => {
    const run = new StartRun(['--no-browser', '--keys', '0']);
    runs.push(run);
    const ready = await run.waitForOutput(/^NOVA Redis is ready: (\S+)$/m, READY_TIMEOUT_MS);
    const url = new URL(ready[1]);
    const redisPort = Number((await run.waitForOutput(/redis:\/\/127\.0\.0\.1:(\d+)\/1/, 1000))[1]);
    const pids = descendants(run.child.pid as number);
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.waitForExit(20_000), { code: 0, signal: null }, run.output);
    await assertNothingLeft({ ports: [redisPort, Number(url.port)], pids, sessionDir: path.dirname(url.searchParams.get('folder') ?? '') });
  });

  test('when its redis-server stops, the sandbox stops too and names --keep-on-server-exit; with it, VS Code keeps running', { timeout: 2 * READY_TIMEOUT_MS + 60_000 }, async () => {
    const stopRedis = async (run: StartRun): Promise<{ redisPort: number; codeServerPort: number }> => {
      const ready = await run.waitForOutput(/^NOVA Redis is ready: (\S+)$/m, READY_TIMEOUT_MS);
      const redisPort = Number((await run.waitForOutput(/redis:\/\/127\.0\.0\.1:(\d+)\/1/, 1000))[1]);
      const admin = sandboxClient(redisPort, 0);
      // SHUTDOWN closes the connection instead of replying.
      await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      admin.disconnect();
      return { redisPort, codeServerPort: Number(new URL(ready[1]).port) };
    };

    const plain = new StartRun(['--no-browser', '--keys', '0']);
    runs.push(plain);
    await stopRedis(plain);
    assert.deepEqual(await plain.waitForExit(30_000), { code: 1, signal: null }, plain.output);
    assert.match(plain.stdout, /npm start -- --keep-on-server-exit/);

    const kept = new StartRun(['--no-browser', '--keys', '0', '--keep-on-server-exit']);
    runs.push(kept);
    const { redisPort, codeServerPort } = await stopRedis(kept);
    await kept.waitForOutput(/^\[nova\] redis-server stopped; VS Code keeps running \(--keep-on-server-exit\)/m, 15_000);
    await kept.waitForOutput(/^\[nova\] to start it again .*redis\.conf"$/m, 1000);
    assert.equal(await portOpen(redisPort), false, 'redis-server is gone');
    assert.equal(await portOpen(codeServerPort), true, 'code-server still answers');
    assert.equal(kept.child.exitCode, null, 'npm start is still running');
    kept.child.kill('SIGINT');
    assert.deepEqual(await kept.waitForExit(20_000), { code: 0, signal: null }, kept.output);
  });

  test('with the desktop `code` command on PATH, it opens the workspace with the extension under development', async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'nova-start-fake-code-'));
    try {
      // Stands in for VS Code's command line: records what it was asked to open.
      const argsFile = path.join(bin, 'args.txt');
      writeFileSync(path.join(bin, 'code'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\n`, { mode: 0o755 });
      const run = new StartRun(['--keys', '0'], { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` });
      runs.push(run);
      const workspace = (await run.waitForOutput(/^NOVA Redis is ready in VS Code: (.+)$/m, 120_000))[1];
      const redisPort = Number((await run.waitForOutput(/redis:\/\/127\.0\.0\.1:(\d+)\/1/, 1000))[1]);
      assert.deepEqual(readFileSync(argsFile, 'utf8').split('\n').filter(Boolean), ['--new-window', `--extensionDevelopmentPath=${repo}`, workspace]);
      assert.match(readFileSync(path.join(workspace, '.env'), 'utf8'), new RegExp(`^REDIS_URL=redis://127\\.0\\.0\\.1:${redisPort}/1$`, 'm'));
      assert.doesNotMatch(run.stdout, /code-server/);
      const pids = descendants(run.child.pid as number);
      run.child.kill('SIGINT');
      assert.deepEqual(await run.waitForExit(20_000), { code: 0, signal: null }, run.output);
      await assertNothingLeft({ ports: [redisPort], pids, sessionDir: path.dirname(workspace) });
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test('when code-server cannot start (its port is taken), it says so, stops redis-server and exits 1', { timeout: READY_TIMEOUT_MS + 30_000 }, async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const run = new StartRun(['--no-browser', '--keys', '0', '--port', String(taken)]);
      runs.push(run);
      const redisPort = Number((await run.waitForOutput(/listening on 127\.0\.0\.1:(\d+)/, READY_TIMEOUT_MS))[1]);
      const sessionDir = path.dirname((await run.waitForOutput(/^\[nova\] sample workspace: (.+)$/m, 30_000))[1]);
      const pids = descendants(run.child.pid as number);
      const exit = await run.waitForExit(READY_TIMEOUT_MS);
      assert.deepEqual(exit, { code: 1, signal: null }, run.output);
      assert.doesNotMatch(run.stdout, /NOVA Redis is ready/);
      assert.match(run.stderr, /code-server exited at start/);
      assert.match(run.stderr, /EADDRINUSE/);
      await assertNothingLeft({ ports: [redisPort], pids, sessionDir });
      assert.equal(await portOpen(taken), true, 'the port taken by someone else is left alone');
    } finally {
      blocker.close();
    }
  });

  test('without redis-server on PATH, it says how to install one and exits 1 before starting anything', async () => {
    const emptyPath = mkdtempSync(path.join(os.tmpdir(), 'nova-start-nopath-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: emptyPath };
      delete env.NOVA_TEST_REDIS_SERVER;
      const run = new StartRun(['--no-browser'], env);
      runs.push(run);
      assert.deepEqual(await run.waitForExit(60_000), { code: 1, signal: null }, run.output);
      assert.match(run.stderr, /redis-server is not on PATH/);
      assert.match(run.stderr, /Windows: .*redis-server\.exe/s);
      assert.match(run.stderr, /sudo apt-get install -y redis-server/);
      assert.match(run.stderr, /brew install redis/);
      assert.doesNotMatch(run.stdout, /building the extension/);
    } finally {
      rmSync(emptyPath, { recursive: true, force: true });
    }
  });

  test('a NOVA_TEST_REDIS_SERVER that does not exist is named in the message', async () => {
    const missing = path.join(os.tmpdir(), 'nova-no-such-dir', 'redis-server');
    const run = new StartRun(['--no-browser'], { ...process.env, NOVA_TEST_REDIS_SERVER: missing });
    runs.push(run);
    assert.deepEqual(await run.waitForExit(60_000), { code: 1, signal: null }, run.output);
    assert.match(run.stderr, new RegExp(`NOVA_TEST_REDIS_SERVER is set to ${missing.replace(/[.\\]/g, '\\$&')}, which is not an executable file`));
    assert.match(run.stderr, /sudo apt-get install -y redis-server/);
  });
});
