/** What a server was sent, counted per command. */
import type Redis from 'ioredis';
import type { RedisServer } from './redisServer';
import { ServerMonitor } from './monitor';
import { serverTraits } from './serverTraits';

/** INFO commandstats as entry name -> calls (server-wide since the last CONFIG RESETSTAT); Redis 7 lists subcommands apart (`config|resetstat`). */
export async function commandCalls(client: Redis): Promise<Map<string, number>> {
  const text = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(m[1], Number(m[2]));
  }
  return calls;
}

/**
 * Counts the commands a server ran between `reset()` and `calls()`, for every client. Through INFO
 * commandstats where the server counts a command run by EXEC under its own name; through MONITOR
 * where it counts it as `exec` (Redis 4.0), because the code under test reads in MULTI/EXEC. MONITOR
 * does not relay admin commands (CONFIG, CLIENT…) on Redis 4.0 to 6.2: a test that needs their
 * counts says so where `source` is `monitor`.
 */
export class CommandCounter {
  private readonly tally = new Map<string, number>();

  private constructor(
    readonly source: 'commandstats' | 'monitor',
    private readonly admin: Redis,
    private readonly monitor: ServerMonitor | undefined,
  ) {
    monitor?.onCommand(({ args }) => {
      const name = (args[0] ?? '').toLowerCase();
      this.tally.set(name, (this.tally.get(name) ?? 0) + 1);
    });
  }

  /** A counter on `server`; counting starts now. */
  static async open(server: RedisServer): Promise<CommandCounter> {
    const counter = (await serverTraits()).statsCountInsideExec
      ? new CommandCounter('commandstats', server.admin(0), undefined)
      : new CommandCounter('monitor', server.admin(0), await ServerMonitor.start(server, { headBytes: 256 }));
    try {
      await counter.reset();
    } catch (err) {
      counter.dispose();
      throw err;
    }
    return counter;
  }

  async reset(): Promise<void> {
    if (!this.monitor) {
      await this.admin.config('RESETSTAT');
      return;
    }
    await this.monitor.sync();
    this.tally.clear();
  }

  /** Entry name -> calls since the last reset, named as commandstats names them on this server. */
  async calls(): Promise<Map<string, number>> {
    if (!this.monitor) {
      return commandCalls(this.admin);
    }
    await this.monitor.sync();
    return new Map(this.tally);
  }

  dispose(): void {
    this.monitor?.dispose();
    this.admin.disconnect();
  }
}
