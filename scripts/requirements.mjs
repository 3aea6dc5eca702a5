// What `npm start` and `npm test` need from the system besides node_modules, and how to get it: the one
// list of tools (REQUIREMENTS), where redis-server lives on NOVA's machines (REDIS_PLACES), and what to do
// about a missing tool on each system (planSetup). Plain Node without any dependency: scripts/bootstrap.mjs
// uses it before node_modules exists, scripts/code-server.mjs and scripts/start/ use it too.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

export const TIERS = ['unit', 'redis', 'e2e'];

/**
 * What each command needs besides node_modules. `for` lists who needs it: `start` (npm start), a test
 * tier, or `code-server` (the offline build of scripts/code-server.mjs, which npm start uses when there
 * is no desktop VS Code, the redis tier's npm start test, and the e2e tier). `check` is one of
 * `{ redis: true }`, `{ python: module }`, `{ commands: [...] }`, `{ file: env => path }`.
 *
 * @typedef {{ redis?: boolean, python?: string, commands?: string[], file?: (env: NodeJS.ProcessEnv) => string }} Check
 * @typedef {{ name: string, why: string, for: string[], check: Check, debian: string[], brew?: string[], pip?: string }} Requirement
 * @type {Requirement[]}
 */
export const REQUIREMENTS = [
  {
    name: 'redis-server',
    why: 'the private Redis that npm start and the tests run (any version from 3.0 on)',
    for: ['start', 'redis', 'e2e'],
    check: { redis: true },
    debian: ['redis-server'],
    brew: ['redis'],
  },
  {
    name: 'python-dotenv for Python 3',
    why: '.env parsing is cross-checked with the real python-dotenv',
    for: ['unit'],
    check: { python: 'dotenv' },
    debian: ['python3-dotenv'],
    pip: 'python-dotenv',
  },
  {
    name: 'redis-py for Python 3',
    why: 'URL parsing is cross-checked with redis-py, and values are seeded through it as NOVA writes them',
    for: ['unit', 'redis'],
    check: { python: 'redis' },
    debian: ['python3-redis'],
    pip: 'redis',
  },
  {
    name: 'cachelib for Python 3',
    why: "values written by cachelib / Flask-Caching are read back from a real server",
    for: ['redis'],
    check: { python: 'cachelib' },
    debian: ['python3-cachelib'],
    pip: 'cachelib',
  },
  {
    name: 'django-redis for Python 3',
    why: "values written by django-redis (its serializers and compressors) are read back from a real server",
    for: ['redis'],
    check: { python: 'django_redis' },
    debian: ['python3-django-redis'],
    pip: 'django-redis',
  },
  {
    name: 'RQ for Python 3',
    why: "RQ job hashes are read back from a real server",
    for: ['redis'],
    check: { python: 'rq' },
    debian: ['python3-rq'],
    pip: 'rq',
  },
  {
    name: 'Celery for Python 3',
    why: "Celery's Redis result documents are read back from a real server",
    for: ['redis'],
    check: { python: 'celery' },
    debian: ['python3-celery'],
    pip: 'celery',
  },
  {
    name: 'msgpack for Python 3',
    why: "django-redis's msgpack serializer needs it",
    for: ['redis'],
    check: { python: 'msgpack' },
    debian: ['python3-msgpack'],
    pip: 'msgpack',
  },
  {
    name: 'chromium',
    why: 'the browser Playwright drives',
    for: ['e2e'],
    check: { file: (env) => env.NOVA_E2E_CHROMIUM || '/usr/bin/chromium' },
    debian: ['chromium'],
  },
  {
    name: 'pgrep and ps',
    why: 'the npm start test checks that no process is left behind',
    for: ['redis'],
    check: { commands: ['pgrep', 'ps'] },
    debian: ['procps'],
  },
  {
    name: 'ripgrep (rg)',
    why: "search in VS Code; code-server's own download of it is skipped",
    for: ['code-server'],
    check: { commands: ['rg'] },
    debian: ['ripgrep'],
    brew: ['ripgrep'],
  },
  {
    name: 'make',
    why: "code-server's native modules are built from source (node-gyp)",
    for: ['code-server'],
    check: { commands: ['make'] },
    debian: ['make'],
  },
  {
    name: 'g++',
    why: "code-server's native modules are built from source (node-gyp)",
    for: ['code-server'],
    check: { commands: ['g++'] },
    debian: ['g++'],
  },
  {
    name: 'python3',
    why: "code-server's native modules are built from source (node-gyp)",
    for: ['code-server'],
    check: { commands: ['python3'] },
    debian: ['python3'],
  },
  {
    name: 'libkrb5-dev (krb5-config)',
    why: "code-server's kerberos module is built against it",
    for: ['code-server'],
    check: { commands: ['krb5-config'] },
    debian: ['libkrb5-dev'],
    brew: ['krb5'],
  },
  {
    name: 'pkg-config',
    why: "code-server's native modules find their libraries with it",
    for: ['code-server'],
    check: { commands: ['pkg-config'] },
    debian: ['pkg-config'],
    brew: ['pkg-config'],
  },
];

