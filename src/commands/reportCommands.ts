/** "NOVA: Show Cache Report", for the whole DB (title bar, palette) or one folder (its context menu). */
import { Commands } from '../constants';
import type { CacheReportPanel } from '../views/cacheReport';
import { isFolder } from '../views/keysView';
import type { HandlerTable } from './registry';

export function reportCommands(panel: CacheReportPanel): HandlerTable {
  return {
    [Commands.showCacheReport]: (node?: unknown) => panel.show(isFolder(node) ? node : undefined),
  };
}
