/**
 * Seeds a test server through real Python (Debian's python3-redis), so the value viewer is checked
 * against what the backend's libraries actually write, not against our belief about them.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';

/** Debian's interpreter: the pyenv `python3` on PATH lacks python3-redis. */
export const PYTHON = process.env.NOVA_TEST_PYTHON || '/usr/bin/python3';

let cachedReason: string | undefined | null = null;

/** Why Python seeding cannot run here, or undefined when it can. */
export function pythonUnavailableReason(): string | undefined {
  if (cachedReason === null) {
    try {
      execFileSync(PYTHON, ['-c', 'import redis'], { stdio: 'pipe', timeout: 20_000 });
      cachedReason = undefined;
    } catch (err) {
      const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
      cachedReason = `${PYTHON} with the redis package is not available (${detail}); install python3-redis`;
    }
  }
  return cachedReason;
}

const SCRIPT = path.join(__dirname, 'seed_values.py');

/** Runs seed_values.py against the server; returns the keys it wrote. */
export function seedWithPython(host: string, port: number, db: number, prefix: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, host, String(port), String(db), prefix], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`seed_values.py failed: ${stderr || err.message}`));
        return;
      }
      resolve(stdout.split('\n').filter(Boolean));
    });
  });
}
