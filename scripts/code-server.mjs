#!/usr/bin/env node
// Installs code-server (VS Code's server build) for the end-to-end tests without reaching anything but the
// npm registry and Debian: @vscode/test-electron downloads VS Code from a host CI cannot reach, and
// code-server's own postinstall downloads ripgrep, so every install script is skipped and its work redone here.
//
//   node scripts/code-server.mjs install   install once into .cache/code-server (a no-op when cached)
//   node scripts/code-server.mjs path      print the entry point of the cached install (fails when absent)
//
// NOVA_CODE_SERVER_DIR moves the cache folder.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError, ensureRequirements } from './requirements.mjs';

// 4.99.x is the last line whose engines field accepts Node 20 (VS Code 1.99.3); later ones require Node 22+.
const VERSION = '4.99.4';
const NODE_MAJOR = 20;

// The native modules VS Code's server loads on Linux; the Windows-only ones are left unbuilt.
const VSCODE_NATIVE = ['@parcel/watcher', '@vscode/spdlog', 'node-pty', 'native-watchdog', '@vscode/deviceid'];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.resolve(process.env.NOVA_CODE_SERVER_DIR || path.join(repoRoot, '.cache', 'code-server'));
const markerName = '.nova-install.json';

class StepError extends Error {}

function log(message) {
  console.error(`[code-server] ${message}`);
}

function fail(message) {
  throw new StepError(message);
}

function seconds(since) {
  return ((Date.now() - since) / 1000).toFixed(1);
}

/** What a finished install must match; a change (new version, other Node ABI) forces a fresh install. */
function wantedMarker() {
  return { version: VERSION, nodeAbi: process.versions.modules, platform: `${process.platform}-${process.arch}` };
}

export function entryPoint(dir = cacheDir) {
  return path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function isInstalled(dir) {
  const marker = path.join(dir, markerName);
  if (!existsSync(marker) || !existsSync(entryPoint(dir))) {
    return false;
  }
  try {
    const found = JSON.parse(readFileSync(marker, 'utf8'));
    const wanted = wantedMarker();
    return Object.keys(wanted).every((k) => found[k] === wanted[k]);
  } catch {
    return false;
  }
}

/** Runs a command with inherited output; a non-zero exit stops the install with the step's name. */
function run(step, cmd, args, options = {}) {
  const started = Date.now();
  log(`${step}: ${cmd} ${args.join(' ')}${options.cwd ? `  (in ${path.relative(repoRoot, options.cwd) || '.'})` : ''}`);
  // The child's output goes to stderr so that stdout carries only the entry point.
  const result = spawnSync(cmd, args, { stdio: ['ignore', 2, 2], ...options });
  if (result.error) {
    fail(`${step} could not start ${cmd}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    fail(`${step} failed: \`${cmd} ${args.join(' ')}\` exited with ${result.status ?? result.signal}`);
  }
  log(`${step}: done in ${seconds(started)} s`);
}

function checkNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== NODE_MAJOR) {
    fail(`code-server ${VERSION} needs Node ${NODE_MAJOR}, this is Node ${process.versions.node}`);
  }
}

/**
 * node-gyp downloads Node's headers unless told where they are; Debian and NodeSource ship them under
 * /usr/include/node, so point it there when no nodedir is configured.
 */
