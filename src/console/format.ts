/**
 * Replies printed the way redis-cli 7 prints them on a terminal (its TTY format): `(integer) 1`,
 * `(nil)`, `"a"` with binary bytes escaped, `1) …` with nested arrays indented under their index,
 * `(error) …`, `(empty array)`. Options add what redis-cli lacks: colour, pretty JSON for a bulk
 * string that is a JSON object or array, and notes where a reply was cut at the byte budget.
 * The output is a list of lines, so the console can page it.
 */
import { quoteBytes } from './parse';
import type { Reply } from './resp';

export interface FormatOptions {
  color?: boolean;
  /** Pretty-print bulk strings that hold a JSON object or array. */
  json?: boolean;
  /** Localized note for a reply cut at the byte budget: receives shown and total element counts. */
  cutNote?: (shown: number, total: number) => string;
  /** Localized note for a bulk string cut at the byte budget: receives shown and total bytes. */
  cutBytesNote?: (shown: number, total: number) => string;
}

const SGR = { reset: '\x1b[0m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m' };

/** Commands whose bulk reply redis-cli prints as plain text even on a terminal. */
const RAW_COMMANDS = new Set(['info', 'lolwut', 'client list', 'client info', 'memory doctor', 'memory malloc-stats', 'latency doctor', 'latency graph', 'cluster nodes', 'cluster info', 'debug htstats', 'debug htstats-key', 'debug listpack', 'debug quicklist-packed-nodes']);

export function printsRaw(args: readonly Uint8Array[]): boolean {
  const name = Buffer.from(args[0] ?? []).toString('latin1').toLowerCase();
  const sub = args.length > 1 ? `${name} ${Buffer.from(args[1]).toString('latin1').toLowerCase()}` : '';
  return RAW_COMMANDS.has(name) || RAW_COMMANDS.has(sub);
}

export function formatReply(reply: Reply, options: FormatOptions = {}, raw = false): string[] {
  if (raw && (reply.t === 'bulk' || reply.t === 'error')) {
    const text = reply.t === 'bulk' ? reply.v.toString('utf8') : reply.v;
    const lines = text.split(/\r?\n/);
    if (lines.length > 1 && lines[lines.length - 1] === '') {
      lines.pop();
    }
    return lines;
  }
  const out: string[] = [];
  let line = '';
  const paint = (code: string, text: string): string => (options.color ? `${code}${text}${SGR.reset}` : text);
  const end = (text: string): void => {
    out.push(line + text);
    line = '';
  };
  const walk = (r: Reply, prefix: string): void => {
    switch (r.t) {
      case 'error':
        end(paint(SGR.red, `(error) ${r.v}`));
        return;
      case 'status':
        end(paint(SGR.green, r.v));
        return;
      case 'int':
        end(paint(SGR.yellow, `(integer) ${r.v}`));
        return;
      case 'nil':
        end(paint(SGR.dim, '(nil)'));
        return;
      case 'bulk': {
        const pretty = options.json ? prettyJson(r.v) : undefined;
        if (pretty) {
          const [first, ...rest] = pretty;
          end(paint(SGR.cyan, first));
          for (const l of rest) {
            end(prefix + paint(SGR.cyan, l));
          }
        } else {
          end(quoteBytes(r.v));
        }
        if (r.size !== undefined) {
          out.push(prefix + paint(SGR.dim, options.cutBytesNote?.(r.v.length, r.size) ?? `(… ${r.v.length} of ${r.size} bytes)`));
        }
        return;
      }
      case 'array': {
        if (r.v.length === 0 && r.total === undefined) {
          end(paint(SGR.dim, '(empty array)'));
          return;
        }
        const count = r.total ?? r.v.length;
        const width = String(count).length;
        const inner = prefix + ' '.repeat(width + 2);
        r.v.forEach((item, i) => {
          line += `${i === 0 ? '' : prefix}${String(i + 1).padStart(width)}) `;
          walk(item, inner);
        });
        if (r.total !== undefined) {
          if (line) {
            end('');
          }
          out.push(prefix + paint(SGR.dim, options.cutNote?.(r.v.length, r.total) ?? `(… ${r.v.length} of ${r.total} elements)`));
        }
        return;
      }
    }
  };
  walk(reply, '');
  return out;
}

/** Indented JSON for a bulk string that holds an object or an array; undefined for anything else. */
export function prettyJson(bytes: Buffer): string[] | undefined {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) {
    i++;
  }
  if (bytes[i] !== 0x7b && bytes[i] !== 0x5b) {
    return undefined;
  }
  const text = bytes.toString('utf8');
  if (Buffer.byteLength(text) !== bytes.length || text.includes('\ufffd')) {
    return undefined;
  }
  try {
    return JSON.stringify(JSON.parse(text) as unknown, null, 2).split('\n');
  } catch {
    return undefined;
  }
}
