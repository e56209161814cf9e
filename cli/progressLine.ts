/**
 * The capture's progress on the terminal: one line on standard error, rewritten in place and
 * cleared when the capture ends. It appears only once a capture has lasted `delayMs` (about a
 * second): a quick capture shows nothing at all. Pure: the clock and the output are given, so
 * that the behaviour is tested without waiting.
 */
import { progressText } from '../protocol/captureProgress';
import type { ProgressReading } from '../server/runner/progressFile';

export interface ProgressLineOptions {
  /** Show nothing until the capture has lasted this long. */
  delayMs: number;
  now(): number;
  /** Terminal width, when known: the line is cut to fit (a wrapped line cannot be rewritten). */
  columns?(): number | undefined;
  /** A terminal without cursor controls (TERM=dumb): cleared with spaces instead. */
  dumb?: boolean;
}

const ERASE_LINE = '\r\x1b[2K';

export class ProgressLine {
  private startedAt: number | undefined;
  private drawn: string | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly options: ProgressLineOptions,
  ) {}

  /** A line is on the terminal. */
  get shown(): boolean {
    return this.drawn !== undefined;
  }

  /** The capture may start showing now: once this returns true, the next `update` may draw.
   * (The reader marks the line shown before drawing it, see progressTerminal.ts.) */
  due(reading: ProgressReading): boolean {
    if (reading.state !== 'capturing') return false;
    this.startedAt ??= this.options.now();
    return this.options.now() - this.startedAt >= this.options.delayMs;
  }

  /** Draws the reading, or clears the line once the capture has ended. */
  update(reading: ProgressReading): void {
    if (reading.state === 'ended') return this.clear();
    if (!this.due(reading)) return;
    const seconds = Math.floor((this.options.now() - (this.startedAt ?? 0)) / 1000);
    const doing = reading.progress ? `: ${progressText(reading.progress)}` : '';
    const text = this.fit(`heap-inspector: capturing the heap${doing} (${seconds} s)`);
    if (text === this.drawn) return;
    this.write(this.erase() + text);
    this.drawn = text;
  }

  clear(): void {
    if (this.drawn === undefined) return;
    this.write(this.erase() + (this.options.dumb ? '\r' : ''));
    this.drawn = undefined;
  }

  private erase(): string {
    if (!this.options.dumb) return ERASE_LINE;
    return this.drawn === undefined ? '\r' : `\r${' '.repeat(this.drawn.length)}\r`;
  }

  private fit(text: string): string {
    const columns = this.options.columns?.();
    return columns !== undefined && columns > 1 && text.length >= columns
      ? text.slice(0, columns - 1)
      : text;
  }
}
