/** Shared by the explorer and scan tests (not a test file itself). */
import Redis from 'ioredis';
import type { ExplorerModel, FolderNode, KeyNode, ExplorerNode } from '../../src/redis/explorerModel';
import type { RedisServer } from '../support/redisServer';

/** The engine's client, as the connection owner hands it over: connected, DB selected, 3.0-safe handshake. */
export function engineClient(server: RedisServer, db: number, extra: Record<string, unknown> = {}): Redis {
  return new Redis(server.url(db), { protocol: 2, disableClientInfo: true, ...extra });
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
