/**
 * Which rows of a long list to put in the DOM, and where: only those in view (plus a few either
 * side), positioned in a scroller whose content is as tall as all the rows. Browsers cap an
 * element's height (Chromium about 33 million pixels, Firefox about 17 million), so beyond
 * `MAX_SCROLL_PX` the scroll range is scaled: the scrollbar maps onto every row, and rows in view
 * are laid out at their true spacing around the scaled position. Pure arithmetic: no DOM.
 */

/** Content height never beyond this (well under every browser's cap on element heights). */
export const MAX_SCROLL_PX = 8_000_000;

export interface RowWindow {
  /** First row to render. */
  first: number;
  /** One past the last row to render. */
  last: number;
  /** Height of the scroller's content. */
  height: number;
  /** Content offset (px) of row `first`; each next row one `rowHeight` lower. */
  top: number;
}

/** Height of the scroller's content for `total` rows. */
export function contentHeight(total: number, rowHeight: number): number {
  return Math.min(Math.max(0, total) * rowHeight, MAX_SCROLL_PX);
}

/**
 * The scroll position's share of the way through the rows: where the first row in view starts,
 * in unscaled pixels. Scaled so that the end of the scroll range shows the last rows.
 */
function virtualTop(scrollTop: number, viewport: number, total: number, rowHeight: number): number {
  const full = total * rowHeight;
  const height = contentHeight(total, rowHeight);
  const range = height - viewport;
  if (full <= MAX_SCROLL_PX || range <= 0) return scrollTop;
  const top = Math.max(0, Math.min(range, scrollTop));
  return (top / range) * (full - viewport);
}

/** The rows to render at `scrollTop` in a viewport `viewport` px high, `overscan` rows either side. */
export function rowWindow(
  scrollTop: number,
  viewport: number,
  total: number,
  rowHeight: number,
  overscan = 8,
): RowWindow {
  const height = contentHeight(total, rowHeight);
  if (total <= 0 || rowHeight <= 0) return { first: 0, last: 0, height, top: 0 };
  const top = Math.max(0, scrollTop);
  const vTop = virtualTop(top, viewport, total, rowHeight);
  const firstInView = Math.floor(vTop / rowHeight);
  const first = Math.max(0, Math.min(total - 1, firstInView - overscan));
  const last = Math.min(total, Math.ceil((vTop + Math.max(0, viewport)) / rowHeight) + overscan);
  // Row i sits at its true distance from the scaled position.
  return { first, last, height, top: top + (first * rowHeight - vTop) };
}

/** Content offset (px) of row `index` in a window from `rowWindow`. */
export function rowOffset(w: RowWindow, index: number, rowHeight: number): number {
  return w.top + (index - w.first) * rowHeight;
}

/**
 * The scroll position that brings row `index` into view from `scrollTop` (unchanged when it is
 * in view already): the row at the top when it is above, at the bottom when below.
 */
export function scrollToReveal(
  index: number,
  scrollTop: number,
  viewport: number,
  total: number,
  rowHeight: number,
): number {
  const full = total * rowHeight;
  const height = contentHeight(total, rowHeight);
  const range = Math.max(0, height - viewport);
  const vTop = virtualTop(scrollTop, viewport, total, rowHeight);
  const rowTop = index * rowHeight;
  let wanted = vTop;
  if (rowTop < vTop) wanted = rowTop;
  else if (rowTop + rowHeight > vTop + viewport) wanted = rowTop + rowHeight - viewport;
  else return scrollTop;
  if (full <= MAX_SCROLL_PX || full - viewport <= 0) return Math.max(0, Math.min(range, wanted));
  return Math.max(0, Math.min(range, (wanted / (full - viewport)) * range));
}
