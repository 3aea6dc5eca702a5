/**
 * Export Keys (NDJSON or a Python test fixture) and Import Keys. An export reads in batches and
 * streams to a `.partial` file that becomes the chosen file only when complete, so a cancelled or
 * failed export never leaves a truncated file under the real name. An import reads the file twice:
 * a dry run that checks every line and counts the keys that exist already, then, after the user
 * chose, the writes; it never writes into a DB other than the session's.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { ConnectionManager } from '../connection/connectionManager';
import type { RedisSession } from '../connection/session';
import type { Logger } from '../log';
import { NovaError } from '../redis/errors';
import { folderTarget } from '../redis/explorerModel';
import { displayName } from '../redis/keyName';
import {
  EXPORT_BATCH,
  exportHeader,
  fixtureEnd,
  fixtureRecord,
  fixtureStart,
  headerLine,
  parseHeader,
  parseRecord,
  readInBatches,
  recordLine,
  type ExportHeader,
  type ExportRecord,
  type ImportMode,
  type ImportOutcome,
} from '../redis/transfer';
import { hostPort } from '../redis/url';
import { formatNumber, plural } from '../views/format';
import { isFolder, isKey, type KeysView } from '../views/keysView';
import type { HandlerTable } from './registry';

export interface TransferDeps {
  connection: ConnectionManager;
  keys: KeysView;
  log: Logger;
}

type Format = 'ndjson' | 'fixture';

/** What an export covers: named keys, folders, or the whole DB. */
interface Scope {
  label: string;
  fileStem: string;
  keys: Buffer[];
  folders: Array<{ path: Buffer; delimiter: string }>;
  wholeDb: boolean;
}

const NAMES_IN_MODAL = 10;
/** Imports in flight at once: enough to hide the round trips, few enough to stay gentle. */
const IMPORT_CONCURRENCY = 32;

function scopeOf(node: unknown, selection: unknown, db: number): Scope {
  const picked = Array.isArray(selection) && selection.length > 1 ? selection : node !== undefined ? [node] : [];
  const keys = picked.filter(isKey);
  const folders = picked.filter(isFolder);
  if (keys.length === 0 && folders.length === 0) {
    return { label: vscode.l10n.t('DB {0}', db), fileStem: `db${db}`, keys: [], folders: [], wholeDb: true };
  }
  const names = [...folders.map((f) => `${displayName(f.prefix)}*`), ...keys.map((k) => k.name)];
  const label = names.length === 1 ? names[0] : plural(names.length, vscode.l10n.t('{0} item', formatNumber(names.length)), vscode.l10n.t('{0} items', formatNumber(names.length)));
  const stem = (names.length === 1 ? names[0] : `db${db}-selection`).replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || `db${db}`;
  return { label, fileStem: stem, keys: keys.map((k) => k.key), folders: folders.map((f) => folderTarget(f)), wholeDb: false };
}

function write(stream: WriteStream, text: string): Promise<void> {
  return stream.write(text) ? Promise.resolve() : new Promise((resolve) => stream.once('drain', resolve));
}

function close(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(resolve);
  });
}

function cancellable<T>(title: string, work: (progress: vscode.Progress<{ message?: string }>, signal: AbortSignal) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      return await work(progress, abort.signal);
    } finally {
      sub.dispose();
    }
  });
}

