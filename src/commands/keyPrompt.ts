/** Where a key command finds its key outside the Keys view: the active value tab, or a typed name. */
import * as vscode from 'vscode';
import { Schemes } from '../constants';
import type { RedisSession } from '../connection/session';
import { displayName, typedKeyCandidates } from '../redis/keyName';
import { bindingOf, bindingOfUri, keyOfUri } from '../views/valueDocuments';
import type { NamedKey } from './targets';

/**
 * The key of the active value tab. `other-db` when the tab was opened on another server or DB than
 * the session's: a change made now would reach a key the tab does not show.
 */
export function valueTabKey(session: RedisSession | undefined): NamedKey | 'other-db' | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  if (uri?.scheme !== Schemes.value) {
    return undefined;
  }
  const key = keyOfUri(uri);
  if (session) {
    const tab = bindingOfUri(uri);
    const now = bindingOf(session);
    if (tab.server !== now.server || tab.db !== now.db) {
      return 'other-db';
    }
  }
  return { kind: 'named', key, name: displayName(key) };
}

export function warnOtherDb(session: RedisSession): void {
  void vscode.window.showWarningMessage(
    vscode.l10n.t('This value tab was opened on another database than DB {0}, which the connection uses now: run "NOVA: Refresh Value" first.', session.db),
  );
}

/**
 * Asks for a key name, typed as the Keys view shows it (redis-cli escapes such as \x00), and returns
 * the key it names on this session. A name no key has is said so, and nothing else happens.
 */
export async function askKeyName(session: RedisSession): Promise<NamedKey | undefined> {
  const name = await vscode.window.showInputBox({
    prompt: vscode.l10n.t('Key name, as the Keys view shows it (escapes as in redis-cli: \\x00, \\n, \\\\)'),
    placeHolder: 'nova:cache:user:42',
    validateInput: (v) => (v.length === 0 ? vscode.l10n.t('Enter a key name.') : undefined),
  });
  if (!name) {
    return undefined;
  }
  for (const key of typedKeyCandidates(name)) {
    if ((await session.pttl(key)) !== -2) {
      return { kind: 'named', key, name: displayName(key) };
    }
  }
  void vscode.window.showWarningMessage(vscode.l10n.t('No key named {0} in DB {1}.', name, session.db));
  return undefined;
}
