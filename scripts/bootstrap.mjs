#!/usr/bin/env node
// `npm start` and `npm test` on a fresh clone. Plain Node without any dependency, because it runs before
// node_modules exists: it checks node_modules against package-lock.json (and runs `npm ci` when they
// differ), then the tools the command needs (one table, REQUIREMENTS), installs what is missing where it
// can (Debian or Ubuntu as root) or names it and stops, and only then hands over to scripts/start.ts or
// to the test tiers.
//
//   node scripts/bootstrap.mjs start [options of scripts/start.ts]
//   node scripts/bootstrap.mjs test [unit|redis|e2e ...]         every tier when none is named
//   node scripts/bootstrap.mjs setup [start|unit|redis|e2e ...]  the set-up alone (.ci/run)
//
// The tools and where they come from are in scripts/requirements.mjs.
// NOVA_SETUP_NO_INSTALL=1 never installs anything: it names what is missing and the command to run.
// NOVA_REDIS_PROGRAM_FILES=<dir> looks for redis-server in <dir> the way it looks in Windows' Program
// Files (REDIS_PLACES), on any system.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NEEDERS, SetupError, TIERS, ensureRequirements, findOnPath, runInherit, say, seconds } from './requirements.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Why node_modules does not match package-lock.json, or undefined when it does: every package the lockfile
 * lists is installed at its version (optional ones, such as other platforms' binaries, may be absent).
 */
export function nodeModulesProblem(repo = repoRoot) {
  if (!existsSync(path.join(repo, 'node_modules'))) {
    return 'node_modules is missing';
  }
  const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8'));
  for (const [where, entry] of Object.entries(lock.packages ?? {})) {
    if (!where.startsWith('node_modules/') || entry.link) {
      continue;
    }
    const name = where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    let installed;
    try {
      installed = JSON.parse(readFileSync(path.join(repo, where, 'package.json'), 'utf8')).version;
    } catch {
      installed = undefined;
    }
    if (installed === undefined) {
      if (!entry.optional) {
        return `${name} is not installed`;
      }
    } else if (installed !== entry.version) {
      return `${name} ${installed} is installed, package-lock.json has ${entry.version}`;
    }
  }
  return undefined;
}

/** npm itself: the one running this script when started by `npm start` or `npm test`, else npm on PATH. */
function npm(args, options = {}) {
  const cli = process.env.npm_execpath;
  const onWindows = process.platform === 'win32';
  return cli && /\.[cm]?js$/.test(cli)
    ? [process.execPath, [cli, ...args], options]
    : [onWindows ? 'npm.cmd' : 'npm', args, { ...options, shell: onWindows }];
}

function ensureNodeModules() {
  const problem = nodeModulesProblem();
  if (!problem) {
    return;
  }
  say(`${problem}: running npm ci (installs the packages of package-lock.json into node_modules; about a minute the first time)`);
  const started = Date.now();
  runInherit(...npm(['ci', '--no-audit', '--no-fund'], { cwd: repoRoot }));
  const still = nodeModulesProblem();
  if (still) {
    throw new SetupError(`npm ci finished but node_modules still does not match package-lock.json: ${still}`);
  }
  say(`npm ci done in ${seconds(started)} s`);
}

function checkNode() {
  const wanted = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).engines.node;
  const [major, minor] = process.versions.node.split('.').map(Number);
  const m = /^>=(\d+)\.(\d+)/.exec(wanted);
  if (m && (major < Number(m[1]) || (major === Number(m[1]) && minor < Number(m[2])))) {
    throw new SetupError(`NOVA Redis needs Node.js ${wanted}; this is ${process.versions.node}. Install a newer Node.js (https://nodejs.org).`);
  }
}

/** npm start's needs: code-server's only when it will be used (Linux without the desktop `code`). */
function startNeeds(args) {
  if (args.includes('--help')) {
    return [];
  }
  const browser = args.includes('--no-browser') || args.includes('--code-server') || !findOnPath('code');
  return [process.platform === 'linux' && browser ? 'start:browser' : 'start'];
}

