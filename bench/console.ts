/**
 * Console benchmark (part of `npm run bench`, or alone: `npx tsx bench/console.ts`).
 *
 * - console_roundtrip_ms: 1,000 PINGs typed one by one into the console engine (keys in, each reply
 *   printed and the next prompt drawn before the next line is typed), on its own connection.
 * - redis_cli_roundtrip_ms: redis-cli's own for the same: the 1,000 PING lines typed one by one into an
 *   interactive redis-cli (Debian's redis-tools) on a terminal (util-linux `script` gives it one), each
 *   line typed once the reply and the next prompt are on screen.
 * - console_vs_redis_cli_ratio: the first over the second. Target: <= 1.5.
 * - redis_cli_piped_ms (a reference, not the target): the same lines piped into redis-cli, which then
 *   runs as a batch (no terminal, no prompt), and its ratio. Its per-line round trip is below what a
 *   Node process can do on one socket at all: node_socket_floor_ms is 1,000 PINGs over a bare socket.
 *
 * Each figure is the median of several runs, alternated so load from other processes affects both alike.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { RedisServer } from '../test/support/redisServer';
import { startConsole } from '../test/support/console';

const PINGS = 1000;
const RUNS = 7;

function middle(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function redisCliRun(server: RedisServer): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('redis-cli', ['-h', server.host, '-p', String(server.port), '-n', '1', '--no-raw'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let pongs = 0;
    child.stdout.on('data', (d: Buffer) => (pongs += d.toString().split('PONG').length - 1));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && pongs === PINGS ? resolve(performance.now() - start) : reject(new Error(`redis-cli exited ${code} after ${pongs} PONGs`))));
    child.stdin.end('PING\n'.repeat(PINGS));
  });
}

/** 1,000 PING lines typed into an interactive redis-cli, each once the previous reply and prompt showed. */
function redisCliTypedRun(server: RedisServer): Promise<number> {
  return new Promise((resolve, reject) => {
    const cli = `redis-cli -h ${server.host} -p ${server.port} -n 1`;
    const child = spawn('script', ['-q', '-f', '-c', cli, '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, TERM: 'dumb' } });
    const prompt = `${server.host}:${server.port}[1]> `;
    let screen = '';
    let start = 0;
    let typed = 0;
    const type = (): void => {
      screen = '';
      typed++;
      child.stdin.write('PING\r');
    };
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString('latin1');
      if (start === 0) {
        if (screen.includes(prompt)) {
          start = performance.now();
          type();
        }
        return;
      }
      const pong = screen.indexOf('PONG');
      if (pong < 0 || !screen.includes(prompt, pong)) {
        return;
      }
      if (typed < PINGS) {
        type();
        return;
      }
      const ms = performance.now() - start;
      child.stdin.end('quit\r');
      resolve(ms);
    });
    child.on('error', reject);
    child.on('exit', (code) => (typed < PINGS ? reject(new Error(`redis-cli on a terminal exited ${code} after ${typed} lines`)) : undefined));
  });
}

/** 1,000 PINGs over a bare socket, each sent when the previous reply came: this process's own floor. */
function socketFloorRun(server: RedisServer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, server.host);
    socket.setNoDelay(true);
    let replies = 0;
    let start = 0;
    socket.on('connect', () => {
      start = performance.now();
      socket.write('PING\r\n');
    });
    socket.on('data', (d: Buffer) => {
      replies += d.toString('latin1').split('+PONG').length - 1;
      if (replies < PINGS) {
        socket.write('PING\r\n');
        return;
      }
      const ms = performance.now() - start;
      socket.destroy();
      resolve(ms);
    });
    socket.on('error', reject);
  });
}

export async function runConsoleBench(): Promise<Record<string, number>> {
  const server = await RedisServer.start();
  const h = await startConsole(server.url(1));
  try {
    const consoleRun = async (): Promise<number> => {
      const start = performance.now();
      for (let i = 0; i < PINGS; i++) {
        h.session.input('PING\r');
        await h.session.whenIdle();
      }
      return performance.now() - start;
    };
    await consoleRun();
    await redisCliTypedRun(server);
    await redisCliRun(server);
    const ours: number[] = [];
    const typed: number[] = [];
    const piped: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(await consoleRun());
      typed.push(await redisCliTypedRun(server));
      piped.push(await redisCliRun(server));
      floor.push(await socketFloorRun(server));
    }
    if (!h.screen.text().some((r) => r === 'PONG')) {
      throw new Error('the console printed no PONG');
    }
    const c = middle(ours);
    const r = middle(typed);
    const p = middle(piped);
    return {
      console_roundtrip_ms: Number(c.toFixed(1)),
      redis_cli_roundtrip_ms: Number(r.toFixed(1)),
      console_vs_redis_cli_ratio: Number((c / r).toFixed(3)),
      redis_cli_piped_ms: Number(p.toFixed(1)),
      console_vs_redis_cli_piped_ratio: Number((c / p).toFixed(3)),
      node_socket_floor_ms: Number(middle(floor).toFixed(1)),
    };
  } finally {
    h.dispose();
    await server.stop();
  }
}

export const CONSOLE_TARGET = 1.5;

/** The rows bench.ts prints for these figures: label, value, note. */
export function consoleRows(r: Record<string, unknown>): [string, unknown, string][] {
  if (r.console_vs_redis_cli_ratio === undefined) {
    return [];
  }
  const ok = Number(r.console_vs_redis_cli_ratio) <= CONSOLE_TARGET;
  return [
    [`console_roundtrip_ms (${PINGS} PINGs typed)`, r.console_roundtrip_ms, ''],
    [`redis_cli_roundtrip_ms (${PINGS} PINGs typed on a terminal)`, r.redis_cli_roundtrip_ms, ''],
    ['console_vs_redis_cli_ratio', r.console_vs_redis_cli_ratio, `<= ${CONSOLE_TARGET}  ${ok ? 'ok' : 'MISSED'}`],
    [`  redis_cli_piped_ms (${PINGS} PINGs piped, a batch)`, r.redis_cli_piped_ms, `ratio ${String(r.console_vs_redis_cli_piped_ratio)}`],
    [`  node_socket_floor_ms (${PINGS} PINGs, bare socket)`, r.node_socket_floor_ms, 'this process cannot go below'],
  ];
}

if (require.main === module) {
  runConsoleBench().then(
    (results) => {
      for (const [name, value] of Object.entries(results)) {
        process.stdout.write(`${name}: ${value}\n`);
      }
    },
    (err: unknown) => {
      process.stderr.write(`console benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
