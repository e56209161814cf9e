/**
 * Whole numbers as the reports print them, with thousands separators (en-US: "1,234,567").
 *
 * The formatter is made on first use: making the first one loads ICU's data, about 0.01 s of
 * every CLI start, and many runs (`snapshot --quiet --out`) never print a number.
 */
let formatter: Intl.NumberFormat | undefined;

export function countText(n: number): string {
  formatter ??= new Intl.NumberFormat('en-US');
  return formatter.format(n);
}
