/**
 * Runs a real VS Code (code-server, the browser build of VS Code) for the end-to-end scenarios: installs
 * the given .vsix files into fresh user-data and extensions folders, optionally makes VS Code report a
 * display language to extensions, and serves one folder on a loopback port.
 *
 * code-server itself comes from `scripts/code-server.mjs install` (cached in .cache/code-server).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { QUIET_SETTINGS, registerLanguagePack } from '../../../scripts/start/editor';

const execFileAsync = promisify(execFile);

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** Everything a run leaves behind (screenshots, logs, user data) goes here; the folder is git-ignored. */
export const resultsDir = path.join(repoRoot, 'test-results', 'e2e');

export interface CodeServerOptions {
  /** Short name for the run folder under test-results/e2e/runs (letters, digits, dashes). */
  name: string;
  /** .vsix files to install before VS Code starts. */
  vsix: string[];
  /** Folder to open; a fresh empty folder inside the run folder when omitted. */
  folder?: string;
  /**
   * Display language reported to extensions as `vscode.env.language` (e.g. 'fr'). VS Code's own UI stays
   * in English: its language packs come from a marketplace this machine cannot reach.
   */
  locale?: string;
  /** User settings, written over the harness defaults. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host. */
  env?: Record<string, string>;
}

/** Settings that keep a test run quiet and deterministic: no welcome page, no update or gallery traffic. */
const DEFAULT_SETTINGS: Record<string, unknown> = {
  ...QUIET_SETTINGS,
  'workbench.startupEditor': 'none',
  'git.enabled': false,
};

let installed: Promise<string> | undefined;

/** Installs code-server once per process (a no-op when cached) and returns its entry point. */
export function ensureCodeServer(): Promise<string> {
  installed ??= new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'code-server.mjs'), 'install'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const entry = out.trim().split('\n').pop() ?? '';
      if (code === 0 && existsSync(entry)) {
        resolve(entry);
      } else {
        reject(new Error(`scripts/code-server.mjs install failed (exit ${code}); see its output above`));
      }
    });
  });
  return installed;
}

const live = new Set<CodeServer>();
let exitHooksInstalled = false;

/**
 * A test file killed by Ctrl+C or by the test runner must not leave code-server and its extension host
 * behind; Playwright's own handlers close Chromium on exit.
 */
function installExitHooks(): void {
  if (exitHooksInstalled) {
    return;
  }
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const server of live) {
      server.killNow();
    }
  });
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => process.exit(code));
  }
}

/**
 * code-server runs under a small shell that lives in its own process group and watches this process: if
 * this process dies without stopping it (SIGKILL, a crash), the shell kills the whole group within a
 * second, extension host and file watcher included.
 */
