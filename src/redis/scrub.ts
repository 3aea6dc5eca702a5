/**
 * Keeps passwords out of every text the extension shows or logs. ioredis error objects carry the
 * AUTH arguments and URL parse errors carry the whole URL, so every outgoing text passes through here.
 */

const REDACTED = '***';
const secrets = new Set<string>();

/** Registers a secret to be masked wherever it appears, in raw and percent-encoded forms. */
export function registerSecret(secret: string | undefined): void {
  if (!secret) {
    return;
  }
  secrets.add(secret);
  for (const encoded of [encodeURIComponent(secret), encodeURI(secret)]) {
    if (encoded !== secret) {
      secrets.add(encoded);
    }
  }
}

export function clearSecrets(): void {
  secrets.clear();
}

/** `redis://user:pass@host` → `redis://user:***@host`, for any scheme with userinfo. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^@\s]*)@/gi;
/** AUTH arguments as they may appear in a command echo or an error text. */
const AUTH_ARGS = /\b(auth)(\s+|\s*[("[,]\s*)([^\s)\]]+)(\s*,\s*([^\s)\]]+))?/gi;

export function scrub(text: string): string {
  let out = text;
  // Longest first so that a secret containing another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(REDACTED);
  }
  out = out.replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
  out = out.replace(AUTH_ARGS, (_m, word: string, sep: string) => `${word}${sep}${REDACTED}`);
  return out;
}

/** The message of any thrown value, scrubbed. Never the object itself: its fields may hold AUTH args. */
export function scrubError(err: unknown): string {
  if (err instanceof Error) {
    return scrub(err.message);
  }
  return scrub(String(err));
}
