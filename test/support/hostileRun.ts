/** Starts hostileWorker.ts in a child Node process with a small heap and a watchdog. */
import { spawn } from 'node:child_process';
import path from 'node:path';

/** An extension host's heap is larger; this is the budget the decoders must live within. */
export const CHILD_HEAP_MB = 256;
/** Catches a hang; far above what any case takes (the test never asserts on time). */
export const WATCHDOG_MS = 30_000;

export interface WorkerOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  killedByWatchdog: boolean;
  stderr: string;
  result?: Record<string, unknown> & { notes: string[]; peakHeapMB: number; maxRssMB: number; ms: number };
}

export function runWorker(args: string[]): Promise<WorkerOutcome> {
  const worker = path.join(__dirname, 'hostileWorker.ts');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${CHILD_HEAP_MB}`, '--import', 'tsx', worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killedByWatchdog = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const watchdog = setTimeout(() => {
      killedByWatchdog = true;
      child.kill('SIGKILL');
    }, WATCHDOG_MS);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      const line = stdout.trim().split('\n').pop();
      let result: WorkerOutcome['result'];
      try {
        result = line ? (JSON.parse(line) as WorkerOutcome['result']) : undefined;
      } catch {
        result = undefined;
      }
      resolve({ code, signal, killedByWatchdog, stderr: stderr.slice(-2000), result });
    });
  });
}
