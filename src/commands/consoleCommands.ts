/** Commands of the Redis console: open one, send the editor's selection to it, copy a key as commands. */
import { Commands } from '../constants';
import type { Consoles } from '../views/console';
import type { HandlerTable } from './registry';

export function consoleCommands(consoles: Consoles): HandlerTable {
  return {
    [Commands.openConsole]: () => consoles.openConsole().then(() => undefined),
    [Commands.runSelectionInConsole]: () => consoles.runSelection(),
    [Commands.copyAsCommand]: (node?: unknown) => consoles.copyAsCommand(node),
  };
}