/**
 * Where redis-server lives on NOVA's machines when it is not on PATH. `under: 'Program Files'` is each
 * Program Files folder of Windows (or NOVA_REDIS_PROGRAM_FILES); the other rows are absolute.
 */
export const REDIS_PLACES = [
  { platform: 'win32', under: 'Program Files', path: ['Redis', 'redis-server.exe'], what: 'the Redis service (Windows port)' },
  { platform: 'win32', under: 'Program Files', path: ['Memurai', 'memurai.exe'], what: 'Memurai' },
  { platform: 'darwin', under: '/opt/homebrew', path: ['bin', 'redis-server'], what: 'Homebrew' },
  { platform: 'darwin', under: '/usr/local', path: ['bin', 'redis-server'], what: 'Homebrew' },
];

/** The files REDIS_PLACES names on `platform`, in order. */
export function redisPlaces(platform, env) {
  const override = env.NOVA_REDIS_PROGRAM_FILES;
  const programFiles = override ? [override] : [...new Set([env.ProgramFiles, env.ProgramW6432, 'C:\\Program Files'].filter(Boolean))];
  const join = platform === 'win32' && !override ? path.win32.join : path.join;
  const found = [];
  for (const place of REDIS_PLACES) {
    if (override ? place.under !== 'Program Files' : place.platform !== platform) {
      continue;
    }
    for (const root of place.under === 'Program Files' ? programFiles : [place.under]) {
      found.push({ file: join(root, ...place.path), what: place.what });
    }
  }
  return found;
}

const onWindows = process.platform === 'win32';

export function isExecutable(file) {
  try {
    accessSync(file, onWindows ? constants.F_OK : constants.X_OK);
    return !onWindows || /\.(com|exe|bat|cmd)$/i.test(file);
  } catch {
    return false;
  }
}

