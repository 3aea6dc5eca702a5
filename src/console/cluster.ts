/**
 * The console on a Redis Cluster, without `vscode`. Each command goes where it can run:
 * - a command with keys runs on the master that owns their slot, as ioredis's own slot map says;
 *   keys in different slots are refused before anything is sent (the server would answer
 *   CROSSSLOT), with the hash-tag remedy explained;
 * - a command without keys (DBSIZE, INFO, CONFIG, SCAN …) runs on the master the user picks, or on
 *   every master with the replies one after the other, each under its node's address.
 * Replies are read from the node's socket as on one server (the console prints what the server
 * sent); a node that answers MOVED or ASK did not run the command, and the command is handed to
 * ioredis's Cluster, which follows the redirection and refreshes its slot map.
 */
import type { Cluster } from 'ioredis';
import type { OpenConnection } from '../redis/connect';
import { masterNodes, nodeForSlot, keySlot } from '../redis/cluster';
import { hostPort } from '../redis/url';
import type { Reply } from './resp';
import { word, type CommandTable } from './safety';
import { ConnectionLostError } from './wire';

export interface ConsoleCluster {
  /** Master addresses (`host:port`, after the natMap), in address order. */
  masters(): string[];
  /** The master that owns `slot` in ioredis's current slot map. */
  ownerOf(slot: number): string | undefined;
  /** A connection of its own to one master, through the shared handshake. */
  openNode(address: string): Promise<OpenConnection>;
  /** Sends through ioredis's Cluster, which follows MOVED and ASK. */
  route(args: readonly Buffer[]): Promise<Reply>;
  close(): void;
}

/** Where a command line runs on a cluster. */
export type ClusterRoute =
  | { kind: 'slot'; slot: number }
  | { kind: 'crossSlot'; slots: number }
  /** No key, and any node answers the same (PING, COMMAND, PUBLISH …). */
  | { kind: 'anyNode' }
  /** No key, and the answer depends on the node (DBSIZE, INFO, SCAN, CONFIG …). */
  | { kind: 'pickNode' }
  /** A transaction would have to stay on one node: the console refuses it on a cluster. */
  | { kind: 'transaction' };

/** The same reply from every node, or a broadcast the cluster itself spreads (pub/sub). */
const ANY_NODE = new Set(['ping', 'echo', 'command', 'publish', 'subscribe', 'psubscribe', 'quit', 'cluster keyslot']);
const TRANSACTION = new Set(['multi', 'exec', 'discard', 'watch', 'unwatch']);

/**
 * The route of `args`: keys from COMMAND's key positions, or, for commands whose keys move with
 * their arguments (EVAL, ZUNIONSTORE, SORT … flagged `movablekeys`), from the server's own
 * COMMAND GETKEYS (present since 2.8.13), asked through `getKeys`.
 */
export async function routeOf(args: readonly Buffer[], table: CommandTable, getKeys: (args: readonly Buffer[]) => Promise<Buffer[]>): Promise<ClusterRoute> {
  const name = word(args[0]);
  const sub = args.length > 1 ? `${name} ${word(args[1])}` : name;
  if (TRANSACTION.has(name)) {
    return { kind: 'transaction' };
  }
  if (ANY_NODE.has(name) || ANY_NODE.has(sub)) {
    return { kind: 'anyNode' };
  }
  const spec = table.lookup(args);
  let keys: Buffer[] = table.keyPositions(args).map((i) => args[i]);
  if (keys.length === 0 && spec?.flags.has('movablekeys')) {
    keys = await getKeys(args).catch(() => []);
  }
  if (keys.length === 0) {
    return { kind: 'pickNode' };
  }
  const slots = new Set(keys.map((k) => keySlot(k)));
  return slots.size === 1 ? { kind: 'slot', slot: [...slots][0] } : { kind: 'crossSlot', slots: slots.size };
}

/** The node did not run the command: the slot is elsewhere (MOVED) or being migrated (ASK). */
export function isRedirect(reply: Reply): boolean {
  return reply.t === 'error' && /^(MOVED|ASK) /.test(reply.v);
}

/** An ioredis reply in the console's terms. ioredis reads status replies as bytes: they print as bulk strings. */
export function replyOf(value: unknown): Reply {
  if (value === null || value === undefined) {
    return { t: 'nil' };
  }
  if (Buffer.isBuffer(value)) {
    return { t: 'bulk', v: value };
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return { t: 'int', v: String(value) };
  }
  if (Array.isArray(value)) {
    return { t: 'array', v: value.map(replyOf) };
  }
  return { t: 'bulk', v: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) };
}

/**
 * A ConsoleCluster over the console's own ioredis Cluster (dedicated, as the console's connection
 * is on one server). `openNode` opens the per-master connections the console reads itself.
 */
export function consoleCluster(cluster: Cluster, openNode: (host: string, port: number) => Promise<OpenConnection>): ConsoleCluster {
  return {
    masters: () => masterNodes(cluster).map((m) => m.address),
    ownerOf: (slot) => {
      try {
        const n = nodeForSlot(cluster, slot);
        return hostPort({ host: n.options.host ?? '', port: n.options.port ?? 0 });
      } catch {
        return undefined;
      }
    },
    openNode: (address) => {
      const node = masterNodes(cluster).find((m) => m.address === address);
      if (!node) {
        return Promise.reject(new ConnectionLostError());
      }
      return openNode(node.client.options.host ?? '', node.client.options.port ?? 0);
    },
    route: async (args) => {
      try {
        return replyOf(await cluster.callBuffer(args[0].toString('latin1'), ...args.slice(1)));
      } catch (err) {
        if (err instanceof Error && err.name === 'ReplyError') {
          return { t: 'error', v: err.message };
        }
        throw new ConnectionLostError();
      }
    },
    close: () => cluster.disconnect(),
  };
}
