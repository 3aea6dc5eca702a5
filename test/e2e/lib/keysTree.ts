/**
 * Reads and drives a tree view by path (`['nova', 'cache', 'user']`), as the Keys view needs: the same
 * label appears at several depths (`nova › user` and `nova › cache › user`), so a label alone does not
 * name a row. Only rendered rows exist in the DOM (the list is virtualized); their `data-index` is their
 * position in the list, whatever their DOM order.
 */
import type { Locator } from 'playwright-core';
import type { Workbench } from './workbench';

export interface TreeRow {
  /** Position in the list (0 = top). */
  index: number;
  /** 1 for a child of the root. */
  level: number;
  label: string;
  /** The grey text after the label (a folder's key count, a key's TTL). */
  description: string;
  /** undefined for a leaf. */
  expanded: boolean | undefined;
  /** The row is (one of) the view's selection. */
  selected: boolean;
  /** The row has the list's focus (a right click focuses the row its menu is for). */
  focused: boolean;
}

/** The part of a DOM element the row reader uses (the project compiles without the DOM library). */
interface RowElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): { textContent: string | null } | null;
  classList: { contains(name: string): boolean };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class TreeByPath {
  constructor(
    private readonly workbench: Workbench,
    private readonly viewTitle: string,
  ) {}

  private get rowsLocator(): Locator {
    return this.workbench.view(this.viewTitle).locator('.monaco-list-row[role="treeitem"]');
  }

  /** The rendered rows, top to bottom. */
  async rows(): Promise<TreeRow[]> {
    // No named helper inside: tsx wraps named functions with a `__name` call the page does not have.
    const rows = await this.rowsLocator.evaluateAll((elements: RowElement[]) =>
      elements.map((e) => ({
        index: Number(e.getAttribute('data-index')),
        level: Number(e.getAttribute('aria-level')),
        label: (e.querySelector('.label-name')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
        description: (e.querySelector('.label-description')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
        expanded: e.getAttribute('aria-expanded') === null ? undefined : e.getAttribute('aria-expanded') === 'true',
        selected: e.getAttribute('aria-selected') === 'true',
        focused: e.classList.contains('focused'),
      })),
    );
    return rows.sort((a, b) => a.index - b.index);
  }

  /** The row at `path`, or undefined when it is not rendered (a parent collapsed, not loaded yet, out of view). */
  async find(path: string[]): Promise<TreeRow | undefined> {
    const rows = await this.rows();
    let from = 0;
    let found: TreeRow | undefined;
    for (let depth = 1; depth <= path.length; depth++) {
      found = undefined;
      for (let i = from; i < rows.length; i++) {
        const row = rows[i];
        if (row.level < depth) {
          break;
        }
        if (row.level === depth && row.label === path[depth - 1]) {
          found = row;
          from = i + 1;
          break;
        }
      }
      if (!found) {
        return undefined;
      }
    }
    return found;
  }

  /** Waits until the row at `path` is rendered, and returns it. */
  async waitFor(path: string[], timeoutMs = 15_000): Promise<TreeRow> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.find(path);
      if (row) {
        return row;
      }
      if (Date.now() > deadline) {
        throw new Error(`no row ${path.join(' › ')} in "${this.viewTitle}" within ${timeoutMs} ms; rendered: ${JSON.stringify(await this.rows())}`);
      }
      await sleep(100);
    }
  }

  /** The DOM row at `path`, for clicking or a screenshot. */
  async locator(path: string[], timeoutMs = 15_000): Promise<Locator> {
    const row = await this.waitFor(path, timeoutMs);
    return this.workbench.view(this.viewTitle).locator(`.monaco-list-row[role="treeitem"][data-index="${row.index}"]`);
  }

  /** The rendered children of the row at `path` (the rows of the next level until the branch ends). */
  async children(path: string[]): Promise<TreeRow[]> {
    const parent = await this.waitFor(path);
    const rows = await this.rows();
    const out: TreeRow[] = [];
    for (const row of rows.filter((r) => r.index > parent.index)) {
      if (row.level <= parent.level) {
        break;
      }
      if (row.level === parent.level + 1) {
        out.push(row);
      }
    }
    return out;
  }

  /**
   * Selects the row at `path` with a click, as a person would, and waits until the workbench shows it
   * selected — what a title-bar command reads. A click that lands while the tree redraws (rows shift
   * under the pointer) selects another row or none, so the row is clicked again until it is selected.
   */
  async select(path: string[], timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let clickedAt = 0;
    for (;;) {
      const row = await this.waitFor(path, timeoutMs);
      if (row.selected && clickedAt > 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`${path.join(' › ')} was not selected within ${timeoutMs} ms; rendered: ${JSON.stringify(await this.rows())}`);
      }
      if (Date.now() - clickedAt > 2000) {
        await (await this.locator(path, timeoutMs)).click();
        clickedAt = Date.now();
      }
      await sleep(100);
    }
  }

  /**
   * Opens the context menu of the row at `path` with a right click, as a person would. A right click
   * that lands while the tree redraws (a refresh, a TTL redraw: rows shift under the pointer) opens the
   * menu of another row; the list focuses the row its menu is for, so the menu is closed and the row
   * clicked again until the focused row is the one at `path`.
   */
  async contextMenu(path: string[], timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const menu = this.workbench.page.locator('.context-view .monaco-menu');
    for (;;) {
      await (await this.locator(path, timeoutMs)).click({ button: 'right' });
      const opened = await menu.waitFor({ state: 'visible', timeout: 3000 }).then(
        () => true,
        () => false,
      );
      if (opened && (await this.find(path))?.focused) {
        return;
      }
      if (opened) {
        await this.workbench.page.keyboard.press('Escape');
        await menu.waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
      }
      if (Date.now() > deadline) {
        throw new Error(`no context menu for ${path.join(' › ')} within ${timeoutMs} ms; rendered: ${JSON.stringify(await this.rows())}`);
      }
      await sleep(200);
    }
  }

  /** Expands each folder along `path` with a click, as a person would, and waits for its children to show. */
  async expand(path: string[], timeoutMs = 15_000): Promise<void> {
    for (let depth = 1; depth <= path.length; depth++) {
      const at = path.slice(0, depth);
      const row = await this.waitFor(at, timeoutMs);
      if (row.expanded === undefined) {
        throw new Error(`${at.join(' › ')} is not a folder`);
      }
      let clickedAt = 0;
      if (!row.expanded) {
        await (await this.locator(at, timeoutMs)).click();
        clickedAt = Date.now();
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = await this.find(at);
        if (now?.expanded === true && (await this.children(at)).length > 0) {
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(`${at.join(' › ')} did not expand within ${timeoutMs} ms; rendered: ${JSON.stringify(await this.rows())}`);
        }
        // A click that landed while the tree was redrawing (a refresh just before) is lost: click again.
        if (now?.expanded === false && Date.now() - clickedAt > 2000) {
          await (await this.locator(at, timeoutMs)).click();
          clickedAt = Date.now();
        }
        await sleep(100);
      }
    }
  }
}
