/** Commands of the value viewer: open, decode as, load more, refresh. */
import * as vscode from 'vscode';
import { Commands, Schemes } from '../constants';
import { DECODER_IDS, type DecoderId } from '../redis/decoders';
import { isKey } from '../views/keysView';
import { keyOfUri, type ValueDocuments } from '../views/valueDocuments';
import { applyDecoderChoice } from '../views/viewValueAs';
import type { HandlerTable } from './registry';
import { askKeyName } from './keyPrompt';
import type { ConnectionManager } from '../connection/connectionManager';

function decoderLabel(id: DecoderId): string {
  switch (id) {
    case 'json':
      return 'JSON';
    case 'pickle':
      return vscode.l10n.t('Python pickle');
    case 'gzip':
      return 'gzip';
    case 'zlib':
      return 'zlib';
    case 'msgpack':
      return 'MessagePack';
    case 'text':
      return vscode.l10n.t('UTF-8 text');
    case 'hex':
      return vscode.l10n.t('Hex dump');
  }
}

export function valueCommands(values: ValueDocuments, connection: ConnectionManager): HandlerTable {
  /** The value tab the command is about: the argument, else the active editor. */
  const activeValueUri = (arg: unknown): vscode.Uri | undefined => {
    if (arg instanceof vscode.Uri && arg.scheme === Schemes.value) {
      return arg;
    }
    const uri = vscode.window.activeTextEditor?.document.uri;
    return uri?.scheme === Schemes.value ? uri : undefined;
  };
  return {
    [Commands.openValue]: async (node?: unknown) => {
      if (isKey(node)) {
        await values.open(node.key);
        return;
      }
      // From the palette Open Value asks for a name: the Keys view opens its keys itself (vscode.open).
      const named = await askKeyName(connection.requireSession());
      if (named) {
        await values.open(named.key);
      }
    },
    [Commands.viewValueAs]: async (arg?: unknown) => {
      const uri = activeValueUri(arg);
      if (!uri) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Open a value first (click a key in the Keys view).'));
        return;
      }
      const key = keyOfUri(uri);
      const applicable = new Set(values.value(uri)?.applicableDecoders() ?? DECODER_IDS);
      const current = values.decoderFor(key);
      type Item = vscode.QuickPickItem & { decoder?: DecoderId };
      const items: Item[] = [
        { label: `$(sparkle) ${vscode.l10n.t('Automatic')}`, description: current === undefined ? vscode.l10n.t('current') : undefined },
        ...DECODER_IDS.map((d) => ({
          label: decoderLabel(d),
          decoder: d,
          description: [current === d ? vscode.l10n.t('current') : undefined, applicable.has(d) ? undefined : vscode.l10n.t('does not fit this value')].filter(Boolean).join(' · ') || undefined,
        })),
      ];
      const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Decode the value as…') });
      if (picked) {
        await applyDecoderChoice(values, uri, key, picked.decoder, picked.decoder ? decoderLabel(picked.decoder) : '');
      }
    },
    [Commands.loadMoreValue]: async (arg?: unknown) => {
      const uri = activeValueUri(arg);
      if (uri) {
        await values.loadMore(uri);
      }
    },
    [Commands.refreshValue]: async (arg?: unknown) => {
      const uri = activeValueUri(arg);
      if (uri) {
        await values.refreshUri(uri);
      }
    },
  };
}
