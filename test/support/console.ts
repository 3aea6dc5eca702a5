/**
 * Drives the console engine the way the terminal does: keys in, screen bytes out. The text is plain
 * English here (the extension supplies it localized); tests read the screen with the escapes removed.
 */
import { openConnection } from '../../src/redis/connect';
import { parseRedisUrl } from '../../src/redis/url';
import { ConsoleSession, type ConfirmAnswer, type ConfirmRequest, type ConsoleClusterOptions, type ConsoleText } from '../../src/console/session';
import type { RedisTarget } from '../../src/redis/url';
import { Screen } from './terminal';

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
  clusterBanner: (masters) => `(cluster of ${masters} masters)`,
  crossSlot: (command, slots) => `(refused) CROSSSLOT ${command} in ${slots} slots. Nothing was sent.`,
  clusterTransaction: (command) => `(refused) ${command} on a cluster. Nothing was sent.`,
  nodeHeading: (address) => `--- ${address} ---`,
};

export interface ConsoleHarness {
  session: ConsoleSession;
  screen: Screen;
  /** Types a line and Enter, waits until the console waits for input again, returns the rows printed in between. */
  run(line: string): Promise<string>;
  /** Sends raw keys (no Enter added). */
  keys(data: string): void;
  /** Rows printed since `mark()`. */
  since(mark: number): string;
  mark(): number;
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
  cols?: number;
  keyNames?: (prefix: string) => string[];
  /** Display language of the built-in command summaries. */
  locale?: string;
  /** On a cluster: the console's Cluster and the answer to "which master?". */
  cluster?: ConsoleClusterOptions;
}

export async function startConsole(url: string | RedisTarget, options: HarnessOptions = {}): Promise<ConsoleHarness> {
  const target = typeof url === 'string' ? parseRedisUrl(url) : url;
  if (!('host' in target)) {
    throw new Error('bad url');
  }
  const screen = new Screen(options.cols ?? 200);
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
    write: (d) => screen.write(d),
    pageLines: options.pageLines,
    budgetBytes: options.budgetBytes,
    keyNames: options.keyNames,
    locale: options.locale,
    cluster: options.cluster,
  });
  session.columns = screen.cols;
  await session.start();
  await session.whenIdle();
  const since = (mark: number): string => {
    const rows = screen.text().slice(mark);
    return rows.join('\n');
  };
  return {
    session,
    screen,
    run: async (line) => {
      const start = screen.row;
      session.input(`${line}\r`);
      await session.whenIdle();
      const rows = screen.text().slice(start + 1, screen.row);
      return rows.join('\n');
    },
    keys: (data) => session.input(data),
    since,
    mark: () => screen.row,
    confirmations,
    history,
    dispose: () => session.dispose(),
  };
}
