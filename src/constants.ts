/** Every id the manifest and the code share, in one place; a unit test checks them against package.json. */

export const EXTENSION_ID = 'nova-team.nova-redis';

export const Commands = {
  ping: 'nova.ping',
  reconnect: 'nova.reconnect',
  showServerInfo: 'nova.showServerInfo',
  openEnv: 'nova.openEnv',
  showLog: 'nova.showLog',
  selectEnvFolder: 'nova.selectEnvFolder',
  refreshKeys: 'nova.refreshKeys',
  filterKeys: 'nova.filterKeys',
  clearFilter: 'nova.clearFilter',
  stopKeySearch: 'nova.stopKeySearch',
  resumeKeySearch: 'nova.resumeKeySearch',
  scanAllKeys: 'nova.scanAllKeys',
  loadMoreKeys: 'nova.loadMoreKeys',
  copyKeyName: 'nova.copyKeyName',
  editTtl: 'nova.editTtl',
  deleteKeys: 'nova.deleteKeys',
  deleteFolder: 'nova.deleteFolder',
  flushDatabase: 'nova.flushDatabase',
  openValue: 'nova.openValue',
  viewValueAs: 'nova.viewValueAs',
  loadMoreValue: 'nova.loadMoreValue',
  refreshValue: 'nova.refreshValue',
  openConsole: 'nova.openConsole',
  runSelectionInConsole: 'nova.runSelectionInConsole',
  copyAsCommand: 'nova.copyAsCommand',
  exportKeys: 'nova.exportKeys',
  exportFixture: 'nova.exportFixture',
  importKeys: 'nova.importKeys',
  findCodeForKey: 'nova.findCodeForKey',
  showKeysMatching: 'nova.showKeysMatching',
  editValue: 'nova.editValue',
  addElement: 'nova.addElement',
  editElement: 'nova.editElement',
  removeElement: 'nova.removeElement',
  newKey: 'nova.newKey',
  renameKey: 'nova.renameKey',
  duplicateKey: 'nova.duplicateKey',
  copyValue: 'nova.copyValue',
  setTtlOfKeys: 'nova.setTtlOfKeys',
  showCacheReport: 'nova.showCacheReport',
  refreshSlowlog: 'nova.refreshSlowlog',
  refreshClients: 'nova.refreshClients',
  enableKeyspaceEvents: 'nova.enableKeyspaceEvents',
} as const;

export const Views = {
  container: 'novaRedis',
  keys: 'nova.keys',
  slowlog: 'nova.slowlog',
  clients: 'nova.clients',
} as const;

export const ContextKeys = {
  /** 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed' */
  state: 'nova.connectionState',
  connected: 'nova.connected',
  /** The error code behind a failed or retrying connection, or AUTH_NOT_NEEDED while connected; '' otherwise. */
  problem: 'nova.connectionProblem',
  multiRoot: 'nova.multiRoot',
  keysFiltered: 'nova.keysFiltered',
  keysScanning: 'nova.keysScanning',
  readOnly: 'nova.readOnly',
  /** The active value tab has more to load (Load More of Value is offered only then). */
  valueCanLoadMore: 'nova.valueCanLoadMore',
  /** TYPE of the key in the active value tab ('' for none): which element edits its title bar offers. */
  valueType: 'nova.valueType',
} as const;

export const Settings = {
  section: 'nova',
  envFile: 'envFile',
  connectTimeoutMs: 'connection.connectTimeoutMs',
  commandTimeoutMs: 'connection.commandTimeoutMs',
  refreshIntervalSeconds: 'statusBar.refreshIntervalSeconds',
  delimiter: 'explorer.delimiter',
  flat: 'explorer.flatList',
  pageSize: 'explorer.pageSize',
  scanCount: 'explorer.scanCount',
  readOnly: 'readOnly',
  previewBytes: 'values.previewThresholdBytes',
  zsetOrder: 'values.zsetOrder',
  clusterForceStandalone: 'cluster.forceStandalone',
  clusterNatMap: 'cluster.natMap',
  codeLinksEnabled: 'codeLinks.enabled',
  codeLinksMethods: 'codeLinks.methods',
  liveKeyspaceEvents: 'live.keyspaceEvents',
  liveStatsIntervalSeconds: 'live.statsIntervalSeconds',
} as const;

export const StateKeys = {
  /** workspaceState: URI of the workspace folder whose .env is used in a multi-root workspace. */
  activeFolder: 'nova.activeFolder',
  /** workspaceState: decoder chosen with "View Value As…", per key prefix. */
  decoderByPrefix: 'nova.decoderByPrefix',
  /** workspaceState: decoder chosen with "View Value As…" for one key (by its bytes id). */
  decoderByKey: 'nova.decoderByKey',
  /** workspaceState: the console's command history, oldest first. */
  consoleHistory: 'nova.consoleHistory',
} as const;

export const LanguageIds = {
  redis: 'redis',
} as const;

export const Schemes = {
  serverInfo: 'nova-redis-info',
  value: 'nova-redis-value',
  /** Editable documents of string values; writing one saves it to Redis. */
  edit: 'nova-redis-edit',
} as const;

export const STATUS_BAR_ID = 'nova.redis.status';
export const LOG_NAME = 'NOVA Redis';
