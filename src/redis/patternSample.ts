/**
 * How many keys match a pattern, in one bounded round trip: one `SCAN 0 MATCH … COUNT n`, inside a
 * read-only script that also reads the PTTL of each match (so TTL advice costs nothing more), or a
 * plain SCAN where scripting is refused. Complete when that one SCAN covered the keyspace (cursor 0
 * back), partial otherwise: it never walks a large DB. No `vscode` import.
 */
import type Redis from 'ioredis';
import { toNovaError } from './connect';
import { DEFAULT_COMMAND_TIMEOUT_MS, withDeadline } from './deadline';
import { isReplyError } from './elementPage';

export interface PatternSample {
  /** Keys found matching. */
  matched: number;
  /** Their PTTLs (-1: no expiry), when the script could read them. */
  pttls?: number[];
  /** The SCAN came back to cursor 0: `matched` is every key that matches. */
  complete: boolean;
}

/** SCAN COUNT of a sample: large enough to cover a small DB at once, small enough to stay a few ms. */
export const SAMPLE_COUNT = 5000;

const SAMPLE_SCRIPT = `
local r = redis.call('SCAN', '0', 'MATCH', ARGV[1], 'COUNT', ARGV[2])
local out = { r[1] }
for i, k in ipairs(r[2]) do out[#out + 1] = redis.call('PTTL', k) end
return out
`;

const refused = new WeakSet<Redis>();

export async function samplePattern(client: Redis, pattern: Buffer, options: { count?: number; timeoutMs?: number } = {}): Promise<PatternSample> {
  const count = String(options.count ?? SAMPLE_COUNT);
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  if (!refused.has(client)) {
    const pipe = client.pipeline();
    pipe.call('EVAL', SAMPLE_SCRIPT, '0', pattern, count);
    const [[err, reply] = [new Error('no reply'), null]] = (await send(pipe.exec(), timeoutMs)) ?? [];
    if (!err) {
      const [cursor, ...pttls] = reply as [string, ...number[]];
      return { matched: pttls.length, pttls: pttls.map(Number), complete: String(cursor) === '0' };
    }
    if (!isReplyError(err)) {
      throw toNovaError(err, 'command');
    }
    refused.add(client);
  }
  const [cursor, keys] = (await send(client.callBuffer('SCAN', '0', 'MATCH', pattern, 'COUNT', count), timeoutMs)) as [Buffer, Buffer[]];
  return { matched: keys.length, complete: cursor.toString() === '0' };
}

async function send<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  try {
    return await withDeadline(promise, timeoutMs);
  } catch (err) {
    throw toNovaError(err, 'command');
  }
}
