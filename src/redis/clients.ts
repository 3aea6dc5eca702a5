/**
 * CLIENT LIST, parsed and sorted out: which connections are this extension's, which belong to
 * another NOVA Redis window, which look like the NOVA backend. CLIENT LIST has the `db=` field on
 * every version NOVA meets (3.0 on); `lib-name` (what redis-py announces with CLIENT SETINFO) only
 * from 7.2 on, so the backend is otherwise recognised by a client name that says NOVA.
 */
import type Redis from 'ioredis';
import { DEFAULT_COMMAND_TIMEOUT_MS, withDeadline } from './deadline';

/** The connection names the extension gives its own connections: `nova-redis-<pid>-<n>[-suffix]`. */
export const EXTENSION_CLIENT_PREFIX = 'nova-redis-';

export type ClientKind =
  /** The connection the explorer runs on (this window's session). */
  | 'self'
  /** Another connection of this window (console, keyspace notifications). */
  | 'extension'
  /** A NOVA Redis of another window or machine. */
  | 'otherExtension'
  /** The NOVA backend, by its client name or the library it announced. */
  | 'backend'
  | 'other';

export interface ClientInfo {
  id?: string;
  addr: string;
  name: string;
  db?: number;
  /** Seconds since the connection's last command. */
  idleSeconds?: number;
  /** Seconds since it connected. */
  ageSeconds?: number;
  /** The last command it ran (`client|list` on recent servers). */
  cmd?: string;
  flags?: string;
  /** What the client library announced (7.2+): `redis-py`, `ioredis`... */
  library?: string;
  kind: ClientKind;
  /** Every field as the server wrote it, for the tooltip. */
  fields: Map<string, string>;
}

export interface Self {
  /** The session's own client name. */
  clientName: string;
  /** This process: the extension's other connections carry it in their names. */
  pid?: number;
}

export function classifyClient(name: string, library: string | undefined, self: Self): ClientKind {
  if (name !== '' && name === self.clientName) {
    return 'self';
  }
  if (name.startsWith(EXTENSION_CLIENT_PREFIX)) {
    return self.pid !== undefined && name.startsWith(`${EXTENSION_CLIENT_PREFIX}${self.pid}-`) ? 'extension' : 'otherExtension';
  }
  if (/nova/i.test(name) || library === 'redis-py') {
    return 'backend';
  }
  return 'other';
}

const KIND_ORDER: Record<ClientKind, number> = { self: 0, extension: 1, backend: 2, otherExtension: 3, other: 4 };

function num(v: string | undefined): number | undefined {
  if (v === undefined || v === '') {
    return undefined;
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** One `k=v k=v ...` line per client; names cannot contain spaces (CLIENT SETNAME refuses them). */
export function parseClientList(text: string, self: Self): ClientInfo[] {
  const out: ClientInfo[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      continue;
    }
    const fields = new Map<string, string>();
    for (const part of line.trim().split(' ')) {
      const eq = part.indexOf('=');
      if (eq > 0) {
        fields.set(part.slice(0, eq), part.slice(eq + 1));
      }
    }
    const name = fields.get('name') ?? '';
    const library = fields.get('lib-name') || undefined;
    const info: ClientInfo = { addr: fields.get('addr') ?? '', name, kind: classifyClient(name, library, self), fields };
    const optional = {
      id: fields.get('id'),
      db: num(fields.get('db')),
      idleSeconds: num(fields.get('idle')),
      ageSeconds: num(fields.get('age')),
      cmd: fields.get('cmd'),
      flags: fields.get('flags'),
      library,
    };
    for (const [k, v] of Object.entries(optional)) {
      if (v !== undefined) {
        Object.assign(info, { [k]: v });
      }
    }
    out.push(info);
  }
  return out.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.idleSeconds ?? 0) - (b.idleSeconds ?? 0) || a.addr.localeCompare(b.addr));
}

export async function readClients(client: Redis, self: Self, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<ClientInfo[]> {
  const text = (await withDeadline(client.call('CLIENT', 'LIST'), timeoutMs)) as string | Buffer;
  return parseClientList(String(text), self);
}
