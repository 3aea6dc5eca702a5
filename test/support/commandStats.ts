/** What a server was sent, read from INFO commandstats (server-wide since the last CONFIG RESETSTAT). */
import type Redis from 'ioredis';

/** Entry name -> calls, as the server names them: Redis 7 lists subcommands apart (`config|resetstat`). */
export async function commandCalls(client: Redis): Promise<Map<string, number>> {
  const text = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(m[1], Number(m[2]));
  }
  return calls;
}
