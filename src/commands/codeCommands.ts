/**
 * From a key to its code: "Find Code Using This Key" searches the workspace's Python files for the
 * calls whose key template produces the key (or lies under the folder), best matches first, in a
 * quick pick that opens the line. And "Show Keys Matching", which a code link's pattern lens runs.
 */
import * as vscode from 'vscode';
import { exactKey, findKeyUses, templateGlob, templatePrefix, type KeyUse } from '../code/pyKeys';
import { Commands, Views } from '../constants';
import { readSettings } from '../config/settings';
import { globMatch } from '../redis/glob';
import { displayName } from '../redis/keyName';
import { formatNumber, plural } from '../views/format';
import { isFolder, isKey, type KeysView } from '../views/keysView';
import type { HandlerTable } from './registry';

/** Folders no one's own code lives in. */
const EXCLUDE = '{**/node_modules/**,**/.venv/**,**/venv/**,**/.tox/**,**/site-packages/**,**/__pycache__/**,**/.git/**}';
const MAX_FILES = 5000;
/** Files larger than this are generated or vendored, not the backend's own code. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** 3: the exact key; 2: a pattern that produces it, or a key under the folder; 1: a pattern under the folder. */
export function matchScore(use: KeyUse, target: { key: Buffer } | { prefix: Buffer }): number {
  const exact = exactKey(use.parts);
  if ('key' in target) {
    if (exact) {
      return exact.equals(target.key) ? 3 : 0;
    }
    return globMatch(templateGlob(use.parts), target.key) ? 2 : 0;
  }
  if (exact) {
    return exact.subarray(0, target.prefix.length).equals(target.prefix) ? 2 : 0;
  }
  const prefix = templatePrefix(use.parts);
  const shorter = Math.min(prefix.length, target.prefix.length);
  // The template's fixed start and the folder agree as far as both go: it can write keys there.
  return prefix.length > 0 && prefix.subarray(0, shorter).equals(target.prefix.subarray(0, shorter)) ? 1 : 0;
}

interface Hit {
  uri: vscode.Uri;
  use: KeyUse;
  score: number;
  text: string;
}

async function searchWorkspace(target: { key: Buffer } | { prefix: Buffer }, token: vscode.CancellationToken, progress: vscode.Progress<{ message?: string }>): Promise<Hit[]> {
  const methods = new Set(readSettings().codeLinksMethods);
  const files = await vscode.workspace.findFiles('**/*.py', EXCLUDE, MAX_FILES, token);
  const hits: Hit[] = [];
  let done = 0;
  for (const uri of files) {
    if (token.isCancellationRequested) {
      break;
    }
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    let text: string;
    if (open) {
      text = open.getText();
    } else {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_FILE_BYTES) {
        continue;
      }
      text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
    }
    const lines = text.split('\n');
    for (const use of findKeyUses(text, methods)) {
      const score = matchScore(use, target);
      if (score > 0) {
        hits.push({ uri, use, score, text: (lines[use.line] ?? '').trim() });
      }
    }
    done++;
    if (done % 50 === 0) {
      progress.report({ message: vscode.l10n.t('{0} of {1} files', formatNumber(done), formatNumber(files.length)) });
    }
  }
  return hits.sort((a, b) => b.score - a.score || a.uri.fsPath.localeCompare(b.uri.fsPath) || a.use.line - b.use.line);
}

export function codeCommands(keys: KeysView): HandlerTable {
  return {
    [Commands.findCodeForKey]: async (node?: unknown) => {
      const element = node ?? keys.selection[0];
      let target: { key: Buffer } | { prefix: Buffer };
      let shown: string;
      if (isKey(element)) {
        target = { key: element.key };
        shown = element.name;
      } else if (isFolder(element)) {
        target = { prefix: element.prefix };
        shown = `${displayName(element.prefix)}*`;
      } else {
        const name = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Key to look for in the Python code') });
        if (!name) {
          return;
        }
        target = { key: Buffer.from(name, 'utf8') };
        shown = name;
      }
      const hits = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Searching the Python code for {0}', shown), cancellable: true },
        (progress, token) => searchWorkspace(target, token, progress),
      );
      if (hits.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No Python code in this workspace uses {0}.', shown));
        return;
      }
      type Item = vscode.QuickPickItem & { hit: Hit };
      const kind = (score: number): string => (score === 3 ? vscode.l10n.t('this key') : score === 2 ? vscode.l10n.t('a pattern for it') : vscode.l10n.t('a pattern under it'));
      const items: Item[] = hits.map((hit) => ({
        label: `$(symbol-method) ${hit.text}`,
        description: `${vscode.workspace.asRelativePath(hit.uri)}:${hit.use.line + 1}`,
        detail: `${hit.use.method} · ${templateGlob(hit.use.parts).toString('utf8')} · ${kind(hit.score)}`,
        hit,
      }));
      const picked = await vscode.window.showQuickPick(items, {
        title: plural(hits.length, vscode.l10n.t('{0} place in the code uses {1}', formatNumber(hits.length), shown), vscode.l10n.t('{0} places in the code use {1}', formatNumber(hits.length), shown)),
        matchOnDescription: true,
        matchOnDetail: true,
      });
      if (!picked) {
        return;
      }
      const position = new vscode.Position(picked.hit.use.line, 0);
      await vscode.window.showTextDocument(picked.hit.uri, { selection: new vscode.Range(position, position) });
    },

    [Commands.showKeysMatching]: async (pattern?: unknown) => {
      if (typeof pattern !== 'string' || pattern === '') {
        return;
      }
      keys.setFilter({ match: pattern, label: pattern });
      await vscode.commands.executeCommand(`${Views.keys}.focus`);
    },
  };
}
