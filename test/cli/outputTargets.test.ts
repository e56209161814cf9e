/**
 * Where outputs go: a device or a FIFO is written in place (never replaced by a regular file,
 * no temporary file beside it), a block device or a socket is refused with one line before the
 * program runs, a symbolic link keeps pointing where it did, and an existing snapshot survives a
 * run that writes no new one. Device nodes are real (`mknod`, as root).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { ROOT, lastLine, runCli, writeScript } from './support';
import { findPython } from '../../scripts/python.mjs';

const python = findPython();
const work = mkdtempSync(join(tmpdir(), 'hi-outputs-'));
const dev = join(work, 'dev');
mkdirSync(dev);
const isRoot = process.getuid?.() === 0;
after(() => rmSync(work, { recursive: true, force: true }));

const script = writeScript(work, 'prog.py', 'x = [1]\nprint("ran")\ny = 2\n');
const snapshot = join(work, 'base.heapsnap');

function mknod(name: string, kind: 'c' | 'b', major: number, minor: number): string {
  const path = join(dev, name);
  const r = spawnSync('mknod', [path, kind, String(major), String(minor)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return path;
}

function mkfifo(name: string): string {
  const path = join(dev, name);
  assert.equal(spawnSync('mkfifo', [path]).status, 0);
  return path;
}

/**
 * Reads a FIFO to its end in another process (`cat`, into a file or collected here); it counts as
 * the FIFO's reader from the start, even while its open waits for a writer. `done()` waits for the
 * end: a reader still waiting 20 s after the writer is done never gets one (the FIFO was
 * replaced): it is stopped, and what it read is returned.
 */
function readFifo(path: string, into?: string): { done(): Promise<string> } {
  const output = into ? openSync(into, 'w') : 'pipe';
  const cat = spawn('cat', [path], { stdio: ['ignore', output, 'ignore'] });
  if (typeof output === 'number') closeSync(output);
  let text = '';
  cat.stdout?.setEncoding('utf8').on('data', (t: string) => (text += t));
  const closed = new Promise<string>((resolve) => cat.on('close', () => resolve(text)));
  return {
    done() {
      const stop = setTimeout(() => cat.kill('SIGKILL'), 20_000);
      return closed.finally(() => clearTimeout(stop));
    },
  };
}

function deviceNumbers(path: string): string {
  const st = lstatSync(path);
  return `${st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : '?'} ${st.rdev}`;
}

before(() => {
  const r = runCli(
    ['snapshot', '--python', python, '--at', `${script}:3`, '--out', snapshot, '--quiet', script],
    { cwd: work },
  );
  assert.equal(r.status, 0, r.stderr);
});