const WATCHDOG = [
  'parent=$1; shift',
  '"$@" &',
  'child=$!',
  'while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done',
  'kill -9 -$$',
].join('\n');

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class CodeServer {
  private child: ChildProcess | undefined;
  private exited = false;
  port = 0;
  /**
   * TMPDIR of code-server and Chromium: VS Code leaves its IPC sockets (vscode-ipc-*.sock,
   * vscode-git-*.sock) in the temporary folder. Kept short, as a socket path is limited to 107 bytes.
   */
  readonly tmpDir = mkdtempSync(path.join(os.tmpdir(), 'nova-e2e-'));

  private constructor(
    readonly options: CodeServerOptions,
    readonly runDir: string,
    readonly folder: string,
    readonly entry: string,
  ) {}

  get userDataDir(): string {
    return path.join(this.runDir, 'user-data');
  }

  get extensionsDir(): string {
    return path.join(this.runDir, 'extensions');
  }

  get logFile(): string {
    return path.join(this.runDir, 'code-server.log');
  }

  /** The workbench URL with the folder open. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.folder)}`;
  }

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    if (!/^[\w-]+$/.test(options.name)) {
      throw new Error(`run name must be letters, digits and dashes: ${options.name}`);
    }
    const entry = await ensureCodeServer();
    const runDir = path.join(resultsDir, 'runs', options.name);
    rmSync(runDir, { recursive: true, force: true });
    const folder = options.folder ?? path.join(runDir, 'workspace');
    mkdirSync(folder, { recursive: true });
    const server = new CodeServer(options, runDir, folder, entry);
    server.prepareUserData();
    await server.installExtensions();
    installExitHooks();
    live.add(server);
    try {
      await server.launch();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** Environment of every code-server call: its own config and data folders stay inside the run folder. */
  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      XDG_CONFIG_HOME: path.join(this.runDir, 'xdg', 'config'),
      XDG_DATA_HOME: path.join(this.runDir, 'xdg', 'data'),
      // An empty gallery turns off the marketplace queries, which would only fail offline and log errors.
      EXTENSIONS_GALLERY: '{}',
      TMPDIR: this.tmpDir,
      ...this.options.env,
    };
  }

  private commonArgs(): string[] {
    return [
      this.entry,
      '--config',
      path.join(this.runDir, 'config.yaml'),
      '--user-data-dir',
      this.userDataDir,
      '--extensions-dir',
      this.extensionsDir,
    ];
  }

  private prepareUserData(): void {
    mkdirSync(path.join(this.userDataDir, 'User'), { recursive: true });
    mkdirSync(this.extensionsDir, { recursive: true });
    const settings = { ...DEFAULT_SETTINGS, ...this.options.settings };
    writeFileSync(path.join(this.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    const locale = this.options.locale;
    if (locale && !locale.toLowerCase().startsWith('en')) {
      this.registerLanguagePack(locale.toLowerCase());
    }
  }

  /**
   * `--locale fr` alone is not enough: the server resolves the display language against the language packs
   * listed in <user-data>/languagepacks.json and falls back to English when there is none, so extensions
   * would still see `vscode.env.language === 'en'`. The real French pack comes from the marketplace, so
   * this registers an empty one (no translated VS Code strings): the server then serves its English
   * strings tagged `fr`, and extensions load their own package.nls.fr.json and l10n/bundle.l10n.fr.json.
   * Installing a pack as a .vsix does not help: the command line install does not update that file.
   */
  private registerLanguagePack(locale: string): void {
    registerLanguagePack(this.runDir, this.userDataDir, locale, 'nova-e2e');
  }

  private async installExtensions(): Promise<void> {
    if (this.options.vsix.length === 0) {
      return;
    }
    const args = [...this.commonArgs()];
    for (const file of this.options.vsix) {
      if (!existsSync(file)) {
        throw new Error(`no .vsix at ${file}`);
      }
      args.push('--install-extension', path.resolve(file));
    }
    let out: string;
    try {
      const result = await execFileAsync(process.execPath, args, { env: this.env(), timeout: 120_000 });
      out = result.stdout + result.stderr;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`installing ${this.options.vsix.join(', ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    // code-server exits 0 even when an install fails, so count the successes.
    const ok = out.match(/was successfully installed/g)?.length ?? 0;
    if (ok !== this.options.vsix.length) {
      throw new Error(`installing ${this.options.vsix.join(', ')} failed:\n${out}`);
    }
  }

  private async launch(): Promise<void> {
    const args = [
      ...this.commonArgs(),
      '--auth',
      'none',
      // Port 0: the kernel picks a free port, read back from the log, so parallel runs never collide.
      '--bind-addr',
      '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
    ];
    if (this.options.locale) {
      args.push('--locale', this.options.locale);
    }
    args.push(this.folder);
    const log = openSync(this.logFile, 'w');
    try {
      this.child = spawn('sh', ['-c', WATCHDOG, 'nova-e2e-code-server', String(process.pid), process.execPath, ...args], {
        detached: true,
        stdio: ['ignore', log, log],
        env: this.env(),
      });
    } finally {
      closeSync(log);
    }
    this.child.on('exit', () => (this.exited = true));
    // The watchdog, not this process's event loop, keeps code-server alive.
    this.child.unref();

    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const text = readFileSync(this.logFile, 'utf8');
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
      if (m) {
        this.port = Number(m[1]);
        break;
      }
      if (this.exited) {
        throw new Error(`code-server exited at start:\n${text.slice(-3000)}`);
      }
      await sleep(100);
    }
    if (!this.port) {
      throw new Error(`code-server did not listen within 60 s:\n${this.logTail()}`);
    }
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (res.ok) {
          return;
        }
      } catch {
        // Not accepting connections yet.
      }
      await sleep(100);
    }
    throw new Error(`code-server did not answer /healthz within 60 s:\n${this.logTail()}`);
  }

  logTail(chars = 3000): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-chars);
    } catch {
      return '(no log)';
    }
  }

  /** SIGKILL to the whole group, synchronously, for the exit hook. */
  killNow(): void {
    const pid = this.child?.pid;
    if (pid) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(this.tmpDir, { recursive: true, force: true });
    live.delete(this);
  }

  /** Stops code-server and everything it started; the run folder stays for inspection. */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    if (pid && !this.exited) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      // A moment to shut down cleanly; the file watcher respawns after SIGTERM, so SIGKILL follows anyway.
      await sleep(500);
    }
    this.killNow();
  }
}
