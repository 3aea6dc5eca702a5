/**
 * `redis+sentinel://[[user]:password@]host:port[,host:port…]/service_name[/db][?sentinel_password=…]`:
 * a master found through Sentinels. redis-py has no URL form for Sentinel (the backend builds a
 * `redis.sentinel.Sentinel` from the same parts, see the README), so this follows the form other
 * clients use, with the same percent-decoding and the same refusals as url.ts: a DB that is not an
 * integer is an error, never DB 0. No thrown error carries text taken from the URL.
 */
import { NovaError } from './errors';
import { credentials, hostPort, pyUnquote, redactedAuth, type RedisTarget } from './url';

export const SENTINEL_SCHEME = 'redis+sentinel://';
const DEFAULT_SENTINEL_PORT = 26379;
const MAX_DB_INDEX = 2_147_483_647;

export interface SentinelAddress {
  host: string;
  port: number;
}

export interface SentinelSpec {
  /** The Sentinels to ask, in the order written. */
  sentinels: SentinelAddress[];
  /** The master group name Sentinels watch (`sentinel monitor <name> …`). */
  name: string;
  /** requirepass of the Sentinels themselves, when they have one. */
  password?: string;
  username?: string;
}

/**
 * A target whose master is asked from Sentinels. `host`/`port` are the first Sentinel's, so code
 * that only shows a target still has an address; `username`/`password`/`db` are the master's.
 */
export type SentinelTarget = RedisTarget & { sentinel: SentinelSpec };

export function isSentinelTarget(t: RedisTarget): t is SentinelTarget {
  return (t as Partial<SentinelTarget>).sentinel !== undefined;
}

function malformed(detail: string, part: string): NovaError {
  return new NovaError('URL_MALFORMED', detail, { part });
}

function parseAddress(text: string): SentinelAddress {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) {
      throw malformed('unbalanced brackets in a Sentinel address', 'sentinel');
    }
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) {
      throw malformed('text after a bracketed Sentinel address', 'sentinel');
    }
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = text.indexOf(':');
    host = colon >= 0 ? text.slice(0, colon) : text;
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
  }
  host = pyUnquote(host).toLowerCase();
  if (host === '') {
    throw malformed('a Sentinel address has no host', 'sentinel');
  }
  let port = DEFAULT_SENTINEL_PORT;
  if (portText !== undefined) {
    port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 1 && port <= 65535)) {
      throw malformed('a Sentinel port is not a number from 1 to 65535 (special characters in the password must be percent-encoded)', 'sentinel');
    }
  }
  return { host, port };
}

function queryValues(query: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const field of query.split('&')) {
    const eq = field.indexOf('=');
    if (eq > 0 && eq < field.length - 1) {
      const name = pyUnquote(field.slice(0, eq).replace(/\+/g, ' '));
      if (!values.has(name)) {
        values.set(name, pyUnquote(field.slice(eq + 1).replace(/\+/g, ' ')));
      }
    }
  }
  return values;
}

/** Parses a `redis+sentinel://` URL. Throws URL_MALFORMED / DB_INVALID / URL_SCHEME. */
export function parseSentinelUrl(raw: string): SentinelTarget {
  if (!raw.startsWith(SENTINEL_SCHEME)) {
    throw new NovaError('URL_SCHEME', 'a Sentinel URL starts with redis+sentinel://', { scheme: '' });
  }
  const url = raw.replace(/[\t\r\n]/g, '').slice(SENTINEL_SCHEME.length);
  const netlocEnd = url.search(/[/?#]/);
  const netloc = netlocEnd < 0 ? url : url.slice(0, netlocEnd);
  let rest = netlocEnd < 0 ? '' : url.slice(netlocEnd);
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    rest = rest.slice(0, hash);
  }
  const question = rest.indexOf('?');
  const path = question >= 0 ? rest.slice(0, question) : rest;
  const args = queryValues(question >= 0 ? rest.slice(question + 1) : '');

  const at = netloc.lastIndexOf('@');
  const userinfo = at >= 0 ? netloc.slice(0, at) : undefined;
  const addresses = netloc.slice(at + 1);
  if (addresses === '') {
    throw malformed('no Sentinel address', 'sentinel');
  }
  const sentinels = addresses.split(',').map(parseAddress);

  const { username, password } = credentials(userinfo, undefined, undefined);

  const segments = path.split('/').filter((s, i) => i > 0 || s !== '');
  if (segments.length > 0 && segments[segments.length - 1] === '') {
    segments.pop();
  }
  const name = pyUnquote(segments[0] ?? '');
  if (name === '') {
    throw malformed('the Sentinel URL names no service (redis+sentinel://host:port/service_name)', 'service');
  }
  if (segments.length > 2) {
    throw malformed('the path after the service name has more than a DB index', 'path');
  }
  let db = 0;
  if (segments.length === 2) {
    const text = pyUnquote(segments[1]);
    if (!/^[0-9]+$/.test(text) || Number(text) > MAX_DB_INDEX) {
      throw new NovaError('DB_INVALID', 'the path after the service name is not a DB index');
    }
    db = Number(text);
  }

  const sentinel: SentinelSpec = { sentinels, name };
  const sentinelPassword = args.get('sentinel_password');
  if (sentinelPassword !== undefined) {
    sentinel.password = sentinelPassword;
  }
  const sentinelUsername = args.get('sentinel_username');
  if (sentinelUsername !== undefined) {
    sentinel.username = sentinelUsername;
  }
  const first = sentinels[0];
  return {
    tls: false,
    host: first.host,
    port: first.port,
    db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    sentinel,
  };
}

/** The Sentinel URL as it may be shown: both passwords masked, never the query. */
export function redactedSentinelUrl(t: SentinelTarget): string {
  const hosts = t.sentinel.sentinels.map(hostPort).join(',');
  const query = t.sentinel.password !== undefined ? '?sentinel_password=***' : '';
  return `redis+sentinel://${redactedAuth(t)}${hosts}/${encodeURIComponent(t.sentinel.name)}/${t.db}${query}`;
}
