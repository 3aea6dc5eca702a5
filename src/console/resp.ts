/**
 * The console's own RESP2 reader and writer. ioredis does the handshake (AUTH, SELECT, name), then
 * the console reads the socket itself, because it must print what the server sent, as the server
 * sent it: a status reply apart from a bulk string (`OK` vs `"OK"`), integers beyond 2^53 exactly,
 * MONITOR lines and pub/sub messages raw, and a huge reply held only up to a byte budget.
 */

export type Reply =
  | { t: 'status'; v: string }
  | { t: 'error'; v: string }
  /** Kept as text: INCR near 2^63 must print exactly. */
  | { t: 'int'; v: string }
  | { t: 'bulk'; v: Buffer; /** Length on the server when only a prefix was kept. */ size?: number }
  | { t: 'nil' }
  | { t: 'array'; v: Reply[]; /** Elements on the server when only the first ones were kept. */ total?: number };

export function encodeCommand(args: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    parts.push(Buffer.from(`$${a.length}\r\n`), Buffer.from(a), Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

interface Frame {
  items: Reply[];
  remaining: number;
  total: number;
}

/**
 * Incremental: `push` each chunk as it arrives; whole replies come out through `onReply`. Memory per
 * reply is bounded by `budgetBytes` (plus one line): beyond it elements are counted, not kept.
 */
export class RespReader {
  private buf: Buffer = Buffer.alloc(0);
  private stack: Frame[] = [];
  /** Bytes of the current reply kept so far. */
  private kept = 0;
  private bulk: { size: number; remaining: number; parts: Buffer[]; keep: number } | undefined;

  constructor(
    private readonly onReply: (reply: Reply) => void,
    public budgetBytes = Number.POSITIVE_INFINITY,
  ) {}

  reset(): void {
    this.buf = Buffer.alloc(0);
    this.stack = [];
    this.kept = 0;
    this.bulk = undefined;
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let pos = 0;
    for (;;) {
      if (this.bulk) {
        const b = this.bulk;
        const take = Math.min(b.remaining, this.buf.length - pos);
        if (take > 0) {
          const room = Math.max(0, b.keep - (b.size - b.remaining));
          if (room > 0) {
            b.parts.push(this.buf.subarray(pos, pos + Math.min(room, take)));
          }
          b.remaining -= take;
          pos += take;
        }
        if (b.remaining > 0 || this.buf.length - pos < 2) {
          break;
        }
        pos += 2;
        this.bulk = undefined;
        const v = Buffer.concat(b.parts);
        this.emit(v.length < b.size ? { t: 'bulk', v, size: b.size } : { t: 'bulk', v });
        continue;
      }
      const eol = this.buf.indexOf('\r\n', pos);
      if (eol < 0) {
        break;
      }
      const start = pos;
      const type = this.buf[pos];
      const text = this.buf.toString('utf8', pos + 1, eol);
      const next = eol + 2;
      switch (type) {
        case 0x2b:
          pos = next;
          this.emit({ t: 'status', v: text });
          break;
        case 0x2d:
          pos = next;
          this.emit({ t: 'error', v: text });
          break;
        case 0x3a:
          pos = next;
          this.emit({ t: 'int', v: text });
          break;
        case 0x24: {
          const size = Number(text);
          pos = next;
          if (size < 0) {
            this.emit({ t: 'nil' });
          } else {
            const keep = Math.max(0, Math.min(size, this.budgetBytes - this.kept));
            this.kept += keep;
            this.bulk = { size, remaining: size, parts: [], keep };
          }
          break;
        }
        case 0x2a: {
          const n = Number(text);
          pos = next;
          if (n < 0) {
            this.emit({ t: 'nil' });
          } else if (n === 0) {
            this.emit({ t: 'array', v: [] });
          } else {
            this.stack.push({ items: [], remaining: n, total: n });
          }
          break;
        }
        default:
          // Not RESP2 (an inline reply): keep the line as a status so nothing is lost.
          pos = next;
          this.emit({ t: 'status', v: this.buf.toString('utf8', start, eol) });
      }
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }

  private emit(reply: Reply): void {
    let r: Reply = reply;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top) {
        this.kept = 0;
        this.onReply(r);
        return;
      }
      if (this.kept < this.budgetBytes || (r.t === 'array' && r.v.length > 0)) {
        top.items.push(r);
      }
      if (r.t !== 'bulk' && r.t !== 'array') {
        this.kept += 16;
      }
      top.remaining -= 1;
      if (top.remaining > 0) {
        return;
      }
      this.stack.pop();
      r = top.items.length < top.total ? { t: 'array', v: top.items, total: top.total } : { t: 'array', v: top.items };
    }
  }
}
