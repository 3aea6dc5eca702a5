/**
 * Runs `npm start` (scripts/start.ts, or the set-up in front of it) as a child process for the tests, and
 * checks that nothing it started is left once it stopped: ports, processes, temporary files.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Redis from 'ioredis';
import { sleep, waitFor } from './redisServer';

export const repo = path.resolve(__dirname, '..', '..');
/** Enough for a first code-server install on a slow machine; a cached one is ready in seconds. */
export const READY_TIMEOUT_MS = 360_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One `node --import tsx scripts/start.ts …` child (or another command), with its output collected. It is
 * what npm start runs once set up, in one process: through the tsx command line, a signal would be
 * relayed to a second process, which adds a race under load.
 */
/** `command args` in its own process group, with its output piped, for a StartRun. */
export function spawnGroup(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

export class StartRun {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private exitInfo: Exit | undefined;

  constructor(
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
    // Its own group, so that a failed test can still take everything down (see stop()).
    readonly child: ChildProcess = spawnGroup(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], repo, env),
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get output(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr.slice(-4000)}`;
  }

  /** Waits until stdout matches, failing early (with the output) if the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = pattern.exec(this.stdout);
      if (m) {
        return m;
      }
      if (this.exitInfo) {
        assert.fail(`npm start exited (${JSON.stringify(this.exitInfo)}) before printing ${pattern}:\n${this.output}`);
      }
      await sleep(100);
    }
    assert.fail(`npm start did not print ${pattern} within ${timeoutMs} ms:\n${this.output}`);
  }

  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (!result) {
      assert.fail(`npm start still running ${timeoutMs} ms after being asked to stop:\n${this.output}`);
    }
    return result;
  }

  /** Ctrl+C in a terminal: SIGINT to the whole process group (npm, its shell and what they run). */
  interrupt(): void {
    if (this.child.pid && !this.exitInfo) {
      process.kill(-this.child.pid, 'SIGINT');
    }
  }

  /**
   * After a failed or skipped test: SIGINT so that start.ts cleans up as usual, then SIGKILL (its
   * watchdogs take down its servers once it is gone, but its temporary folder stays).
   */
  async stop(): Promise<void> {
    if (this.exitInfo || !this.child.pid) {
      return;
    }
    this.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
    clearTimeout(timer);
    if (!this.exitInfo) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

/** Every process below `root`, from `ps` (the servers run in their own process groups but stay children). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid) {
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const pid of children.get(queue.shift() as number) ?? []) {
      found.push(pid);
      queue.push(pid);
    }
  }
  return found;
}

/** A zombie waiting for init to reap it is dead: it holds no port and no file. */
export function alive(pid: number): boolean {
  if (existsSync('/proc/self/stat')) {
    try {
      return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Command lines of the processes whose command line contains `text` (pgrep -f, taken literally). */
export function processesMatching(text: string): string[] {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  try {
    return execFileSync('pgrep', ['-a', '-f', escaped], { encoding: 'utf8' }).trim().split('\n');
  } catch (err) {
    // pgrep exits with 1 when nothing matches.
    if ((err as { status?: number }).status === 1) {
      return [];
    }
    throw err;
  }
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/** What is left once a run stopped: nothing listening, no process, no temporary folder. */
export async function assertNothingLeft(what: { ports: number[]; pids: number[]; sessionDir: string }): Promise<void> {
  for (const port of what.ports) {
    assert.equal(await portOpen(port), false, `port ${port} still accepts connections`);
  }
  // Processes killed a moment ago may take a little while to be reaped.
  await waitFor('the processes npm start started to be gone', () => what.pids.every((pid) => !alive(pid)), 5000).catch(() => undefined);
  assert.deepEqual(what.pids.filter(alive), [], 'processes started by npm start are still running');
  assert.deepEqual(processesMatching(what.sessionDir), [], `processes still refer to ${what.sessionDir}`);
  for (const port of what.ports) {
    assert.deepEqual(processesMatching(`127.0.0.1:${port}`), [], `processes still refer to port ${port}`);
  }
  assert.equal(existsSync(what.sessionDir), false, `${what.sessionDir} was not removed`);
}

/** A client on the server npm start started; it never reconnects, so a server gone fails the next command. */
export function sandboxClient(port: number, db: number): Redis {
  return new Redis({ host: '127.0.0.1', port, db, protocol: 2, disableClientInfo: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
}
