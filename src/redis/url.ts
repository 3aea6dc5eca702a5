/**
 * Reads a REDIS_URL the way NOVA's Python backend does: `redis.Redis.from_url(url)` of redis-py 6.4
 * (`parse_url` on CPython's `urlparse`), so that the extension reaches the same server, with the same
 * credentials, in the same DB. test/unit/url.test.ts cross-checks every rule here against the real
 * redis-py.
 *
 * Where redis-py raises, we throw. Where it silently falls back (a DB path that is not an integer
 * becomes DB 0) or hands the server something it can only reject (a negative DB, a port over 65535
 * given as `?port=`), we refuse instead: showing the wrong DB is worse than showing an error.
 * No thrown error carries any text taken from the URL: it may hold a password.
 */
import { NovaError } from './errors';
import { SENTINEL_SCHEME, isSentinelTarget, parseSentinelUrl, redactedSentinelUrl } from './sentinelUrl';

export const NOVA_DEFAULT_URL = 'redis://localhost:6379/1';
/** Redis accepts any non-negative 32-bit index if configured with that many databases. */
const MAX_DB_INDEX = 2_147_483_647;
const DEFAULT_PORT = 6379;
const KNOWN_SCHEMES = new Set(['redis', 'rediss', 'unix', 'valkey', 'valkeys', 'redis-socket', 'tcp', 'http', 'https']);

export interface RedisTarget {
  tls: boolean;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Python's `urllib.parse.unquote`: each run of %XX escapes is decoded as UTF-8 with invalid bytes
 * replaced by U+FFFD; a `%` not followed by two hex digits stays as it is.
 */
/**
 * The user name and password of a URL's `user:password` part, as redis-py takes them: an empty
 * one is falsy in Python and leaves the value given otherwise (a query argument) in place.
 */
export function credentials(
  userinfo: string | undefined,
  username: string | undefined,
  password: string | undefined,
): { username: string | undefined; password: string | undefined } {
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    const pass = colon >= 0 ? userinfo.slice(colon + 1) : '';
    if (user) {
      username = pyUnquote(user);
    }
    if (pass) {
      password = pyUnquote(pass);
    }
  }
  return { username, password };
}

export function pyUnquote(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => utf8.decode(Buffer.from(run.replace(/%/g, ''), 'hex')));
}

/** parse_qs value decoding: `+` is a space, then percent-decoding. */
function queryUnquote(text: string): string {
  return pyUnquote(text.replace(/\+/g, ' '));
}

/** What Python's str.isspace() accepts, which int() and float() strip. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_TRIM = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

/** int() and float() read any Unicode decimal digit (`٣` is 3); each block of ten starts at 0. */
function asciiDigits(text: string): string {
  return text.replace(/\p{Nd}/gu, (digit) => {
    const code = digit.codePointAt(0) ?? 0;
    let zero = code;
    while (/\p{Nd}/u.test(String.fromCodePoint(zero - 1))) {
      zero -= 1;
    }
    return String((code - zero) % 10);
  });
}

/** Python's int(text): sign, digits with single underscores between them, spaces around. */
function pyInt(text: string): number | undefined {
  const t = asciiDigits(text).replace(PY_TRIM, '');
  if (!/^[+-]?\d+(?:_\d+)*$/.test(t)) {
    return undefined;
  }
  // Beyond 2^53 precision is lost, but every caller rejects such a number as out of range anyway.
  return Number(t.replace(/_/g, ''));
}

/** Whether Python's float(text) accepts it. */
function pyFloatValid(text: string): boolean {
  const t = asciiDigits(text).replace(PY_TRIM, '');
  const digits = '\\d+(?:_\\d+)*';
  const number = `(?:${digits}\\.(?:${digits})?|\\.${digits}|${digits})(?:[eE][+-]?${digits})?`;
  return new RegExp(`^[+-]?(?:${number}|inf|infinity|nan)$`, 'i').test(t);
}

