/** A connection manager connected to a test server, as the redis tier's session tests use it. */
import { ConnectionManager, type ManagerOptions } from '../../src/connection/connectionManager';
import { parseRedisUrl } from '../../src/redis/url';
import { after, before } from 'node:test';
import type Redis from 'ioredis';
import { RedisServer, waitFor, type StartOptions } from './redisServer';

/** Connected to `db`; the heartbeat is slow so that only the test decides when connections end. */
export async function connectedManager(server: RedisServer, db: number, options: Partial<ManagerOptions> = {}): Promise<ConnectionManager> {
  const m = new ConnectionManager({ connectTimeoutMs: 1000, commandTimeoutMs: 2000, heartbeatMs: 60_000, backoffMs: [100], ...options });
  try {
    m.configure(parseRedisUrl(server.url(db)), { defaulted: false });
    await waitFor('connected', () => m.state.kind === 'connected');
  } catch (err) {
    m.dispose();
    throw err;
  }
  return m;
}

/** A server and an admin client on `db` for the enclosing describe, started in `before`, stopped in `after`. */
export function useServer(options: StartOptions = {}, db = 1): () => { server: RedisServer; admin: Redis } {
  let server: RedisServer | undefined;
  let admin: Redis | undefined;
  before(async () => {
    server = await RedisServer.start(options);
    admin = server.admin(db);
  });
  after(async () => {
    admin?.disconnect();
    await server?.stop();
  });
  return () => {
    if (!server || !admin) {
      throw new Error('the server did not start (see the before hook)');
    }
    return { server, admin };
  };
}
