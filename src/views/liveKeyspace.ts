/**
 * The live keyspace (opt-in, `nova.live.keyspaceEvents`): while on, each session subscribes to its
 * DB's keyspace notifications, so keys other clients create appear in the Keys view, deleted and
 * expired ones leave it, and open value tabs say when their key changed — all without a rescan.
 *
 * The notifications are a server setting, off by default. When they are off the user is told so and
 * offered to turn them on (CONFIG SET, after a modal naming the server; never in read-only mode);
 * a server that renamed CONFIG away gets a clear error instead.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import type { LiveKeyspace, RedisSession } from '../connection/session';
import { explorerDelimiter } from '../config/settingsSchema';
import { affects, readSettings } from '../config/settings';
import type { KeyspaceActivity } from '../redis/keyspaceActivity';
import { enabledValue, type KeyChangeBatch, type NotifyConfig } from '../redis/keyspaceEvents';
import { NovaError, isNovaError } from '../redis/errors';
import { hostPort } from '../redis/url';
import type { Logger } from '../log';
import { DisposableBase } from '../util/event';
import type { KeysView } from './keysView';
import type { ValueDocuments } from './valueDocuments';
import { describeError } from './messages';

/** Notifications about the extension's own writes arrive too: its tabs re-read already, so they are not marked. */
const OWN_WRITE_MS = 3000;
/** Wait before subscribing again after the notification connection alone dropped. */
const RESUBSCRIBE_MS = 2000;

