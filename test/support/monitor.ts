/**
 * MONITOR read from a plain socket. An ioredis client entering MONITOR can take a line relayed right
 * after MONITOR's OK for a reply and fail with "Command queue state error" when other clients are
 * busy at that moment; a socket of our own has no command queue to confuse.
 */
import net from 'node:net';
import type Redis from 'ioredis';
import { waitFor, type RedisServer } from './redisServer';

export interface MonitoredCommand {
  /** Command name and arguments, as the server relayed them (latin1: one character per byte). */
  args: string[];
  /** `127.0.0.1:port` of the client that sent it, or `lua` for a script's commands. */
  source: string;
}

export interface MonitorOptions {
  /**
   * Decode only this many bytes of each line: a line can be as long as the largest value written
   * (64 MB), and a name and a first argument are all some tests need.
   */
  headBytes?: number;
}

let markers = 0;

/** Every command the server runs while this is open, in the order it ran them. */
export class ServerMonitor {
  readonly commands: MonitoredCommand[] = [];
  private readonly listeners: ((c: MonitoredCommand) => void)[] = [];
  private readonly seenMarkers = new Set<string>();

  private constructor(
    private readonly socket: net.Socket,
    private readonly pinger: Redis,
    private readonly keep: boolean,
  ) {}

  /**
   * Starts monitoring `server`. With `headBytes`, commands go to listeners only (none is kept), so a
   * long test does not hold every value it wrote.
   */
  static async start(server: RedisServer, options: MonitorOptions = {}): Promise<ServerMonitor> {
    const socket = net.connect(server.port, server.host);
    const monitor = new ServerMonitor(socket, server.admin(0), options.headBytes === undefined);
    try {
      await monitor.read(options.headBytes ?? Infinity);
    } catch (err) {
      monitor.dispose();
      throw err;
    }
    return monitor;
  }

  onCommand(listener: (c: MonitoredCommand) => void): void {
    this.listeners.push(listener);
  }

  private read(headBytes: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let head: Buffer[] = [];
      let headLength = 0;
      const keep = (part: Buffer): void => {
        if (headLength < headBytes) {
          head.push(part.subarray(0, headBytes - headLength));
          headLength += part.length;
        }
      };
      let started = false;
      const onLine = (line: string): void => {
        if (started) {
          this.relayed(parseMonitorLine(line));
          return;
        }
        started = true;
        if (line === '+OK') {
          resolve();
        } else {
          reject(new Error(`MONITOR refused: ${line}`));
        }
      };
      this.socket.once('error', reject);
      this.socket.once('connect', () => this.socket.write('MONITOR\r\n'));
      this.socket.on('data', (chunk: Buffer) => {
        let from = 0;
        // Split on LF alone: a chunk may end between CR and LF, and MONITOR escapes both inside a line.
        for (let end = chunk.indexOf(0x0a); end >= 0; end = chunk.indexOf(0x0a, from)) {
          keep(chunk.subarray(from, end));
          onLine(Buffer.concat(head).toString('latin1').replace(/\r$/, ''));
          head = [];
          headLength = 0;
          from = end + 1;
        }
        keep(chunk.subarray(from));
      });
    });
  }

  private relayed(command: MonitoredCommand): void {
    const [name, first] = command.args;
    if (name?.toLowerCase() === 'ping' && first?.startsWith('nova-monitor-sync-')) {
      this.seenMarkers.add(first);
      return;
    }
    if (this.keep) {
      this.commands.push(command);
    }
    for (const listener of this.listeners) {
      listener(command);
    }
  }

  /** Waits until MONITOR relayed every command the server ran before this call. */
  async sync(): Promise<void> {
    markers += 1;
    const marker = `nova-monitor-sync-${process.pid}-${markers}`;
    await this.pinger.ping(marker);
    await waitFor('MONITOR to relay the commands run so far', () => this.seenMarkers.has(marker));
  }

  dispose(): void {
    this.socket.destroy();
    this.pinger.disconnect();
  }
}

/**
 * A MONITOR line, `+1700000000.123456 [0 127.0.0.1:5000] "set" "k\"ey" "v"`: the source and the
 * arguments, unescaped (`\"`, `\\`, `\n`, `\xhh`…). A line cut short gives the arguments it holds.
 */
export function parseMonitorLine(line: string): MonitoredCommand {
  const open = line.indexOf('[');
  const close = line.indexOf('] "', open);
  if (open < 0 || close < 0) {
    return { args: [], source: '' };
  }
  const source = line.slice(line.indexOf(' ', open) + 1, close);
  const args: string[] = [];
  let i = close + 2;
  while (i < line.length) {
    if (line[i] !== '"') {
      i++;
      continue;
    }
    let arg = '';
    i++;
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\' && line[i + 1] === 'x') {
        arg += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
        i += 4;
      } else if (line[i] === '\\') {
        const escaped = line[i + 1];
        arg += ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[escaped] ?? escaped;
        i += 2;
      } else {
        arg += line[i];
        i++;
      }
    }
    args.push(arg);
    i++;
  }
  return { args, source };
}
