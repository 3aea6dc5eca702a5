/**
 * Where `npm start` shows the extension: the desktop VS Code when its `code` command is on PATH (as an
 * Extension Development Host, the way F5 does), else code-server, the browser build of VS Code that the
 * end-to-end tests use, installed offline by scripts/code-server.mjs and cached in .cache/code-server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Guarded, findOnPath, isWindows, sleep } from './processes';
import { logTail } from './redis';

export interface ExtensionManifest {
  id: string;
  version: string;
}

export function readManifest(repo: string): ExtensionManifest {
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  return { id: `${pkg.publisher}.${pkg.name}`, version: pkg.version };
}

/** `code` on PATH, the desktop VS Code's command line (`code.cmd` on Windows). */
export function findDesktopCode(): string | undefined {
  return findOnPath('code');
}

/** Opens the workspace in a new desktop window with the extension loaded from the repository. */
export async function openDesktop(code: string, repo: string, workspace: string): Promise<void> {
  const args = ['--new-window', `--extensionDevelopmentPath=${repo}`, workspace];
  // code.cmd is a batch file: Windows runs those only through a shell, which then needs the quotes.
  const child = isWindows
    ? spawn(`"${code}" ${args.map((a) => `"${a}"`).join(' ')}`, { shell: true, stdio: 'inherit', windowsHide: true })
    : spawn(code, args, { stdio: 'inherit' });
  const status = await new Promise<number | Error>((resolve) => {
    child.once('error', resolve);
    child.once('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  if (status instanceof Error || status !== 0) {
    throw new Error(`${code} ${args.join(' ')} failed: ${status instanceof Error ? status.message : `exit code ${status}`}`);
  }
}

/** Runs `scripts/code-server.mjs install` (a no-op once cached) and returns code-server's entry point. */
export function ensureCodeServer(repo: string, track: (child: ChildProcess | undefined) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, 'scripts', 'code-server.mjs'), 'install'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const lines = err.split('\n');
      err = lines.pop() ?? '';
      for (const line of lines) {
        // A cached install says so in one line; a first install's progress is worth seeing.
        if (!/ is cached in /.test(line)) {
          process.stderr.write(`${line}\n`);
        }
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      track(undefined);
      if (err) {
        process.stderr.write(`${err}\n`);
      }
      const entry = out.trim().split('\n').pop() ?? '';
      if (code === 0 && existsSync(entry)) {
        resolve(entry);
      } else {
        reject(new Error(`scripts/code-server.mjs install failed (exit ${code}); its output is above`));
      }
    });
  });
}

/**
 * Copies what the .vsix would hold into `<extensionsDir>/<id>-<version>`: code-server picks up such a
 * folder as an installed extension, which saves packaging and installing a .vsix on every start. A copy
 * rather than a link, as VS Code may delete folders in its extensions directory.
 */
export function copyExtension(repo: string, extensionsDir: string): string {
  const { id, version } = readManifest(repo);
  const target = path.join(extensionsDir, `${id}-${version}`);
  mkdirSync(path.join(target, 'dist'), { recursive: true });
  const rootFiles = readdirSync(repo).filter((f) => /^(package\.json|package\.nls(\.[\w-]+)?\.json|README(\.[\w-]+)?\.md|CHANGELOG\.md|LICENSE)$/.test(f));
  for (const file of rootFiles) {
    cpSync(path.join(repo, file), path.join(target, file));
  }
  for (const file of ['extension.js', 'extension.js.map']) {
    if (existsSync(path.join(repo, 'dist', file))) {
      cpSync(path.join(repo, 'dist', file), path.join(target, 'dist', file));
    }
  }
  for (const dir of ['l10n', 'media']) {
    if (existsSync(path.join(repo, dir))) {
      cpSync(path.join(repo, dir), path.join(target, dir), { recursive: true });
    }
  }
  return target;
}

/** User settings for a quiet code-server: no welcome walkthrough, tips, update or gallery traffic. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'chat.commandCenter.enabled': false,
};

/** The sample's README opens instead of the welcome page. */
const SETTINGS: Record<string, unknown> = { ...QUIET_SETTINGS, 'workbench.startupEditor': 'readme' };

export interface CodeServerOptions {
  entry: string;
  /** Private folder for code-server's config, user data, extensions and temporary files. */
  dir: string;
  workspace: string;
  repo: string;
  /** 0 picks a free port. */
  port: number;
  /** Display language reported to extensions, e.g. 'fr'. */
  locale?: string;
}

