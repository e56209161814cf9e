/**
 * The small chart of one type's count at each stop: pure geometry (points of a polyline in a
 * box), so it is tested without a page.
 */

export interface SparkGeometry {
  /** `x,y` pairs for an SVG polyline, one per count, left to right. */
  points: string;
  /** The highest and lowest counts (the axis the chart is scaled to). */
  max: number;
  min: number;
}

/**
 * Counts scaled into `width` × `height` (y grows downwards): the lowest count at the bottom, the
 * highest at the top; all equal, a flat line in the middle. One count is a point in the middle.
 */
export function sparkGeometry(
  counts: number[],
  width: number,
  height: number,
  pad = 2,
): SparkGeometry {
  if (counts.length === 0) return { points: '', max: 0, min: 0 };
  const max = Math.max(...counts);
  const min = Math.min(...counts);
  const span = max - min;
  const w = width - 2 * pad;
  const h = height - 2 * pad;
  const x = (k: number) => (counts.length === 1 ? width / 2 : pad + (w * k) / (counts.length - 1));
  const y = (c: number) => (span === 0 ? height / 2 : pad + h - (h * (c - min)) / span);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    points: counts.map((c, k) => `${round(x(k))},${round(y(c))}`).join(' '),
    max,
    min,
  };
}