async function exportFlow(d: TransferDeps, format: Format, node: unknown, selection: unknown): Promise<void> {
  const session = d.connection.requireSession();
  const scope = scopeOf(node, selection, session.db);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const extension = format === 'ndjson' ? 'ndjson' : 'py';
  const fileName = format === 'ndjson' ? `${scope.fileStem}.${extension}` : `conftest_${scope.fileStem.replace(/[^\w]/g, '_')}.${extension}`;
  const target = await vscode.window.showSaveDialog({
    title: format === 'ndjson' ? vscode.l10n.t('Export {0} as NDJSON', scope.label) : vscode.l10n.t('Export {0} as a Python test fixture', scope.label),
    defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
    filters: format === 'ndjson' ? { NDJSON: ['ndjson', 'jsonl'] } : { Python: ['py'] },
    saveLabel: vscode.l10n.t('Export'),
  });
  if (!target) {
    return;
  }
  const header = exportHeader(session.server, session.db, scope.label);
  const partial = `${target.fsPath}.partial`;
  const stream = createWriteStream(partial);
  let done = 0;
  let skipped = 0;
  let finished = false;
  try {
    finished = await cancellable(vscode.l10n.t('Exporting {0}', scope.label), async (progress, signal) => {
      await write(stream, format === 'ndjson' ? `${headerLine(header)}\n` : `${fixtureStart(header)}\n`);
      const line = format === 'ndjson' ? (r: ExportRecord): string => recordLine(r) : fixtureRecord;
      const emit = (keys: Buffer[]): Promise<void> =>
        readInBatches(
          keys,
          (batch) => session.readForExport(batch),
          async (result) => {
            skipped += result.skipped.length;
            // One write per batch: a write (and its wait for the disk) per key cost a third of the export.
            await write(stream, result.records.map((r) => `${line(r)}\n`).join(''));
            done += result.records.length;
            progress.report({ message: plural(done, vscode.l10n.t('{0} key written', formatNumber(done)), vscode.l10n.t('{0} keys written', formatNumber(done))) });
          },
          signal,
        );
      await emit(scope.keys);
      for (const f of scope.folders) {
        if (!(await session.scanFolder(f.path, f.delimiter, signal, emit))) {
          return false;
        }
      }
      if (scope.wholeDb && !(await session.scanFolder(null, ':', signal, emit))) {
        return false;
      }
      if (format === 'fixture') {
        await write(stream, fixtureEnd());
      }
      return !signal.aborted;
    });
  } finally {
    await close(stream).catch(() => undefined);
    if (!finished) {
      await rm(partial, { force: true });
    }
  }
  if (!finished) {
    vscode.window.setStatusBarMessage(vscode.l10n.t('Export cancelled; no file was written.'), 5000);
    return;
  }
  await rename(partial, target.fsPath);
  d.log.info(`Exported ${done} keys of DB ${session.db} at ${hostPort(session.endpoint)} to ${path.basename(target.fsPath)}`);
  const open = vscode.l10n.t('Open File');
  const written = plural(done, vscode.l10n.t('Exported {0} key to {1}.', formatNumber(done), path.basename(target.fsPath)), vscode.l10n.t('Exported {0} keys to {1}.', formatNumber(done), path.basename(target.fsPath)));
  const note = skipped > 0 ? ` ${plural(skipped, vscode.l10n.t('{0} key of a module type was left out.', formatNumber(skipped)), vscode.l10n.t('{0} keys of a module type were left out.', formatNumber(skipped)))}` : '';
  const choice = await vscode.window.showInformationMessage(written + note, open);
  if (choice === open) {
    await vscode.window.showTextDocument(target);
  }
}

/** The file's header and records, one at a time; throws IMPORT_INVALID naming the first bad line. */
async function* readExport(file: string): AsyncGenerator<ExportHeader | ExportRecord> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (n === 1) {
        yield parseHeader(line.replace(/^\uFEFF/, ''), 1);
      } else if (line.trim() !== '') {
        yield parseRecord(line, n);
      }
    }
  } finally {
    lines.close();
  }
  if (n === 0) {
    throw new NovaError('IMPORT_INVALID', 'empty file', { line: 1 });
  }
}

interface DryRun {
  header: ExportHeader;
  total: number;
  existing: number;
  examples: string[];
}

async function dryRun(session: RedisSession, file: string, signal: AbortSignal, progress: vscode.Progress<{ message?: string }>): Promise<DryRun | undefined> {
  let header: ExportHeader | undefined;
  let total = 0;
  let existing = 0;
  const examples: string[] = [];
  let batch: Buffer[] = [];
  const check = async (): Promise<void> => {
    const found = await session.existing(batch);
    found.forEach((exists, i) => {
      if (exists) {
        existing++;
        if (examples.length < NAMES_IN_MODAL) {
          examples.push(displayName(batch[i]));
        }
      }
    });
    batch = [];
    progress.report({ message: vscode.l10n.t('{0} lines checked', formatNumber(total)) });
  };
  for await (const item of readExport(file)) {
    if (signal.aborted) {
      return undefined;
    }
    if (!('key' in item)) {
      header = item;
      continue;
    }
    total++;
    batch.push(item.key);
    if (batch.length >= EXPORT_BATCH) {
      await check();
    }
  }
  if (batch.length > 0) {
    await check();
  }
  return header ? { header, total, existing, examples } : undefined;
}

