/** Every id the manifest and the code share, in one place; a unit test checks them against package.json. */

export const EXTENSION_ID = 'nova-team.nova-redis';

export const Commands = {
  ping: 'nova.ping',
  reconnect: 'nova.reconnect',
  showServerInfo: 'nova.showServerInfo',
  openEnv: 'nova.openEnv',
  showLog: 'nova.showLog',
  selectEnvFolder: 'nova.selectEnvFolder',
} as const;

export const Views = {
  container: 'novaRedis',
  keys: 'nova.keys',
} as const;

export const ContextKeys = {
  /** 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed' */
  state: 'nova.connectionState',
  connected: 'nova.connected',
  multiRoot: 'nova.multiRoot',
} as const;

export const Settings = {
  section: 'nova',
  envFile: 'envFile',
  connectTimeoutMs: 'connection.connectTimeoutMs',
  commandTimeoutMs: 'connection.commandTimeoutMs',
  refreshIntervalSeconds: 'statusBar.refreshIntervalSeconds',
} as const;

export const StateKeys = {
  /** workspaceState: URI of the workspace folder whose .env is used in a multi-root workspace. */
  activeFolder: 'nova.activeFolder',
} as const;

export const Schemes = {
  serverInfo: 'nova-redis-info',
} as const;

export const STATUS_BAR_ID = 'nova.redis.status';
export const LOG_NAME = 'NOVA Redis';
