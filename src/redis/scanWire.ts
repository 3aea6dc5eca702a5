/**
 * A connection of the key explorer's own on which it sends SCAN and reads the replies itself, so that
 * the next SCAN can leave as soon as a reply's cursor is in, before its keys are read: the server
 * then walks the next stretch of the keyspace while this process takes in the last one. Through
 * ioredis a reply is only handed over once all of it is parsed, and the server waited for that.
 *
 * ioredis opens the connection (AUTH, SELECT, CLIENT SETNAME: the explorer's handshake); after it the
 * socket is read here, as the console does. Only SCAN is ever sent on it. When the socket goes, every
 * SCAN still waiting fails with CONNECTION_LOST and the wire stays closed: the scanner then goes on
 * over the shared connection. No `vscode` import.
 */
import type Redis from 'ioredis';
import { NovaError, toNovaError } from './errors';
import { takeOverSocket } from './takeOver';

const CR = 0x0d;
const STAR = 0x2a;
const DOLLAR = 0x24;
const MINUS = 0x2d;

interface Pending {
  /** Called with the cursor as soon as it is read, before the keys (synchronously, on the socket's data). */
  onCursor?: (cursor: Buffer) => void;
  resolve: (reply: [Buffer, Buffer[]]) => void;
  reject: (err: Error) => void;
}

/** Where the reader is in the reply at the head of the queue. */
type Stage = 'start' | 'cursor' | 'keys' | 'key';

function encode(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const bytes = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export class ScanWire {
  private readonly queue: Pending[] = [];
  private closed = false;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private stage: Stage = 'start';
  private cursor: Buffer = Buffer.alloc(0);
  private keys: Buffer[] = [];
  private left = 0;

  constructor(private readonly client: Redis) {
    takeOverSocket(
      client,
      (chunk) => this.take(chunk),
      () => this.lost(),
    );
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** SCAN `cursor` with `args` (MATCH, COUNT, TYPE); `onCursor` hears the next cursor before the keys are read. */
  scan(cursor: string, args: readonly (string | Buffer)[], onCursor?: (cursor: Buffer) => void): Promise<[Buffer, Buffer[]]> {
    if (this.closed) {
      return Promise.reject(new NovaError('CONNECTION_LOST', 'the scan connection is closed'));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ onCursor, resolve, reject });
      this.client.stream.write(encode(['SCAN', cursor, ...args]));
    });
  }

  close(): void {
    this.closed = true;
    this.client.disconnect();
    this.failAll(new NovaError('CONNECTION_LOST', 'the scan connection was closed'));
  }

  private lost(): void {
    this.closed = true;
    this.failAll(new NovaError('CONNECTION_LOST', 'the scan connection was lost'));
  }

  private failAll(err: Error): void {
    for (const p of this.queue.splice(0)) {
      p.reject(err);
    }
  }

  private take(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
    try {
      while (this.step()) {
        // Each step reads one header or one key; it stops when the bytes run out.
      }
    } catch (err) {
      // Not a SCAN reply: the stream cannot be followed any further.
      this.failAll(err instanceof Error ? err : new Error(String(err)));
      this.closed = true;
      this.client.disconnect();
    }
  }

  /** The next `\r\n`-terminated line from `pos`, without it; undefined until it is all in. */
  private line(): Buffer | undefined {
    const end = this.buf.indexOf(CR, this.pos);
    if (end < 0 || end + 1 >= this.buf.length) {
      return undefined;
    }
    const text = this.buf.subarray(this.pos, end);
    this.pos = end + 2;
    return text;
  }

  /**
   * A bulk string's bytes after its `$len` line; undefined (and `pos` left alone) until all are in.
   * The length is read digit by digit: this runs once per key, and a string per header showed.
   */
  private bulk(): Buffer | undefined {
    const buf = this.buf;
    let i = this.pos;
    if (i >= buf.length) {
      return undefined;
    }
    if (buf[i] !== DOLLAR) {
      throw new Error('unexpected reply to SCAN');
    }
    let len = 0;
    let digits = 0;
    for (i++; i < buf.length && buf[i] !== CR; i++) {
      const d = buf[i] - 0x30;
      if (d < 0 || d > 9 || ++digits > 15) {
        throw new Error('unexpected reply to SCAN');
      }
      len = len * 10 + d;
    }
    if (i + 1 >= buf.length) {
      return undefined;
    }
    if (digits === 0) {
      throw new Error('unexpected reply to SCAN');
    }
    const start = i + 2;
    if (start + len + 2 > buf.length) {
      return undefined;
    }
    this.pos = start + len + 2;
    return buf.subarray(start, start + len);
  }

  private step(): boolean {
    const head = this.queue[0];
    if (this.pos >= this.buf.length) {
      return false;
    }
    if (!head) {
      throw new Error('a reply nobody asked for');
    }
    switch (this.stage) {
      case 'start': {
        const start = this.pos;
        const header = this.line();
        if (!header) {
          return false;
        }
        if (header[0] === MINUS) {
          this.queue.shift();
          head.reject(toNovaError(Object.assign(new Error(header.subarray(1).toString('utf8')), { name: 'ReplyError' })));
          return true;
        }
        if (header[0] !== STAR || header.toString('latin1') !== '*2') {
          this.pos = start;
          throw new Error('unexpected reply to SCAN');
        }
        this.stage = 'cursor';
        return true;
      }
      case 'cursor': {
        const cursor = this.bulk();
        if (!cursor) {
          return false;
        }
        // A copy: the chunk it is cut from may be joined with the next one.
        this.cursor = Buffer.from(cursor);
        this.stage = 'keys';
        head.onCursor?.(this.cursor);
        return true;
      }
      case 'keys': {
        const header = this.line();
        if (!header) {
          return false;
        }
        const n = header[0] === STAR ? Number(header.subarray(1).toString('latin1')) : NaN;
        if (!Number.isInteger(n) || n < 0) {
          throw new Error('unexpected reply to SCAN');
        }
        this.keys = [];
        this.left = n;
        this.stage = 'key';
        return this.finishIfDone(head);
      }
      case 'key': {
        const key = this.bulk();
        if (!key) {
          return false;
        }
        this.keys.push(key);
        this.left--;
        return this.finishIfDone(head);
      }
    }
  }

  private finishIfDone(head: Pending): boolean {
    if (this.left > 0) {
      return true;
    }
    this.queue.shift();
    this.stage = 'start';
    const keys = this.keys;
    this.keys = [];
    head.resolve([this.cursor, keys]);
    return true;
  }
}
