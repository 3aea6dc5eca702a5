/**
 * A small terminal screen for tests: it applies what the console writes (text, CR/LF, wrapping,
 * cursor up/right/left, erase line/screen) so a test reads the rows a user would see, not the
 * redraw sequences that produced them.
 */
export class Screen {
  rows: string[][] = [[]];
  row = 0;
  col = 0;

  constructor(readonly cols = 80) {}

  write(data: string): void {
    let i = 0;
    while (i < data.length) {
      const c = data[i];
      if (c === '\x1b') {
        // eslint-disable-next-line no-control-regex -- terminal escape sequences are control characters
        const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(data.slice(i));
        if (!m) {
          i++;
          continue;
        }
        i += m[0].length;
        this.csi(m[1], m[2]);
        continue;
      }
      i++;
      if (c === '\r') {
        this.col = 0;
      } else if (c === '\n') {
        this.row++;
        this.line();
      } else if (c >= ' ') {
        if (this.col >= this.cols) {
          this.col = 0;
          this.row++;
        }
        const line = this.line();
        while (line.length < this.col) {
          line.push(' ');
        }
        line[this.col] = c;
        this.col++;
      }
    }
  }

  private line(): string[] {
    while (this.rows.length <= this.row) {
      this.rows.push([]);
    }
    return this.rows[this.row];
  }

  private csi(params: string, op: string): void {
    const n = Number(params.split(';')[0]) || 1;
    switch (op) {
      case 'A':
        this.row = Math.max(0, this.row - n);
        break;
      case 'B':
        this.row += n;
        break;
      case 'C':
        this.col = Math.min(this.cols - 1, this.col + n);
        break;
      case 'D':
        this.col = Math.max(0, this.col - n);
        break;
      case 'K':
        this.line().splice(this.col);
        break;
      case 'J':
        if (params === '2') {
          this.rows = [[]];
          this.row = 0;
          this.col = 0;
        } else {
          this.line().splice(this.col);
          this.rows.splice(this.row + 1);
        }
        break;
      case 'H':
        this.row = 0;
        this.col = 0;
        break;
    }
  }

  /** The screen's rows, trailing blanks removed. */
  text(): string[] {
    return this.rows.map((r) => r.join('').replace(/\s+$/, ''));
  }

  /** The row the cursor is on, and the cursor column. */
  get cursor(): { line: string; col: number } {
    return { line: (this.rows[this.row] ?? []).join(''), col: this.col };
  }
}