function buildEnv() {
  const env = { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false' };
  const configured = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' }).stdout?.trim();
  const hasConfigured = configured && configured !== 'undefined' && configured !== 'null';
  if (!hasConfigured && existsSync('/usr/include/node/node.h')) {
    env.npm_config_nodedir = '/usr';
  }
  const nodedir = hasConfigured ? configured : env.npm_config_nodedir;
  if (!nodedir || !existsSync(path.join(nodedir, 'include', 'node', 'node.h'))) {
    fail(
      `Node's C headers were not found (npm nodedir=${nodedir ?? 'unset'}); native modules cannot be built offline. ` +
        'Install the headers (they come with the nodejs package under /usr/include/node) or set npm_config_nodedir.',
    );
  }
  return env;
}

/** The work code-server's postinstall.sh does, minus its downloads. */
function installInto(dir) {
  const env = buildEnv();
  const npmQuiet = ['--no-audit', '--no-fund', '--ignore-scripts'];
  mkdirSync(dir, { recursive: true });
  // A package.json of its own keeps npm from walking up into the project's package.json.
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'nova-code-server-cache', private: true }, null, 2) + '\n');
  run('code-server package', 'npm', ['install', '--prefix', dir, `code-server@${VERSION}`, ...npmQuiet], { env, cwd: dir });

  const pkgDir = path.join(dir, 'node_modules', 'code-server');
  // argon2 (password hashing) is required at startup even with --auth none. Its install script, like
  // kerberos', tries to download a prebuilt binary first; build-from-source skips the download. npm warns
  // that it does not know this setting, but passes it on to the scripts, which read it.
  const fromSource = { ...env, npm_config_build_from_source: 'true' };
  run('argon2 native build', 'npm', ['rebuild', 'argon2'], { env: fromSource, cwd: dir });

  const vscodeDir = path.join(pkgDir, 'lib', 'vscode');
  run('VS Code server dependencies', 'npm', ['install', '--omit=dev', ...npmQuiet], { env, cwd: vscodeDir });

  // @vscode/ripgrep's postinstall downloads rg; search in the workbench needs it, Debian's build is equivalent.
  const rgSource = execFileSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).trim();
  const rgDir = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgDir, { recursive: true });
  copyFileSync(rgSource, path.join(rgDir, 'rg'));
  chmodSync(path.join(rgDir, 'rg'), 0o755);
  log(`ripgrep: copied ${rgSource}`);

  run('kerberos native build', 'npm', ['rebuild', 'kerberos'], { env: fromSource, cwd: vscodeDir });
  // Without build-from-source, @parcel/watcher keeps the prebuilt binary its optional dependency ships.
  run('VS Code native modules', 'npm', ['rebuild', ...VSCODE_NATIVE], { env, cwd: vscodeDir });

  // Same links as code-server's postinstall.sh: VS Code looks for bundled files under node_modules.asar,
  // and the integrated terminal's `code-server` and browser helpers are per-platform scripts.
  const links = [
    [vscodeDir, 'node_modules', 'node_modules.asar'],
    [path.join(vscodeDir, 'bin', 'remote-cli'), 'code-linux.sh', 'code-server'],
    [path.join(vscodeDir, 'bin', 'helpers'), 'browser-linux.sh', 'browser.sh'],
  ];
  for (const [where, target, name] of links) {
    rmSync(path.join(where, name), { recursive: true, force: true });
    symlinkSync(target, path.join(where, name));
  }
  log('postinstall links: done');

  const extDir = path.join(vscodeDir, 'extensions');
  run('built-in extensions dependencies', 'npm', ['install', '--omit=dev', ...npmQuiet], { env, cwd: extDir });
  // Only trims the bundled TypeScript; offline and cheap.
  run('built-in extensions postinstall', process.execPath, ['postinstall.mjs'], { env, cwd: extDir, stdio: ['ignore', 'ignore', 2] });

  const version = spawnSync(process.execPath, [entryPoint(dir), '--version'], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_DATA_HOME: path.join(dir, 'xdg-data') },
  });
  if (version.status !== 0 || !version.stdout.includes(VERSION)) {
    fail(`the installed code-server does not start: ${version.stderr || version.stdout}`);
  }
  log(`check: ${version.stdout.trim().split('\n').pop()}`);
  writeFileSync(path.join(dir, markerName), JSON.stringify({ ...wantedMarker(), installedAt: new Date().toISOString() }, null, 2) + '\n');
}

/** A lock folder so test files started in parallel do not install twice into the same place. */
function withLock(fn) {
  const lock = `${cacheDir}.lock`;
  const deadline = Date.now() + 20 * 60 * 1000;
  mkdirSync(path.dirname(cacheDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') {
        throw err;
      }
      let owner = NaN;
      try {
        owner = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        // The owner has made the folder but not yet written its pid.
      }
      if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        fail(`another install holds ${lock} for too long; remove it if no install is running`);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function install() {
  const started = Date.now();
  checkNode();
  // What the build needs from the system (compilers, headers, ripgrep) is listed in requirements.mjs.
  ensureRequirements(['code-server']);
  if (isInstalled(cacheDir)) {
    log(`code-server ${VERSION} is cached in ${cacheDir} (checked in ${seconds(started)} s)`);
    return;
  }
  withLock(() => {
    if (isInstalled(cacheDir)) {
      log(`code-server ${VERSION} was installed by another process in ${cacheDir}`);
      return;
    }
    // Built aside and moved in place at the end, so an interrupted install never looks finished.
    const staging = `${cacheDir}.partial`;
    rmSync(staging, { recursive: true, force: true });
    log(`installing code-server ${VERSION} into ${staging}`);
    try {
      installInto(staging);
    } catch (err) {
      log(`install failed; the partial install is left in ${staging} for inspection`);
      throw err;
    }
    rmSync(cacheDir, { recursive: true, force: true });
    renameSync(staging, cacheDir);
    log(`code-server ${VERSION} installed in ${cacheDir} in ${seconds(started)} s`);
  });
}

function main() {
  const command = process.argv[2];
  try {
    if (command === 'install') {
      install();
      console.log(entryPoint());
    } else if (command === 'path') {
      if (!isInstalled(cacheDir)) {
        fail(`code-server is not installed in ${cacheDir}; run: node scripts/code-server.mjs install`);
      }
      console.log(entryPoint());
    } else {
      console.error('usage: node scripts/code-server.mjs install|path');
      process.exitCode = 2;
    }
  } catch (err) {
    console.error(`[code-server] ERROR: ${err instanceof StepError || err instanceof SetupError ? err.message : err.stack}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
