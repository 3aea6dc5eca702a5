/**
 * One page of a hash, set, list, sorted set or stream, bounded by bytes as well as by elements.
 *
 * Redis has no command that reads part of a hash field or list item, and HSCAN returns values with
 * the fields, so a page of 6 fields of 40 MB would bring 240 MB to the extension host. The page is
 * read by a small read-only Lua script instead (EVAL exists since 2.6, so on NOVA's 3.0 too): it walks
 * the collection a few elements at a time, sends the whole element when it is small and only its
 * first bytes and its size when it is not, and stops once the page holds enough bytes. Where
 * scripting is refused (EVAL renamed away, a proxy, a server out of memory under noeviction), the
 * caller reads the page with the plain commands and a small COUNT instead, and cuts big elements
 * itself.
 *
 * The script only reads; HSCAN / SSCAN with COUNT 1 and ranges of at most 16 items keep what it
 * holds at once on the server to a few elements. A stream (5.0+) is read with XRANGE … COUNT the
 * same way; its entries arrive as ID, number of field and value words, then those words.
 */

export type PagedType = 'hash' | 'set' | 'list' | 'zset' | 'stream';
/** What the script is asked to read: `zrev` is a sorted set from the highest score down (ZREVRANGE). */
export type PagedKind = PagedType | 'zrev';

export interface PageLimits {
  /** Elements wanted (HSCAN may give a few more). */
  count: number;
  /** Elements longer than this are cut to `previewBytes` (their size is kept). */
  maxElementBytes: number;
  previewBytes: number;
  /** The page stops once it holds this many bytes. */
  maxPageBytes: number;
}

/** An element as read: its first bytes (all of them when `size` equals their length) and its size. */
export interface Cut {
  bytes: Buffer;
  size: number;
}

export interface ScriptedPage {
  /** Next cursor (hash, set) or next index (list, zset); '0' for a finished scan. */
  next: string;
  /** hash: field, value, field, value...; zset: member, score...; set, list: members. */
  cuts: Cut[];
  /** The end of the collection was reached (list, zset). */
  done: boolean;
  /** Bytes of element data in the page. */
  bytes: number;
}

export const PAGE_SCRIPT = `
local key, kind, pos = KEYS[1], ARGV[1], ARGV[2]
local want, maxEl, preview, maxPage = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local out, bytes, n, done = {}, 0, 0, 0
local function put(v, whole)
  local len = #v
  if len > maxEl and not whole then v = string.sub(v, 1, preview) end
  bytes = bytes + #v
  out[#out + 1] = len
  out[#out + 1] = v
end
if kind == 'stream' then
  -- IDs are 64-bit pairs Lua cannot add 1 to: each range after the first starts at the last ID
  -- read (inclusive, so 5.0 needs no '(') and skips it.
  local last, chunk = nil, 1
  repeat
    local asked = math.min(chunk, want - n)
    local r
    if last then r = redis.call('XRANGE', key, last, '+', 'COUNT', asked + 1) else r = redis.call('XRANGE', key, pos, '+', 'COUNT', asked) end
    local got, big, full = 0, false, false
    for i = 1, #r do
      local id, words = r[i][1], r[i][2]
      if id ~= last then
        put(id, true)
        put(tostring(#words), true)
        for j = 1, #words do
          if #words[j] > maxEl then big = true end
          put(words[j])
        end
        last = id
        got = got + 1
        if bytes >= maxPage then full = true break end
      end
    end
    n = n + got
    if got < asked and not full then done = 1 end
    if big then chunk = 1 else chunk = math.min(chunk * 2, 16) end
  until done == 1 or full or n >= want
elseif kind == 'hash' or kind == 'set' then
  local cmd = kind == 'hash' and 'HSCAN' or 'SSCAN'
  local per = kind == 'hash' and 2 or 1
  local calls = 0
  repeat
    local r = redis.call(cmd, key, pos, 'COUNT', 1)
    pos = r[1]
    for i = 1, #r[2] do put(r[2][i]) end
    n = n + #r[2] / per
    calls = calls + 1
  until pos == '0' or n >= want or bytes >= maxPage or calls >= want * 20
else
  local start, chunk = tonumber(pos), 1
  repeat
    local asked = math.min(chunk, want - n)
    local stop = start + asked - 1
    local r
    if kind == 'list' then r = redis.call('LRANGE', key, start, stop)
    elseif kind == 'zrev' then r = redis.call('ZREVRANGE', key, start, stop, 'WITHSCORES')
    else r = redis.call('ZRANGE', key, start, stop, 'WITHSCORES') end
    local per = kind == 'list' and 1 or 2
    local got = #r / per
    local big = false
    for i = 1, #r do
      if #r[i] > maxEl then big = true end
      put(r[i])
    end
    start = start + got
    n = n + got
    if got < asked then done = 1 end
    if big then chunk = 1 else chunk = math.min(chunk * 2, 16) end
  until done == 1 or n >= want or bytes >= maxPage
  pos = tostring(start)
end
return {pos, out, done, bytes}
`;

function buf(reply: unknown): Buffer {
  return Buffer.isBuffer(reply) ? reply : Buffer.from(String(reply));
}

/** Parses the script's reply (read with callBuffer). A stream's entries are flattened as the script sends them. */
export function parseScriptedPage(reply: unknown): ScriptedPage {
  const [next, flat, done, bytes] = reply as [unknown, unknown[], unknown, unknown];
  const cuts: Cut[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    cuts.push({ size: Number(flat[i]), bytes: buf(flat[i + 1]) });
  }
  return { next: buf(next).toString(), cuts, done: Number(done) === 1, bytes: Number(bytes) };
}

/** What the plain commands returned, cut like the script cuts. */
export function cutLocally(items: Buffer[], limits: PageLimits): Cut[] {
  return items.map((bytes) => ({ size: bytes.length, bytes: bytes.length > limits.maxElementBytes ? Buffer.from(bytes.subarray(0, limits.previewBytes)) : bytes }));
}

export function isReplyError(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'ReplyError';
}
