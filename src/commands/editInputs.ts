/**
 * The questions the edit commands ask: bytes, scores, list indexes, TTLs, elements of the page a
 * tab shows. Each input validates as the user types, so a bad value is never sent.
 */
import * as vscode from 'vscode';
import { parseScore } from '../redis/collectionEdits';
import { displayName } from '../redis/keyName';
import { bytesFromText, editableText } from '../redis/nameInput';
import { parseTtlInput } from '../redis/ttl';
import type { LoadedElement } from '../redis/values';
import type { Cut } from '../redis/elementPage';
import { formatNumber } from '../views/format';
import { ttlError } from './changeCommands';

/** Longest preview of an element in a pick list or a confirmation. */
const PREVIEW_CHARS = 60;

/** An element's first characters, readable, with an ellipsis when there is more. */
export function preview(cut: Cut): string {
  const shown = displayName(cut.bytes.subarray(0, PREVIEW_CHARS * 4));
  const more = cut.size > cut.bytes.length || shown.length > PREVIEW_CHARS;
  return more ? `${shown.slice(0, PREVIEW_CHARS)}…` : shown;
}

/** Whether the tab holds the whole element (not only its first bytes). */
export function whole(cut: Cut): boolean {
  return cut.size === cut.bytes.length;
}

/**
 * Asks for bytes. `initial` (when read whole) fills the box; binary bytes show escaped and are read
 * back from that form. Undefined when cancelled.
 */
export async function askBytes(title: string, prompt: string, initial?: Cut): Promise<Buffer | undefined> {
  const start = initial && whole(initial) ? editableText(initial.bytes) : { text: '', escaped: false };
  const text = await vscode.window.showInputBox({
    title,
    prompt: start.escaped ? `${prompt} ${vscode.l10n.t('Escapes such as \\xNN, \\n or \\\\ stand for those bytes.')}` : prompt,
    value: start.text,
    validateInput: (v) => (bytesFromText(v, start.escaped) === undefined ? vscode.l10n.t('Malformed escape: use \\xNN, \\n, \\r, \\t, \\0, \\\\ or \\u{NNNN}.') : undefined),
  });
  return text === undefined ? undefined : bytesFromText(text, start.escaped);
}

/** Asks for a key name, starting from `initial` (a folder prefix, the current name). */
export function askKeyName(title: string, initial: Uint8Array = Buffer.alloc(0)): Promise<Buffer | undefined> {
  return askNonEmpty(title, vscode.l10n.t('Key name'), initial);
}

async function askNonEmpty(title: string, prompt: string, initial: Uint8Array): Promise<Buffer | undefined> {
  const start = editableText(initial);
  const text = await vscode.window.showInputBox({
    title,
    prompt: start.escaped ? `${prompt} ${vscode.l10n.t('Escapes such as \\xNN, \\n or \\\\ stand for those bytes.')}` : prompt,
    value: start.text,
    valueSelection: [start.text.length, start.text.length],
    validateInput: (v) => {
      if (v.length === 0) {
        return vscode.l10n.t('Enter a name.');
      }
      return bytesFromText(v, start.escaped) === undefined ? vscode.l10n.t('Malformed escape: use \\xNN, \\n, \\r, \\t, \\0, \\\\ or \\u{NNNN}.') : undefined;
    },
  });
  return text === undefined ? undefined : bytesFromText(text, start.escaped);
}

/** Asks for a sorted-set score; the result is what parseScore gives. */
export async function askScore(title: string, initial?: string): Promise<string | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('Score: a number such as 3, -1.5 or 2e6, or inf / -inf'),
    value: initial ?? '',
    validateInput: (v) => (parseScore(v) === undefined ? vscode.l10n.t('Not a number. Examples: 3, -1.5, 2e6, inf, -inf.') : undefined),
  });
  return text === undefined ? undefined : parseScore(text);
}

/** Asks for an index of a list of `length` elements. */
export async function askIndex(title: string, length: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('Index, from 0 to {0}', formatNumber(length - 1)),
    validateInput: (v) => {
      const n = Number(v.trim());
      return /^\d+$/.test(v.trim()) && n < length ? undefined : vscode.l10n.t('The list has indexes 0 to {0}.', formatNumber(length - 1));
    },
  });
  return text === undefined ? undefined : Number(text.trim());
}

/** A TTL for new or many keys: seconds, `null` for no expiry, undefined when cancelled. */
export async function askTtl(title: string, noExpiryLabel: string): Promise<number | null | undefined> {
  type Choice = vscode.QuickPickItem & { seconds?: number | null };
  const choices: Choice[] = [
    { label: `$(clock) ${vscode.l10n.t('1 hour')}`, description: vscode.l10n.t('3600 s, NOVA\'s default'), seconds: 3600 },
    { label: `$(calendar) ${vscode.l10n.t('1 day')}`, description: '86400 s', seconds: 86400 },
    { label: `$(circle-slash) ${noExpiryLabel}`, seconds: null },
    { label: `$(edit) ${vscode.l10n.t('Enter a duration…')}` },
  ];
  const choice = await vscode.window.showQuickPick(choices, { title, placeHolder: vscode.l10n.t('TTL') });
  if (!choice) {
    return undefined;
  }
  if (choice.seconds !== undefined) {
    return choice.seconds;
  }
  const text = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('New TTL: seconds or a duration such as 90s, 15m, 1h, 2d, 1h30m'),
    validateInput: (v) => {
      const parsed = parseTtlInput(v);
      return 'error' in parsed ? ttlError(parsed.error) : undefined;
    },
  });
  if (text === undefined) {
    return undefined;
  }
  const parsed = parseTtlInput(text);
  return 'seconds' in parsed ? parsed.seconds : 'persist' in parsed ? null : undefined;
}

/** How an element reads in a pick list: its field, index or member, and a preview of the rest. */
export function elementLabel(type: string, e: LoadedElement): { label: string; description?: string } {
  switch (type) {
    case 'hash':
      return { label: e.field ? preview(e.field) : '', description: preview(e.value) };
    case 'list':
      return { label: `[${e.index}] ${preview(e.value)}` };
    case 'zset':
      return { label: preview(e.value), description: vscode.l10n.t('score {0}', e.score ?? '') };
    default:
      return { label: preview(e.value) };
  }
}
