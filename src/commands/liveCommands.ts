/** Commands of the server views and the live keyspace: refresh the slowlog and clients, turn notifications on. */
import { Commands } from '../constants';
import type { LiveKeyspaceController } from '../views/liveKeyspace';
import type { ServerViews } from '../views/serverViews';
import type { HandlerTable } from './registry';

export function liveCommands(views: ServerViews, live: LiveKeyspaceController): HandlerTable {
  return {
    [Commands.refreshSlowlog]: () => views.slowlog.refresh(),
    [Commands.refreshClients]: () => views.clients.refresh(),
    [Commands.enableKeyspaceEvents]: () => live.enable(),
  };
}
