/**
 * Keeps passwords out of every text the extension shows or logs. ioredis error objects carry the
 * AUTH arguments (`command: { name: 'auth', args: [...] }`, visible in util.inspect and
 * JSON.stringify), Redis < 6 echoes AUTH to MONITOR clients, and URL errors carry the whole URL, so
 * every outgoing text passes through here.
 *
 * Two layers: the passwords the extension knows (registered, in every spelling an echo may use),
 * and patterns that mask credentials in a URL or an AUTH command even when nobody registered them.
 */
import { inspect } from 'node:util';

const REDACTED = '***';
const secrets = new Set<string>();

/** Python's `quote(s, safe='')` also encodes the characters encodeURIComponent leaves alone. */
function percentForms(secret: string): string[] {
  const js = encodeURIComponent(secret);
  const py = js.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const forms = [js, py, encodeURI(secret)];
  return [...forms, ...forms.map((f) => f.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()))];
}

/** Registers a secret to be masked wherever it appears: raw, percent-encoded, or escaped in a JSON or inspect() string. */
export function registerSecret(secret: string | undefined): void {
  if (!secret) {
    return;
  }
  const forms = [secret, ...percentForms(secret), JSON.stringify(secret).slice(1, -1), inspect(secret).slice(1, -1)];
  for (const form of forms) {
    if (form) {
      secrets.add(form);
    }
  }
}

export function clearSecrets(): void {
  secrets.clear();
}

/**
 * `redis://user:pass@host` → `redis://user:***@host`, up to the last `@` of the token as Python
 * reads it. A redis(s) URL with a user and no password is masked whole: that is far more often a
 * password missing its colon than an ACL user.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):(\S*)@/gi;
const REDIS_URL_LONE_USER = /\b(rediss?:\/\/)([^/@\s:]+)@/gi;

/** A quoted argument as an echo, inspect() or JSON writes it, or a bare one. */
const QUOTED_ARG = /^(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\\n]|\\.)*`)/;
/** What may stand between the word auth and its arguments: a closing quote, `(`, `, args: [`... */
const AUTH_GLUE = /^['"`]?\s*(?:[,:]\s*)?(?:(['"]?)args\1\s*:\s*)?(\(?)\s*\[?\s*/i;
const ARG_SEPARATOR = /^\s*,?\s*/;

/**
 * Masks the one or two arguments after each AUTH. Quoted arguments are always masked; a bare word
 * only after `auth(` or an unquoted upper-case AUTH, so that prose like "auth failed" stays readable.
 */
function maskAuthArguments(text: string): string {
  let out = '';
  let from = 0;
  const word = /\bauth\b/gi;
  for (let m = word.exec(text); m; m = word.exec(text)) {
    let i = m.index + m[0].length;
    const quotedName = /['"`]/.test(text.charAt(m.index - 1)) && text.charAt(i) === text.charAt(m.index - 1);
    const glue = AUTH_GLUE.exec(text.slice(i))!;
    i += glue[0].length;
    let bare: RegExp | undefined;
    if (glue[2]) {
      bare = /^[^\s,()[\]]+/;
    } else if (m[0] === 'AUTH' && !quotedName) {
      bare = /^\S+/;
    }
    const spans: Array<[number, number]> = [];
    for (let n = 0; n < 2; n++) {
      const rest = text.slice(i);
      const arg = QUOTED_ARG.exec(rest) ?? (bare ? bare.exec(rest) : null);
      // Redis's own "AUTH <password> called without any password configured" names no password.
      if (!arg || /^<\w+>$/.test(arg[0])) {
        break;
      }
      spans.push([i, i + arg[0].length]);
      i += arg[0].length;
      const sep = ARG_SEPARATOR.exec(text.slice(i))!;
      i += sep[0].length;
    }
    for (const [start, end] of spans) {
      out += text.slice(from, start) + REDACTED;
      from = end;
    }
    word.lastIndex = Math.max(word.lastIndex, from);
  }
  return out + text.slice(from);
}

export function scrub(text: string): string {
  let out = text;
  // Longest first so that a secret containing another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(REDACTED);
  }
  out = out.replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
  out = out.replace(REDIS_URL_LONE_USER, (_m, scheme: string) => `${scheme}${REDACTED}@`);
  return maskAuthArguments(out);
}

/** The message of any thrown value, scrubbed. Never the object itself: its fields may hold AUTH args. */
export function scrubError(err: unknown): string {
  if (err instanceof Error) {
    return scrub(err.message);
  }
  return scrub(String(err));
}
