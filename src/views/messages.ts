/**
 * Turns coded core errors into localized, actionable text. Each message says what is wrong and
 * the hint says what to do about it.
 */
import * as vscode from 'vscode';
import type { ErrorCode, NovaError } from '../redis/errors';
import type { Endpoint, TargetSource } from '../connection/connectionManager';
import { hostPort, redactedUrl } from '../redis/url';

export interface ErrorText {
  message: string;
  hint: string;
}

export function endpointText(e: Endpoint): string {
  return `${hostPort(e)}/${e.db}`;
}

/** The endpoint as a URL, password masked (an empty one stands for "has a password"). */
export function endpointUrl(e: Endpoint): string {
  return redactedUrl({ ...e, password: e.hasPassword ? '' : undefined });
}

function str(args: Record<string, string | number>, name: string): string {
  const v = args[name];
  return v === undefined ? '' : String(v);
}

export function describeError(error: NovaError, target?: Endpoint, source?: TargetSource): ErrorText {
  const where = target ? hostPort(target) : vscode.l10n.t('the server');
  const file = source?.file ?? '.env';
  // Problems in the URL itself point at its line, which the user has to edit.
  const fileLine = source?.line ? `${file}:${source.line}` : file;
  const code: ErrorCode = error.code;
  switch (code) {
    case 'CONNECTION_REFUSED':
      return {
        message: vscode.l10n.t('Redis is not running at {0} (connection refused).', where),
        hint: vscode.l10n.t('Start the Redis service. On Windows: "sc query Redis" shows its state and "net start Redis" starts it; on Linux: "sudo systemctl start redis-server".'),
      };
    case 'CONNECT_TIMEOUT':
      return {
        message: vscode.l10n.t('No answer from {0} (connection timed out).', where),
        hint: vscode.l10n.t('Check the "bind" line of the Redis configuration (redis.windows-service.conf on Windows, e.g. "bind 127.0.0.1") and any firewall between you and the server.'),
      };
    case 'UNKNOWN_HOST':
      return {
        message: vscode.l10n.t('The host in REDIS_URL cannot be found: {0}.', where),
        hint: vscode.l10n.t('Check the host name in REDIS_URL in {0}.', file),
      };
    case 'TLS_MISMATCH':
      return {
        message: vscode.l10n.t('The connection to {0} was closed during the handshake: the TLS setting probably does not match the server.', where),
        hint: vscode.l10n.t('Use rediss:// only when the server has TLS enabled (Redis 6 or later), redis:// otherwise.'),
      };
    case 'AUTH_REQUIRED':
      return {
        message: vscode.l10n.t('Redis at {0} requires a password.', where),
        hint: vscode.l10n.t('Put the server\'s requirepass password in REDIS_URL in {0}: redis://:password@host:6379/1', file),
      };
    case 'WRONG_PASSWORD':
      return {
        message: vscode.l10n.t('Redis at {0} rejected the password.', where),
        hint: vscode.l10n.t('Check the password in REDIS_URL in {0} against the server\'s requirepass; percent-encode special characters (e.g. # as %23).', file),
      };
    case 'AUTH_NOT_NEEDED':
      // redis-py raises on this AUTH reply (3.0 and 7.x alike), so the backend gets no Redis at all.
      return {
        message: vscode.l10n.t('The backend will fail to connect: REDIS_URL in {0} has a password, but the server at {1} has none and refuses AUTH (redis-py raises an error).', fileLine, where),
        hint: vscode.l10n.t('Remove the password from REDIS_URL (e.g. redis://{0}/{1}), or set requirepass on the server to that password.', target ? hostPort(target) : 'localhost:6379', target?.db ?? 1),
      };
    case 'ACL_UNSUPPORTED':
      return {
        message: vscode.l10n.t('REDIS_URL names a user, but this Redis server has no ACL users (they need Redis 6 or later).'),
        hint: vscode.l10n.t('Remove the user name from REDIS_URL in {0}: redis://:password@host:6379/1', file),
      };
    case 'DB_OUT_OF_RANGE':
      return {
        message: vscode.l10n.t('Redis at {0} has no database {1}.', where, str(error.args, 'db') || String(target?.db ?? '')),
        hint: vscode.l10n.t('Use a DB index below the server\'s "databases" setting (16 by default) in REDIS_URL in {0}. NOVA uses DB 1.', file),
      };
    case 'DB_INVALID':
      return {
        message: vscode.l10n.t('The database index in REDIS_URL in {0} is not a valid number.', fileLine),
        hint: vscode.l10n.t('Write the index as the path of the URL, e.g. redis://localhost:6379/1.'),
      };
    case 'URL_MALFORMED':
      return {
        message: vscode.l10n.t('REDIS_URL in {0} is not a valid Redis URL.', fileLine),
        hint: vscode.l10n.t('Expected redis://[:password@]host:port/db. Percent-encode special characters in the password (# as %23, / as %2F, ? as %3F, @ as %40).'),
      };
    case 'URL_SCHEME':
      return {
        message: vscode.l10n.t('REDIS_URL in {0} must start with redis:// or rediss://.', fileLine),
        hint: vscode.l10n.t('Expected redis://[:password@]host:port/db.'),
      };
    case 'URL_EMPTY':
      return {
        message: vscode.l10n.t('REDIS_URL in {0} is empty: the backend (redis-py) gets an empty URL and cannot connect.', fileLine),
        hint: vscode.l10n.t('Write the URL after the = sign, e.g. REDIS_URL=redis://localhost:6379/1, or delete the line to use NOVA\'s default. NOVA Redis does not connect to a default meanwhile.'),
      };
    case 'URL_UNENCODED_HASH':
      return {
        message: vscode.l10n.t('The password in REDIS_URL in {0} contains a raw #: the backend (redis-py) reads everything after it as a URL fragment, not as the password.', fileLine),
        hint: vscode.l10n.t('Write # as %23 in the password, e.g. redis://:pa%23ss@localhost:6379/1.'),
      };
    case 'SERVER_LOADING':
      return {
        message: vscode.l10n.t('Redis at {0} is loading its data into memory.', where),
        hint: vscode.l10n.t('Wait a moment: the connection is retried automatically.'),
      };
    case 'SERVER_BUSY':
      return {
        message: vscode.l10n.t('Redis at {0} is busy running a script and answers nothing else.', where),
        hint: vscode.l10n.t('Wait for the script to end (or stop it with SCRIPT KILL): the connection is retried automatically.'),
      };
    case 'TOO_MANY_CLIENTS':
      return {
        message: vscode.l10n.t('Redis at {0} refuses new connections: its maxclients limit is reached.', where),
        hint: vscode.l10n.t('The connection is retried automatically as soon as a client leaves. Close unused clients, or raise maxclients in the Redis configuration.'),
      };
    case 'COMMAND_TIMEOUT':
      return {
        message: vscode.l10n.t('Redis at {0} did not answer in time.', where),
        hint: vscode.l10n.t('The server is busy or stalled (a long-running command, a paused server). The extension keeps retrying; see the log for details.'),
      };
    case 'NOT_CONNECTED':
      return {
        message: vscode.l10n.t('Not connected to Redis.'),
        hint: vscode.l10n.t('Wait for the connection, or run "NOVA: Reconnect".'),
      };
    case 'SESSION_ENDED':
      return {
        message: vscode.l10n.t('The connection changed before the operation was sent: nothing was changed.'),
        hint: vscode.l10n.t('Please try again.'),
      };
    case 'CONNECTION_LOST':
      return {
        message: vscode.l10n.t('The connection to Redis at {0} was lost.', where),
        hint: vscode.l10n.t('The extension reconnects automatically.'),
      };
    case 'KEY_NOT_FOUND':
      return {
        message: vscode.l10n.t('The key no longer exists: it expired or was deleted.'),
        hint: vscode.l10n.t('Refresh the key explorer.'),
      };
    case 'WRONG_TYPE':
      return {
        message: vscode.l10n.t('The key changed type while it was being read.'),
        hint: vscode.l10n.t('Open it again.'),
      };
    case 'READ_ONLY':
      return {
        message: vscode.l10n.t('NOVA Redis is in read-only mode: no data was changed.'),
        hint: vscode.l10n.t('To change data, turn off the "nova.readOnly" setting.'),
      };
    case 'INVALID_TTL':
      return {
        message: vscode.l10n.t('That TTL is not valid.'),
        hint: vscode.l10n.t('Enter a positive duration such as 3600, 90s, 15m, 1h or 2d.'),
      };
    case 'EDIT_INVALID':
      return {
        message: str(error.args, 'kind') === 'python' ? vscode.l10n.t('Not saved: the Python value does not parse ({0}).', str(error.args, 'reason')) : vscode.l10n.t('Not saved: the JSON does not parse ({0}).', str(error.args, 'reason')),
        hint: vscode.l10n.t('Nothing was written. The problem is marked in the editor.'),
      };
    case 'WRONG_DB':
      return {
        message: vscode.l10n.t('The connection is not on the configured database: nothing was changed.'),
        hint: vscode.l10n.t('Run "NOVA: Reconnect" and try again.'),
      };
    case 'OUTCOME_UNKNOWN':
      return {
        message: vscode.l10n.t('Redis did not confirm the operation: it may or may not have been applied.'),
        hint: vscode.l10n.t('Nothing is sent again automatically. The view was refreshed: check it before trying again.'),
      };
    case 'CANCELLED':
      return { message: vscode.l10n.t('Cancelled.'), hint: '' };
    case 'CLUSTER_DB':
      return {
        message: vscode.l10n.t('REDIS_URL in {0} asks for database {1}, but {2} is a Redis Cluster, which has only database 0.', file, str(error.args, 'db'), where),
        hint: vscode.l10n.t('Remove the DB index from REDIS_URL (or write /0): every key of a cluster is in DB 0. Valkey 9 and later allow numbered databases in cluster mode.'),
      };
    case 'CLUSTER_UNREACHABLE':
      return {
        message: vscode.l10n.t('The cluster announces nodes that cannot be reached from here: {0}.', str(error.args, 'addresses')),
        hint: vscode.l10n.t('This happens when the cluster runs in Docker or behind NAT. Map each announced address to one you can reach in the "nova.cluster.natMap" setting, e.g. {0}.', '{"172.18.0.2:6379": "127.0.0.1:7001"}'),
      };
    case 'CLUSTER_MOVED':
      return {
        message: vscode.l10n.t('The cluster moved a key to another master during the operation.'),
        hint: vscode.l10n.t('The cluster is being resharded. Try again in a moment.'),
      };
    case 'CLUSTER_SLOT_MOVING':
      return {
        message: vscode.l10n.t('The cluster is moving this key\'s slot to another master right now; nothing was written.'),
        hint: vscode.l10n.t('Try again once the resharding of that slot is done.'),
      };
    case 'CLUSTER_NODE_FAILED':
      return {
        message: vscode.l10n.t('The cluster master {0} failed during the operation; the other masters were not affected.', str(error.args, 'address')),
        hint: vscode.l10n.t('The cluster may be failing over to a replica. Try again in a moment; "NOVA: Show Server Info" shows the cluster state.'),
      };
    case 'NAT_MAP_INVALID':
      return {
        message: vscode.l10n.t('The "nova.cluster.natMap" setting has an entry that is not valid: {0}.', str(error.args, 'entry')),
        hint: vscode.l10n.t('Each entry maps an announced "host:port" to a reachable "host:port".'),
      };
    case 'SENTINEL_NO_MASTER':
      return {
        message: vscode.l10n.t('The Sentinels give no usable master for the service "{0}".', str(error.args, 'name')),
        hint: vscode.l10n.t('Check the service name in REDIS_URL (redis+sentinel://host:26379/service_name/db) against the "sentinel monitor" line of the Sentinels, and that they can reach the master.'),
      };
    case 'SENTINEL_AUTH':
      return {
        message: vscode.l10n.t('The Sentinels refused the Sentinel password, or require one.'),
        hint: vscode.l10n.t('Put the Sentinels\' own requirepass in REDIS_URL in {0} as ?sentinel_password=… (the password before the @ is the master\'s).', file),
      };
    case 'IMPORT_INVALID':
      return {
        message: vscode.l10n.t('Line {0} of the file is not a NOVA Redis export line.', str(error.args, 'line')),
        hint: vscode.l10n.t('Import reads the files that "Export Keys" writes. Nothing was written to Redis from this line on.'),
      };
    case 'KEY_EXISTS':
      return {
        message: vscode.l10n.t('A key with that name exists already: nothing was overwritten.'),
        hint: vscode.l10n.t('Choose another name, or delete the existing key first.'),
      };
    case 'ELEMENT_EXISTS':
      return {
        message: vscode.l10n.t('The collection has that field or member already: nothing was changed.'),
        hint: vscode.l10n.t('Edit the existing one instead.'),
      };
    case 'ELEMENT_CHANGED':
      return {
        message: vscode.l10n.t('That element is no longer where the tab showed it: someone changed the key meanwhile. Nothing was changed.'),
        hint: vscode.l10n.t('The tab was read again: check it and try again.'),
      };
    case 'ELEMENT_PARTIAL':
      return {
        message: vscode.l10n.t('Only the first bytes of that element are loaded, so it cannot be named exactly: nothing was changed.'),
        hint: vscode.l10n.t('Change it from the Redis console (NOVA: Open Redis Console).'),
      };
    case 'INDEX_OUT_OF_RANGE':
      return {
        message: vscode.l10n.t('The list has no index {0}: its last index is {1}.', str(error.args, 'index'), Number(str(error.args, 'length')) - 1),
        hint: vscode.l10n.t('Indexes start at 0.'),
      };
    case 'KEY_CHANGED':
      return {
        message: vscode.l10n.t('The key kept changing while it was being edited: nothing was changed.'),
        hint: vscode.l10n.t('Try again once the key is quiet.'),
      };
    case 'UNSUPPORTED':
      return {
        message: vscode.l10n.t('This server does not support that operation.'),
        hint: vscode.l10n.t('See "NOVA: Show Server Info" for the server version.'),
      };
    case 'COMMAND_UNAVAILABLE':
      return {
        message: vscode.l10n.t('The server refuses the {0} command: it was renamed or disabled (rename-command), or your user may not run it.', str(error.args, 'command')),
        hint: vscode.l10n.t('Ask the administrator of this Redis server, or use a connection that may run {0}.', str(error.args, 'command')),
      };
    case 'UNKNOWN':
      return {
        message: vscode.l10n.t('Redis reported an error.'),
        hint: vscode.l10n.t('See the NOVA Redis log for details.'),
      };
  }
}
