/**
 * The throw-away redis-server of `npm start`: any version from 3.0 (NOVA's Windows server) on, a free
 * loopback port, nothing written to disk outside its private folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../test/support/redisServer';
import { Guarded, findOnPath, isExecutable, isWindows, sleep } from './processes';

export interface RedisBinary {
  path: string;
  version: string;
}

/** Why no redis-server can be used, with what to do about it on each system. */
export function missingRedisHelp(reason: string): string {
  return [
    reason,
    '',
    'npm start runs its own local redis-server (any version from 3.0 on). Install one:',
    '  Windows:        install Redis (NOVA uses the Windows port 3.0.504, which runs as the "Redis" service), then put',
    '                  the folder holding redis-server.exe on PATH, e.g. C:\\Program Files\\Redis',
    '  Debian/Ubuntu:  sudo apt-get install redis-server',
    '  macOS:          brew install redis',
    'or set NOVA_TEST_REDIS_SERVER to the full path of a redis-server binary.',
    'The Redis service itself is left alone: npm start uses a free port and a private folder.',
  ].join('\n');
}

/** NOVA_TEST_REDIS_SERVER (a path or a command name), else `redis-server` on PATH. */
export function locateRedisServer(env: NodeJS.ProcessEnv = process.env): RedisBinary | { missing: string } {
  const wanted = env.NOVA_TEST_REDIS_SERVER || 'redis-server';
  const fromEnv = Boolean(env.NOVA_TEST_REDIS_SERVER);
  const isPath = wanted.includes('/') || (isWindows && wanted.includes('\\'));
  const found = isPath ? (isExecutable(wanted) ? path.resolve(wanted) : undefined) : findOnPath(wanted, env);
  if (!found) {
    return {
      missing: fromEnv
        ? `NOVA_TEST_REDIS_SERVER is set to ${wanted}, which is not ${isPath ? 'an executable file' : 'on PATH'}.`
        : `redis-server is not on PATH${isWindows ? ' (looked for redis-server.exe)' : ''}.`,
    };
  }
  let out: string;
  try {
    out = execFileSync(found, ['--version'], { encoding: 'utf8', timeout: 10_000, windowsHide: true });
  } catch (err) {
    return { missing: `${found} --version failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
  const version = /v=(\d+\.\d+\.\d+)/.exec(out)?.[1];
  if (!version) {
    return { missing: `${found} does not look like redis-server (its --version printed: ${out.trim().slice(0, 200)})` };
  }
  return { path: found, version };
}

export interface StartedRedis {
  port: number;
  process: Guarded;
}

/** Starts redis-server on a free port; a port taken between the check and the start is retried. */
export async function startRedis(binary: RedisBinary, dir: string, logFile: string): Promise<StartedRedis> {
  mkdirSync(dir, { recursive: true });
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // Options every version since 3.0 accepts; no snapshot or AOF, so stopping is instant and leaves no file.
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    const server = Guarded.spawn('redis-server', binary.path, args, { cwd: dir, logFile });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !server.hasExited) {
      if (await answersPing(port)) {
        return { port, process: server };
      }
      await sleep(50);
    }
    await server.stop(1000);
    lastError = logTail(logFile);
    if (!/address already in use/i.test(lastError)) {
      break;
    }
  }
  throw new Error(`redis-server did not start:\n${lastError}`);
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setTimeout(1000);
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

export function logTail(file: string, chars = 2000): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '(no log)';
  }
}