describe(
  'outputs that are not regular files',
  { skip: isRoot ? false : 'needs root for mknod', ...SUITE_LIMIT },
  () => {
    it('report --json/--html to a character device write into it and leave it a device', () => {
      const nul = mknod('null2', 'c', 1, 3);
      const before = deviceNumbers(nul);
      const r = runCli(['report', '--json', nul, '--html', nul, snapshot], { cwd: work });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(deviceNumbers(nul), before, 'the device node was replaced');
      assert.deepEqual(readdirSync(dev), ['null2'], 'no temporary file beside the device');
    });

    it('snapshot --json to a character device, likewise', () => {
      const nul = mknod('null3', 'c', 1, 3);
      const r = runCli(
        ['snapshot', '--python', python, '--at', `${script}:3`, '--json', nul, '--quiet', script],
        { cwd: work },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(deviceNumbers(nul), 'c 259', 'the device node was replaced');
      assert.ok(readdirSync(dev).every((name) => !name.includes('partial')));
    });

    it('a FIFO gets the output through it, and stays a FIFO', TEST_LIMIT, async () => {
      const fifo = mkfifo('summary.fifo');
      const reading = readFifo(fifo);
      let r;
      try {
        r = runCli(['report', '--json', fifo, snapshot], { cwd: work });
      } finally {
        await reading.done();
      }
      assert.equal(r.status, 0, r.stderr);
      const text = await reading.done();
      assert.equal(JSON.parse(text).schema, 'python-heap-inspector-summary');
      assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO was replaced');
    });

    it('a block device is refused with one line, before the program runs', () => {
      const block = mknod('loop-unused', 'b', 7, 250);
      const before = deviceNumbers(block);
      let r = runCli(['report', '--json', block, snapshot], { cwd: work });
      assert.equal(r.status, 2);
      assert.match(lastLine(r.stderr), /^heap-inspector: --json .*loop-unused is a block device; /);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      r = runCli(['snapshot', '--python', python, '--at', `${script}:3`, '--html', block, script], {
        cwd: work,
      });
      assert.equal(r.status, 2);
      assert.doesNotMatch(r.stdout, /ran/, 'the program must not run');
      assert.equal(deviceNumbers(block), before);
    });

    it('a socket is refused with one line', TEST_LIMIT, async () => {
      const path = join(dev, 'sock');
      const server: Server = createServer();
      await new Promise<void>((resolve) => server.listen(path, resolve));
      try {
        const r = runCli(['report', '--html', path, snapshot], { cwd: work });
        assert.equal(r.status, 2);
        assert.match(lastLine(r.stderr), /^heap-inspector: --html .*sock is a socket; /);
        assert.ok(lstatSync(path).isSocket());
      } finally {
        server.close();
      }
    });

    it('snapshot --out to a device is refused (the snapshot is read back), before the program runs', () => {
      const nul = mknod('null4', 'c', 1, 3);
      const r = runCli(
        ['snapshot', '--python', python, '--at', `${script}:3`, '--out', nul, script],
        { cwd: work },
      );
      assert.equal(r.status, 2);
      assert.match(lastLine(r.stderr), /^heap-inspector: --out .*null4 is a character device; /);
      assert.doesNotMatch(r.stdout, /ran/);
      assert.equal(deviceNumbers(nul), 'c 259');
    });

    it(
      "the agent's writer (the runner's --out) writes a device in place and a FIFO through",
      TEST_LIMIT,
      async () => {
        const runner = join(ROOT, 'agent', 'heap_inspector_run.py');
        const nul = mknod('null5', 'c', 1, 3);
        let r = spawnSync(python, [runner, 'run', '--at', `${script}:3`, '--out', nul, script], {
          cwd: work,
          encoding: 'utf8',
          timeout: 120_000,
        });
        assert.equal(r.status, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /capture failed/);
        assert.equal(deviceNumbers(nul), 'c 259', 'the device node was replaced');
        assert.ok(readdirSync(dev).every((name) => !name.includes('partial')));

        const fifo = mkfifo('snapshot.fifo');
        const received = join(work, 'through-fifo.heapsnap');
        // A reader that is there for sure when the capture opens the FIFO (cat may still be starting).
        const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
        const copying = readFifo(fifo, received);
        try {
          r = spawnSync(python, [runner, 'run', '--at', `${script}:3`, '--out', fifo, script], {
            cwd: work,
            encoding: 'utf8',
            timeout: 120_000,
          });
        } finally {
          closeSync(reader);
          await copying.done();
        }
        assert.equal(r.status, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /capture failed/);
        assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO was replaced');
        const report = runCli(['report', '--json', '-', received], { cwd: work });
        assert.equal(report.status, 0, report.stderr);
        assert.equal(JSON.parse(report.stdout).capture.line, 3);
      },
    );
  },
);

describe(
  "the agent's writer and a FIFO nobody reads",
  { skip: isRoot ? false : 'needs root' },
  () => {
    it('the capture fails with one line; the program goes on, never blocked; the FIFO stays', () => {
      const runner = join(ROOT, 'agent', 'heap_inspector_run.py');
      const fifo = mkfifo('unread.fifo');
      const r = spawnSync(python, [runner, 'run', '--at', `${script}:3`, '--out', fifo, script], {
        cwd: work,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(r.signal, null, 'the program was left waiting for a reader');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /ran/);
      assert.match(
        r.stderr,
        /heap-inspector: the capture failed: OSError: \[Errno 6\] No such device or address/,
      );
      assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO was replaced');
    });
  },
);

describe('regular outputs', () => {
  it('a symbolic link to the output keeps pointing at it; the file it points to is updated', () => {
    const real = join(work, 'real-summary.json');
    writeFileSync(real, 'old\n');
    const link = join(work, 'link-summary.json');
    symlinkSync(real, link);
    const r = runCli(['report', '--json', link, snapshot], { cwd: work });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link was replaced by a file');
    assert.equal(JSON.parse(readFileSync(real, 'utf8')).schema, 'python-heap-inspector-summary');
  });

  it('snapshot --out X keeps the existing X when the run writes no new snapshot', () => {
    const kept = join(work, 'kept.heapsnap');
    writeFileSync(kept, readFileSync(snapshot));
    const never = writeScript(work, 'never.py', 'def unused():\n    return 1\n\nprint("done")\n');
    let r = runCli(['snapshot', '--python', python, '--at', `${never}:2`, '--out', kept, never], {
      cwd: work,
    });
    assert.equal(r.status, 3, r.stderr);
    assert.ok(existsSync(kept), 'the previous snapshot was deleted');
    assert.deepEqual(readFileSync(kept), readFileSync(snapshot));
    const crash = writeScript(
      work,
      'crash.py',
      'import sys\nif sys.argv:\n    raise SystemExit(7)\nx = 1\n',
    );
    r = runCli(['snapshot', '--python', python, '--at', `${crash}:4`, '--out', kept, crash], {
      cwd: work,
    });
    assert.equal(r.status, 7, r.stderr);
    assert.deepEqual(readFileSync(kept), readFileSync(snapshot));
  });

  it('snapshot --out X replaces X with the new snapshot when there is one', () => {
    const replaced = join(work, 'replaced.heapsnap');
    writeFileSync(replaced, 'not a snapshot\n');
    const r = runCli(
      ['snapshot', '--python', python, '--at', `${script}:3`, '--out', replaced, '--quiet', script],
      { cwd: work },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(replaced).subarray(0, 8).toString(), 'PYHEAPSN');
  });
});
