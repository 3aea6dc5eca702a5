/**
 * Drives the console engine the way the terminal does: keys in, screen bytes out. The text is plain
 * English here (the extension supplies it localized); tests read the screen with the escapes removed.
 */
import { openConnection } from '../../src/redis/connect';
import { parseRedisUrl } from '../../src/redis/url';
import { ConsoleSession, type ConfirmAnswer, type ConfirmRequest, type ConsoleText } from '../../src/console/session';
import type { RedisTarget } from '../../src/redis/url';

export const englishText: ConsoleText = {
  banner: (server, where, db, ro) => `Connected to ${server} at ${where}, DB ${db}${ro ? ' (read-only)' : ''}.`,
  help: () => ['help'],
  refused: (reason, command, db) => `(refused) ${reason} ${command} DB ${db}`,
  cancelled: () => '(cancelled) Nothing was sent.',
  invalidArguments: (reason) => `Invalid argument(s) (${reason})`,
  lost: (command, write) => `(error) connection lost during ${command}${write ? ': outcome unknown' : ''}`,
  interrupted: (command, write) => `(interrupted) ${command}${write ? ': outcome unknown' : ''}`,
  reconnected: (where, db) => `(reconnected to ${where}, DB ${db})`,
  cannotConnect: (err) => `(error) cannot connect: ${String(err)}`,
  transactionDiscarded: () => '(transaction discarded)',
  readingMessages: () => 'Reading messages... (press Ctrl+C to quit)',
  monitorShowsPasswords: (v) => `(warning) Redis ${v} shows AUTH passwords to MONITOR`,
  more: (n) => `-- more -- ${n} lines left`,
  cutElements: (shown, total) => `(cut: ${shown} of ${total} elements)`,
  cutBytes: (shown, total) => `(cut: ${shown} of ${total} bytes)`,
  jsonMode: (on) => `JSON ${on ? 'on' : 'off'}`,
  scanned: (keys, calls) => `(SCAN: ${keys} keys in ${calls} calls)`,
  arity: (exact, n) => `${exact ? '' : '>='}${n} args`,
};

/** Removes the escape sequences of colour and cursor movement, keeping the text a user reads. */
export function screenText(raw: string): string {
  // eslint-disable-next-line no-control-regex -- terminal escape sequences are control characters
  return raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

export interface ConsoleHarness {
  session: ConsoleSession;
  /** Everything written so far, escapes removed. */
  screen(): string;
  /** Screen text written since the last call. */
  take(): string;
  /** Types a line and Enter, and waits until the console waits for input again. */
  run(line: string): Promise<string>;
  confirmations: ConfirmRequest[];
  history: string[];
  dispose(): void;
}

export interface HarnessOptions {
  readOnly?: boolean;
  answer?: (r: ConfirmRequest) => ConfirmAnswer;
  pageLines?: number;
  budgetBytes?: number;
  history?: string[];
}

export async function startConsole(url: string | RedisTarget, options: HarnessOptions = {}): Promise<ConsoleHarness> {
  const target = typeof url === 'string' ? parseRedisUrl(url) : url;
  if (!('host' in target)) {
    throw new Error('bad url');
  }
  let raw = '';
  let mark = 0;
  const confirmations: ConfirmRequest[] = [];
  const history = [...(options.history ?? [])];
  let n = 0;
  const session = new ConsoleSession({
    open: () => openConnection(target, { connectTimeoutMs: 2000, commandTimeoutMs: 2000, clientName: `nova-console-test-${process.pid}-${++n}` }),
    endpoint: { host: target.host, port: target.port, db: target.db },
    readOnly: () => options.readOnly ?? false,
    confirm: (r) => {
      confirmations.push(r);
      return Promise.resolve(options.answer?.(r) ?? 'no');
    },
    text: englishText,
    history: { load: () => history, save: (lines) => history.splice(0, history.length, ...lines) },
    write: (d) => (raw += d),
    pageLines: options.pageLines,
    budgetBytes: options.budgetBytes,
  });
  await session.start();
  await session.whenIdle();
  const take = (): string => {
    const out = screenText(raw.slice(mark));
    mark = raw.length;
    return out;
  };
  take();
  return {
    session,
    screen: () => screenText(raw),
    take,
    run: async (line) => {
      session.input(`${line}\r`);
      await session.whenIdle();
      return take();
    },
    confirmations,
    history,
    dispose: () => session.dispose(),
  };
}

/** The reply part of a run: the lines after the echoed command, without the next prompt. */
export function replyOf(out: string): string {
  const lines = out.split('\n');
  lines.shift();
  if (lines.length > 0 && /> $/.test(lines[lines.length - 1] ?? '')) {
    lines.pop();
  }
  return lines.join('\n');
}
