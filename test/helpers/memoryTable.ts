/**
 * Reading and driving the memory table (webview/memory/memoryTable.ts) in the browser tests: its
 * rows in the DOM, its row count, its twisties; screenshots of one part of the page.
 */
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { dataset, outDir } from './browser';

export async function grid(page: Page): Promise<Record<string, string>> {
  return dataset(page, 'memory-table');
}

/** Rows of the memory table in the DOM, in order: level, name cell text, the numbers. */
export function domRows(page: Page): Promise<{ level: number; cells: string[]; index: number }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="memory-table"] .vt-content [role="row"]')]
      .map((el) => ({
        level: Number(el.getAttribute('aria-level')),
        index: Number((el as HTMLElement).dataset.index),
        // The name cell without its twisty.
        cells: [...el.querySelectorAll('[role="gridcell"]')].map((c) =>
          (c.textContent ?? '').replace(/^[▸▾]/, '').trim(),
        ),
      }))
      .sort((a, b) => a.index - b.index),
  );
}

export async function waitRows(page: Page, rows: number): Promise<void> {
  await page.waitForFunction(
    (n) =>
      (document.querySelector('[data-testid="memory-table"]') as HTMLElement | null)?.dataset
        .rows === String(n),
    rows,
  );
}

export async function clickTwisty(page: Page, index: number): Promise<void> {
  await page
    .locator(`[data-testid="memory-table"] [role="row"][data-index="${index}"] .twisty`)
    .click();
}

/** Screenshot of the workbench only (the main panel's view), after scrolling it into the window. */
export async function shotOf(page: Page, testId: string, name: string): Promise<void> {
  const el = page.locator(`[data-testid="${testId}"]`).first();
  await el.scrollIntoViewIfNeeded();
  await el.screenshot({ path: path.join(outDir, `${name}.png`) });
}
