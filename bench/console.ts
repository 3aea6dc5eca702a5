/**
 * Console benchmark (part of `npm run bench`, or alone: `npx tsx bench/console.ts`).
 *
 * - console_roundtrip_ms: 1,000 PINGs typed one by one into the console engine (keys in, each reply
 *   printed and the next prompt drawn before the next line is typed), on its own connection.
 * - redis_cli_roundtrip_ms: the same 1,000 PING lines piped into redis-cli (Debian's redis-tools),
 *   which also reads, sends and prints one line at a time; its process start is included.
 * - console_vs_redis_cli_ratio: the first over the second. Target: <= 1.5.
 *
 * Each figure is the median of several runs, alternated so load from other processes affects both alike.
 */
import { spawn } from 'node:child_process';
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
    await redisCliRun(server);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(await consoleRun());
      theirs.push(await redisCliRun(server));
    }
    if (!h.screen.text().some((r) => r === 'PONG')) {
      throw new Error('the console printed no PONG');
    }
    const c = middle(ours);
    const r = middle(theirs);
    return { console_roundtrip_ms: Number(c.toFixed(1)), redis_cli_roundtrip_ms: Number(r.toFixed(1)), console_vs_redis_cli_ratio: Number((c / r).toFixed(3)) };
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
    [`redis_cli_roundtrip_ms (${PINGS} PINGs piped)`, r.redis_cli_roundtrip_ms, ''],
    ['console_vs_redis_cli_ratio', r.console_vs_redis_cli_ratio, `<= ${CONSOLE_TARGET}  ${ok ? 'ok' : 'MISSED'}`],
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
