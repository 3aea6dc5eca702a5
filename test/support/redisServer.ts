/**
 * Starts and stops a real redis-server for the tests and the benchmark.
 * The binary comes from NOVA_TEST_REDIS_SERVER when set (so the same suite can run against an old
 * server such as 3.0), else `redis-server` on PATH. Only options every version since 3.0 accepts are
 * passed unless the binary's version says otherwise.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis, { type RedisOptions } from 'ioredis';

export interface StartOptions {
  /** Extra `--name value` pairs, e.g. ['--requirepass', 'x']. */
  args?: string[];
  password?: string;
  /** Reuse a port (for restart tests); a free one is picked otherwise. */
  port?: number;
  /**
   * Lines of a config file written into the server's directory and passed first. A Sentinel needs
   * one: it rewrites its file with what it learns, and refuses to start without a writable one.
   */
  config?: string[];
  /** Run as a Sentinel (`redis-server <config> --sentinel`); `config` holds its `sentinel monitor` line. */
  sentinel?: boolean;
}

export function redisServerBinary(): string {
  return process.env.NOVA_TEST_REDIS_SERVER || 'redis-server';
}

let cachedVersion: [number, number, number] | undefined;
let versionOutput: string | undefined;

function versionText(): string {
  versionOutput ??= execFileSync(redisServerBinary(), ['--version'], { encoding: 'utf8' });
  return versionOutput;
}

/** 'valkey' for Valkey's binary (its INFO says redis_version 7.2.4, so the version alone cannot tell). */
export function binaryFlavor(): 'redis' | 'valkey' {
  return /^Valkey server/i.test(versionText()) ? 'valkey' : 'redis';
}

/** The version of the binary under test, read from `redis-server --version`. */
export function binaryVersion(): [number, number, number] {
  if (!cachedVersion) {
    const out = versionText();
    const m = /v=(\d+)\.(\d+)\.(\d+)/.exec(out);
    if (!m) {
      throw new Error(`cannot read the version of ${redisServerBinary()}: ${out}`);
    }
    cachedVersion = [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  return cachedVersion;
}

export function binaryAtLeast(major: number, minor = 0): boolean {
  const [a, b] = binaryVersion();
  return a > major || (a === major && b >= minor);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set<RedisServer>();
process.on('exit', () => {
  for (const s of running) {
    s.child?.kill('SIGKILL');
  }
});

export class RedisServer {
  readonly host = '127.0.0.1';
  child: ChildProcess | undefined;
  private readonly dir: string;
  private stderr = '';

  private constructor(
    readonly port: number,
    private readonly options: StartOptions,
  ) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'nova-redis-test-'));
  }

  static async start(options: StartOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? (await freePort()), options);
    await server.launch();
    running.add(server);
    return server;
  }

  /** `redis://[:password@]127.0.0.1:port/db` */
  url(db = 1, password = this.options.password): string {
    const auth = password !== undefined ? `:${encodeURIComponent(password)}@` : '';
    return `redis://${auth}${this.host}:${this.port}/${db}`;
  }

  private buildArgs(): string[] {
    const args: string[] = [];
    if (this.options.config) {
      const file = path.join(this.dir, 'redis.conf');
      writeFileSync(file, this.options.config.join('\n') + '\n');
      args.push(file);
    }
    if (this.options.sentinel) {
      args.push('--sentinel');
    }
    args.push('--port', String(this.port), '--bind', this.host, '--save', '', '--appendonly', 'no', '--dir', this.dir);
    if (binaryAtLeast(3, 2)) {
      args.push('--protected-mode', 'no');
    }
    if (binaryAtLeast(7, 0)) {
      // Redis 7 refuses DEBUG unless enabled; the stall tests rely on DEBUG SLEEP.
      args.push('--enable-debug-command', 'yes');
    }
    if (this.options.password !== undefined) {
      args.push('--requirepass', this.options.password);
    }
    args.push(...(this.options.args ?? []));
    return args;
  }

  private async launch(): Promise<void> {
    this.stderr = '';
    const child = spawn(redisServerBinary(), this.buildArgs(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (exited(child)) {
        throw new Error(`redis-server exited at start (code ${child.exitCode}): ${this.stderr.slice(-2000)}`);
      }
      if (await this.answersPing()) {
        return;
      }
      await sleep(50);
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${this.port}: ${this.stderr.slice(-2000)}`);
  }

  private answersPing(): Promise<boolean> {
    return new Promise((resolve) => {
      const sock = net.connect(this.port, this.host);
      sock.setTimeout(500);
      sock.once('connect', () => sock.write('PING\r\n'));
      // NOAUTH also proves the server is up.
      sock.once('data', (d) => {
        sock.destroy();
        resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()));
      });
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => {
        sock.destroy();
        resolve(false);
      });
    });
  }

  /** Stops the server the hard way, as a crash or a stopped Windows service would. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || exited(child)) {
      return;
    }
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }

  /** Starts the server again on the same port (data is not persisted). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Freezes the server process so it accepts nothing and answers nothing. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume();
    await this.kill();
    running.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * An ioredis client on this server with `options` added. Its handshake is always one Redis 3.0
   * understands: no HELLO, no CLIENT SETINFO.
   */
  client(db = 0, options: RedisOptions = {}): Redis {
    return new Redis({
      host: this.host,
      port: this.port,
      db,
      password: this.options.password,
      ...options,
      protocol: 2,
      disableClientInfo: true,
    });
  }

  /**
   * A plain client for arranging and checking server state in tests; it never reconnects, so a
   * server that went away fails the next command instead of being waited for.
   */
  admin(db = 0): Redis {
    return this.client(db, { lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
  }
}

/** A child killed by a signal has a null exitCode, so both fields must be checked. */
function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns true, or fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) {
      return Date.now() - start;
    }
    await sleep(25);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
