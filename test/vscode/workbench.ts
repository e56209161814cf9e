/**
 * One VS Code window of a code-server (codeServer.ts) in the browser: its console, the exit code
 * an extension test suite reports, commands, screenshots and webviews.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import type { CodeServer } from './codeServer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Workbench {
  /** Settles with the code the workbench passes to window.codeAutomationExit (extension tests). */
  readonly exitCode: Promise<number>;
  private resolveExit!: (code: number) => void;
  private browserLogs: { relativePath: string; contents: string }[] = [];
  private consoleListeners: ((text: string) => void)[] = [];
  /** Every console message text so far. */
  readonly consoleLines: string[] = [];

  constructor(
    readonly server: CodeServer,
    readonly page: Page,
  ) {
    this.exitCode = new Promise((r) => (this.resolveExit = r));
    page.on('console', (msg) => {
      const text = msg.text();
      server.logConsole(`[${msg.type()}] ${text}`);
      this.consoleLines.push(text);
      for (const l of this.consoleListeners) l(text);
    });
    page.on('pageerror', (err) => server.logConsole(`[pageerror] ${err.stack ?? err.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) {
        server.logConsole(`[http ${response.status()}] ${response.url()}`);
      }
    });
    page.on('crash', () => server.logConsole('[crash] page crashed'));
  }

  /**
   * Calls `listener` with the text of every console message (extension-host console.log included),
   * those already received first.
   */
  onConsole(listener: (text: string) => void): void {
    for (const text of this.consoleLines) listener(text);
    this.consoleListeners.push(listener);
  }

  /** Navigates and waits for the workbench (and an explorer row, when asked). */
  async load(url: string, waitForExplorer: boolean): Promise<void> {
    await this.page.exposeFunction(
      'codeAutomationExit',
      (code: number, logs?: { relativePath: string; contents: string }[]) => {
        this.server.logConsole(`[harness] codeAutomationExit(${code})`);
        if (Array.isArray(logs)) this.browserLogs = logs;
        this.resolveExit(Number(code));
      },
    );
    this.server.logConsole(`[harness] open ${url}`);
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
    if (waitForExplorer) {
      await this.page
        .locator('.explorer-folders-view .monaco-list-row')
        .first()
        .waitFor({ timeout: 60_000 });
    }
  }

  /** Waits for codeAutomationExit, failing after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no codeAutomationExit within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exitCode, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs a command through the palette: F1, `>title`, Enter on the row whose label is `title`.
   * The palette snapshots the command list when it opens and contributions may still be
   * registering, so it reopens until the row appears.
   */
  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    const page = this.page;
    const widget = page.locator('.quick-input-widget');
    const input = widget.locator('input.input');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(`>${title}`);
      const row = widget.locator('.monaco-list-row', {
        has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
      });
      try {
        await row.first().waitFor({ state: 'visible', timeout: 2_000 });
        await row.first().click();
        await widget.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
        this.server.logConsole(`[harness] ran command "${title}"`);
        return;
      } catch {
        await page.keyboard.press('Escape');
        if (Date.now() > deadline)
          throw new Error(`command "${title}" never appeared in the palette`);
        await sleep(500);
      }
    }
  }

  /** Saves a PNG of the page as <outputDir>/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    const path = join(this.server.outputDir, `${name}.png`);
    await this.page.screenshot({ path });
    this.server.logConsole(`[harness] screenshot ${path}`);
    return path;
  }

  /** The content frame of the active webview (two iframes deep). */
  webviewFrame(index = 0): FrameLocator {
    return this.page
      .locator('iframe.webview.ready')
      .nth(index)
      .contentFrame()
      .frameLocator('iframe#active-frame');
  }

  /**
   * The content frame of the webview whose page title is `title` (each heap view panel sets its
   * <title>), waiting up to `timeoutMs` for it to appear.
   */
  async webviewByTitle(title: string | RegExp, timeoutMs = 30_000): Promise<FrameLocator> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = await this.page.locator('iframe.webview.ready').count();
      for (let i = 0; i < count; i++) {
        const frame = this.webviewFrame(i);
        const text = await frame
          .locator('head > title')
          .textContent({ timeout: 1_000 })
          .catch(() => null);
        if (text !== null && (typeof title === 'string' ? text === title : title.test(text))) {
          return frame;
        }
      }
      if (Date.now() > deadline)
        throw new Error(`no webview titled "${title}" (${count} webviews)`);
      await sleep(250);
    }
  }

  /**
   * Content-Security-Policy violations recorded in a webview frame since it loaded (null when the
   * recorder did not run there).
   */
  async cspViolations(frame: FrameLocator): Promise<string[] | null> {
    return frame
      .locator('body')
      .evaluate(
        () => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? null,
      );
  }

  /** The heap view's headline numbers (data-testid hooks) in a webview frame. */
  async panelNumbers(
    frame: FrameLocator,
    timeoutMs = 30_000,
  ): Promise<{ unreachable: number; cycles: number; finalizers: number }> {
    const read = async (id: string) => {
      const el = frame.locator(`[data-testid="${id}"]`).first();
      await el.waitFor({ state: 'attached', timeout: timeoutMs });
      return Number((await el.textContent())?.replace(/[^0-9]/g, ''));
    };
    return {
      unreachable: await read('unreachable-count'),
      cycles: await read('cycle-count'),
      finalizers: await read('finalizer-count'),
    };
  }

  /** Writes the browser-side logs the workbench passed to codeAutomationExit. */
  saveBrowserLogs(): void {
    for (const { relativePath, contents } of this.browserLogs) {
      const safe = relativePath.replace(/^[/\\]+/, '').replace(/\.\.(\/|\\)/g, '');
      const path = join(this.server.outputDir, `${this.server.label}.logs`, 'browser', safe);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, contents);
    }
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