async function importFlow(d: TransferDeps): Promise<void> {
  const session = d.connection.requireSession();
  if (session.readOnly) {
    throw new NovaError('READ_ONLY');
  }
  const picked = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Import keys into DB {0}', session.db),
    canSelectMany: false,
    filters: { NDJSON: ['ndjson', 'jsonl'] },
    openLabel: vscode.l10n.t('Check File'),
  });
  const file = picked?.[0]?.fsPath;
  if (!file) {
    return;
  }
  const where = hostPort(session.endpoint);
  const plan = await cancellable(vscode.l10n.t('Checking {0}', path.basename(file)), (progress, signal) => dryRun(session, file, signal, progress));
  if (!plan) {
    return;
  }
  if (plan.total === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} holds no key: nothing to import.', path.basename(file)));
    return;
  }
  const fresh = plan.total - plan.existing;
  const question = plural(
    plan.total,
    vscode.l10n.t('Import {0} key into DB {1} on {2}?', formatNumber(plan.total), session.db, where),
    vscode.l10n.t('Import {0} keys into DB {1} on {2}?', formatNumber(plan.total), session.db, where),
  );
  const lines = [
    vscode.l10n.t('Exported from {0}, DB {1}, on {2}.', plan.header.server, plan.header.db, plan.header.date),
    plural(fresh, vscode.l10n.t('{0} key would be created.', formatNumber(fresh)), vscode.l10n.t('{0} keys would be created.', formatNumber(fresh))),
  ];
  const skip = vscode.l10n.t('Skip Existing');
  const overwrite = vscode.l10n.t('Overwrite Existing');
  const create = vscode.l10n.t('Import');
  let buttons = [create];
  if (plan.existing > 0) {
    lines.push(
      plural(plan.existing, vscode.l10n.t('{0} key exists already:', formatNumber(plan.existing)), vscode.l10n.t('{0} keys exist already:', formatNumber(plan.existing))),
      ...plan.examples.map((name) => `• ${name}`),
    );
    if (plan.existing > plan.examples.length) {
      lines.push(vscode.l10n.t('… and {0} more', formatNumber(plan.existing - plan.examples.length)));
    }
    lines.push('', vscode.l10n.t('"Overwrite Existing" replaces their values and TTLs; this cannot be undone.'));
    buttons = [skip, overwrite];
  }
  lines.push(vscode.l10n.t('TTLs start again from now.'));
  const answer = await vscode.window.showWarningMessage(question, { modal: true, detail: lines.join('\n') }, ...buttons);
  if (answer === undefined) {
    return;
  }
  const mode: ImportMode = answer === overwrite ? 'overwrite' : 'skip';
  const counts: Record<ImportOutcome, number> = { created: 0, overwritten: 0, skipped: 0 };
  const completed = await cancellable(vscode.l10n.t('Importing {0}', path.basename(file)), async (progress, signal) => {
    const inFlight = new Set<Promise<void>>();
    let failure: Error | undefined;
    for await (const item of readExport(file)) {
      if (signal.aborted || failure !== undefined) {
        break;
      }
      if (!('key' in item)) {
        continue;
      }
      const job = session.importRecord(item, mode).then(
        (outcome) => {
          counts[outcome]++;
        },
        (err: unknown) => {
          failure ??= err instanceof Error ? err : new NovaError('UNKNOWN', String(err));
        },
      );
      const tracked = job.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= IMPORT_CONCURRENCY) {
        await Promise.race(inFlight);
        const n = counts.created + counts.overwritten + counts.skipped;
        progress.report({ message: vscode.l10n.t('{0} of {1}', formatNumber(n), formatNumber(plan.total)) });
      }
    }
    await Promise.all(inFlight);
    if (failure !== undefined) {
      throw failure;
    }
    return !signal.aborted;
  });
  d.log.info(`Import into DB ${session.db} at ${where}: ${counts.created} created, ${counts.overwritten} overwritten, ${counts.skipped} skipped`);
  const summary = vscode.l10n.t('Created {0}, overwrote {1}, skipped {2}.', formatNumber(counts.created), formatNumber(counts.overwritten), formatNumber(counts.skipped));
  void vscode.window.showInformationMessage(completed ? vscode.l10n.t('Import done. {0}', summary) : vscode.l10n.t('Import cancelled. {0}', summary));
}

export function transferCommands(d: TransferDeps): HandlerTable {
  return {
    [Commands.exportKeys]: (node?: unknown, selection?: unknown) => exportFlow(d, 'ndjson', node, selection),
    [Commands.exportFixture]: (node?: unknown, selection?: unknown) => exportFlow(d, 'fixture', node, selection),
    [Commands.importKeys]: () => importFlow(d),
  };
}
