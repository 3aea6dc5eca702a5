/**
 * The "NOVA Redis" output channel. Every line passes through the scrubber, whatever its origin,
 * so a password that slipped into an error object never reaches the log.
 */
import * as vscode from 'vscode';
import { LOG_NAME } from './constants';
import { scrub, scrubError } from './redis/scrub';

export class Logger implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel(LOG_NAME, { log: true });

  info(message: string): void {
    this.channel.info(scrub(message));
  }

  warn(message: string): void {
    this.channel.warn(scrub(message));
  }

  error(message: string, err?: unknown): void {
    this.channel.error(scrub(err === undefined ? message : `${message}: ${scrubError(err)}`));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
