/**
 * The console's line editing: turns the bytes a terminal sends for keys into edits of one line and
 * into the escape sequences that redraw it, wrapping included. Keys follow readline/redis-cli:
 * left/right, Home/End, Ctrl+A/E/B/F, Ctrl+U/K/W, Alt+B/F and Ctrl+left/right word jumps,
 * up/down and Ctrl+P/N history, Ctrl+R reverse search, Tab completion, Ctrl+L clear.
 */

export type EditorEvent =
  | { kind: 'submit'; line: string }
  | { kind: 'interrupt' }
  | { kind: 'eof' }
  | { kind: 'clear' }
  /** Tab pressed twice with several candidates: the caller prints them, then redraws. */
  | { kind: 'list'; candidates: string[] };

export interface Completion {
  /** Where, in the text before the cursor, the completed word starts. */
  start: number;
  candidates: string[];
}

export interface EditorHooks {
  complete?: (before: string) => Completion | undefined;
  /** Dim text shown after the line while the cursor is at its end. */
  hint?: (line: string) => string | undefined;
}

/** Terminal columns a code point takes: East Asian wide and emoji ranges take two. */
function width(cp: number): number {
  if (cp < 0x1100) {
    return 1;
  }
  const wide =
    (cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

const textWidth = (chars: readonly string[]): number => chars.reduce((n, c) => n + width(c.codePointAt(0) ?? 0), 0);
// eslint-disable-next-line no-control-regex -- terminal escape sequences are control characters
const visibleWidth = (s: string): number => textWidth([...s.replace(/\x1b\[[0-9;]*m/g, '')]);
const isWordChar = (c: string | undefined): boolean => c !== undefined && !/\s/.test(c);

const KEYS: Record<string, string> = {
  '\x1b[A': 'up',
  '\x1bOA': 'up',
  '\x1b[B': 'down',
  '\x1bOB': 'down',
  '\x1b[C': 'right',
  '\x1bOC': 'right',
  '\x1b[D': 'left',
  '\x1bOD': 'left',
  '\x1b[H': 'home',
  '\x1bOH': 'home',
  '\x1b[1~': 'home',
  '\x1b[7~': 'home',
  '\x1b[F': 'end',
  '\x1bOF': 'end',
  '\x1b[4~': 'end',
  '\x1b[8~': 'end',
  '\x1b[3~': 'delete',
  '\x1b[1;5C': 'wordRight',
  '\x1b[1;3C': 'wordRight',
  '\x1b[5C': 'wordRight',
  '\x1bf': 'wordRight',
  '\x1b[1;5D': 'wordLeft',
  '\x1b[1;3D': 'wordLeft',
  '\x1b[5D': 'wordLeft',
  '\x1bb': 'wordLeft',
  '\x1b\x7f': 'deleteWordLeft',
  '\x1bd': 'deleteWordRight',
};

export class LineEditor {
  private chars: string[] = [];
  private cursor = 0;
  /** Oldest first. */
  private history: string[];
  /** Position while browsing history; equals history.length on the line being typed. */
  private historyPos: number;
  private draft: string[] = [];
  private search: { query: string; match: number; saved: string[] } | undefined;
  private lastWasTab = false;
  /** Row of the cursor, counted from the prompt's first row, as last drawn. */
  private cursorRow = 0;
  private pendingCR = false;
  private hideHint = false;
  cols = 80;

  constructor(
    public prompt: string,
    history: string[] = [],
    private readonly hooks: EditorHooks = {},
  ) {
    this.history = [...history];
    this.historyPos = this.history.length;
  }

  get line(): string {
    return this.chars.join('');
  }

  get historyLines(): readonly string[] {
    return this.history;
  }

  /** Adds a line to the history (not twice in a row) and returns the list to store. */
  remember(line: string, max = 1000): string[] {
    if (line.trim() && this.history[this.history.length - 1] !== line) {
      this.history.push(line);
      if (this.history.length > max) {
        this.history.splice(0, this.history.length - max);
      }
    }
    this.historyPos = this.history.length;
    return this.history;
  }

  /** Starts a fresh line (after a submit, or after output was printed) and returns its drawing. */
  reset(): string {
    this.chars = [];
    this.cursor = 0;
    this.historyPos = this.history.length;
    this.search = undefined;
    this.cursorRow = 0;
    return this.render();
  }

  /** Empties the line after Enter or Ctrl+C; the next prompt starts from nothing. */
  private take(): string {
    const line = this.line;
    this.chars = [];
    this.cursor = 0;
    this.historyPos = this.history.length;
    return line;
  }

  /** Draws the current line again on a fresh row (after a list of completions was printed). */
  redraw(): string {
    this.cursorRow = 0;
    return this.render();
  }

  /** Feeds terminal input; returns the events and the bytes to write to redraw the line. */
  feed(data: string): { events: EditorEvent[]; output: string } {
    const events: EditorEvent[] = [];
    let output = '';
    let changed = false;
    let i = 0;
    while (i < data.length) {
      const c = data[i];
      if (c === '\n' && this.pendingCR) {
        this.pendingCR = false;
        i++;
        continue;
      }
      this.pendingCR = false;
      let key: string | undefined;
      let len = 1;
      if (c === '\x1b') {
        const seq = Object.keys(KEYS).filter((k) => data.startsWith(k, i)).sort((a, b) => b.length - a.length)[0];
        if (seq) {
          key = KEYS[seq];
          len = seq.length;
        } else {
          // eslint-disable-next-line no-control-regex -- terminal escape sequences are control characters
          const m = /^\x1b(\[[0-9;?]*[ -/]*[@-~]|O.|.)?/s.exec(data.slice(i));
          key = 'escape';
          len = m?.[0].length ?? 1;
        }
      }
      const tabNow = c === '\t';
      i += len;
      if (this.search) {
        const r = this.searchKey(c, key);
        if (r.submit) {
          output += this.finishLine();
          events.push({ kind: 'submit', line: this.take() });
          continue;
        }
        if (r.interrupt) {
          output += this.finishLine('^C');
          this.take();
          events.push({ kind: 'interrupt' });
          continue;
        }
        if (r.handled) {
          changed = true;
          continue;
        }
      }
      if (key) {
        changed = this.move(key) || changed;
      } else if (c === '\r' || c === '\n') {
        this.pendingCR = c === '\r';
        output += (changed ? this.render() : '') + this.finishLine();
        changed = false;
        events.push({ kind: 'submit', line: this.take() });
      } else if (c === '\x03') {
        output += this.finishLine('^C');
        this.take();
        events.push({ kind: 'interrupt' });
      } else if (c === '\x04') {
        if (this.chars.length === 0) {
          events.push({ kind: 'eof' });
        } else {
          changed = this.move('delete') || changed;
        }
      } else if (c === '\x0c') {
        events.push({ kind: 'clear' });
      } else if (c === '\t') {
        const r = this.complete();
        if (r) {
          events.push(r);
        }
        changed = true;
      } else if (c === '\x12') {
        this.search = { query: '', match: this.history.length, saved: [...this.chars] };
        changed = true;
      } else {
        changed = this.control(c) || changed;
      }
      this.lastWasTab = tabNow;
    }
    return { events, output: output + (changed ? this.render() : '') };
  }

  private control(c: string): boolean {
    switch (c) {
      case '\x7f':
      case '\b':
        if (this.cursor > 0) {
          this.chars.splice(this.cursor - 1, 1);
          this.cursor--;
        }
        return true;
      case '\x01':
        return this.move('home');
      case '\x05':
        return this.move('end');
      case '\x02':
        return this.move('left');
      case '\x06':
        return this.move('right');
      case '\x10':
        return this.move('up');
      case '\x0e':
        return this.move('down');
      case '\x15':
        this.chars.splice(0, this.cursor);
        this.cursor = 0;
        return true;
      case '\x0b':
        this.chars.splice(this.cursor);
        return true;
      case '\x17': {
        let j = this.cursor;
        while (j > 0 && !isWordChar(this.chars[j - 1])) {
          j--;
        }
        while (j > 0 && isWordChar(this.chars[j - 1])) {
          j--;
        }
        this.chars.splice(j, this.cursor - j);
        this.cursor = j;
        return true;
      }
      default: {
        const cp = c.codePointAt(0) ?? 0;
        if (cp < 0x20) {
          return false;
        }
        this.insert(c);
        return true;
      }
    }
  }

  /** Inserts typed or pasted text at the cursor (a pasted surrogate pair arrives as two units). */
  private insert(text: string): void {
    const last = this.chars[this.cursor - 1];
    if (last && text.length === 1 && /[\udc00-\udfff]/.test(text) && /^[\ud800-\udbff]$/.test(last)) {
      this.chars[this.cursor - 1] = last + text;
      return;
    }
    const add = [...text];
    this.chars.splice(this.cursor, 0, ...add);
    this.cursor += add.length;
  }

  private move(key: string): boolean {
    switch (key) {
      case 'left':
        this.cursor = Math.max(0, this.cursor - 1);
        return true;
      case 'right':
        this.cursor = Math.min(this.chars.length, this.cursor + 1);
        return true;
      case 'home':
        this.cursor = 0;
        return true;
      case 'end':
        this.cursor = this.chars.length;
        return true;
      case 'delete':
        this.chars.splice(this.cursor, 1);
        return true;
      case 'wordLeft':
        this.cursor = this.wordStart();
        return true;
      case 'wordRight':
        this.cursor = this.wordEnd();
        return true;
      case 'deleteWordLeft': {
        const j = this.wordStart();
        this.chars.splice(j, this.cursor - j);
        this.cursor = j;
        return true;
      }
      case 'deleteWordRight':
        this.chars.splice(this.cursor, this.wordEnd() - this.cursor);
        return true;
      case 'up':
      case 'down':
        return this.browse(key === 'up' ? -1 : 1);
      default:
        return false;
    }
  }

  private wordStart(): number {
    let j = this.cursor;
    while (j > 0 && !isWordChar(this.chars[j - 1])) {
      j--;
    }
    while (j > 0 && isWordChar(this.chars[j - 1])) {
      j--;
    }
    return j;
  }

  private wordEnd(): number {
    let j = this.cursor;
    while (j < this.chars.length && !isWordChar(this.chars[j])) {
      j++;
    }
    while (j < this.chars.length && isWordChar(this.chars[j])) {
      j++;
    }
    return j;
  }

  private browse(step: number): boolean {
    const next = this.historyPos + step;
    if (next < 0 || next > this.history.length) {
      return false;
    }
    if (this.historyPos === this.history.length) {
      this.draft = [...this.chars];
    }
    this.historyPos = next;
    this.chars = next === this.history.length ? [...this.draft] : [...(this.history[next] ?? '')];
    this.cursor = this.chars.length;
    return true;
  }

  private searchKey(c: string, key: string | undefined): { handled?: boolean; submit?: boolean; interrupt?: boolean } {
    const s = this.search;
    if (!s) {
      return {};
    }
    if (c === '\r' || c === '\n') {
      this.search = undefined;
      this.pendingCR = c === '\r';
      return { submit: true };
    }
    if (c === '\x03' || c === '\x07') {
      this.chars = s.saved;
      this.cursor = this.chars.length;
      this.search = undefined;
      return c === '\x03' ? { interrupt: true } : { handled: true };
    }
    if (c === '\x12') {
      this.findMatch(s.match - 1);
      return { handled: true };
    }
    if (c === '\x7f' || c === '\b') {
      s.query = [...s.query].slice(0, -1).join('');
      this.findMatch(this.history.length - 1);
      return { handled: true };
    }
    if (!key && (c.codePointAt(0) ?? 0) >= 0x20) {
      s.query += c;
      this.findMatch(s.match < this.history.length ? s.match : this.history.length - 1);
      return { handled: true };
    }
    // Any other key accepts the match into the line and is then applied as usual.
    this.search = undefined;
    return {};
  }

  private findMatch(from: number): void {
    const s = this.search;
    if (!s) {
      return;
    }
    for (let j = Math.min(from, this.history.length - 1); j >= 0; j--) {
      const h = this.history[j] ?? '';
      const at = h.indexOf(s.query);
      if (at >= 0) {
        s.match = j;
        this.chars = [...h];
        this.cursor = [...h.slice(0, at)].length;
        return;
      }
    }
  }

  private complete(): EditorEvent | undefined {
    const before = this.chars.slice(0, this.cursor).join('');
    const c = this.hooks.complete?.(before);
    if (!c || c.candidates.length === 0) {
      return undefined;
    }
    const typed = [...before.slice(c.start)];
    if (c.candidates.length === 1) {
      const [only] = c.candidates;
      this.replaceWord(c.start, typed.length, `${only} `);
      return undefined;
    }
    const common = commonPrefix(c.candidates, typed.join(''));
    if (common.length > typed.length) {
      this.replaceWord(c.start, typed.length, common);
      return undefined;
    }
    return this.lastWasTab ? { kind: 'list', candidates: c.candidates } : undefined;
  }

  private replaceWord(start: number, typedLength: number, text: string): void {
    const startIndex = [...this.chars.slice(0, this.cursor).join('').slice(0, start)].length;
    this.chars.splice(startIndex, typedLength, ...text);
    this.cursor = startIndex + [...text].length;
  }

  /** Redraws prompt and line from the prompt's first row, then puts the cursor where it belongs. */
  render(): string {
    const cols = Math.max(10, this.cols);
    let out = this.cursorRow > 0 ? `\x1b[${this.cursorRow}A` : '';
    out += '\r\x1b[J';
    const prompt = this.search ? `(reverse-i-search)'${this.search.query}': ` : this.prompt;
    const hint = !this.search && !this.hideHint && this.cursor === this.chars.length ? this.hooks.hint?.(this.line) : undefined;
    const shown = hint ? `${this.line}\x1b[2m${hint}\x1b[0m` : this.line;
    out += prompt + shown;
    const total = visibleWidth(prompt) + visibleWidth(shown);
    if (total > 0 && total % cols === 0) {
      // Leave the pending-wrap state, so the row arithmetic below holds.
      out += ' \r\x1b[K';
    }
    const endRow = Math.floor(total / cols);
    const at = visibleWidth(prompt) + textWidth(this.chars.slice(0, this.cursor));
    const row = Math.floor(at / cols);
    const col = at % cols;
    if (endRow > row) {
      out += `\x1b[${endRow - row}A`;
    }
    out += `\r${col > 0 ? `\x1b[${col}C` : ''}`;
    this.cursorRow = row;
    return out;
  }

  /** Ends the line on screen (hint removed, cursor after it) and moves to a new row. */
  private finishLine(suffix = ''): string {
    const cursor = this.cursor;
    this.cursor = this.chars.length;
    this.hideHint = true;
    const out = this.render();
    this.hideHint = false;
    this.cursor = cursor;
    this.cursorRow = 0;
    return `${out}${suffix}\r\n`;
  }
}

function commonPrefix(candidates: string[], typed: string): string {
  let prefix = candidates[0] ?? '';
  for (const c of candidates) {
    let j = 0;
    while (j < prefix.length && j < c.length && prefix[j].toLowerCase() === c[j].toLowerCase()) {
      j++;
    }
    prefix = prefix.slice(0, j);
  }
  return prefix.length >= typed.length ? prefix : typed;
}