/** Runs one tier's npm script; resolves with its exit code. A terminal's Ctrl+C reaches it directly. */
function runTier(tier, env) {
  return new Promise((resolve) => {
    const [command, args, options] = npm(['run', `test:${tier}`], { cwd: repoRoot, stdio: 'inherit', env });
    const child = spawn(command, args, options);
    const forward = (signal) => child.kill(signal);
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    child.once('error', (err) => {
      process.stderr.write(`[setup] npm run test:${tier} could not start: ${err.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

function tiersFrom(args) {
  const unknown = args.filter((a) => !TIERS.includes(a));
  if (unknown.length > 0) {
    throw new SetupError(`unknown test tier ${unknown.join(', ')}; the tiers are ${TIERS.join(', ')}`);
  }
  return args.length > 0 ? TIERS.filter((t) => args.includes(t)) : TIERS;
}

/** Builds code-server into .cache when one of `needs` runs it (a no-op once cached), so that no test waits for it. */
function installCodeServer(needs) {
  if (needs.some((n) => NEEDERS[n].keys.includes('code-server'))) {
    runInherit(process.execPath, [path.join(repoRoot, 'scripts', 'code-server.mjs'), 'install'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

/** Sets up everything the tiers need, then runs them in order; the first failing tier stops the run. */
async function test(args) {
  const tiers = tiersFrom(args);
  const started = Date.now();
  ensureNodeModules();
  const redis = ensureRequirements(tiers);
  const env = { ...process.env };
  if (tiers.some((t) => t !== 'unit') && 'path' in redis) {
    say(`redis-server ${redis.version}: ${redis.path} (${redis.from})`);
    env.NOVA_TEST_REDIS_SERVER = redis.path;
  }
  installCodeServer(tiers);
  say(`set-up checked in ${seconds(started)} s; running ${tiers.map((t) => `test:${t}`).join(', ')}`);
  // A terminal's Ctrl+C reaches the running tier too; this process waits for it to stop.
  process.on('SIGINT', () => undefined);
  for (const tier of tiers) {
    const code = await runTier(tier, env);
    if (code !== 0) {
      say(`test:${tier} failed (exit code ${code})`);
      return code;
    }
  }
  return 0;
}

/** Runs scripts/start.ts in this process, so that signals and the terminal reach it as they would directly. */
async function start(args) {
  ensureNodeModules();
  ensureRequirements(startNeeds(args));
  await import(pathToFileURL(path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href);
  process.argv.splice(2, process.argv.length - 2, ...args);
  await import(pathToFileURL(path.join(repoRoot, 'scripts', 'start.ts')).href);
}

function setup(args) {
  ensureNodeModules();
  const unknown = args.filter((a) => a !== 'start' && !TIERS.includes(a));
  if (unknown.length > 0) {
    throw new SetupError(`setup takes start and test tiers (${TIERS.join(', ')}), not ${unknown.join(', ')}`);
  }
  const needs = args.flatMap((a) => (a === 'start' ? startNeeds([]) : [a]));
  const redis = ensureRequirements(needs);
  if ('path' in redis) {
    say(`redis-server ${redis.version}: ${redis.path} (${redis.from})`);
  }
  installCodeServer(needs);
  say(`ready for ${args.length > 0 ? args.join(', ') : 'node_modules only'}`);
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  try {
    checkNode();
    if (command === 'start') {
      await start(args);
    } else if (command === 'test') {
      process.exitCode = await test(args);
    } else if (command === 'setup') {
      setup(args);
    } else {
      process.stderr.write('usage: node scripts/bootstrap.mjs start [options] | test [tier ...] | setup [start|unit|redis|e2e ...]\n');
      process.exitCode = 2;
    }
  } catch (err) {
    if (!(err instanceof SetupError)) {
      throw err;
    }
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
