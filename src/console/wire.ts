/**
 * One console connection after its handshake: ioredis opened it (AUTH, SELECT, CLIENT SETNAME, the
 * same handshake as the explorer's), then the console reads and writes the socket itself so that
 * every reply is printed exactly as the server sent it (see resp.ts). Nothing here ever re-sends:
 * when the socket goes, every command still waiting is failed with `lost`.
 */
import type Redis from 'ioredis';
import { takeOverSocket } from '../redis/takeOver';
import { encodeCommand, RespReader, type Reply } from './resp';

export class ConnectionLostError extends Error {
  constructor() {
    super('connection lost');
    this.name = 'ConnectionLostError';
  }
}

export class Wire {
  private readonly pending: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  private readonly reader: RespReader;
  private closed = false;
  /** Replies nobody waits for: pub/sub messages and MONITOR lines. */
  onPush: ((reply: Reply) => void) | undefined;
  onClose: (() => void) | undefined;

  constructor(
    private readonly client: Redis,
    budgetBytes: number,
  ) {
    this.reader = new RespReader((reply) => this.deliver(reply), budgetBytes);
    takeOverSocket(
      client,
      (chunk) => this.reader.push(chunk),
      () => this.lost(),
    );
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(args: readonly Uint8Array[]): Promise<Reply> {
    if (this.closed) {
      return Promise.reject(new ConnectionLostError());
    }
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.client.stream.write(encodeCommand(args));
    });
  }

  /** Sends without waiting for a reply slot: the replies of a streaming command come through onPush. */
  sendStreaming(args: readonly Uint8Array[]): void {
    if (!this.closed) {
      this.client.stream.write(encodeCommand(args));
    }
  }

  close(): void {
    this.closed = true;
    this.client.disconnect();
    this.failPending();
  }

  private deliver(reply: Reply): void {
    const waiter = this.pending.shift();
    if (waiter) {
      waiter.resolve(reply);
    } else {
      this.onPush?.(reply);
    }
  }

  private lost(): void {
    const was = this.closed;
    this.closed = true;
    this.failPending();
    if (!was) {
      this.onClose?.();
    }
  }

  private failPending(): void {
    for (const p of this.pending.splice(0)) {
      p.reject(new ConnectionLostError());
    }
  }
}
