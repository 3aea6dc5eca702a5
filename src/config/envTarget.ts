/**
 * From the bytes of a .env to what to connect to, as the Python backend will see it (no `vscode`,
 * so the unit tests drive it). python-dotenv decides what the backend gets:
 * - no .env, no REDIS_URL line, or `REDIS_URL` without `=` (python-dotenv sets nothing): the
 *   backend falls back to its own default, and so do we (NOVA's default URL);
 * - `REDIS_URL=` (or a value that expands to nothing): the backend gets an empty string, which
 *   redis-py refuses. That is an error here too, never a silent default.
 */
import { NovaError } from '../redis/errors';
import { registerSecret } from '../redis/scrub';
import { NOVA_DEFAULT_URL, intendedCredentials, parseRedisUrl, type RedisTarget } from '../redis/url';
import type { TargetSource } from '../connection/connectionManager';
import { decodeDotenvBytes, readRedisUrl, type DotenvWarning } from './dotenvParse';

export interface EnvTarget {
  target: RedisTarget | NovaError;
  source: TargetSource;
  warnings: DotenvWarning[];
}

/**
 * `bytes` is undefined when there is no .env; `file` is how messages name it. `environment` is read
 * (never written) for `${VAR}` expansion.
 */
export function targetFromEnv(bytes: Uint8Array | undefined, file: string | undefined, environment: Readonly<Record<string, string | undefined>>): EnvTarget {
  const defaulted = (warnings: DotenvWarning[]): EnvTarget => ({ target: parseRedisUrl(NOVA_DEFAULT_URL), source: { defaulted: true, file }, warnings });
  if (!bytes) {
    return defaulted([]);
  }
  const decoded = decodeDotenvBytes(bytes);
  if (!decoded.ok) {
    return { target: new NovaError('URL_MALFORMED', 'the .env file is not valid UTF-8', { file: file ?? '' }), source: { defaulted: false, file }, warnings: [] };
  }
  const { url, line, warnings } = readRedisUrl(decoded.text, { environment });
  if (url === undefined) {
    return defaulted(warnings);
  }
  const source: TargetSource = { defaulted: false, file, line };
  if (url === '') {
    return { target: new NovaError('URL_EMPTY', 'REDIS_URL is set to an empty value', { line: line ?? 0 }), source, warnings };
  }
  try {
    return { target: parseRedisUrl(url), source, warnings };
  } catch (err) {
    // A URL malformed right in its password (a raw `#`, `/`, `@`): the password as meant is a secret
    // even though no parsed target carries it. Registered before anything can log about it.
    for (const secret of intendedCredentials(url)) {
      registerSecret(secret);
    }
    return { target: err instanceof NovaError ? err : new NovaError('URL_MALFORMED'), source, warnings };
  }
}