/** `ipaddress.IPv4Address`: four decimal octets, no leading zeros. */
function isPyIPv4(text: string): boolean {
  const octets = text.split('.');
  return octets.length === 4 && octets.every((o) => /^(?:0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255);
}

/** `ipaddress.IPv6Address`, zone id included, as urlsplit checks a bracketed host. */
function isPyIPv6(text: string): boolean {
  const percent = text.indexOf('%');
  if (percent >= 0) {
    const zone = text.slice(percent + 1);
    if (!zone || zone.includes('%')) {
      return false;
    }
    text = text.slice(0, percent);
  }
  const parts = text.split(':');
  if (parts.length < 3) {
    return false;
  }
  const last = parts[parts.length - 1] ?? '';
  if (last.includes('.')) {
    if (!isPyIPv4(last)) {
      return false;
    }
    parts.splice(parts.length - 1, 1, '0', '0');
  }
  if (parts.length > 9) {
    return false;
  }
  let skip = -1;
  for (let i = 1; i < parts.length - 1; i++) {
    if (!parts[i]) {
      if (skip >= 0) {
        return false;
      }
      skip = i;
    }
  }
  let hextets: string[];
  if (skip >= 0) {
    const head = parts.slice(0, skip);
    const tail = parts.slice(skip + 1);
    if (head.length === 1 && head[0] === '') {
      head.pop();
    }
    if (tail.length === 1 && tail[0] === '') {
      tail.pop();
    }
    if (head.length + tail.length > 7) {
      return false;
    }
    hextets = [...head, ...tail];
  } else {
    if (parts.length !== 8) {
      return false;
    }
    hextets = parts;
  }
  return hextets.every((h) => /^[0-9a-fA-F]{1,4}$/.test(h));
}

/** urlsplit refuses brackets that do not hold an IPv6 (or IPvFuture) address. */
function checkBrackets(netloc: string): void {
  const open = netloc.includes('[');
  if (open !== netloc.includes(']')) {
    throw new NovaError('URL_MALFORMED', 'unbalanced brackets in the host part (a bracket in the password must be percent-encoded)');
  }
  if (open) {
    const inside = netloc.slice(netloc.indexOf('[') + 1).split(']')[0] ?? '';
    const valid = inside.startsWith('v') ? /^v[a-fA-F0-9]+\.[^\n]+$/.test(inside) : isPyIPv6(inside);
    if (!valid) {
      throw new NovaError('URL_MALFORMED', 'the text in brackets is not an IPv6 address (a bracket in the password must be percent-encoded)');
    }
  }
}

/** urlsplit refuses a non-ASCII host part that NFKC normalization turns into URL delimiters. */
function checkNfkc(netloc: string): void {
  if (/^\p{ASCII}*$/u.test(netloc)) {
    return;
  }
  const n = netloc.replace(/[@:#?]/g, '');
  const normalized = n.normalize('NFKC');
  if (n !== normalized && /[/?#@:]/.test(normalized)) {
    throw new NovaError('URL_MALFORMED', 'the host part has characters that normalize to URL delimiters');
  }
}

/** Query arguments redis-py converts, so that a bad value raises instead of passing through. */
const INT_ARGUMENTS = new Set(['max_connections', 'health_check_interval']);
const FLOAT_ARGUMENTS = new Set(['socket_timeout', 'socket_connect_timeout', 'timeout']);

/** parse_qs on `&`: the first value of each name; blank values and fields without `=` are dropped. */
function parseQuery(query: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const field of query.split('&')) {
    const eq = field.indexOf('=');
    if (eq < 0 || eq === field.length - 1) {
      continue;
    }
    const name = queryUnquote(field.slice(0, eq));
    if (!values.has(name)) {
      values.set(name, queryUnquote(field.slice(eq + 1)));
    }
  }
  return values;
}

function checkDb(db: number): number {
  if (db < 0 || db > MAX_DB_INDEX) {
    throw new NovaError('DB_INVALID', 'the DB index is out of range');
  }
  return db;
}

/**
 * Parses a REDIS_URL. Throws NovaError URL_SCHEME / URL_MALFORMED / URL_UNENCODED_HASH / DB_INVALID,
 * whose message, detail and args never hold any part of the URL.
 */
export function parseRedisUrl(raw: string): RedisTarget {
  if (raw.startsWith(SENTINEL_SCHEME)) {
    return parseSentinelUrl(raw);
  }
  // redis-py (since 4.4) checks the prefix on the raw text: case, leading spaces and all.
  if (raw.startsWith('unix://')) {
    throw new NovaError('URL_SCHEME', 'unix sockets are not supported', { scheme: 'unix' });
  }
  if (!raw.startsWith('redis://') && !raw.startsWith('rediss://')) {
    // Only a well-known scheme goes into args: the text before `://` could be anything, a password too.
    const written = /^\s*([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw)?.[1]?.toLowerCase() ?? '';
    const scheme = KNOWN_SCHEMES.has(written) ? written : '';
    throw new NovaError('URL_SCHEME', 'the URL must start with redis:// or rediss:// (lower case)', { scheme });
  }
  const tls = raw.startsWith('rediss://');
  // urlsplit drops tabs and line breaks anywhere.
  const url = raw.replace(/[\t\r\n]/g, '').slice(tls ? 9 : 8);

  const netlocEnd = url.search(/[/?#]/);
  const netloc = netlocEnd < 0 ? url : url.slice(0, netlocEnd);
  let rest = netlocEnd < 0 ? '' : url.slice(netlocEnd);
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    if (rest.includes('@', hash)) {
      // `redis://:pa#ss@host/1`: python-dotenv keeps the value whole, then redis-py cuts it at the `#`
      // and connects with what precedes it, a piece of the password read as host or port, DB 0.
      throw new NovaError('URL_UNENCODED_HASH', 'a raw # before the @ of the user/password part (write it as %23)');
    }
    rest = rest.slice(0, hash);
  }
  checkBrackets(netloc);
  const question = rest.indexOf('?');
  const path = question >= 0 ? rest.slice(0, question) : rest;
  const query = question >= 0 ? rest.slice(question + 1) : '';
  checkNfkc(netloc);

  const at = netloc.lastIndexOf('@');
  const userinfo = at >= 0 ? netloc.slice(0, at) : undefined;
  const hostinfo = netloc.slice(at + 1);

  let hostname: string;
  let portText: string;
  const open = hostinfo.indexOf('[');
  if (open >= 0) {
    const bracketed = hostinfo.slice(open + 1);
    const close = bracketed.indexOf(']');
    hostname = close >= 0 ? bracketed.slice(0, close) : bracketed;
    const after = close >= 0 ? bracketed.slice(close + 1) : '';
    portText = after.includes(':') ? after.slice(after.indexOf(':') + 1) : '';
  } else {
    const colon = hostinfo.indexOf(':');
    hostname = colon >= 0 ? hostinfo.slice(0, colon) : hostinfo;
    portText = colon >= 0 ? hostinfo.slice(colon + 1) : '';
  }
  let urlPort = 0;
  if (portText) {
    urlPort = /^[0-9]+$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(urlPort <= 65535)) {
      // A `#`, `/`, `?`, `@` or `:` in an unencoded password usually lands here.
      throw new NovaError('URL_MALFORMED', 'the port is not a number from 0 to 65535 (special characters in the password must be percent-encoded)');
    }
  }

  // redis-py passes every query argument on; it decodes their values a second time (until 8.1).
  const args = new Map([...parseQuery(query)].map(([name, value]) => [name, pyUnquote(value)]));
  for (const [name, value] of args) {
    if ((INT_ARGUMENTS.has(name) && pyInt(value) === undefined) || (FLOAT_ARGUMENTS.has(name) && !pyFloatValid(value))) {
      throw new NovaError('URL_MALFORMED', 'a query argument has a value of the wrong type', { argument: name });
    }
  }

  const { username, password } = credentials(userinfo, args.get('username'), args.get('password'));

  let host = args.get('host') ?? 'localhost';
  if (hostname) {
    // urlsplit lowercases the host but not an IPv6 zone id; redis-py unquotes after that.
    const percent = hostname.indexOf('%');
    host = pyUnquote(percent >= 0 ? hostname.slice(0, percent).toLowerCase() + hostname.slice(percent) : hostname.toLowerCase());
  }

  // Port 0 in the URL is falsy in Python: the default (or ?port=) applies.
  let port = DEFAULT_PORT;
  if (urlPort) {
    port = urlPort;
  } else if (args.has('port')) {
    const p = pyInt(args.get('port')!);
    if (p === undefined || p < 1 || p > 65535) {
      throw new NovaError('URL_MALFORMED', 'the port argument is not a number from 1 to 65535');
    }
    port = p;
  }

  let db = 0;
  if (args.has('db')) {
    const n = pyInt(args.get('db')!);
    if (n === undefined) {
      throw new NovaError('DB_INVALID', 'the db query argument is not an integer');
    }
    db = checkDb(n);
  } else if (path) {
    const text = pyUnquote(path).replace(/\//g, '');
    if (text !== '') {
      const n = pyInt(text);
      if (n === undefined) {
        // redis-py would silently use DB 0 here.
        throw new NovaError('DB_INVALID', 'the path after the host is not a DB index');
      }
      db = checkDb(n);
    }
  }

  return { tls, host, port, db, ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) };
}

/**
 * The secrets the writer of `raw` meant, whether or not the URL parses: the text between `://` and
 * the last `@`, and what follows its first `:` (the password). For the scrubber, before any message
 * about a URL that may be malformed exactly there.
 */
export function intendedCredentials(raw: string): string[] {
  const m = /^\s*[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^]*)@/.exec(raw);
  if (!m?.[1]) {
    return [];
  }
  const userinfo = m[1];
  const colon = userinfo.indexOf(':');
  // A user name next to a password is no secret (and masking a common word would garble the log).
  const parts = colon >= 0 ? [userinfo, userinfo.slice(colon + 1)] : [userinfo];
  return [...new Set(parts.flatMap((p) => [p, pyUnquote(p)]).filter((p) => p !== ''))];
}

/** `localhost:6379` (IPv6 hosts in brackets): what the UI shows for a target. Never a password. */
export function hostPort(t: Pick<RedisTarget, 'host' | 'port'>): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

/**
 * The URL as it may be shown: scheme, user, host, port and DB. The password is masked, and so is a
 * username that comes without one: `redis://secret@host` is a password missing its colon far more
 * often than an ACL user.
 */
export function redactedUrl(t: RedisTarget): string {
  if (isSentinelTarget(t)) {
    return redactedSentinelUrl(t);
  }
  return `${t.tls ? 'rediss' : 'redis'}://${redactedAuth(t)}${hostPort(t)}/${t.db}`;
}

/** The `user:***@` part of a shown URL. */
export function redactedAuth(t: Pick<RedisTarget, 'username' | 'password'>): string {
  if (t.password !== undefined) {
    return `${t.username ? encodeURIComponent(t.username) : ''}:***@`;
  }
  return t.username ? '***@' : '';
}
