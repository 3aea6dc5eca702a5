/**
 * Waiting for replies without hanging: every engine request gets a deadline (a stalled server, e.g. a
 * frozen Windows service, must not freeze the explorer) and honours cancellation; failures become
 * coded errors.
 */
import { NovaError } from './errors';

export const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;

/**
 * Waits for a reply, but not forever (COMMAND_TIMEOUT) and not past a cancellation (CANCELLED).
 * Errors are mapped to `NovaError`.
 */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) {
    return Promise.reject(new NovaError('CANCELLED'));
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new NovaError('COMMAND_TIMEOUT', `no reply after ${timeoutMs} ms`, { ms: timeoutMs }));
    }, timeoutMs);
    const onAbort = (): void => {
      cleanup();
      reject(new NovaError('CANCELLED'));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (err: unknown) => {
        cleanup();
        reject(toNovaError(err));
      },
    );
  });
}

/**
 * Maps what ioredis throws to a coded error. The detail keeps the server's first line only; ioredis
 * attaches the command's arguments to its errors (AUTH would carry a password), so they are dropped.
 */
export function toNovaError(err: unknown): NovaError {
  if (err instanceof NovaError) {
    return err;
  }
  const e = err as { name?: string; message?: string; code?: string };
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  if (e?.name === 'MaxRetriesPerRequestError' || message === 'Connection is closed.') {
    return new NovaError('CONNECTION_LOST', message);
  }
  if (/Command timed out/i.test(message)) {
    return new NovaError('COMMAND_TIMEOUT', message);
  }
  switch (e?.code) {
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ETIMEDOUT':
      return new NovaError('CONNECTION_LOST', message);
    case 'ECONNREFUSED':
      return new NovaError('CONNECTION_REFUSED', message);
    default:
      break;
  }
  // Server error replies start with an upper-case code word (RESP), stable across versions.
  const word = /^([A-Z]+)\b/.exec(message)?.[1];
  switch (word) {
    case 'LOADING':
      return new NovaError('SERVER_LOADING', message);
    case 'NOAUTH':
      return new NovaError('AUTH_REQUIRED', message);
    case 'WRONGTYPE':
      return new NovaError('WRONG_TYPE', message);
    case 'READONLY':
      return new NovaError('READ_ONLY', message);
    default:
      return new NovaError('UNKNOWN', message);
  }
}