/** The full path of a command found on PATH (with PATHEXT on Windows), or undefined. */
export function findOnPath(command, env = process.env) {
  const exts = onWindows ? ['', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** The server version from `--version`: `v=3.0.504` for Redis and Valkey, Memurai names the Redis it matches. */
function redisVersion(file) {
  let out;
  try {
    out = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000, windowsHide: true });
  } catch (err) {
    return { problem: `${file} --version failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (out.error || out.status !== 0) {
    return { problem: `${file} --version failed: ${out.error ? out.error.message : (out.stderr || `exit code ${out.status}`).trim().split('\n')[0]}` };
  }
  const version = (/v=(\d+\.\d+\.\d+)/.exec(out.stdout) ?? /redis[^\d\n]*(\d+\.\d+\.\d+)/i.exec(out.stdout))?.[1];
  if (!version) {
    return { problem: `${file} does not look like redis-server (its --version printed: ${out.stdout.trim().slice(0, 200)})` };
  }
  return { version };
}

/**
 * The redis-server of npm start and of the tests: NOVA_TEST_REDIS_SERVER (a path or a command name), else
 * `redis-server` on PATH, else the first of REDIS_PLACES that answers `--version`. `explicit` says the
 * user named a binary that cannot be used: installing another one would not help.
 *
 * @returns {{ path: string, version: string, from: string } | { missing: string, explicit: boolean }}
 */
export function locateRedisServer(env = process.env, platform = process.platform) {
  const wanted = env.NOVA_TEST_REDIS_SERVER;
  if (wanted) {
    const isPath = wanted.includes('/') || (onWindows && wanted.includes('\\'));
    const found = isPath ? (isExecutable(wanted) ? path.resolve(wanted) : undefined) : findOnPath(wanted, env);
    if (!found) {
      return { missing: `NOVA_TEST_REDIS_SERVER is set to ${wanted}, which is not ${isPath ? 'an executable file' : 'on PATH'}.`, explicit: true };
    }
    const probe = redisVersion(found);
    return 'version' in probe ? { path: found, version: probe.version, from: 'NOVA_TEST_REDIS_SERVER' } : { missing: probe.problem, explicit: true };
  }
  const candidates = [];
  const onPath = findOnPath('redis-server', env);
  if (onPath) {
    candidates.push({ file: onPath, what: 'PATH' });
  }
  const places = redisPlaces(platform, env);
  candidates.push(...places.filter((p) => isExecutable(p.file)));
  const problems = [];
  for (const candidate of candidates) {
    const probe = redisVersion(candidate.file);
    if ('version' in probe) {
      return { path: candidate.file, version: probe.version, from: candidate.what };
    }
    problems.push(probe.problem);
  }
  const looked = [`redis-server is not on PATH${onWindows ? ' (looked for redis-server.exe)' : ''}`];
  if (places.length > 0) {
    looked.push(`nor in ${places.map((p) => p.file).join(', ')}`);
  }
  return { missing: [`${looked.join(', ')}.`, ...problems].join('\n'), explicit: false };
}

/** The Python 3 the cross-checks use: Debian's, whose python3-dotenv and python3-redis they need. */
export function pythonInterpreter(env = process.env) {
  return env.NOVA_TEST_PYTHON || (onWindows ? 'python' : '/usr/bin/python3');
}

/** Whether `req` is there; `redis` is what locateRedisServer found, or why nothing was. */
function satisfied(req, env, redis) {
  const { check } = req;
  if (check.redis) {
    return 'path' in redis;
  }
  if (check.python) {
    return spawnSync(pythonInterpreter(env), ['-c', `import ${check.python}`], { stdio: 'ignore', timeout: 30_000, windowsHide: true }).status === 0;
  }
  if (check.commands) {
    return check.commands.every((c) => findOnPath(c, env));
  }
  return isExecutable(check.file(env));
}

/**
 * Who may need something, as a command line would name it, and the REQUIREMENTS keys each one uses:
 * npm start builds code-server only for VS Code in the browser; the redis tier's npm start test and the
 * e2e tier always run it.
 */
export const NEEDERS = {
  start: { label: 'npm start', keys: ['start'] },
  'start:browser': { label: 'npm start (VS Code in the browser)', keys: ['start', 'code-server'] },
  unit: { label: 'test:unit', keys: ['unit'] },
  redis: { label: 'test:redis', keys: ['redis', 'code-server'] },
  e2e: { label: 'test:e2e', keys: ['e2e', 'code-server'] },
  'code-server': { label: 'scripts/code-server.mjs', keys: ['code-server'] },
};

/**
 * What is missing for `needs` (keys of NEEDERS), each with who needs it.
 *
 * @returns {{ missing: { req: Requirement, neededBy: string[] }[], redis: ReturnType<typeof locateRedisServer> }}
 */
export function findMissing(needs, env = process.env) {
  const redis = locateRedisServer(env);
  const missing = [];
  for (const req of REQUIREMENTS) {
    const neededBy = needs.filter((n) => NEEDERS[n].keys.some((k) => req.for.includes(k))).map((n) => NEEDERS[n].label);
    if (neededBy.length > 0 && !satisfied(req, env, redis)) {
      missing.push({ req, neededBy });
    }
  }
  return { missing, redis };
}

/**
 * The facts about this system that decide what can be done about a missing tool.
 *
 * @typedef {{ platform: string, apt: boolean, root: boolean, mayInstall: boolean }} SystemFacts
 * @returns {SystemFacts}
 */
export function systemFacts(env = process.env) {
  return {
    platform: process.platform,
    apt: process.platform === 'linux' && existsSync('/usr/bin/apt-get') && existsSync('/usr/bin/dpkg'),
    root: process.getuid?.() === 0,
    mayInstall: !env.NOVA_SETUP_NO_INSTALL,
  };
}

const unique = (items) => [...new Set(items)];

/**
 * What to do about `missing` on a system described by `facts`: nothing, install Debian packages, or stop
 * with `lines` naming each missing tool, who needs it and the command that installs it.
 *
 * @param {{ req: Requirement, neededBy: string[] }[]} missing
 * @param {SystemFacts} facts
 * @returns {{ action: 'none' } | { action: 'apt', packages: string[] } | { action: 'stop', lines: string[] }}
 */
export function planSetup(missing, facts) {
  if (missing.length === 0) {
    return { action: 'none' };
  }
  const debian = unique(missing.flatMap((m) => m.req.debian));
  if (facts.apt && facts.root && facts.mayInstall) {
    return { action: 'apt', packages: debian };
  }
  const lines = ['Missing:'];
  for (const { req, neededBy } of missing) {
    lines.push(`  ${req.name}, needed by ${neededBy.join(', ')}: ${req.why}`);
  }
  lines.push('');
  if (facts.apt) {
    lines.push('Install with:', `  ${facts.root ? '' : 'sudo '}apt-get install -y ${debian.join(' ')}`);
  } else if (facts.platform === 'darwin') {
    const brew = unique(missing.flatMap((m) => m.req.brew ?? []));
    const pip = unique(missing.flatMap((m) => (m.req.pip ? [m.req.pip] : [])));
    const other = missing.filter((m) => !m.req.brew && !m.req.pip).map((m) => m.req.name);
    lines.push('Install with:');
    if (brew.length > 0) {
      lines.push(`  brew install ${brew.join(' ')}`);
    }
    if (pip.length > 0) {
      lines.push(`  python3 -m pip install ${pip.join(' ')}`);
    }
    if (other.length > 0) {
      lines.push(`and install ${other.join(', ')} (Debian packages: ${unique(missing.filter((m) => !m.req.brew && !m.req.pip).flatMap((m) => m.req.debian)).join(' ')}).`);
    }
  } else if (facts.platform === 'win32') {
    for (const { req } of missing) {
      if (req.check.redis) {
        lines.push(
          '  redis-server: install Redis for Windows (NOVA runs the port 3.0.504 as the "Redis" service, in',
          '  C:\\Program Files\\Redis) or Memurai; both are found there. The service itself is left alone.',
        );
      } else if (req.pip) {
        lines.push(`  ${req.name}: py -m pip install ${req.pip}`);
      } else {
        lines.push(`  ${req.name}: install it and put it on PATH`);
      }
    }
  } else {
    lines.push(`Install them with your system's package manager (their Debian packages: ${debian.join(' ')}).`);
  }
  if (missing.some((m) => m.req.check.redis)) {
    lines.push('Or set NOVA_TEST_REDIS_SERVER to the full path of a redis-server binary.');
  }
  return { action: 'stop', lines };
}

export function say(line) {
  process.stdout.write(`[setup] ${line}\n`);
}

/** A problem to tell the user about in plain words (no stack trace). */
export class SetupError extends Error {}

export function runInherit(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) {
    throw new SetupError(`${command} ${args.join(' ')} could not start: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new SetupError(`${command} ${args.join(' ')} failed (${result.signal ?? `exit code ${result.status}`})`);
  }
}

/**
 * Installs (Debian as root) or names what `needs` lacks; throws SetupError when something is still
 * missing. Returns the redis-server found, when one was looked for.
 */
export function ensureRequirements(needs, env = process.env, facts = systemFacts(env)) {
  let { missing, redis } = findMissing(needs, env);
  if ('explicit' in redis && redis.explicit && missing.some((m) => m.req.check.redis)) {
    throw new SetupError(`${redis.missing}\nFix NOVA_TEST_REDIS_SERVER or unset it to use the redis-server found on this machine.`);
  }
  const plan = planSetup(missing, facts);
  if (plan.action === 'stop') {
    throw new SetupError(plan.lines.join('\n'));
  }
  if (plan.action === 'apt') {
    for (const { req, neededBy } of missing) {
      say(`missing ${req.name} (${neededBy.join(', ')}): installing Debian's ${req.debian.join(' ')}`);
    }
    if (missing.some((m) => m.req.check.redis)) {
      say(
        "Debian's redis-server package provides /usr/bin/redis-server and also sets up a system Redis service on port 6379; " +
          'npm start and the tests never use that service: they run their own redis-server on a free port with a private config.',
      );
    }
    const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
    const started = Date.now();
    runInherit('apt-get', ['update'], { env: aptEnv });
    runInherit('apt-get', ['install', '-y', ...plan.packages], { env: aptEnv });
    say(`installed ${plan.packages.join(' ')} in ${seconds(started)} s`);
    ({ missing, redis } = findMissing(needs, env));
    if (missing.length > 0) {
      throw new SetupError(`still missing after apt-get install: ${missing.map((m) => m.req.name).join(', ')}`);
    }
  }
  return redis;
}

export function seconds(since) {
  return ((Date.now() - since) / 1000).toFixed(1);
}
