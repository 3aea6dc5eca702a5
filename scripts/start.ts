/**
 * `npm start`: NOVA Redis at work in one command. Builds the extension, starts a private redis-server
 * with sample data shaped like NOVA's cache in DB 1, writes a sample workspace whose .env points at it,
 * and opens it in VS Code with the extension loaded: the desktop VS Code when `code` is on PATH, else
 * code-server in the browser. Ctrl+C (or SIGTERM) stops everything it started and deletes its files.
 *
 *   npm start                      open VS Code (or the browser)
 *   npm start -- --no-browser      start everything, print the URL, open nothing (for scripted checks)
 *   npm start -- --cluster         a Redis Cluster of three masters instead of one server
 *   npm start -- --help            every option
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureCodeServer, findDesktopCode, openBrowser, openDesktop, readManifest, startCodeServer, type StartedCodeServer } from './start/editor';
import { killAllNow } from './start/processes';
import { CLUSTER_MASTERS, seedClusterSample, startCluster } from './start/cluster';
import { locateRedisServer, logTail, missingRedisHelp, startRedis, type StartedRedis } from './start/redis';
import { DEFAULT_GENERATED_KEYS, seedSample } from './start/sample';
import { redisUrl, writeWorkspace } from './start/workspace';

const repo = path.resolve(__dirname, '..');

const USAGE = `Usage: npm start [-- options]

Starts a local redis-server with sample data shaped like NOVA's cache (DB 1) and opens a sample
workspace in VS Code with the NOVA Redis extension loaded. Ctrl+C stops everything.

Options:
  --no-browser     open nothing: start code-server, print its URL and keep running
  --code-server    use code-server in the browser even when the desktop \`code\` command is on PATH
  --port <n>       code-server's port (default: a free one)
  --keys <n>       generated keys on top of the hand-picked samples (default ${DEFAULT_GENERATED_KEYS})
  --locale <lang>  display language code-server reports to extensions, e.g. fr
  --keep-on-server-exit
                   keep VS Code running when redis-server stops (to see how the extension shows a
                   stopped Redis); by default the sandbox stops with its server
  --cluster        a Redis Cluster of ${CLUSTER_MASTERS} masters on loopback ports instead of one server,
                   the sample data in DB 0 (a cluster's only DB)
  --help           this text

redis-server: NOVA_TEST_REDIS_SERVER=<path> (e.g. a 3.0 build), else the one on PATH, else where it installs:
C:\\Program Files\\Redis\\redis-server.exe or Memurai on Windows, Homebrew's on macOS.`;

class UsageError extends Error {}

interface Options {
  noBrowser: boolean;
  forceCodeServer: boolean;
  port: number;
  keys: number;
  locale?: string;
  keepOnServerExit: boolean;
  cluster: boolean;
}

function integer(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) {
    return fallback;
  }
  if (!/^\d+$/.test(text) || Number(text) > max) {
    throw new UsageError(`--${name} takes a whole number from 0 to ${max}, not "${text}"`);
  }
  return Number(text);
}

function parseOptions(argv: string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'no-browser': { type: 'boolean', default: false },
        'code-server': { type: 'boolean', default: false },
        port: { type: 'string' },
        keys: { type: 'string' },
        locale: { type: 'string' },
        'keep-on-server-exit': { type: 'boolean', default: false },
        cluster: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    return 'help';
  }
  if (values.locale !== undefined && !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(values.locale)) {
    throw new UsageError(`--locale takes a language tag such as fr or pt-br, not "${values.locale}"`);
  }
  return {
    noBrowser: values['no-browser'],
    forceCodeServer: values['code-server'],
    port: integer('port', values.port, 0, 65535),
    keys: integer('keys', values.keys, DEFAULT_GENERATED_KEYS, 1_000_000),
    locale: values.locale,
    keepOnServerExit: values['keep-on-server-exit'],
    cluster: values.cluster,
  };
}

function say(line: string): void {
  process.stdout.write(`[nova] ${line}\n`);
}

/** Everything this run started, stopped in reverse order. */
let session: string | undefined;
/** The one server, or every node of the cluster. */
const redisNodes: StartedRedis[] = [];
let codeServer: StartedCodeServer | undefined;
let helper: ChildProcess | undefined;
let stopping = false;

