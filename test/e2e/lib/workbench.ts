/**
 * Drives the VS Code workbench served by code-server in Debian's Chromium, through Playwright, the way a
 * person would: command palette, notifications, status bar, activity bar, tree views, dialogs, input boxes.
 *
 * The selectors are VS Code's DOM classes as of 1.99; they are the only place that knows them.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { resultsDir, type CodeServer } from './codeServer';

export interface WorkbenchOptions {
  viewport?: { width: number; height: number };
}

/** Debian's Chromium as root in a container: no sandbox, no GPU, and nothing that calls home. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function chromiumPath(): string {
  return process.env.NOVA_E2E_CHROMIUM || '/usr/bin/chromium';
}

/** A CSS attribute value in double quotes. */
function css(value: string): string {
  return JSON.stringify(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exactly(text: string): RegExp {
  return new RegExp(`^${escapeRegExp(text)}$`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(100);
  }
}

function normalize(text: string | null): string {
  return (text ?? '').replace(/\u00a0/g, ' ').trim();
}

/** VS Code appends its own hint to an input box's prompt (English: its language packs are not installed offline). */
function withoutEnterHint(message: string): string {
  return message
    .replace(/\s*\(Press 'Enter' to confirm or 'Escape' to cancel\)$/, '')
    .replace(/^Press 'Enter' to confirm your input or 'Escape' to cancel$/, '');
}

export interface InputBoxState {
  /** '' when the box has no title. */
  title: string;
  value: string;
  /** The prompt, without VS Code's "Press 'Enter'…" hint; '' while a validation message replaces it. */
  prompt: string;
  /** The validation message shown while the text is refused, else undefined. */
  validation: string | undefined;
}

export interface DialogState {
  message: string;
  /** '' when the dialog has no detail. */
  detail: string;
  /** Button labels, left to right (VS Code adds its own Cancel to a modal message). */
  buttons: string[];
}

/**
 * The text of each element of a virtualized Monaco list, top to bottom: rows are reused while scrolling,
 * so their DOM order is not their order on screen; their `top` style is.
 */
async function inRenderedOrder(rows: Locator, textOf?: string): Promise<string[]> {
  // One read in the page: row by row, a document that shrinks meanwhile (a tab that is re-rendered)
  // leaves a locator waiting for a row that is gone.
  const read = await rows.evaluateAll(
    (els: RenderedRow[], selector: string | undefined) =>
      els.map((e) => ({ style: e.getAttribute('style'), text: (selector ? e.querySelector(selector)?.textContent : e.textContent) ?? '' })),
    textOf,
  );
  const items = read.map(({ style, text }) => {
    const top = /top:\s*(-?[\d.]+)px/.exec(style ?? '');
    return { top: top ? Number(top[1]) : 0, text };
  });
  return items.sort((a, b) => a.top - b.top).map((i) => i.text);
}

/** What `inRenderedOrder` reads of a row element (the test build has no DOM typings). */
interface RenderedRow {
  getAttribute(name: string): string | null;
  textContent: string | null;
  querySelector(selector: string): { textContent: string | null } | null;
}

export class Workbench {
  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
    readonly server: CodeServer,
  ) {}

  /** Opens the workbench of `server` in a new headless Chromium and waits until it is usable. */
  static async open(server: CodeServer, options: WorkbenchOptions = {}): Promise<Workbench> {
    // Chromium's crash reporter and caches would otherwise write under the home folder, its temporary
    // files in /tmp.
    const home = path.join(server.runDir, 'xdg', 'chromium');
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: CHROMIUM_ARGS,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache'), TMPDIR: server.tmpDir },
    });
    try {
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
      const page = await context.newPage();
      const consoleLog = path.join(server.runDir, 'browser-console.log');
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') {
          appendFileSync(consoleLog, `[${m.type()}] ${m.text()}\n`);
        }
      });
      page.on('pageerror', (e) => appendFileSync(consoleLog, `[pageerror] ${e.stack ?? e.message}\n`));
      const workbench = new Workbench(browser, page, server);
      await workbench.load();
      return workbench;
    } catch (err) {
      await browser.close();
      throw err;
    }
  }

  private async load(): Promise<void> {
    await this.page.goto(this.server.url);
    try {
      await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
      await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 30_000 });
      // The status bar's notification bell is added once the workbench has restored its layout.
      await this.page.locator(`.part.statusbar [id=${css('status.notifications')}]`).waitFor({ timeout: 30_000 });
    } catch (err) {
      throw new Error(`the workbench did not load: ${(err as Error).message}\ncode-server log:\n${this.server.logTail()}`);
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  /** Saves a PNG of the whole window to test-results/e2e/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(resultsDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    mkdirSync(path.dirname(file), { recursive: true });
    // Finished animations, so a toast that is fading in shows as it will stay.
    await this.page.screenshot({ path: file, animations: 'disabled' });
    return file;
  }

  // Quick input: command palette, quick picks, input boxes

  private get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private get quickInputBox(): Locator {
    return this.quickInput.locator('.quick-input-box input');
  }

  /**
   * A row of the open quick pick by its label as shown. An icon in the label (`$(edit) Enter a duration…`)
   * is drawn as an empty span followed by the space that separated it, so that space is not the label's.
   */
  private quickPickRow(label: string): Locator {
    return this.quickInput
      .locator('.quick-input-list .monaco-list-row')
      .filter({ visible: true })
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}$`) }) });
  }

  /**
   * Runs a command from the command palette by its exact title, as shown in the palette (for an extension's
   * command, "Category: Title"). Right after start-up an extension's commands may not be registered yet,
   * so the palette is reopened until the title appears.
   */
  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.page.keyboard.press('F1');
      await this.quickInputBox.waitFor({ state: 'visible', timeout: 10_000 });
      const row = this.quickPickRow(title).first();
      try {
        // An editor that finishes opening (a tree click just before) takes the focus, which closes the
        // palette between its appearance and the typing: then it is simply opened again.
        await this.quickInputBox.fill(`>${title}`, { timeout: 3000 });
        await row.waitFor({ state: 'visible', timeout: 3000 });
      } catch {
        if (Date.now() > deadline) {
          const shown = await this.quickInput.locator('.quick-input-list .label-name').allTextContents();
          throw new Error(`no command titled "${title}" in the palette after ${timeoutMs} ms; it shows: ${shown.join(' | ')}`);
        }
        await this.page.keyboard.press('Escape');
        continue;
      }
      await row.click();
      await this.waitQuickInputLeft(`>${title}`);
      return;
    }
  }

  /** After a pick, the widget either hides or is reused by the next input box or quick pick. */
  private async waitQuickInputLeft(value: string): Promise<void> {
    await until(
      'the quick input to close',
      async () => !(await this.quickInput.isVisible()) || (await this.quickInputBox.inputValue()) !== value,
      10_000,
    );
  }

  /** Picks an item of the open quick pick (showQuickPick) by its exact label. */
  async pickQuickItem(label: string, timeoutMs = 15_000): Promise<void> {
    const row = this.quickPickRow(label).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    const value = await this.quickInputBox.inputValue();
    await row.click();
    // A quick pick that follows at once reuses the widget with the same empty value: the picked row is gone.
    await until(
      'the quick input to close',
      async () => !(await this.quickInput.isVisible()) || (await this.quickInputBox.inputValue()) !== value || (await this.quickPickRow(label).count()) === 0,
      10_000,
    );
  }

  /** Labels of the items the open quick pick shows. */
  async quickPickLabels(timeoutMs = 15_000): Promise<string[]> {
    // The command palette's list stays in the DOM, hidden, while an extension's quick pick shows its own.
    const rows = this.quickInput.locator('.quick-input-list .monaco-list-row').filter({ visible: true });
    await rows.first().waitFor({ timeout: timeoutMs });
    return (await inRenderedOrder(rows, '.label-name')).map(normalize);
  }

  private async waitForInputBox(timeoutMs: number): Promise<void> {
    await until(
      'an input box',
      async () => (await this.quickInput.isVisible()) && !(await this.quickInputBox.inputValue()).startsWith('>'),
      timeoutMs,
    );
  }

  /**
   * What the open input box (showInputBox) shows: its title, its text, and under it either the prompt or,
   * while the text is refused by the extension's validateInput, the validation message instead.
   */
  async inputBox(timeoutMs = 15_000): Promise<InputBoxState> {
    await this.waitForInputBox(timeoutMs);
    const message = normalize(await this.quickInput.locator('.quick-input-message').textContent());
    // A refused text colours the box (and its message) with the severity: error, warning or info.
    const refused = (await this.quickInput.locator('.quick-input-box .monaco-inputbox.error, .quick-input-box .monaco-inputbox.warning').count()) > 0;
    const title = this.quickInput.locator('.quick-input-title');
    return {
      title: (await title.isVisible()) ? normalize(await title.textContent()) : '',
      value: await this.quickInputBox.inputValue(),
      prompt: refused ? '' : withoutEnterHint(message),
      validation: refused ? message : undefined,
    };
  }

  /** Replaces the text of the open input box, without submitting it (the extension validates as it changes). */
  async typeInInputBox(text: string, timeoutMs = 15_000): Promise<void> {
    await this.waitForInputBox(timeoutMs);
    await this.quickInputBox.fill(text);
  }

  /**
   * Presses Enter in the open input box. The box closes only if the extension accepts the text; whether it
   * did is the scenario's to check (the extension host answers asynchronously).
   */
  async pressEnterInInputBox(timeoutMs = 15_000): Promise<void> {
    await this.waitForInputBox(timeoutMs);
    await this.quickInputBox.press('Enter');
  }

  /**
   * Answers the open input box (showInputBox): waits for it, types `text`, presses Enter. Returns the
   * prompt the box showed, so a scenario can check it.
   */
  async answerInputBox(text: string, timeoutMs = 15_000): Promise<string> {
    await this.waitForInputBox(timeoutMs);
    const prompt = withoutEnterHint(normalize(await this.quickInput.locator('.quick-input-message').textContent()));
    await this.quickInputBox.fill(text);
    await this.quickInputBox.press('Enter');
    await this.waitQuickInputLeft(text);
    return prompt;
  }

  /**
   * Closes what a failed step may have left open (modal dialog, quick input, context menu), so that the
   * next test starts from a usable window. Escape cancels them, as a person would.
   */
  async dismissAll(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      const open =
        (await this.dialog.isVisible()) ||
        (await this.quickInput.isVisible()) ||
        (await this.page.locator('.context-view .monaco-menu').isVisible());
      if (!open) {
        return;
      }
      await this.page.keyboard.press('Escape');
      await sleep(200);
    }
  }

  // Notifications

  private get notificationMessages(): Locator {
    return this.page.locator(
      '.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message',
    );
  }

  /** The text of every notification shown now (toasts, and the notification center when open). */
  async notifications(): Promise<string[]> {
    return (await this.notificationMessages.allTextContents()).map(normalize);
  }

  /**
   * Waits for a notification whose text contains `match` (or matches the RegExp) and returns its full text.
   */
  async waitForNotification(match: string | RegExp, timeoutMs = 15_000): Promise<string> {
    const test = (t: string): boolean => (typeof match === 'string' ? t.includes(match) : match.test(t));
    let found: string | undefined;
    try {
      await until(
        `a notification ${String(match)}`,
        async () => {
          found = (await this.notifications()).find(test);
          return found !== undefined;
        },
        timeoutMs,
      );
    } catch {
      throw new Error(`no notification ${String(match)} within ${timeoutMs} ms; shown: ${JSON.stringify(await this.notifications())}`);
    }
    return found ?? '';
  }

  /** Clicks a button (e.g. "Retry") of the notification whose text contains `match`. */
  async clickNotificationButton(match: string, button: string): Promise<void> {
    const item = this.page.locator('.notification-list-item').filter({ hasText: match }).first();
    await item.locator('.notification-list-item-buttons-container .monaco-button', { hasText: exactly(button) }).click();
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await until('notifications to clear', async () => (await this.notificationMessages.count()) === 0, 5000);
  }

  // Status bar

  /**
   * A status bar item by the id given to createStatusBarItem (VS Code prefixes it with the extension id)
   * or by its full DOM id.
   */
  statusBarItem(id: string): Locator {
    return this.page.locator(`.part.statusbar .statusbar-item[id=${css(id)}], .part.statusbar .statusbar-item[id$=${css(`.${id}`)}]`).first();
  }

  /** A status bar item by its text (containing `text`, or matching the RegExp). */
  statusBarItemByText(text: string | RegExp): Locator {
    return this.page.locator('.part.statusbar .statusbar-item').filter({ hasText: text }).first();
  }

  /** The visible text of a status bar item (icons excluded), once it is shown. */
  async statusBarText(id: string, timeoutMs = 15_000): Promise<string> {
    const item = this.statusBarItem(id);
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    return normalize(await item.textContent());
  }

  // Activity bar, views, trees

  /** Shows a view container by its activity bar title; clicking an already shown one would hide it. */
  async openActivityBarItem(title: string, timeoutMs = 15_000): Promise<void> {
    const item = this.page
      .locator('.part.activitybar li.action-item')
      .filter({ has: this.page.locator(`a.action-label[aria-label=${css(title)}], a.action-label[aria-label^=${css(`${title} (`)}]`) })
      .first();
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    if (!((await item.getAttribute('class')) ?? '').split(/\s+/).includes('checked')) {
      await item.click();
    }
    await until(`"${title}" to be the shown view container`, async () => ((await item.getAttribute('class')) ?? '').includes('checked'), timeoutMs);
  }

  /** A title button of the side bar's view: with a single view, VS Code draws its actions in the side bar's own title. */
  async sideBarAction(label: string): Promise<Locator> {
    const bar = this.page.locator('.part.sidebar');
    await bar.hover();
    const action = bar.locator(`.action-label[aria-label=${JSON.stringify(label)}]`).first();
    await action.waitFor({ state: 'visible', timeout: 15_000 });
    return action;
  }

  /** A view (pane) of the side bar or panel by its title. */
  view(title: string): Locator {
    return this.page
      .locator('.part.sidebar .pane, .part.panel .pane, .part.auxiliarybar .pane')
      .filter({ has: this.page.locator('.pane-header h3.title', { hasText: exactly(title) }) })
      .first();
  }

  /** Expands a collapsed view (pane) of the shown container by clicking its header, as a person would. */
  async expandView(title: string, timeoutMs = 15_000): Promise<void> {
    const header = this.view(title).locator('.pane-header').first();
    await header.waitFor({ state: 'visible', timeout: timeoutMs });
    if ((await header.getAttribute('aria-expanded')) !== 'true') {
      await header.click();
    }
    await until(`the "${title}" view to expand`, async () => (await header.getAttribute('aria-expanded')) === 'true', timeoutMs);
  }

  /** Presses a button of a view's title bar by its tooltip; the buttons show while the pointer is over the view. */
  async clickViewAction(viewTitle: string, label: string, timeoutMs = 15_000): Promise<void> {
    const header = this.view(viewTitle).locator('.pane-header').first();
    await header.hover();
    const action = header.locator(`.actions .action-item a.action-label[aria-label^=${css(label)}]`).first();
    await action.waitFor({ state: 'visible', timeout: timeoutMs });
    await action.click();
  }

  /** A tree item by its exact label, in the view titled `viewTitle` or anywhere. Only rendered rows count. */
  treeItem(label: string, viewTitle?: string): Locator {
    const scope = viewTitle ? this.view(viewTitle) : this.page.locator('.monaco-workbench');
    return scope
      .locator('.monaco-list-row[role="treeitem"]')
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(label) }) })
      .first();
  }

  /** Labels of the rendered rows of a view's tree, top to bottom. */
  async treeItemLabels(viewTitle: string, timeoutMs = 15_000): Promise<string[]> {
    const rows = this.view(viewTitle).locator('.monaco-list-row[role="treeitem"]');
    await rows.first().waitFor({ state: 'visible', timeout: timeoutMs });
    return (await inRenderedOrder(rows, '.label-name')).map(normalize);
  }

  /**
   * Clicks an entry of the open context menu (right-click a tree item first) by its exact label. The
   * browser build draws its menus in HTML, so they are reachable like the rest of the page.
   */
  async clickContextMenuItem(label: string, timeoutMs = 15_000): Promise<void> {
    const item = this.page
      .locator('.context-view .monaco-menu .action-item')
      .filter({ has: this.page.locator('.action-label', { hasText: exactly(label) }) })
      .first();
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    // A menu entry listens for mouse-up only 100 ms after it is drawn (so that the release of the right
    // click that opened the menu does not pick an entry); a click before that is silently ignored.
    await sleep(250);
    await item.click();
    await this.page.locator('.context-view .monaco-menu').waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  /** Labels of the open context menu's entries. */
  async contextMenuLabels(timeoutMs = 15_000): Promise<string[]> {
    const labels = this.page.locator('.context-view .monaco-menu .action-item .action-label');
    await labels.first().waitFor({ state: 'visible', timeout: timeoutMs });
    return (await labels.allTextContents()).map(normalize).filter((l) => l !== '');
  }

  // Webviews

  /**
   * The document of the visible webview (a WebviewPanel or a webview view). VS Code draws webviews in an
   * overlay outside the editor part, inside two iframes: the host frame and its `active-frame`.
   */
  webview(): FrameLocator {
    return this.page
      .locator('iframe.webview.ready')
      .filter({ visible: true })
      .first()
      .contentFrame()
      .locator('iframe#active-frame')
      .contentFrame();
  }

  // Modal dialogs

  private get dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  /** The message (and detail) of the open modal dialog. */
  async dialogMessage(timeoutMs = 15_000): Promise<string> {
    await this.dialog.waitFor({ state: 'visible', timeout: timeoutMs });
    return normalize(await this.dialog.locator('.dialog-message-container').textContent());
  }

  /** The open modal dialog's message, detail and buttons, read apart. */
  async dialogState(timeoutMs = 15_000): Promise<DialogState> {
    await this.dialog.waitFor({ state: 'visible', timeout: timeoutMs });
    const detail = this.dialog.locator('.dialog-message-detail');
    return {
      message: normalize(await this.dialog.locator('.dialog-message-text').textContent()),
      detail: (await detail.count()) > 0 ? normalize(await detail.textContent()) : '',
      buttons: (await this.dialog.locator('.dialog-buttons .monaco-button').allTextContents()).map(normalize),
    };
  }

  /** Clicks the button labelled `button` of the open modal dialog; returns the dialog's message. */
  async answerDialog(button: string, timeoutMs = 15_000): Promise<string> {
    const message = await this.dialogMessage(timeoutMs);
    await this.dialog.locator('.dialog-buttons .monaco-button', { hasText: exactly(button) }).click();
    await this.dialog.waitFor({ state: 'hidden', timeout: timeoutMs });
    return message;
  }

  // Editors

  private get activeEditor(): Locator {
    // A group keeps the editor controls it used before (a text file, a virtual document), hidden.
    return this.page.locator('.editor-group-container.active .editor-instance .monaco-editor').filter({ visible: true }).first();
  }

  /**
   * The text of the active text editor as rendered: Monaco only renders the lines in view, so this is the
   * whole document only when it fits the window (about 40 lines at the default size).
   */
  async activeEditorText(timeoutMs = 15_000): Promise<string> {
    const lines = this.activeEditor.locator('.view-lines');
    await lines.waitFor({ state: 'visible', timeout: timeoutMs });
    const read = async (): Promise<string> => (await inRenderedOrder(lines.locator('.view-line'))).map((t) => t.replace(/\u00a0/g, ' ')).join('\n');
    // While the group switches to another editor, Monaco redraws line by line: a read then mixes the lines
    // of both documents. Two equal reads in a row are the settled text.
    const deadline = Date.now() + timeoutMs;
    let last = await read();
    for (;;) {
      await sleep(100);
      const next = await read();
      if (next === last || Date.now() > deadline) {
        return next;
      }
      last = next;
    }
  }

  private get editorActions(): Locator {
    return this.page.locator('.editor-group-container.active .editor-actions .action-item a.action-label').filter({ visible: true });
  }

  /** Tooltips of the buttons in the active editor's title bar (a keybinding, if shown, is left out). */
  async editorActionLabels(): Promise<string[]> {
    const labels: string[] = [];
    for (const action of await this.editorActions.all()) {
      labels.push(normalize(await action.getAttribute('aria-label')).replace(/\s*\([^)]*\)$/, ''));
    }
    return labels;
  }

  /** Presses a button of the active editor's title bar by its tooltip. */
  async clickEditorAction(label: string, timeoutMs = 15_000): Promise<void> {
    const action = this.page
      .locator(`.editor-group-container.active .editor-actions .action-item a.action-label[aria-label^="${label.replace(/"/g, '\\"')}"]`)
      .filter({ visible: true })
      .first();
    await action.waitFor({ state: 'visible', timeout: timeoutMs });
    await action.click();
  }

  /** Puts the cursor at the end of the active editor's document, which scrolls its last lines into view. */
  async activeEditorGoToEnd(): Promise<void> {
    await this.activeEditor.locator('.view-lines').click();
    await this.page.keyboard.press('Control+End');
  }

  /** The label of the active editor's tab. */
  async activeEditorTitle(timeoutMs = 15_000): Promise<string> {
    const tab = this.page.locator('.editor-group-container.active .tab.active .label-name').first();
    await tab.waitFor({ state: 'visible', timeout: timeoutMs });
    return normalize(await tab.textContent());
  }
}
