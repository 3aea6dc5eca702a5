/**
 * Coded errors thrown by the core. They carry no user-facing text: the UI maps each code to a
 * localized, actionable message. `detail` is for the log and is always scrubbed of secrets.
 */

export type ErrorCode =
  /** The URL in .env cannot be parsed. */
  | 'URL_MALFORMED'
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
  /** A command did not get a reply in time (stalled server). */
  | 'COMMAND_TIMEOUT'
  | 'NOT_CONNECTED'
  | 'CONNECTION_LOST'
  | 'KEY_NOT_FOUND'
  | 'WRONG_TYPE'
  | 'READ_ONLY'
  | 'INVALID_TTL'
  | 'WRONG_DB'
  /** A destructive command's reply never came (timeout, dropped connection): it may or may not have run. */
  | 'OUTCOME_UNKNOWN'
  | 'CANCELLED'
  | 'UNSUPPORTED'
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
