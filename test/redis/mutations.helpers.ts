/** Shared by the mutation tests (not a test file itself). */
import type Redis from 'ioredis';
import { openConnection, type OpenConnection } from '../../src/redis/connect';
import { NovaError, type ErrorCode } from '../../src/redis/errors';
import { parseRedisUrl } from '../../src/redis/url';
import type { RedisServer } from '../support/redisServer';
import { CommandCounter, commandCalls } from '../support/commandStats';

let counter = 0;

/** A connection made exactly as the connection owner makes it (3.0-safe handshake, unique client name). */
export async function ownerConnection(server: RedisServer, db: number): Promise<OpenConnection & { name: string }> {
  counter += 1;
  const name = `nova-redis-test-${process.pid}-${counter}`;
  const opened = await openConnection(parseRedisUrl(server.url(db)), { connectTimeoutMs: 2000, commandTimeoutMs: 5000, clientName: name });
  return { ...opened, name };
}

/**
 * Command → calls, from a counter or from the `INFO commandstats` an admin client reads; Redis 7's
 * `client|list` subcommand entries are summed into `client`.
 */
export async function commandStats(source: Redis | CommandCounter): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [entry, calls] of source instanceof CommandCounter ? await source.calls() : await commandCalls(source)) {
    const command = entry.split('|')[0];
    out.set(command, (out.get(command) ?? 0) + calls);
  }
  return out;
}

/** The commands whose call counts changed between two snapshots, `info` excepted (the snapshots send it). */
export function changedCommands(before: Map<string, number>, after: Map<string, number>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => n !== 'info' && (before.get(n) ?? 0) !== (after.get(n) ?? 0)).sort();
}

/** Every key of the admin's DB, as hex strings, sorted (SCAN only). */
export async function allKeysHex(admin: Redis): Promise<string[]> {
  const out = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = (await admin.callBuffer('SCAN', cursor, 'COUNT', 1000)) as [Buffer, Buffer[]];
    cursor = next.toString();
    for (const k of keys) {
      out.add(k.toString('hex'));
    }
  } while (cursor !== '0');
  return [...out].sort();
}

export function hex(...names: (string | Buffer)[]): string[] {
  return names.map((n) => (typeof n === 'string' ? Buffer.from(n, 'utf8') : n).toString('hex')).sort();
}

/** An assert.rejects matcher for a coded error. */
export function coded(code: ErrorCode, check?: (e: NovaError) => boolean): (e: unknown) => boolean {
  return (e: unknown) => e instanceof NovaError && e.code === code && (check === undefined || check(e));
}

/** Writes a few string keys in each of the given DBs and returns their DBSIZEs. */
export async function seedDbs(server: RedisServer, dbs: number[], perDb = 5): Promise<Map<number, number>> {
  const sizes = new Map<number, number>();
  for (const db of dbs) {
    const c = server.admin(db);
    const pipe = c.pipeline();
    for (let i = 0; i < perDb; i++) {
      pipe.set(`nova:cache:db${db}:${i}`, 'v');
    }
    await pipe.exec();
    sizes.set(db, await c.dbsize());
    c.disconnect();
  }
  return sizes;
}

export async function dbSizes(server: RedisServer, dbs: number[]): Promise<Map<number, number>> {
  const sizes = new Map<number, number>();
  for (const db of dbs) {
    const c = server.admin(db);
    sizes.set(db, await c.dbsize());
    c.disconnect();
  }
  return sizes;
}
