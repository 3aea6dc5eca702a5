/**
 * Coded errors thrown by the core, and the one mapping from low-level errors (ioredis, sockets,
 * Redis error replies) to codes. They carry no user-facing text: the UI maps each code to a
 * localized, actionable message. `detail` is for the log and is always scrubbed of secrets.
 */
import { scrubError } from './scrub';

export type ErrorCode =
  /** The URL in .env cannot be parsed. */
  | 'URL_MALFORMED'
  /** `REDIS_URL=` with nothing after it: the backend gets an empty string, which redis-py refuses. */
  | 'URL_EMPTY'
  /** A raw `#` in the user or password part: redis-py reads everything after it as a URL fragment. */
  | 'URL_UNENCODED_HASH'
  /** A scheme other than redis:// or rediss://. */
  | 'URL_SCHEME'
  /** The DB index is not an integer, or outside what the server has. */
  | 'DB_INVALID'
  | 'DB_OUT_OF_RANGE'
  | 'CONNECTION_REFUSED'
  | 'CONNECT_TIMEOUT'
  | 'UNKNOWN_HOST'
  | 'TLS_MISMATCH'
  | 'AUTH_REQUIRED'
  | 'WRONG_PASSWORD'
  /** The server does not require a password but one was given: harmless on old servers, an error on new ones. */
  | 'AUTH_NOT_NEEDED'
  /** A username was given, but the server is older than 6.0 and has no ACL users. */
  | 'ACL_UNSUPPORTED'
  /** The server is still loading its dataset into memory. */
  | 'SERVER_LOADING'
  /** A script or module command is blocking the server (BUSY): it answers nothing else meanwhile. */
  | 'SERVER_BUSY'
  /** The server refuses new connections: `maxclients` reached. Passing: a slot frees when a client leaves. */
  | 'TOO_MANY_CLIENTS'
  /** A command did not get a reply in time (stalled server). */
  | 'COMMAND_TIMEOUT'
  | 'NOT_CONNECTED'
  /** The connection an operation started on was replaced (reconnect, .env change): nothing was sent; retry. */
  | 'SESSION_ENDED'
  | 'CONNECTION_LOST'
  | 'KEY_NOT_FOUND'
  | 'WRONG_TYPE'
  | 'READ_ONLY'
  | 'INVALID_TTL'
  /** An edited value does not parse (args: kind `json` | `python`, offset in characters, reason): nothing was written. */
  | 'EDIT_INVALID'
  | 'WRONG_DB'
  /** A destructive command's reply never came (timeout, dropped connection): it may or may not have run. */
  | 'OUTCOME_UNKNOWN'
  | 'CANCELLED'
  /** A DB other than 0 against a Redis Cluster, which has only DB 0 (Valkey 9+ excepted). */
  | 'CLUSTER_DB'
  /** Nodes the cluster announces cannot be reached from here (Docker, NAT): `nova.cluster.natMap`. */
  | 'CLUSTER_UNREACHABLE'
  /** One master failed during an operation that spans every master; args.address names it. */
  | 'CLUSTER_NODE_FAILED'
  /**
   * MOVED or ASK on a connection to one master: the key's slot is (being) moved to another master.
   * ioredis's Cluster follows these itself; work on one node's connection is sent again through it.
   */
  | 'CLUSTER_MOVED'
  /** TRYAGAIN: a command on two keys of a slot the cluster is moving between masters right now; nothing ran. */
  | 'CLUSTER_SLOT_MOVING'
  /** The `nova.cluster.natMap` setting has an entry that is not `host:port` → `host:port`. */
  | 'NAT_MAP_INVALID'
  /** The Sentinels named no master for the service, or the node they named is not a master. */
  | 'SENTINEL_NO_MASTER'
  /** The Sentinels require a password (`?sentinel_password=`) that is missing or wrong. */
  | 'SENTINEL_AUTH'
  /** A line of an import file is not what NOVA Redis exports; args.line names it. */
  | 'IMPORT_INVALID'
  /** A new key, rename or duplicate names a key that exists: nothing is overwritten. */
  | 'KEY_EXISTS'
  /** A field or member to add is in the collection already. */
  | 'ELEMENT_EXISTS'
  /** The element a tab showed is no longer there (changed, moved or removed by someone else). */
  | 'ELEMENT_CHANGED'
  /** Only the first bytes of the element are loaded: it cannot be named exactly. */
  | 'ELEMENT_PARTIAL'
  /** A list index outside the list; args.length is its length. */
  | 'INDEX_OUT_OF_RANGE'
  /** The key kept changing under an edit: it was retried and given up. */
  | 'KEY_CHANGED'
  | 'UNSUPPORTED'
  /** The server refuses a command by name: renamed away (`rename-command`), or denied by an ACL; args.command names it. */
  | 'COMMAND_UNAVAILABLE'
  | 'UNKNOWN';

export class NovaError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** Scrubbed technical detail, for the log only. */
    readonly detail = '',
    /** Values the UI may put in its message (never secrets). */
    readonly args: Record<string, string | number> = {},
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'NovaError';
  }
}

export function isNovaError(err: unknown, code?: ErrorCode): err is NovaError {
  return err instanceof NovaError && (code === undefined || err.code === code);
}

/** Where an error happened: the same text means different things during the handshake and after it. */
export type ErrorPhase = 'connect' | 'auth' | 'select' | 'command';

