/**
 * A TCP proxy in front of a test redis-server that injects one fault into the connections that pass
 * through it: hold a request (a server that stalls at exactly that command), drop the connection
 * when a request arrives, answer it with garbage, or cut the connection part-way through its reply
 * (after the server has executed it). Loopback only.
 */
import net from 'node:net';

export type FaultAction =
  /** Keep the matching request and everything after it from the server until `release()`. */
  | { kind: 'stall' }
  /** Close both sides when the request arrives; the server never sees it. */
  | { kind: 'drop' }
  /** Forward the request, then replace the reply with bytes no RESP parser accepts. */
  | { kind: 'garble' }
  /** Forward the request, pass the first `replyBytes` bytes of the reply, then close both sides. */
  | { kind: 'cutReply'; replyBytes: number };

export interface Fault {
  /** Tested against each chunk the client sends, read as latin1 (RESP command names are ASCII). */
  request: RegExp;
  action: FaultAction;
  /** Apply to the first matching request only (default), or to every one until cleared. */
  once?: boolean;
}

interface Pair {
  client: net.Socket;
  server: net.Socket;
  /** Client bytes held back by a stall. */
  held: Buffer[];
  stalled: boolean;
  /** Reply handling armed by a forwarded request. */
  reply?: { kind: 'garble' } | { kind: 'cutReply'; left: number };
}

export class FaultProxy {
  private fault: Fault | undefined;
  private readonly pairs = new Set<Pair>();
  private readonly listener: net.Server;
  /** The proxy's own port, set once it listens. */
  port = 0;
  /** How many times the fault was applied. */
  hits = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.listener = net.createServer((client) => this.accept(client));
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetHost, targetPort);
    await new Promise<void>((resolve, reject) => {
      proxy.listener.once('error', reject);
      proxy.listener.listen(0, '127.0.0.1', () => resolve());
    });
    const address = proxy.listener.address();
    proxy.port = typeof address === 'object' && address ? address.port : 0;
    return proxy;
  }

  /** `redis://[:password@]127.0.0.1:<proxy port>/db` */
  url(db = 1, password?: string): string {
    const auth = password !== undefined ? `:${encodeURIComponent(password)}@` : '';
    return `redis://${auth}127.0.0.1:${this.port}/${db}`;
  }

  /** Arms `fault` for the requests that pass from now on. */
  inject(fault: Fault): void {
    this.fault = fault;
  }

  /** Disarms the fault and lets held requests through. */
  release(): void {
    this.fault = undefined;
    for (const pair of this.pairs) {
      pair.stalled = false;
      for (const chunk of pair.held.splice(0)) {
        pair.server.write(chunk);
      }
    }
  }

  /** Connections open through the proxy now. */
  get connections(): number {
    return this.pairs.size;
  }

  async stop(): Promise<void> {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.server.destroy();
    }
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const server = net.connect(this.targetPort, this.targetHost);
    const pair: Pair = { client, server, held: [], stalled: false };
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', close);
    server.on('error', close);
    client.on('close', close);
    server.on('close', close);
    client.on('data', (chunk: Buffer) => this.fromClient(pair, chunk, close));
    server.on('data', (chunk: Buffer) => this.fromServer(pair, chunk, close));
  }

  private fromClient(pair: Pair, chunk: Buffer, close: () => void): void {
    const fault = this.fault;
    if (!pair.stalled && fault && fault.request.test(chunk.toString('latin1'))) {
      this.hits += 1;
      if (fault.once !== false) {
        this.fault = undefined;
      }
      switch (fault.action.kind) {
        case 'stall':
          pair.stalled = true;
          break;
        case 'drop':
          close();
          return;
        case 'garble':
          pair.reply = { kind: 'garble' };
          break;
        case 'cutReply':
          pair.reply = { kind: 'cutReply', left: fault.action.replyBytes };
          break;
      }
    }
    if (pair.stalled) {
      pair.held.push(chunk);
      return;
    }
    pair.server.write(chunk);
  }

  private fromServer(pair: Pair, chunk: Buffer, close: () => void): void {
    const reply = pair.reply;
    if (reply?.kind === 'garble') {
      pair.reply = undefined;
      pair.client.write('\x00garbage that is not RESP\r\n');
      return;
    }
    if (reply?.kind === 'cutReply') {
      const passed = chunk.subarray(0, reply.left);
      reply.left -= passed.length;
      if (passed.length > 0) {
        pair.client.write(passed);
      }
      if (reply.left <= 0) {
        pair.reply = undefined;
        // Let the passed bytes leave before the close, so the client reads a partial reply.
        pair.client.end(() => close());
      }
      return;
    }
    pair.client.write(chunk);
  }
}
