/** The server and clients a suite of Redis tests opens in `before` and closes in `after`. */
import type Redis from 'ioredis';
import { RedisServer, type StartOptions } from './redisServer';

export interface ServerWithReader {
  server: RedisServer;
  /** Arranges and checks what the server holds. */
  admin: Redis;
  /** The client handed to the code under test. */
  reader: Redis;
}

/** A started server with an `admin` and a `reader` on `db`. */
export async function startWithReader(options: StartOptions = {}, db = 1): Promise<ServerWithReader> {
  const server = await RedisServer.start(options);
  return { server, admin: server.admin(db), reader: server.admin(db) };
}

/** Disconnects the clients, then stops the server; what a failed `before` left unset is passed over. */
export async function stopWithClients(server: RedisServer | undefined, ...clients: Array<Redis | undefined>): Promise<void> {
  for (const client of clients) {
    client?.disconnect();
  }
  await server?.stop();
}

/**
 * The CLIENT LIST lines of the connections whose name ends with `-<suffix>` (the extension's side
 * connections: `scan`, `tx`, `edit`, `events`), as the server lists them.
 */
export async function connectionsNamed(client: Redis, suffix: string): Promise<string[]> {
  const pattern = new RegExp(` name=\\S+-${suffix} `);
  return String(await client.client('LIST'))
    .split('\n')
    .filter((l) => pattern.test(`${l} `));
}