export class LiveKeyspaceController extends DisposableBase {
  private live: LiveKeyspace | undefined;
  private generation = -1;
  /** Keys this window wrote lately (hex), and when; `everything` after a folder delete or a flush. */
  private readonly ownWrites = new Map<string, number>();
  private everythingUntil = 0;
  private subscribing: Promise<void> = Promise.resolve();
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: ConnectionManager,
    private readonly keys: KeysView,
    private readonly values: ValueDocuments,
    private readonly log: Logger,
  ) {
    super();
    this.register(connection.onDidChangeState(() => this.follow()));
    this.register(
      connection.onDidChangeKeys(({ change }) => {
        const until = Date.now() + OWN_WRITE_MS;
        if (change.kind === 'keys') {
          change.keys.forEach((k) => this.ownWrites.set(k.toString('hex'), until));
        } else {
          this.everythingUntil = until;
        }
      }),
    );
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, 'live.keyspaceEvents') || affects(e, 'explorer')) {
          this.stop();
          this.generation = -1;
          this.follow();
        }
      }),
    );
    this.register({
      dispose: () => {
        clearTimeout(this.retry);
        this.stop();
      },
    });
    this.follow();
  }

  /** Writes, deletes and expirations per namespace over the last minute, while subscribed. */
  get activity(): KeyspaceActivity | undefined {
    return this.live?.activity;
  }

  get isLive(): boolean {
    return this.live !== undefined;
  }

  /**
   * "Enable Keyspace Notifications": asks first (a modal naming the server and what is set), then
   * CONFIG SET, then subscribes. Throws READ_ONLY in read-only mode, COMMAND_UNAVAILABLE without CONFIG.
   */
  async enable(): Promise<void> {
    const session = this.connection.requireSession();
    if (session.readOnly) {
      throw new NovaError('READ_ONLY', 'read-only mode is on', { reason: 'setting' });
    }
    const current = await session.notifyConfig();
    if (current.sufficient) {
      await this.subscribe(session, current);
      void vscode.window.showInformationMessage(vscode.l10n.t('Keyspace notifications are already on on {0}.', hostPort(session.endpoint)));
      return;
    }
    const value = enabledValue(current.value);
    const enable = vscode.l10n.t('Enable');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Turn on keyspace notifications on {0}?', hostPort(session.endpoint)),
      {
        modal: true,
        detail: vscode.l10n.t(
          'This runs CONFIG SET notify-keyspace-events {0} (now "{1}"). It applies to every client of this server until it restarts, and costs it a little work on every write.',
          value,
          current.value,
        ),
      },
      enable,
    );
    if (choice !== enable) {
      return;
    }
    const now = await session.enableNotifications();
    this.log.info(`notify-keyspace-events set to "${now.value}" on ${hostPort(session.endpoint)}.`);
    if (readSettings().liveKeyspaceEvents) {
      await this.subscribe(session, now);
    } else {
      // Turning the setting on starts the subscription (the configuration listener follows it).
      await vscode.workspace.getConfiguration('nova').update('live.keyspaceEvents', true, vscode.ConfigurationTarget.Workspace);
    }
  }

  /** Starts (or stops) following the connected session, as the setting says. */
  private follow(): void {
    const session = this.connection.session;
    if (!session || !readSettings().liveKeyspaceEvents) {
      if (!session) {
        this.generation = -1;
      }
      this.stop();
      return;
    }
    if (session.generation === this.generation) {
      return;
    }
    this.generation = session.generation;
    this.stop();
    void this.start(session).catch((err: unknown) => this.fail(session, err));
  }

  private async start(session: RedisSession): Promise<void> {
    if (session.topology.kind === 'cluster') {
      this.log.info('Live keyspace: not available on a Redis Cluster (notifications are per node).');
      void vscode.window.showInformationMessage(vscode.l10n.t('The live keyspace is not available on a Redis Cluster: each node sends its own notifications. Refresh the Keys view to see changes.'));
      return;
    }
    let config: NotifyConfig;
    try {
      config = await session.notifyConfig();
    } catch (err) {
      if (!isNovaError(err, 'COMMAND_UNAVAILABLE')) {
        throw err;
      }
      // Cannot tell whether they are on: listen anyway, and say why nothing may arrive.
      this.log.warn('Live keyspace: CONFIG is not available; subscribing without knowing notify-keyspace-events.');
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Cannot read notify-keyspace-events on {0}: the server refuses CONFIG (renamed or disabled). The Keys view follows changes only if notifications are on.', hostPort(session.endpoint)),
      );
      config = { value: '', channel: 'keyevent', sufficient: false };
      await this.subscribe(session, config);
      return;
    }
    if (!config.sufficient) {
      await this.offer(session, config);
      return;
    }
    await this.subscribe(session, config);
  }

  /** Says the notifications are off, and offers to turn them on unless writes are refused. */
  private async offer(session: RedisSession, config: NotifyConfig): Promise<void> {
    const enable = vscode.l10n.t('Enable on Server…');
    const message = vscode.l10n.t(
      'Keyspace notifications are off on {0} (notify-keyspace-events is "{1}"): the Keys view shows changes made by other clients only when refreshed.',
      hostPort(session.endpoint),
      config.value,
    );
    const choice = session.readOnly ? await vscode.window.showInformationMessage(message) : await vscode.window.showInformationMessage(message, enable);
    if (choice === enable) {
      await this.enable().catch((err: unknown) => this.fail(session, err));
    }
  }

  /** One subscription at a time: a second request while one starts waits for it and keeps it. */
  private subscribe(session: RedisSession, config: NotifyConfig): Promise<void> {
    const run = this.subscribing.then(() => this.subscribeNow(session, config));
    this.subscribing = run.catch(() => undefined);
    return run;
  }

  private async subscribeNow(session: RedisSession, config: NotifyConfig): Promise<void> {
    if (session.isEnded || (this.live && session.liveKeyspace === this.live)) {
      return;
    }
    this.stop();
    const channel = config.channel ?? 'keyevent';
    const live = await session.watchKeyspace(
      channel,
      explorerDelimiter(readSettings()),
      (batch) => this.onBatch(session, batch),
      () => {
        // The subscriber connection dropped while the session lives on: subscribe again shortly
        // (a lost session is followed by the next one's state change instead).
        if (this.live === live) {
          this.live = undefined;
          this.generation = -1;
          this.log.warn('Live keyspace: the notification connection closed.');
          clearTimeout(this.retry);
          this.retry = setTimeout(() => this.follow(), RESUBSCRIBE_MS);
        }
      },
    );
    if (session.isEnded) {
      live.dispose();
      return;
    }
    this.live = live;
    this.log.info(`Live keyspace: following ${hostPort(session.endpoint)} DB ${session.db} (${channel} notifications).`);
  }

  private onBatch(session: RedisSession, batch: KeyChangeBatch): void {
    if (batch.overflowed) {
      // More changes than one batch follows: a fresh scan is cheaper than catching up.
      this.keys.rebuild();
      return;
    }
    this.keys.applyRemote(
      session,
      batch.changes.map((c) => ({ key: c.key, gone: c.kind === 'deleted' || c.kind === 'expired' || c.kind === 'evicted' })),
    );
    const now = Date.now();
    for (const [k, until] of this.ownWrites) {
      if (until < now) {
        this.ownWrites.delete(k);
      }
    }
    if (now < this.everythingUntil) {
      return;
    }
    const theirs = batch.changes.filter((c) => !this.ownWrites.has(c.key.toString('hex')));
    this.values.markRemote(
      theirs.filter((c) => c.kind === 'written' || c.kind === 'ttl').map((c) => c.key),
      'changed',
      session,
    );
    this.values.markRemote(
      theirs.filter((c) => c.kind !== 'written' && c.kind !== 'ttl').map((c) => c.key),
      'deleted',
      session,
    );
  }

  private fail(session: RedisSession, err: unknown): void {
    if (isNovaError(err, 'SESSION_ENDED') || session.isEnded) {
      return;
    }
    const error = isNovaError(err) ? err : new NovaError('UNKNOWN', String(err));
    this.log.error('Live keyspace', error);
    const text = describeError(error);
    void vscode.window.showErrorMessage(`${text.message} ${text.hint}`.trim());
  }

  private stop(): void {
    this.live?.dispose();
    this.live = undefined;
  }
}
