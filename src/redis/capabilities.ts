/**
 * What the connected server can do, derived from `INFO server` once per connection.
 * Features are switched on these flags, never on error texts (they differ between versions).
 */

export type ServerFlavor = 'redis' | 'valkey';

export interface ServerInfo {
  flavor: ServerFlavor;
  /** As reported: Valkey always reports redis_version 7.2.4, so `valkeyVersion` is kept too. */
  version: string;
  valkeyVersion?: string;
  os: string;
  /** The Microsoft port that NOVA runs on (Redis 3.0.504 as a Windows service). */
  windows: boolean;
  mode: string;
  uptimeSeconds?: number;
  caps: Capabilities;
}

export interface Capabilities {
  /** UNLINK (4.0) */
  unlink: boolean;
  /** MEMORY USAGE (4.0) */
  memoryUsage: boolean;
  /** FLUSHDB ASYNC (4.0) */
  flushAsync: boolean;
  /** HSET with several field/value pairs (4.0); HMSET otherwise. */
  multiFieldHset: boolean;
  /** TOUCH, HSTRLEN (3.2) */
  touch: boolean;
  /** XADD, XRANGE... (5.0) */
  streams: boolean;
  /** CLIENT ID (5.0) */
  clientId: boolean;
  /** SCAN ... TYPE (6.0) */
  scanType: boolean;
  /** AUTH with a username, ACL (6.0) */
  aclUsers: boolean;
  /** HELLO / RESP3 (6.0) */
  resp3: boolean;
  /** TLS built in (6.0) */
  tls: boolean;
  /** GETEX, GETDEL (6.2) */
  getex: boolean;
  /** EXPIRE NX/XX/GT/LT, EXPIRETIME (7.0) */
  expireOptions: boolean;
  /** CLIENT SETINFO (7.2) */
  clientSetinfo: boolean;
}

export type Version = readonly [number, number, number];

export function parseVersion(text: string): Version {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim());
  if (!m) {
    return [0, 0, 0];
  }
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

export function atLeast(v: Version, major: number, minor = 0, patch = 0): boolean {
  if (v[0] !== major) {
    return v[0] > major;
  }
  if (v[1] !== minor) {
    return v[1] > minor;
  }
  return v[2] >= patch;
}

export function capabilitiesFor(v: Version): Capabilities {
  return {
    unlink: atLeast(v, 4),
    memoryUsage: atLeast(v, 4),
    flushAsync: atLeast(v, 4),
    multiFieldHset: atLeast(v, 4),
    touch: atLeast(v, 3, 2),
    streams: atLeast(v, 5),
    clientId: atLeast(v, 5),
    scanType: atLeast(v, 6),
    aclUsers: atLeast(v, 6),
    resp3: atLeast(v, 6),
    tls: atLeast(v, 6),
    getex: atLeast(v, 6, 2),
    expireOptions: atLeast(v, 7),
    clientSetinfo: atLeast(v, 7, 2),
  };
}

/** The capabilities of NOVA's production server, for tests and for running the engine "as 3.0". */
export const REDIS_3_0_CAPS: Capabilities = capabilitiesFor([3, 0, 504]);

/** Parses the `key:value` lines of an INFO reply (any section). */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    if (!raw || raw.startsWith('#')) {
      continue;
    }
    const i = raw.indexOf(':');
    if (i > 0) {
      out.set(raw.slice(0, i), raw.slice(i + 1));
    }
  }
  return out;
}

export function serverInfoFromInfo(text: string): ServerInfo {
  const info = parseInfo(text);
  const valkeyVersion = info.get('valkey_version');
  const flavor: ServerFlavor = info.get('server_name') === 'valkey' || valkeyVersion !== undefined ? 'valkey' : 'redis';
  const version = info.get('redis_version') ?? '0.0.0';
  const os = info.get('os') ?? '';
  const uptime = Number(info.get('uptime_in_seconds'));
  // Valkey 7.2.4+ has every feature Redis 7.2 has; its real version is in valkey_version.
  const effective = parseVersion(flavor === 'valkey' && valkeyVersion ? maxVersion(valkeyVersion, version) : version);
  return {
    flavor,
    version,
    valkeyVersion,
    os,
    windows: /windows/i.test(os),
    mode: info.get('redis_mode') ?? info.get('server_mode') ?? 'standalone',
    uptimeSeconds: Number.isFinite(uptime) ? uptime : undefined,
    caps: capabilitiesFor(effective),
  };
}

function maxVersion(a: string, b: string): string {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  return atLeast(va, vb[0], vb[1], vb[2]) ? a : b;
}