/**
 * What ioredis rejects a command with when its connection closed before the reply (for a write:
 * it may or may not have run). "Command aborted due to connection close" is what the commands of a
 * pipeline or MULTI/EXEC get when part of the reply had arrived; a reply the parser cannot read
 * ("Unknown RESP type", suffixed "Please report this.") closes the connection too.
 */
const CONNECTION_GONE =
  /^(?:Connection is closed\.|Command aborted due to connection close|Stream isn't writeable|Unknown RESP type|Reached the max retries per request limit)|Please report this\.$|ECONNRESET|socket hang up/i;

/**
 * Redis error replies, matched by their start. The DB index texts: "ERR invalid DB index" (3.0),
 * "ERR DB index is out of range" (4.0 on, Valkey). Only those mean DB_OUT_OF_RANGE: a
 * SELECT that timed out, was cut off or met `maxclients` is a passing fault.
 */
const REPLIES: ReadonlyArray<[RegExp, ErrorCode]> = [
  [/^NOAUTH\b/, 'AUTH_REQUIRED'],
  [/^WRONGPASS\b/, 'WRONG_PASSWORD'],
  // 3.0–5.0: "Client sent AUTH, but no password is set"; 6.0 on: "AUTH <password> called without any password configured ...".
  [/^ERR (?:Client sent AUTH, but no password is set|AUTH <password> called without any password configured)/, 'AUTH_NOT_NEEDED'],
  [/^ERR (?:invalid DB index|DB index is out of range)/, 'DB_OUT_OF_RANGE'],
  [/^ERR max number of clients reached/, 'TOO_MANY_CLIENTS'],
  [/^LOADING\b/, 'SERVER_LOADING'],
  [/^BUSY\b/, 'SERVER_BUSY'],
  [/^WRONGTYPE\b/, 'WRONG_TYPE'],
  [/^READONLY\b/, 'READ_ONLY'],
  [/^TRYAGAIN\b/, 'CLUSTER_SLOT_MOVING'],
  [/^(?:MOVED|ASK) \d+ /, 'CLUSTER_MOVED'],
];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  name?: unknown;
}

/** Maps a low-level error to a code. */
export function classifyError(err: unknown, phase: ErrorPhase): ErrorCode {
  if (isNovaError(err)) {
    return err.code;
  }
  const e = (err ?? {}) as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  for (const [pattern, mapped] of REPLIES) {
    if (pattern.test(message)) {
      return mapped;
    }
  }
  // Redis up to 5.0 answers a wrong AUTH with a plain ERR.
  if (phase === 'auth' && /^ERR invalid password/i.test(message)) {
    return 'WRONG_PASSWORD';
  }
  if (e.name === 'MaxRetriesPerRequestError') {
    return 'CONNECTION_LOST';
  }
  if (/^Command timed out/i.test(message)) {
    return 'COMMAND_TIMEOUT';
  }
  switch (code) {
    case 'ECONNREFUSED':
      return 'CONNECTION_REFUSED';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return 'UNKNOWN_HOST';
    case 'ETIMEDOUT':
      // After the handshake a socket time-out means the connection is gone, not a slow reply.
      return phase === 'connect' ? 'CONNECT_TIMEOUT' : 'CONNECTION_LOST';
    case 'EPIPE':
      return 'CONNECTION_LOST';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'CONNECT_TIMEOUT';
  }
  if (/^ERR_SSL|^ERR_TLS|EPROTO/.test(code) || /ssl|tls|certificate|wrong version number/i.test(message)) {
    return 'TLS_MISMATCH';
  }
  if (CONNECTION_GONE.test(message) || code === 'ECONNRESET') {
    // A server that expects TLS drops a plaintext handshake without a reply, and a TLS client
    // talking to a plaintext server sees its handshake reset.
    return phase === 'connect' ? 'TLS_MISMATCH' : 'CONNECTION_LOST';
  }
  // During the handshake anything unexpected is retried: only the replies above are known to last.
  return phase === 'command' ? 'UNKNOWN' : 'CONNECTION_LOST';
}

/**
 * A MULTI refused at EXEC because one of its commands was refused when queued: ioredis rejects with
 * the EXECABORT reply and keeps the queued commands' errors in `previousErrors`. The first of them
 * says why (TRYAGAIN, ASK, WRONGTYPE ...); EXECABORT alone says nothing.
 */
function causeOf(err: unknown): unknown {
  const e = err as { message?: unknown; previousErrors?: unknown } | null;
  if (typeof e?.message === 'string' && /^EXECABORT\b/.test(e.message) && Array.isArray(e.previousErrors) && e.previousErrors.length > 0) {
    return e.previousErrors[0];
  }
  return err;
}

/** The coded error for any thrown value; its detail is scrubbed and cut to the first line. */
export function toNovaError(err: unknown, phase: ErrorPhase = 'command'): NovaError {
  if (isNovaError(err)) {
    return err;
  }
  const cause = causeOf(err);
  // First line only: ioredis appends the command and its arguments (AUTH's password among them).
  return new NovaError(classifyError(cause, phase), scrubError(cause).split('\n')[0]);
}

/**
 * A reply saying the command itself is not available: "ERR unknown command" (renamed away with
 * `rename-command`, every version) or NOPERM (an ACL, 6.0 on). Nothing else tells it apart.
 */
export function isCommandUnavailable(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /^(?:ERR unknown command|NOPERM\b)/i.test(message);
}
