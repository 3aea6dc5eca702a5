/**
 * Reads a REDIS_URL the way NOVA's Python backend (redis-py `from_url`, on Python's `urlsplit`)
 * reads it, so that the extension reaches the same server and DB. Where redis-py would silently
 * fall back (a non-numeric DB path becomes DB 0) we refuse instead: showing the wrong DB is worse
 * than showing an error.
 */
import { NovaError } from './errors';

export const NOVA_DEFAULT_URL = 'redis://localhost:6379/1';
/** Redis accepts any non-negative 32-bit index if configured with that many databases. */
const MAX_DB_INDEX = 2_147_483_647;

export interface RedisTarget {
  tls: boolean;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

/** Python's urlsplit strips leading C0 controls and spaces, and drops tab/CR/LF anywhere. */
function pythonClean(url: string): string {
  // eslint-disable-next-line no-control-regex
  return url.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\r\n]/g, '');
}

/** Python's `unquote`: invalid escapes stay as they are instead of throwing. */
export function pyUnquote(text: string): string {
  return text.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8');
    }
  });
}

/** `parse_qs` value decoding: `+` is a space, then percent-decoding. */
function queryUnquote(text: string): string {
  return pyUnquote(text.replace(/\+/g, ' '));
}

function parseIntStrict(text: string): number | undefined {
  // Python's int() accepts surrounding whitespace, a sign and underscores between digits.
  const t = text.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(t)) {
    return undefined;
  }
  const n = Number(t.replace(/_/g, ''));
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses a REDIS_URL. Throws NovaError URL_SCHEME / URL_MALFORMED / DB_INVALID. The thrown error
 * never contains the URL (it may hold a password).
 */
export function parseRedisUrl(raw: string): RedisTarget {
  const url = pythonClean(raw);
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  const scheme = schemeMatch?.[1]?.toLowerCase();
  if (scheme === 'unix') {
    throw new NovaError('URL_SCHEME', 'unix sockets are not supported', { scheme });
  }
  if (scheme !== 'redis' && scheme !== 'rediss') {
    throw new NovaError('URL_SCHEME', 'the URL must start with redis:// or rediss://', { scheme: scheme ?? '' });
  }
  let rest = url.slice(scheme.length + 1);
  if (!rest.startsWith('//')) {
    throw new NovaError('URL_MALFORMED', 'missing // after the scheme');
  }
  rest = rest.slice(2);

  const netlocEnd = rest.search(/[/?#]/);
  const netloc = netlocEnd < 0 ? rest : rest.slice(0, netlocEnd);
  let tail = netlocEnd < 0 ? '' : rest.slice(netlocEnd);
  const hashAt = tail.indexOf('#');
  if (hashAt >= 0) {
    tail = tail.slice(0, hashAt);
  }
  const qAt = tail.indexOf('?');
  const path = qAt >= 0 ? tail.slice(0, qAt) : tail;
  const query = qAt >= 0 ? tail.slice(qAt + 1) : '';

  const at = netloc.lastIndexOf('@');
  const userinfo = at >= 0 ? netloc.slice(0, at) : undefined;
  const hostport = at >= 0 ? netloc.slice(at + 1) : netloc;

  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    const pass = colon >= 0 ? userinfo.slice(colon + 1) : undefined;
    // redis-py ignores an empty username or password (falsy in Python).
    username = user ? pyUnquote(user) : undefined;
    password = pass ? pyUnquote(pass) : undefined;
  }

  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) {
      throw new NovaError('URL_MALFORMED', 'unterminated IPv6 address');
    }
    host = hostport.slice(1, close);
    const after = hostport.slice(close + 1);
    if (after && !after.startsWith(':')) {
      throw new NovaError('URL_MALFORMED', 'unexpected text after the IPv6 address');
    }
    portText = after ? after.slice(1) : undefined;
  } else {
    const colon = hostport.lastIndexOf(':');
    host = colon >= 0 ? hostport.slice(0, colon) : hostport;
    portText = colon >= 0 ? hostport.slice(colon + 1) : undefined;
  }
  host = pyUnquote(host).toLowerCase() || 'localhost';
  if (/[\s/\\@]/.test(host)) {
    throw new NovaError('URL_MALFORMED', 'the host name contains characters that are not allowed');
  }

  let port = 6379;
  if (portText) {
    const p = /^\d+$/.test(portText) ? Number(portText) : NaN;
    if (!Number.isInteger(p) || p < 0 || p > 65535) {
      // Python raises here too; a `#`, `/` or `?` in an unencoded password usually lands here.
      throw new NovaError('URL_MALFORMED', 'the port is not a number between 0 and 65535 (a special character in the password must be percent-encoded)');
    }
    port = p;
  }
  if (port === 0) {
    throw new NovaError('URL_MALFORMED', 'port 0 cannot be connected to');
  }

  let db = 0;
  let dbFromQuery = false;
  for (const pair of query.split(/[&;]/)) {
    if (!pair) {
      continue;
    }
    const eq = pair.indexOf('=');
    const name = queryUnquote(eq >= 0 ? pair.slice(0, eq) : pair);
    if (name !== 'db' || eq < 0) {
      continue;
    }
    const value = queryUnquote(pair.slice(eq + 1));
    if (value === '') {
      // parse_qs drops blank values, so redis-py ignores `?db=`.
      continue;
    }
    const n = parseIntStrict(value);
    if (n === undefined) {
      throw new NovaError('DB_INVALID', 'the db query parameter is not an integer', { db: value.slice(0, 20) });
    }
    db = n;
    dbFromQuery = true;
  }
  if (!dbFromQuery && path) {
    const dbText = pyUnquote(path).replace(/\//g, '');
    if (dbText !== '') {
      const n = parseIntStrict(dbText);
      if (n === undefined) {
        throw new NovaError('DB_INVALID', 'the path after the port is not a DB index', { db: dbText.slice(0, 20) });
      }
      db = n;
    }
  }
  if (db < 0 || db > MAX_DB_INDEX) {
    throw new NovaError('DB_INVALID', 'the DB index is out of range', { db });
  }

  return { tls: scheme === 'rediss', host, port, db, username, password };
}

/** `localhost:6379` (IPv6 hosts in brackets): what the UI shows for a target. Never a password. */
export function hostPort(t: Pick<RedisTarget, 'host' | 'port'>): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

/** The URL as it may be shown: scheme, user, host, port and DB, with the password masked. */
export function redactedUrl(t: RedisTarget): string {
  const user = t.username ?? '';
  const auth = t.password !== undefined ? `${user}:***@` : user ? `${user}@` : '';
  return `${t.tls ? 'rediss' : 'redis'}://${auth}${hostPort(t)}/${t.db}`;
}
