/**
 * What the redis-server under test really does, found out once per test process on a throwaway
 * server rather than guessed from its version: the tests that watch the server through MONITOR or
 * INFO commandstats, or disable commands, depend on these and differ between 3.0 and 8.x.
 */
import { RedisServer } from './redisServer';
import { ServerMonitor } from './monitor';

export interface ServerTraits {
  /** Every command name the server knows, lower case. */
  commands: ReadonlySet<string>;
  /** MONITOR relays CLIENT: Redis 4.0 to 6.2 hide every admin command from it. */
  monitorShowsClient: boolean;
  /** INFO commandstats counts a command run by EXEC under its own name: Redis 4.0 counts it as `exec`. */
  statsCountInsideExec: boolean;
}

let probed: Promise<ServerTraits> | undefined;

export function serverTraits(): Promise<ServerTraits> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<ServerTraits> {
  const server = await RedisServer.start();
  const admin = server.admin(0);
  let monitor: ServerMonitor | undefined;
  try {
    const listed = (await admin.call('COMMAND')) as [string, ...unknown[]][];
    const commands = new Set(listed.map((entry) => entry[0].toLowerCase()));

    monitor = await ServerMonitor.start(server);
    await admin.client('GETNAME');
    await monitor.sync();
    const monitorShowsClient = monitor.commands.some((c) => c.args[0]?.toLowerCase() === 'client');

    await admin.config('RESETSTAT');
    await admin.multi().echo('x').exec();
    const stats = await admin.info('commandstats');
    const statsCountInsideExec = /^cmdstat_echo:calls=1\b/m.test(stats);

    return { commands, monitorShowsClient, statsCountInsideExec };
  } finally {
    monitor?.dispose();
    admin.disconnect();
    await server.stop();
  }
}

/**
 * `--rename-command NAME ""` for each of `names` the server has, so that sending one fails. A server
 * refuses to start when asked to rename a command it does not have (3.0 has no MEMORY, no UNLINK…).
 */
export async function disableCommandsArgs(names: readonly string[]): Promise<string[]> {
  const { commands } = await serverTraits();
  return names.filter((n) => commands.has(n.toLowerCase())).flatMap((n) => ['--rename-command', n, '']);
}
