/**
 * "Copy as Command": the redis-cli lines that rebuild a key as it is now, TTL included, written so
 * that the console (or redis-cli) reads them back to the same bytes. Collections are emptied first
 * (DEL), since RPUSH, SADD and friends would otherwise merge into a key of the same name.
 */
import type Redis from 'ioredis';
import type { Capabilities } from '../redis/capabilities';
import { NovaError } from '../redis/errors';
import { commandWord } from './parse';

/** Elements per line, so that no single command is unreasonably long. */
const CHUNK = 500;
/** Beyond this many elements a clipboard is the wrong tool (DUMP/RESTORE or a copy is). */
export const MAX_ELEMENTS = 100_000;

const w = (b: Buffer | string): string => commandWord(typeof b === 'string' ? Buffer.from(b) : b);

function lines(verb: string, key: Buffer, items: Buffer[], per: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += CHUNK * per) {
    out.push([verb, w(key), ...items.slice(i, i + CHUNK * per).map(w)].join(' '));
  }
  return out;
}

export async function recreateCommands(client: Redis, key: Buffer, caps: Capabilities): Promise<string[]> {
  const [type, pttl] = await Promise.all([client.type(key), client.pttl(key)]);
  const expire = pttl > 0 ? [`PEXPIRE ${w(key)} ${pttl}`] : [];
  const count = async (): Promise<number> => {
    const n = await (type === 'list' ? client.llen(key) : type === 'hash' ? client.hlen(key) : type === 'set' ? client.scard(key) : type === 'zset' ? client.zcard(key) : type === 'stream' ? client.xlen(key) : 0);
    if (n > MAX_ELEMENTS) {
      throw new NovaError('UNSUPPORTED', `${n} elements`, { count: n });
    }
    return n;
  };
  switch (type) {
    case 'none':
      throw new NovaError('KEY_NOT_FOUND');
    case 'string': {
      const value = await client.getBuffer(key);
      if (value === null) {
        throw new NovaError('KEY_NOT_FOUND');
      }
      return [`SET ${w(key)} ${w(value)}${pttl > 0 ? ` PX ${pttl}` : ''}`];
    }
    case 'list':
      await count();
      return [`DEL ${w(key)}`, ...lines('RPUSH', key, await client.lrangeBuffer(key, 0, -1), 1), ...expire];
    case 'set':
      await count();
      return [`DEL ${w(key)}`, ...lines('SADD', key, await client.smembersBuffer(key), 1), ...expire];
    case 'hash': {
      await count();
      const flat = (await client.callBuffer('HGETALL', key)) as Buffer[];
      return [`DEL ${w(key)}`, ...lines(caps.multiFieldHset ? 'HSET' : 'HMSET', key, flat, 2), ...expire];
    }
    case 'zset': {
      await count();
      const flat = (await client.callBuffer('ZRANGE', key, '0', '-1', 'WITHSCORES')) as Buffer[];
      const pairs: Buffer[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        pairs.push(flat[i + 1], flat[i]);
      }
      return [`DEL ${w(key)}`, ...lines('ZADD', key, pairs, 2), ...expire];
    }
    case 'stream': {
      await count();
      const entries = (await client.callBuffer('XRANGE', key, '-', '+')) as Array<[Buffer, Buffer[]]>;
      return [`DEL ${w(key)}`, ...entries.map(([id, fields]) => ['XADD', w(key), w(id), ...fields.map(w)].join(' ')), ...expire];
    }
    default:
      throw new NovaError('UNSUPPORTED', `type ${type}`, { type });
  }
}
