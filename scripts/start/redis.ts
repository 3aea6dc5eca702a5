/**
 * The throw-away redis-server of `npm start`: any version from 3.0 (NOVA's Windows server) on, a free
 * loopback port, nothing written to disk outside its private folder.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../test/support/redisServer';
import { Guarded, sleep } from './processes';

// The search is shared with the set-up of `npm start` and `npm test`, which runs before node_modules exists.
export { locateRedisServer } from '../requirements.mjs';

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
    '  Windows:        Redis for Windows (NOVA uses the port 3.0.504, which runs as the "Redis" service from',
    '                  C:\\Program Files\\Redis\\redis-server.exe) or Memurai: both are found where they install',
    '  Debian/Ubuntu:  sudo apt-get install -y redis-server',
    '  macOS:          brew install redis',
    'or set NOVA_TEST_REDIS_SERVER to the full path of a redis-server binary.',
    'The Redis service itself is left alone: npm start uses a free port, a private folder and its own config.',
  ].join('\n');
}

export interface StartedRedis {
  port: number;
  process: Guarded;
}

export interface RedisStartOptions {
  /** Config lines after the private ones (a cluster node's). */
  extraConfig?: string[];
  /** Picks the port (a cluster node also needs port + 10000 free). */
  pickPort?: () => Promise<number>;
}

/** Starts redis-server on a free port; a port taken between the check and the start is retried. */
export async function startRedis(binary: RedisBinary, dir: string, logFile: string, options: RedisStartOptions = {}): Promise<StartedRedis> {
  mkdirSync(dir, { recursive: true });
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await (options.pickPort ?? freePort)();
    const config = path.join(dir, 'redis.conf');
    writeFileSync(config, [privateConfig(port), ...(options.extraConfig ?? []), ''].join('\n'));
    const server = Guarded.spawn('redis-server', binary.path, [config], { cwd: dir, logFile });
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

/**
 * A config of its own, so that a binary found in an installed service's folder never reads that service's
 * config, port or data. Only directives every version since 3.0 (and Memurai) accepts; no snapshot or AOF,
 * so stopping is instant and leaves no file. `dir .` is the private folder it runs in, which spares quoting
 * a Windows path.
 */
export function privateConfig(port: number): string {
  return ['# npm start: a throw-away server, deleted when it stops', `port ${port}`, 'bind 127.0.0.1', 'save ""', 'appendonly no', 'dir .', ''].join('\n');
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
