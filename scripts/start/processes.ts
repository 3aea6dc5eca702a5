/**
 * The processes `npm start` runs (redis-server, code-server) and how it makes sure none outlives it.
 *
 * On Linux and macOS each one runs in its own process group under a small `sh` watchdog. Stopping lets the
 * server shut down cleanly, then kills the whole group (code-server's extension host and file watcher
 * survive code-server itself otherwise); if this process dies without stopping them (SIGKILL, a crash),
 * the watchdog kills the group at once. A terminal's Ctrl+C reaches only this process's group,
 * so stopping stays in one place and happens in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export const isWindows = process.platform === 'win32';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { findOnPath, isExecutable } from '../requirements.mjs';

/**
 * Runs the command given as arguments. Its stdin is a pipe whose other end only this process holds, so
 * the pipe reads end-of-file the moment this process is gone, however it died (a pid check would be
 * fooled by a zombie waiting to be reaped); the whole group is then killed. SIGTERM is passed to the
 * command and waited for, so that it shuts down cleanly, and the group is killed after it. `kill -9 -$$`
 * because dash's kill has no `--`; fd 3 because an asynchronous list gets /dev/null as its stdin.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'child=$!',
  `trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; kill -9 -$$' TERM`,
  '{ read -r _ <&3; kill -9 -$$; } &',
  'wait "$child"',
  'kill -9 -$$',
].join('\n');

export interface GuardedOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr go to this file. */
  logFile: string;
}

const live = new Set<Guarded>();

/** A process (and, outside Windows, its whole process group) that this process owns. */
export class Guarded {
  private exitedFlag = false;
  readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        this.exitedFlag = true;
        resolve();
      });
      child.once('error', () => {
        this.exitedFlag = true;
        resolve();
      });
    });
  }

  static spawn(name: string, command: string, args: string[], options: GuardedOptions): Guarded {
    const log = openSync(options.logFile, 'a');
    let child: ChildProcess;
    try {
      child = isWindows
        ? spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', log, log], windowsHide: true })
        : spawn('sh', ['-c', WATCHDOG, name, command, ...args], {
            cwd: options.cwd,
            env: options.env,
            stdio: ['pipe', log, log],
            detached: true,
          });
    } finally {
      closeSync(log);
    }
    const guarded = new Guarded(name, child);
    live.add(guarded);
    return guarded;
  }

  /** The watchdog (or the process itself on Windows) has exited. */
  get hasExited(): boolean {
    return this.exitedFlag;
  }

  private signalGroup(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (!pid) {
      return;
    }
    try {
      if (isWindows) {
        this.child.kill(sig);
      } else {
        process.kill(-pid, sig);
      }
    } catch {
      // Already gone.
    }
  }

  private exitedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    return Promise.race([this.exited.then(() => true), timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * SIGTERM first so that the server closes cleanly (the watchdog passes it on and waits for it); whatever
   * is still there after `graceMs` gets SIGKILL, group and all.
   */
  async stop(graceMs: number): Promise<void> {
    if (!this.exitedFlag) {
      try {
        this.child.kill('SIGTERM');
      } catch {
        // Already gone.
      }
      if (!(await this.exitedWithin(graceMs))) {
        this.signalGroup('SIGKILL');
        await this.exitedWithin(5000);
      }
    }
    // The watchdog ends by killing its group; a shell killed some other way may have left members behind.
    if (this.child.signalCode !== 'SIGKILL') {
      this.signalGroup('SIGKILL');
    }
    live.delete(this);
  }

  killNow(): void {
    if (!this.exitedFlag || this.child.signalCode !== 'SIGKILL') {
      this.signalGroup('SIGKILL');
    }
    live.delete(this);
  }
}

/** The last resort when this process exits without having stopped everything (an uncaught error). */
export function killAllNow(): void {
  for (const guarded of [...live]) {
    guarded.killNow();
  }
}
