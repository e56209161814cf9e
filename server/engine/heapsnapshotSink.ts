/**
 * A byte buffer that hands full chunks to a writer: the `.heapsnapshot` export streams through it,
 * so the JSON never exists as one string (V8 strings stop at 2^29 − 24 characters, and a 2M-object
 * heap writes hundreds of megabytes). Numbers are written digit by digit into the buffer, without
 * a string per number.
 */

/** Bytes buffered before a chunk is handed over. */
export const CHUNK_BYTES = 1 << 20;

const DIGIT_0 = 48;
const encoder = new TextEncoder();
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text with each lone surrogate replaced by U+FFFD (what `String.toWellFormed` does). */
export function wellFormed(text: string): string {
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\ufffd') : text;
}

export class ByteSink {
  private readonly buffer: Uint8Array;
  private position = 0;
  /** Bytes handed over so far. */
  written = 0;

  /**
   * `write` gets views of one reused buffer: it must consume each chunk before it returns (a
   * synchronous file write does).
   */
  constructor(
    private readonly write: (chunk: Uint8Array) => void,
    size = CHUNK_BYTES,
  ) {
    this.buffer = new Uint8Array(size);
  }

  /** Hands over what is buffered. */
  drain(): void {
    if (this.position === 0) return;
    this.write(this.buffer.subarray(0, this.position));
    this.written += this.position;
    this.position = 0;
  }

  /** A whole number in [0, 2^53), in decimal. */
  uint(n: number): void {
    if (this.position + 16 > this.buffer.length) this.drain();
    const b = this.buffer;
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let p = this.position + digits;
    this.position = p;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      b[--p] = DIGIT_0 + (n - q * 10);
      n = q;
    }
    b[--p] = DIGIT_0 + n;
  }

  /** One ASCII character (punctuation). */
  char(code: number): void {
    if (this.position === this.buffer.length) this.drain();
    this.buffer[this.position++] = code;
  }

  /** Text as UTF-8, as it is (for JSON punctuation and keys the caller knows are safe). */
  raw(text: string): void {
    let rest = text;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, this.buffer.subarray(this.position));
      this.position += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
      this.drain();
    }
  }

  /**
   * A JSON string. Lone surrogates (a Python `str` can hold them: surrogate-escaped file names)
   * become U+FFFD first: Chrome would accept their `\udXXX` escapes, but VS Code's parser (serde)
   * rejects the whole file.
   */
  jsonString(text: string): void {
    this.raw(JSON.stringify(wellFormed(text)));
  }

  /** Any JSON value (`JSON.stringify`), for the small header. */
  json(value: unknown): void {
    this.raw(JSON.stringify(value));
  }
}
