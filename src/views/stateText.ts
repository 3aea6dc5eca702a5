/**
 * Short texts for what the status bar and the Keys view show outside a tooltip: the cause of a failed
 * connection in a few words, and why writes are refused.
 */
import * as vscode from 'vscode';
import { Settings } from '../constants';
import type { ReadOnlySetting } from '../config/settingsSchema';
import type { NovaError } from '../redis/errors';

/** A command link that opens the Settings editor at `nova.readOnly`. */
export const READ_ONLY_SETTING_LINK = `command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify([`${Settings.section}.${Settings.readOnly}`]))}`;

/** The cause of a failed connection, short enough for the status bar ("wrong password"). */
export function shortCause(error: NovaError): string {
  switch (error.code) {
    case 'CONNECTION_REFUSED':
      return vscode.l10n.t('connection refused');
    case 'CONNECT_TIMEOUT':
      return vscode.l10n.t('no answer');
    case 'UNKNOWN_HOST':
      return vscode.l10n.t('unknown host');
    case 'TLS_MISMATCH':
      return vscode.l10n.t('TLS mismatch');
    case 'AUTH_REQUIRED':
      return vscode.l10n.t('password required');
    case 'WRONG_PASSWORD':
      return vscode.l10n.t('wrong password');
    case 'ACL_UNSUPPORTED':
      return vscode.l10n.t('no ACL users');
    case 'DB_OUT_OF_RANGE':
      return vscode.l10n.t('no such database');
    case 'DB_INVALID':
    case 'URL_MALFORMED':
    case 'URL_SCHEME':
      return vscode.l10n.t('invalid REDIS_URL');
    case 'URL_EMPTY':
      return vscode.l10n.t('REDIS_URL is empty');
    case 'URL_UNENCODED_HASH':
      return vscode.l10n.t('raw # in the password');
    case 'CLUSTER_DB':
      return vscode.l10n.t('a cluster has only DB 0');
    case 'CLUSTER_UNREACHABLE':
      return vscode.l10n.t('cluster nodes unreachable');
    case 'NAT_MAP_INVALID':
      return vscode.l10n.t('invalid natMap');
    case 'SENTINEL_NO_MASTER':
      return vscode.l10n.t('no master from the Sentinels');
    case 'SENTINEL_AUTH':
      return vscode.l10n.t('Sentinel password');
    default:
      return vscode.l10n.t('failed');
  }
}

/** Why writes are refused, or undefined when they are not. */
export function readOnlyReason(readOnly: boolean, setting: ReadOnlySetting): string | undefined {
  if (!readOnly) {
    return undefined;
  }
  return setting === 'on' ? vscode.l10n.t('Read-only: the setting is on') : vscode.l10n.t('Read-only: the server is not on this machine');
}