export interface StartedCodeServer {
  process: Guarded;
  port: number;
  url: string;
  extensionDir: string;
  logFile: string;
}

export async function startCodeServer(options: CodeServerOptions): Promise<StartedCodeServer> {
  const userData = path.join(options.dir, 'user-data');
  const extensions = path.join(options.dir, 'extensions');
  // Short: VS Code puts its IPC sockets here, and a socket path is limited to 107 bytes.
  const tmp = path.join(options.dir, 'tmp');
  const logFile = path.join(options.dir, 'code-server.log');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  if (options.locale && !options.locale.toLowerCase().startsWith('en')) {
    registerLanguagePack(options.dir, userData, options.locale.toLowerCase());
  }
  const extensionDir = copyExtension(options.repo, extensions);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // code-server writes its config and state into the home folder otherwise.
    XDG_CONFIG_HOME: path.join(options.dir, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(options.dir, 'xdg', 'data'),
    // No marketplace: the queries would fail offline and fill the log.
    EXTENSIONS_GALLERY: '{}',
    TMPDIR: tmp,
  };
  // A REDIS_URL exported in this shell would reach the extension host; the sample's .env is what counts.
  delete env.REDIS_URL;
  const args = [
    options.entry,
    '--config',
    path.join(options.dir, 'config.yaml'),
    '--user-data-dir',
    userData,
    '--extensions-dir',
    extensions,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${options.port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    ...(options.locale ? ['--locale', options.locale] : []),
    options.workspace,
  ];
  const server = Guarded.spawn('code-server', process.execPath, args, { env, cwd: options.dir, logFile });
  try {
    const port = await waitForListening(server, logFile);
    return {
      process: server,
      port,
      url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspace)}`,
      extensionDir,
      logFile,
    };
  } catch (err) {
    await server.stop(1000);
    throw err;
  }
}

async function waitForListening(server: Guarded, logFile: string): Promise<number> {
  const deadline = Date.now() + 90_000;
  let port = 0;
  while (!port && Date.now() < deadline) {
    const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(logTail(logFile, 1_000_000));
    if (m) {
      port = Number(m[1]);
    } else if (server.hasExited) {
      throw new Error(`code-server exited at start:\n${logTail(logFile)}`);
    } else {
      await sleep(100);
    }
  }
  while (port && Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) {
        return port;
      }
    } catch {
      // Not accepting connections yet.
    }
    if (server.hasExited) {
      throw new Error(`code-server exited at start:\n${logTail(logFile)}`);
    }
    await sleep(100);
  }
  throw new Error(`code-server did not answer within 90 s:\n${logTail(logFile)}`);
}

/**
 * The server resolves `--locale` against <user-data>/languagepacks.json and falls back to English when
 * the language has no pack there; Microsoft's packs come from a marketplace this set-up does not reach.
 * An empty pack makes VS Code report the language to extensions (so NOVA shows its own translations)
 * while VS Code's own menus stay in English.
 */
export function registerLanguagePack(dir: string, userData: string, locale: string, tag = 'nova-start'): void {
  const packDir = path.join(dir, 'language-pack', locale);
  mkdirSync(packDir, { recursive: true });
  const translations = path.join(packDir, 'main.i18n.json');
  writeFileSync(translations, JSON.stringify({ version: '1.0.0', contents: {} }));
  const packs = {
    [locale]: {
      hash: `${tag}-${locale}`,
      label: locale,
      extensions: [{ extensionIdentifier: { id: `${tag}.language-pack-${locale}` }, version: '0.0.0' }],
      translations: { vscode: translations },
    },
  };
  writeFileSync(path.join(userData, 'languagepacks.json'), JSON.stringify(packs, null, 2));
}

/**
 * Opens the desktop's default browser (code-server runs on Linux only, so xdg-open); returns false when
 * there is none and the printed URL is all there is.
 */
export function openBrowser(url: string): boolean {
  const xdg = findOnPath('xdg-open');
  // Without a display, xdg-open falls back to a text browser that would take over this terminal.
  if (!xdg || !(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)) {
    return false;
  }
  const child = spawn(xdg, [url], { detached: true, stdio: 'ignore' });
  child.once('error', () => undefined);
  child.unref();
  return true;
}
