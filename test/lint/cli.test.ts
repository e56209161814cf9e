/** `heap-inspector lint` end to end: builds the bundle, then runs bin/heap-inspector.js. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { lintText } from '../../server/lint/index';

const ROOT = join(__dirname, '..', '..');
const CORPUS = join(__dirname, 'corpus');
const BIN = join(ROOT, 'bin', 'heap-inspector.js');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'lint', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('heap-inspector lint', () => {
  before(() => {
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `build failed:\n${r.stderr}`);
    for (const f of ['cli.js', 'tree-sitter.wasm', 'tree-sitter-python.wasm']) {
      assert.ok(existsSync(join(ROOT, 'dist', f)), `dist/${f} missing after the build`);
    }
  });

  test('--json lists every finding with 1-based positions; exit 1', async () => {
    const file = join(CORPUS, 'hi007_finalize_captures.py');
    const r = cli('--json', file);
    assert.equal(r.status, 1, r.stderr);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    const expected = await lintText(readFileSync(file, 'utf8'));
    assert.equal(list.length, expected.length);
    assert.ok(list.length > 0);
    list.forEach((item, i) => {
      assert.deepEqual(Object.keys(item).sort(), [
        'code',
        'column',
        'file',
        'line',
        'message',
        'severity',
      ]);
      assert.equal(item.file, file);
      assert.equal(item.line, expected[i].line);
      assert.equal(item.column, expected[i].column);
      assert.equal(item.code, expected[i].code);
      assert.equal(item.severity, expected[i].severity);
      assert.equal(item.message, expected[i].message);
    });
    assert.ok(list.every((item) => item.code === 'HI007' && item.severity === 'error'));
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const item of list) {
      assert.match(lines[(item.line as number) - 1], /# expect: HI007/);
    }
  });

  test('several files, including one with syntax errors', () => {
    const r = cli('--json', join(CORPUS, 'syntax_error.py'), join(CORPUS, 'hi010_close_no_cm.py'));
    assert.equal(r.status, 1, r.stderr);
    const list = JSON.parse(r.stdout) as Array<{ file: string; code: string }>;
    const codes = (f: string) => new Set(list.filter((d) => d.file.endsWith(f)).map((d) => d.code));
    assert.deepEqual(codes('syntax_error.py'), new Set(['HI001', 'HI007', 'HI009', 'HI010']));
    assert.deepEqual(codes('hi010_close_no_cm.py'), new Set(['HI010']));
  });

  test('human output: file:line:col: CODE severity: message', () => {
    const file = join(CORPUS, 'hi003_del_blocks.py');
    const r = cli(file);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.ok(lines.length >= 8);
    for (const line of lines) {
      assert.match(line, /^.+:\d+:\d+: HI0\d\d (error|warning|information|hint): \S.*$/);
      assert.ok(line.startsWith(`${file}:`));
    }
    assert.ok(lines.some((l) => l.startsWith(`${file}:15:9: HI003 warning: `)));
  });

  test('a clean file exits 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hi-lint-'));
    const file = join(dir, 'clean.py');
    writeFileSync(
      file,
      'import weakref, shutil\n\nclass W:\n    def __init__(self, p):\n        self.p = p\n        weakref.finalize(self, shutil.rmtree, self.p)\n',
    );
    const json = cli('--json', file);
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), []);
    const human = cli(file);
    assert.equal(human.status, 0);
    assert.equal(human.stdout, '');
  });

  test('directories are searched for .py files', () => {
    const r = cli('--json', CORPUS);
    assert.equal(r.status, 1, r.stderr);
    const files = new Set((JSON.parse(r.stdout) as Array<{ file: string }>).map((d) => d.file));
    assert.ok(files.has(join(CORPUS, 'hi001_del_releases.py')));
    assert.ok(files.has(join(CORPUS, 'realistic_pool.py')));
  });

  test('missing file: one-line error, exit 2', () => {
    const r = cli('--json', join(CORPUS, 'does-not-exist.py'));
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `heap-inspector: no such file: ${join(CORPUS, 'does-not-exist.py')}\n`);
  });

  test('no files or an unknown option: exit 2', () => {
    const none = cli('--json');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^heap-inspector: lint: no files given/);
    assert.equal(none.stderr.trimEnd().split('\n').length, 1);
    const bad = cli('--frobnicate', join(CORPUS, 'hi001_del_releases.py'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option "--frobnicate"/);
  });

  test('--help', () => {
    const r = cli('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /usage: heap-inspector lint \[--json\]/);
  });
});
