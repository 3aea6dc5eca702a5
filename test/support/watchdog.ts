/**
 * Runs one exported function of a probe module in a child Node process and kills it if it does not
 * finish in time. For inputs that used to hang or crash the process: a hang in the same process would
 * block the test runner's own timers, so only a separate process can be stopped from outside.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export interface ChildOutcome<T> {
  /** What the function returned (JSON round trip), when it finished. */
  value?: T;
  /** Killed by the watchdog. */
  timedOut: boolean;
  /** Exit code and stderr tail when the child failed (a crash, an uncaught error). */
  failure?: string;
}

const CHILD = path.join(__dirname, 'watchdogChild.ts');

/** `probe` is the path of a module; `fn` one of its exports, called without arguments. */
export function runWatched<T>(probe: string, fn: string, options: { timeoutMs: number; maxOldSpaceMb?: number }): ChildOutcome<T> {
  const flags = options.maxOldSpaceMb !== undefined ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : [];
  const run = spawnSync(process.execPath, [...flags, '--import', 'tsx', CHILD, probe, fn], {
    // From the repository, where `--import tsx` resolves, wherever the runner was started.
    cwd: path.join(__dirname, '..', '..'),
    encoding: 'utf8',
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return { timedOut: true };
  }
  if (run.status !== 0) {
    return { timedOut: false, failure: `exit ${String(run.status ?? run.signal)}: ${run.stderr.slice(-2000)}` };
  }
  return { timedOut: false, value: JSON.parse(run.stdout) as T };
}
