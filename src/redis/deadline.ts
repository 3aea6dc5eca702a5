/**
 * Waiting for replies without hanging: every engine request gets a deadline (a stalled server, e.g. a
 * frozen Windows service, must not freeze the explorer) and honours cancellation; failures become
 * coded errors.
 */
import { NovaError } from './errors';
import { toNovaError } from './connect';

/** The `nova.connection.commandTimeoutMs` default; sessions pass the configured value explicitly. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

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