function removeSession(): void {
  if (session) {
    // Retries: a process killed a moment ago may still be closing files in there.
    rmSync(session, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

/** Stops everything and exits; a second Ctrl+C while stopping kills what is left at once. */
async function shutdown(exitCode: number): Promise<never> {
  if (stopping) {
    killAllNow();
    removeSession();
    process.exit(exitCode);
  }
  stopping = true;
  helper?.kill('SIGTERM');
  await codeServer?.process.stop(1500);
  await Promise.all(redisNodes.map((n) => n.process.stop(3000)));
  killAllNow();
  removeSession();
  say('stopped: nothing it started is left running');
  process.exit(exitCode);
}

/** Bails out of the start-up sequence once a signal asked to stop. */
class Stopping extends Error {}
function checkNotStopping(): void {
  if (stopping) {
    throw new Stopping();
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
    helper = child;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      helper = undefined;
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`));
      }
    });
  });
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

async function main(options: Options): Promise<void> {
  const started = Date.now();
  const binary = locateRedisServer();
  if ('missing' in binary) {
    process.stderr.write(`${missingRedisHelp(binary.missing)}\n`);
    process.exit(1);
  }
  const desktop = options.noBrowser || options.forceCodeServer ? undefined : findDesktopCode();
  if (!desktop && process.platform !== 'linux') {
    throw new Error(
      "VS Code's `code` command is not on PATH. Install VS Code (https://code.visualstudio.com); on macOS, run " +
        '"Shell Command: Install \'code\' command in PATH" from its command palette. The browser fallback ' +
        '(code-server) runs on Linux only.',
    );
  }

  say('building the extension (node esbuild.js)');
  await run(process.execPath, ['esbuild.js']);
  checkNotStopping();

  session = mkdtempSync(path.join(os.tmpdir(), 'nova-start-'));
  const workspace = path.join(session, 'nova-sample');
  let port: number;
  let logFiles: string[];
  let configFiles: string[];
  let redisLine: string;
  if (options.cluster) {
    const cluster = await startCluster(binary, path.join(session, 'cluster'), (node) => redisNodes.push(node));
    checkNotStopping();
    port = cluster.port;
    logFiles = cluster.logFiles;
    configFiles = cluster.configFiles;
    say(`Redis Cluster of ${CLUSTER_MASTERS} masters (redis-server ${binary.version}) on 127.0.0.1 ports ${cluster.nodes.map((n) => n.port).join(', ')} (${binary.path}; nothing saved to disk)`);
    const sample = await seedClusterSample(port, options.keys);
    checkNotStopping();
    say(`DB 0: ${sample.keys.toLocaleString('en-US')} keys of sample data over the ${CLUSTER_MASTERS} masters`);
    writeWorkspace(workspace, { redisPort: port, redisVersion: binary.version, db1Keys: sample.keys, locale: options.locale, clusterMasters: CLUSTER_MASTERS });
    redisLine = `  Redis:     ${redisUrl(port, 0)}   (redis-cli -c -p ${port})`;
  } else {
    const redis = await startRedis(binary, path.join(session, 'redis'), path.join(session, 'redis.log'));
    redisNodes.push(redis);
    checkNotStopping();
    port = redis.port;
    logFiles = [path.join(session, 'redis.log')];
    configFiles = [path.join(session, 'redis', 'redis.conf')];
    say(`redis-server ${binary.version} listening on 127.0.0.1:${redis.port} (${binary.path}; nothing saved to disk)`);
    const sample = await seedSample(redis.port, options.keys);
    checkNotStopping();
    say(`DB 1: ${sample.db1Keys.toLocaleString('en-US')} keys of sample data; DB 0: 1 marker key`);
    writeWorkspace(workspace, { redisPort: redis.port, redisVersion: binary.version, db1Keys: sample.db1Keys, locale: options.locale });
    redisLine = `  Redis:     ${redisUrl(port)}   (redis-cli -p ${port} -n 1)`;
  }
  say(`sample workspace: ${workspace}`);
  redisNodes.forEach((node, i) => {
    void node.process.exited.then(() => {
      if (stopping) {
        return;
      }
      if (options.keepOnServerExit) {
        say('redis-server stopped; VS Code keeps running (--keep-on-server-exit): the extension now shows Redis as stopped');
        say(`to start it again (empty: the sandbox saves nothing): "${binary.path}" "${configFiles[i]}"`);
        return;
      }
      process.stderr.write(`redis-server stopped unexpectedly:\n${logTail(logFiles[i])}\n`);
      say('the sandbox stops with its server; to see how the extension shows a stopped Redis, run npm start -- --keep-on-server-exit');
      void shutdown(1);
    });
  });

  const { id, version } = readManifest(repo);
  const details = [redisLine, `  Workspace: ${workspace}`];
  if (desktop) {
    if (options.port || options.locale) {
      say('--port and --locale apply to code-server only: add --code-server to use it');
    }
    await openDesktop(desktop, repo, workspace);
    checkNotStopping();
    say(`started in ${seconds(started)} s`);
    process.stdout.write(`NOVA Redis is ready in VS Code: ${workspace}\n${details.join('\n')}\n`);
    process.stdout.write('  The window is an Extension Development Host. Press Ctrl+C here to stop Redis and delete the workspace.\n');
    return;
  }

  const entry = await ensureCodeServer(repo, (child) => (helper = child));
  checkNotStopping();
  const codeServerVersion = (JSON.parse(readFileSync(path.resolve(entry, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  codeServer = await startCodeServer({
    entry,
    dir: path.join(session, 'code-server'),
    workspace,
    repo,
    port: options.port,
    locale: options.locale,
  });
  checkNotStopping();
  say(`code-server ${codeServerVersion} with ${id} ${version} (copied from ${repo} into ${path.dirname(codeServer.extensionDir)})`);
  const server = codeServer;
  void server.process.exited.then(() => {
    if (!stopping) {
      process.stderr.write(`code-server stopped unexpectedly:\n${logTail(server.logFile)}\n`);
      void shutdown(1);
    }
  });
  say(`started in ${seconds(started)} s`);
  process.stdout.write(`NOVA Redis is ready: ${codeServer.url}\n${details.join('\n')}\n`);
  if (!options.noBrowser) {
    process.stdout.write(openBrowser(codeServer.url) ? '  Opened in your browser.\n' : '  No desktop browser found: open the URL above.\n');
  }
  process.stdout.write('  Press Ctrl+C to stop everything.\n');
}

function start(): void {
  let options: Options | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!stopping) {
        say(`${signal}: stopping`);
      }
      void shutdown(0);
    });
  }
  // Under npm start the parent is npm's shell, under the tsx command line a tsx process; if that parent is
  // killed outright, nothing else would tell this process to stop. Its parent is then init (or a
  // subreaper), so its parent pid changes.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) {
      void shutdown(0);
    }
  }, 1000).unref();
  // A closed terminal (SIGHUP) makes writes fail; stopping must go on regardless.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  process.on('exit', () => {
    killAllNow();
    removeSession();
  });
  main(options).catch((err: unknown) => {
    // Once stopping, a step failing because its process was stopped is expected, and shutdown exits.
    if (err instanceof Stopping || stopping) {
      return;
    }
    process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
    void shutdown(1);
  });
}

start();
