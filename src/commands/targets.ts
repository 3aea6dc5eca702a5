/**
 * What a key command (Edit TTL, Delete, Copy Key Name) acts on, from how it was run. The same command
 * is reached from a tree item's menu (the item and the selection as arguments), from a keybinding of
 * the Keys view (the view's id as argument: its selection), and from the Command Palette (no argument:
 * the key of the active value tab, else the Keys view's selection, else a name the user types). No
 * `vscode` import, so the rules are tested in plain Node.
 */
import { Views } from '../constants';
import type { FolderNode, KeyNode } from '../redis/explorerModel';

/** A key known only by its bytes (an open value tab's key, or a typed name). */
export interface NamedKey {
  kind: 'named';
  key: Buffer;
  name: string;
}

export type CommandTarget = KeyNode | FolderNode | NamedKey;

/** The argument the Keys view's keybindings pass: "act on this view's selection". */
export const FROM_KEYS_VIEW: string = Views.keys;

export interface TargetContext {
  /** The Keys view's selection. */
  selection: readonly unknown[];
  /** The key of the active editor when it is a value tab. */
  tabKey?: NamedKey;
}

function isTarget(e: unknown): e is KeyNode | FolderNode {
  const kind = typeof e === 'object' && e !== null ? (e as { kind?: unknown }).kind : undefined;
  return kind === 'key' || kind === 'folder';
}

/**
 * The keys and folders to act on, or undefined when nothing names one (the command then asks).
 * An explicit item wins; a keybinding takes the view's selection; the palette prefers the value tab,
 * since that is where the user is looking.
 */
export function commandTargets(node: unknown, selection: unknown, context: TargetContext): CommandTarget[] | undefined {
  if (Array.isArray(selection) && selection.length > 1) {
    return selection.filter(isTarget);
  }
  if (isTarget(node)) {
    return [node];
  }
  const selected = context.selection.filter(isTarget);
  if (node === FROM_KEYS_VIEW) {
    return selected.length > 0 ? selected : undefined;
  }
  if (context.tabKey) {
    return [context.tabKey];
  }
  return selected.length > 0 ? selected : undefined;
}
