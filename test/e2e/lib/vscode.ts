/**
 * Entry point for e2e scenarios: one VS Code (code-server + Chromium) per describe block.
 *
 *   describe('browse keys', () => {
 *     const vscode = useVSCode(() => ({ name: 'browse-keys', vsix: [novaVsix()], locale: 'fr' }));
 *     test('...', async () => {
 *       await vscode().workbench.runCommand('NOVA Redis: Connect');
 *     });
 *   });
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before } from 'node:test';
import { promisify } from 'node:util';
import { CodeServer, repoRoot, resultsDir, type CodeServerOptions } from './codeServer';
import { Workbench, type WorkbenchOptions } from './workbench';

export { CodeServer, Workbench, resultsDir, type CodeServerOptions, type WorkbenchOptions };

const execFileAsync = promisify(execFile);

export type VSCodeOptions = CodeServerOptions & WorkbenchOptions;

export interface VSCodeSession {
  server: CodeServer;
  workbench: Workbench;
  stop(): Promise<void>;
}

/** Starts code-server with the extensions installed and opens its workbench in Chromium. */
export async function startVSCode(options: VSCodeOptions): Promise<VSCodeSession> {
  const server = await CodeServer.start(options);
  let workbench: Workbench;
  try {
    workbench = await Workbench.open(server, options);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    server,
    workbench,
    async stop() {
      try {
        await workbench.close();
      } finally {
        await server.stop();
      }
    },
  };
}

/**
 * Starts VS Code in a `before` hook and stops it in an `after` hook of the enclosing describe; returns an
 * accessor for the session. The options may be computed in the hook (e.g. after packing a .vsix).
 */
export function useVSCode(options: VSCodeOptions | (() => VSCodeOptions | Promise<VSCodeOptions>)): () => VSCodeSession {
  let session: VSCodeSession | undefined;
  before(async () => {
    session = await startVSCode(typeof options === 'function' ? await options() : options);
  });
  afterEach(async () => {
    await session?.workbench.dismissAll();
  });
  after(async () => {
    await session?.stop();
  });
  return () => {
    if (!session) {
      throw new Error('VS Code did not start (see the before hook)');
    }
    return session;
  };
}

/** The packaged NOVA Redis extension under test, from NOVA_E2E_VSIX. */
export function novaVsix(): string {
  // Default: what `npm run package` just wrote, so `npm test` needs no environment variable.
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  const file = process.env.NOVA_E2E_VSIX || path.join(repoRoot, `${pkg.name}-${pkg.version}.vsix`);
  if (!existsSync(file)) {
    throw new Error(`NOVA_E2E_VSIX points to a missing file: ${file}`);
  }
  return path.resolve(file);
}

/** Packs an extension folder into a .vsix with the project's @vscode/vsce (works offline). */
export async function packExtension(dir: string, outFile: string): Promise<string> {
  mkdirSync(path.dirname(outFile), { recursive: true });
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  try {
    await execFileAsync(process.execPath, [vsce, 'package', '--no-dependencies', '--out', outFile], { cwd: dir, timeout: 120_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`vsce package failed in ${dir}: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  return outFile;
}
