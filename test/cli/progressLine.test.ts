/**
 * The terminal line (cli/progressLine.ts) on a clock the test moves: nothing for a capture that
 * ends within the delay, one line rewritten in place after it, cleared at the end; and the
 * progress file's reader (server/runner/progressFile.ts): whole records only, a hostile phase
 * never reaches the terminal. progressTerminal.test.ts runs the real thing on a pseudo-terminal.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { progressText } from '../../protocol/captureProgress';
import { ProgressLine } from '../../cli/progressLine';
import {
  createProgressFile,
  ProgressFileReader,
  type ProgressReading,
} from '../../server/runner/progressFile';

const work = mkdtempSync(join(tmpdir(), 'hi-progress-line-'));
after(() => rmSync(work, { recursive: true, force: true }));

function line(options: { columns?: number; dumb?: boolean } = {}) {
  let now = 0;
  const written: string[] = [];
  const progressLine = new ProgressLine((text) => written.push(text), {
    delayMs: 1000,
    now: () => now,
    columns: () => options.columns,
    dumb: options.dumb,
  });
  return { progressLine, written, at: (ms: number) => (now = ms) };
}

const capturing = (phase: string, done: number, total: number): ProgressReading => ({
  state: 'capturing',
  progress: { phase, done, total },
});
const ended: ProgressReading = { state: 'ended', progress: { phase: 'write', done: 9, total: 9 } };

describe('the progress line', () => {
  it('a capture that ends within the delay shows nothing at all', () => {
    const { progressLine, written, at } = line();
    progressLine.update({ state: 'waiting' });
    at(10);
    progressLine.update(capturing('objects', 0, 3));
    at(900);
    progressLine.update(capturing('walk', 50, 100));
    progressLine.update(ended);
    progressLine.clear();
    assert.deepEqual(written, []);
    assert.equal(progressLine.shown, false);
  });

  it('after the delay: one line, rewritten only when it changes, erased at the end', () => {
    const { progressLine, written, at } = line();
    at(0);
    progressLine.update(capturing('walk', 0, 200));
    at(1000);
    progressLine.update(capturing('walk', 90, 200));
    progressLine.update(capturing('walk', 90, 200));
    at(2500);
    progressLine.update(capturing('leaves', 5, 10));
    progressLine.update(ended);
    progressLine.update(ended);
    assert.deepEqual(written, [
      '\r\x1b[2Kheap-inspector: capturing the heap: reading references 45% (1 s)',
      '\r\x1b[2Kheap-inspector: capturing the heap: reading untracked objects 50% (2 s)',
      '\r\x1b[2K',
    ]);
    assert.equal(progressLine.shown, false);
  });

  it('cut to the terminal width; a dumb terminal is erased with spaces', () => {
    const narrow = line({ columns: 30 });
    narrow.at(0);
    narrow.progressLine.update(capturing('walk', 1, 2));
    narrow.at(1000);
    narrow.progressLine.update(capturing('walk', 1, 2));
    assert.deepEqual(narrow.written, ['\r\x1b[2Kheap-inspector: capturing the']);

    const dumb = line({ dumb: true });
    dumb.at(0);
    dumb.progressLine.update(capturing('write', 1, 4));
    dumb.at(1000);
    dumb.progressLine.update(capturing('write', 1, 4));
    dumb.progressLine.clear();
    const text = 'heap-inspector: capturing the heap: writing the snapshot 25% (1 s)';
    assert.deepEqual(dumb.written, [`\r${text}`, `\r${' '.repeat(text.length)}\r\r`]);
  });

  it("phases: known ones in words, a newer agent's by its name, no percent without a total", () => {
    assert.equal(progressText({ phase: 'objects', done: 1, total: 3 }), 'listing objects 33%');
    assert.equal(progressText({ phase: 'roots', done: 4, total: 4 }), 'finding roots 100%');
    assert.equal(progressText({ phase: 'mapping', done: 0, total: 0 }), 'mapping');
    assert.equal(progressText({ phase: 'constructor', done: 1, total: 2 }), 'constructor 50%');
  });
});

/** A record as the agent stores it (agent/heap_inspector_agent/progress.py). */
function store(
  path: string,
  record: {
    head: number;
    tail: number;
    phase: Buffer | string;
    done: number;
    total: number;
    state: number;
  },
): void {
  const bytes = Buffer.alloc(49);
  bytes.writeBigUInt64LE(BigInt(record.head), 0);
  Buffer.from(record.phase).copy(bytes, 8, 0, 16);
  bytes.writeBigUInt64LE(BigInt(record.done), 24);
  bytes.writeBigUInt64LE(BigInt(record.total), 32);
  bytes.writeBigUInt64LE(BigInt(record.tail), 40);
  bytes[48] = record.state;
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, 8);
  closeSync(fd);
}

describe('the progress file', () => {
  it('is made whole (64 bytes, the magic), by this user only, and never over an existing file', () => {
    const path = join(work, 'made');
    createProgressFile(path);
    const bytes = readFileSync(path);
    assert.equal(bytes.length, 64);
    assert.equal(bytes.subarray(0, 8).toString('latin1'), 'PHIPROG1');
    assert.ok(bytes.subarray(8).every((b) => b === 0));
    assert.throws(() => createProgressFile(path), /EEXIST/);
  });

  it('gives whole records only; a hostile phase or count is never taken', () => {
    const path = join(work, 'read');
    createProgressFile(path);
    const reader = new ProgressFileReader(path);
    assert.deepEqual(reader.read(), { state: 'waiting', progress: undefined });
    store(path, { head: 1, tail: 1, phase: 'walk', done: 5, total: 10, state: 1 });
    assert.deepEqual(reader.read(), {
      state: 'capturing',
      progress: { phase: 'walk', done: 5, total: 10 },
    });
    // Read in the middle of a report (the sequences differ): the last whole one stays.
    store(path, { head: 1, tail: 2, phase: 'leaves', done: 1, total: 10, state: 1 });
    assert.deepEqual(reader.read().progress, { phase: 'walk', done: 5, total: 10 });
    // Escape sequences, or more done than total: not a report the agent makes.
    store(path, { head: 3, tail: 3, phase: '\x1b]0;x\x07', done: 1, total: 2, state: 1 });
    assert.deepEqual(reader.read().progress, { phase: 'walk', done: 5, total: 10 });
    store(path, { head: 4, tail: 4, phase: 'walk', done: 11, total: 10, state: 1 });
    assert.deepEqual(reader.read().progress, { phase: 'walk', done: 5, total: 10 });
    store(path, { head: 5, tail: 5, phase: 'write', done: 22, total: 22, state: 2 });
    assert.deepEqual(reader.read(), {
      state: 'ended',
      progress: { phase: 'write', done: 22, total: 22 },
    });
    reader.markShown(true);
    assert.equal(readFileSync(path)[57], 1);
    reader.markShown(false);
    assert.equal(readFileSync(path)[57], 0);
    reader.close();
  });
});
