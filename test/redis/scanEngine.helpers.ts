/** Shared by the explorer and scan tests (not a test file itself). */
import { after, before } from 'node:test';
import Redis from 'ioredis';
import { capabilitiesFor, type Capabilities } from '../../src/redis/capabilities';
import type { ExplorerModel, FolderNode, KeyNode, ExplorerNode } from '../../src/redis/explorerModel';
import { RedisServer, binaryVersion } from '../support/redisServer';

/** The engine's client, as the connection owner hands it over: connected, DB selected, 3.0-safe handshake. */
export function engineClient(server: RedisServer, db: number, extra: Record<string, unknown> = {}): Redis {
  return new Redis(server.url(db), { protocol: 2, disableClientInfo: true, ...extra });
}

/**
 * One redis-server for a test file, started in `before` and stopped in `after`: an admin client on
 * DB 0, the binary's capabilities, and engine clients that are disconnected at the end.
 */
export class EngineServer {
  server!: RedisServer;
  admin!: Redis;
  caps!: Capabilities;
  private readonly clients: Redis[] = [];

  constructor() {
    before(async () => {
      this.server = await RedisServer.start();
      this.admin = this.server.admin(0);
      this.caps = capabilitiesFor(binaryVersion());
    });
    after(async () => {
      for (const c of this.clients) {
        c.disconnect();
      }
      this.admin.disconnect();
      await this.server.stop();
    });
  }

  /** An engine client on `db`, disconnected when the file's tests end. */
  client(db: number, extra: Record<string, unknown> = {}): Redis {
    const c = engineClient(this.server, db, extra);
    this.clients.push(c);
    return c;
  }

  /** Empties `db` and returns an engine client on it. */
  async freshDb(db: number): Promise<Redis> {
    await this.admin.select(db);
    await this.admin.flushdb();
    return this.client(db);
  }
}

export interface Walked {
  keys: KeyNode[];
  folders: FolderNode[];
  more: ExplorerNode[];
}

/** Every node of the tree, depth first, as the view would show it with everything expanded. */
export async function walk(model: ExplorerModel, parent?: FolderNode, into: Walked = { keys: [], folders: [], more: [] }): Promise<Walked> {
  for (const node of await model.children(parent)) {
    if (node.kind === 'folder') {
      into.folders.push(node);
      await walk(model, node, into);
    } else if (node.kind === 'key') {
      into.keys.push(node);
    } else {
      into.more.push(node);
    }
  }
  return into;
}

/** Writes string keys in one pipeline (SET only: every server has it). */
export async function setKeys(client: Redis, names: (string | Buffer)[], value = 'v'): Promise<void> {
  const pipe = client.pipeline();
  for (const n of names) {
    pipe.set(n, value);
  }
  await pipe.exec();
}

export function hex(b: Buffer): string {
  return b.toString('hex');
}

/** Every key `SCAN … MATCH pattern` returns, as hex, by a plain loop to cursor 0 (no engine involved). */
export async function scanAllRaw(c: Redis, pattern: string | Buffer, count = 1000): Promise<Set<string>> {
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = (await c.callBuffer('SCAN', cursor, 'MATCH', pattern, 'COUNT', String(count))) as [Buffer, Buffer[]];
    keys.forEach((k) => found.add(hex(k)));
    cursor = next.toString();
  } while (cursor !== '0');
  return found;
}
