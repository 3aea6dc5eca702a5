/**
 * Huge values for the value viewer's tests and benchmark: a 64 MB string and collections of
 * 1,000,000 elements, written in pipelined batches with commands Redis 3.0 has (SET, HMSET, RPUSH,
 * SADD, ZADD). Elements are small JSON documents, like the backend's cache entries.
 */
import type Redis from 'ioredis';

export const MILLION = 1_000_000;
export const BIG_STRING_BYTES = 64 * 1024 * 1024;
const BIG_STRING_END = '<<END OF THE 64 MB VALUE>>';

/** 64 MB of plain text lines, ending with a marker so a test can see the last byte arrived. */
export function bigStringBytes(): Buffer {
  const value = Buffer.alloc(BIG_STRING_BYTES, 'NOVA cache line: the quick brown fox jumps over the lazy dog 0123\n');
  value.write(BIG_STRING_END, BIG_STRING_BYTES - BIG_STRING_END.length);
  return value;
}

/** 64 MB of JSON: an array of cached records, as a big RedisCacheManager entry would be. */
export function bigJsonBytes(): Buffer {
  const records: string[] = [];
  for (let i = 0; i < 2000; i++) {
    records.push(JSON.stringify({ id: i, name: `user ${i}`, email: `user${i}@example.com`, roles: ['reader'], score: i * 1.5, active: i % 2 === 0 }));
  }
  const chunk = Buffer.from(records.join(',') + ',');
  const parts: Buffer[] = [Buffer.from('[')];
  let size = 1;
  while (size + chunk.length < BIG_STRING_BYTES - 64) {
    parts.push(chunk);
    size += chunk.length;
  }
  const last = Buffer.from(JSON.stringify({ id: -1, last: true }) + ']');
  // Spaces after the last comma are valid JSON and bring the value to exactly 64 MB.
  parts.push(Buffer.alloc(BIG_STRING_BYTES - size - last.length, ' '), last);
  return Buffer.concat(parts);
}

const PER_COMMAND = 1000;
const COMMANDS_PER_PIPELINE = 50;

async function writeBatches(client: Redis, n: number, command: (start: number, end: number) => [string, ...Array<string | number>]): Promise<void> {
  for (let start = 0; start < n; start += PER_COMMAND * COMMANDS_PER_PIPELINE) {
    const pipeline = client.pipeline();
    for (let from = start; from < Math.min(n, start + PER_COMMAND * COMMANDS_PER_PIPELINE); from += PER_COMMAND) {
      const [name, ...args] = command(from, Math.min(n, from + PER_COMMAND));
      pipeline.call(name, ...args);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed) {
      throw failed[0] as Error;
    }
  }
}

export async function seedHash(client: Redis, key: string, n: number): Promise<void> {
  await writeBatches(client, n, (from, to) => {
    const args: string[] = [];
    for (let i = from; i < to; i++) {
      args.push(`field:${i}`, `{"i":${i}}`);
    }
    return ['HMSET', key, ...args];
  });
}

/** `${prefix}hash`, `${prefix}set`, `${prefix}zset`, `${prefix}list`, each with `n` elements. */
export async function seedBigCollections(client: Redis, prefix: string, n = MILLION): Promise<void> {
  await seedHash(client, `${prefix}hash`, n);
  await writeBatches(client, n, (from, to) => {
    const args: string[] = [];
    for (let i = from; i < to; i++) {
      args.push(`{"i":${i}}`);
    }
    return ['RPUSH', `${prefix}list`, ...args];
  });
  await writeBatches(client, n, (from, to) => {
    const args: string[] = [];
    for (let i = from; i < to; i++) {
      args.push(`member:${i}`);
    }
    return ['SADD', `${prefix}set`, ...args];
  });
  await writeBatches(client, n, (from, to) => {
    const args: Array<string | number> = [];
    for (let i = from; i < to; i++) {
      args.push(i, `member:${i}`);
    }
    return ['ZADD', `${prefix}zset`, ...args];
  });
}
