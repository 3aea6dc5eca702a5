/** The end of "View Value As…": remember the choice only when it decoded the value, as far as the user says. */
import * as vscode from 'vscode';
import type { DecoderId } from '../redis/decoders';
import { displayName } from '../redis/keyName';
import type { DecoderScope } from './decoderMemory';
import type { ValueDocuments } from './valueDocuments';

export async function applyDecoderChoice(values: ValueDocuments, uri: vscode.Uri, key: Buffer, decoder: DecoderId | undefined, label: string): Promise<void> {
  if (!decoder) {
    await values.decoders.forget(key);
    values.redecode(key);
    return;
  }
  const session = values.value(uri);
  if (!session?.decodesWith(decoder)) {
    values.decoders.showOnce(key, decoder);
    values.redecode(key);
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} does not decode this value: it is shown for this key, and not remembered.', label));
    return;
  }
  const prefix = values.decoders.prefix(key);
  type Item = vscode.QuickPickItem & { scope: DecoderScope };
  const items: Item[] = [
    { label: vscode.l10n.t('This key only'), description: displayName(key), scope: 'key' },
    { label: vscode.l10n.t('Every key under {0}', prefix), scope: 'prefix' },
  ];
  const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Remember {0} for…', label) });
  if (!picked) {
    // Dismissed: the value is shown as asked, nothing is stored.
    values.decoders.showOnce(key, decoder);
  } else {
    await values.decoders.remember(key, decoder, picked.scope);
  }
  values.redecode(key);
}
