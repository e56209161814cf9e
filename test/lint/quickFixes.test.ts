/**
 * The lint rules' quick fixes, on the corpus in test/lint/corpus/ and on programs written out
 * below: every fix gives valid Python (by the parser and, where python3 is installed, by CPython)
 * that no longer triggers its rule, and keeps the file's indentation and line endings.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { applyEdits, getParser, lintText, type LintDiagnostic } from '../../server/lint/index';
import { CORPUS, files, lintFile } from './corpusFiles';

/** Python 3 for the optional "does the fixed code compile / run" checks. */
const python = ['python3', 'python'].find(
  (exe) => spawnSync(exe, ['-c', 'import sys; assert sys.version_info >= (3, 8)']).status === 0,
);

function pythonCompiles(text: string): { ok: boolean; error: string } {
  if (!python) return { ok: true, error: '' };
  const r = spawnSync(python, ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], {
    input: text,
    encoding: 'utf8',
  });
  return { ok: r.status === 0, error: r.stderr };
}

async function parsesCleanly(text: string): Promise<boolean> {
  const parser = await getParser();
  const tree = parser.parse(text);
  const ok = tree !== null && !tree.rootNode.hasError;
  tree?.delete();
  return ok;
}

function countByCode(diags: LintDiagnostic[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of diags) out.set(d.code, (out.get(d.code) ?? 0) + 1);
  return out;
}
describe('quick fixes', () => {
  test('every fix yields valid Python that no longer triggers the rule', async () => {
    let applied = 0;
    const seen = new Set<string>();
    for (const file of files) {
      const text = readFileSync(join(CORPUS, file), 'utf8');
      const before = await lintFile(file);
      const beforeCounts = countByCode(before);
      for (const d of before) {
        for (const fix of d.fixes) {
          const id = `${file}:${fix.title}:${JSON.stringify(fix.edits)}`;
          if (seen.has(id)) continue;
          seen.add(id);
          const fixed = applyEdits(text, fix.edits);
          const where = `${file}:${d.line} ${d.code} "${fix.title}"`;
          if (file !== 'syntax_error.py') {
            assert.ok(await parsesCleanly(fixed), `${where}: fixed text does not parse`);
            const compiled = pythonCompiles(fixed);
            assert.ok(compiled.ok, `${where}: python rejects the fixed text\n${compiled.error}`);
          }
          const after = await lintText(fixed);
          const afterCounts = countByCode(after);
          assert.ok(
            (afterCounts.get(d.code) ?? 0) < (beforeCounts.get(d.code) ?? 0),
            `${where}: ${d.code} still fires as often after the fix`,
          );
          for (const [code, n] of afterCounts) {
            assert.ok(n <= (beforeCounts.get(code) ?? 0), `${where}: the fix introduced ${code}`);
          }
          applied++;
        }
      }
    }
    console.log(`applied ${applied} quick fixes`);
    assert.ok(applied >= 10, `only ${applied} quick fixes in the corpus`);
  });

  test('fixes exist for HI001, HI002, HI007 and HI010', async () => {
    const codes = new Set<string>();
    for (const file of files) {
      for (const d of await lintFile(file)) if (d.fixes.length > 0) codes.add(d.code);
    }
    for (const code of ['HI001', 'HI002', 'HI007', 'HI010']) assert.ok(codes.has(code), code);
  });

  test('HI007: bound method becomes a staticmethod fed with the fields', async () => {
    const src = [
      'import shutil',
      'import tempfile',
      'import weakref',
      '',
      '',
      'class Workspace:',
      '    def __init__(self):',
      '        self.path = tempfile.mkdtemp()',
      '        self._finalizer = weakref.finalize(self, self.cleanup)',
      '',
      '    def cleanup(self):',
      '        shutil.rmtree(self.path, ignore_errors=True)',
      '',
    ].join('\n');
    const [d] = await lintText(src);
    assert.equal(d.code, 'HI007');
    assert.equal(d.severity, 'error');
    const fixed = applyEdits(src, d.fixes[0].edits);
    assert.match(fixed, /weakref\.finalize\(self, type\(self\)\._cleanup_impl, self\.path\)/);
    assert.match(
      fixed,
      /@staticmethod\n {4}def _cleanup_impl\(path\):\n {8}shutil\.rmtree\(path, ignore_errors=True\)/,
    );
    assert.match(
      fixed,
      /def cleanup\(self\):\n {8}return type\(self\)\._cleanup_impl\(self\.path\)/,
    );
    assert.deepEqual(await lintText(fixed), []);
    if (python) {
      // The object is now collectable, and collecting it removes the directory.
      const check = `${fixed}
import gc, os
ws = Workspace()
path = ws.path
del ws
gc.collect()
assert not os.path.exists(path), "workspace not removed"
w2 = Workspace()
w2.cleanup()
assert not os.path.exists(w2.path)
print("ok")
`;
      const r = spawnSync(python, ['-c', check], { encoding: 'utf8' });
      assert.equal(r.stdout.trim(), 'ok', r.stderr);
    }
  });

  test('HI007: lambda over self becomes a plain function call', async () => {
    const src =
      'import shutil, weakref\nclass S:\n    def __init__(self, p):\n        self.p = p\n        weakref.finalize(self, lambda: shutil.rmtree(self.p))\n';
    const [d] = await lintText(src);
    const fixed = applyEdits(src, d.fixes[0].edits);
    assert.match(fixed, /weakref\.finalize\(self, shutil\.rmtree, self\.p\)/);
  });

  test('HI007: no fix when the field changes after registration', async () => {
    const src = [
      'import weakref',
      'class Conn:',
      '    def __init__(self, sock):',
      '        self.sock = sock',
      '        weakref.finalize(self, self.shutdown)',
      '    def reconnect(self, sock):',
      '        self.sock = sock',
      '    def shutdown(self):',
      '        self.sock.close()',
      '',
    ].join('\n');
    const [d] = await lintText(src);
    assert.equal(d.code, 'HI007');
    assert.deepEqual(d.fixes, []);
  });

  test('HI001: __del__ becomes a weakref.finalize safety net that actually runs', async () => {
    const src = [
      'import os',
      'import tempfile',
      '',
      '',
      'class LockFile:',
      '    def __init__(self):',
      '        fd, self.path = tempfile.mkstemp()',
      '        os.close(fd)',
      '',
      '    def __del__(self):',
      '        os.unlink(self.path)',
      '',
    ].join('\n');
    const diags = await lintText(src);
    const d = diags.find((x) => x.code === 'HI001');
    assert.ok(d && d.fixes.length === 1);
    const fixed = applyEdits(src, d.fixes[0].edits);
    assert.match(fixed, /^import weakref\nimport os\n/);
    assert.match(
      fixed,
      /self\._finalizer = weakref\.finalize\(self, type\(self\)\._release_resources, self\.path\)/,
    );
    assert.match(
      fixed,
      /@staticmethod\n {4}def _release_resources\(path\):\n {8}os\.unlink\(path\)/,
    );
    assert.ok(!(await lintText(fixed)).some((x) => x.code === 'HI001' || x.code === 'HI004'));
    if (python) {
      const r = spawnSync(
        python,
        [
          '-c',
          `${fixed}\nimport gc\nlf = LockFile()\np = lf.path\ndel lf\ngc.collect()\nprint(os.path.exists(p))\n`,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(r.stdout.trim(), 'False', r.stderr);
    }
  });

  test('HI001: no fix when __del__ depends on state that changes', async () => {
    const src = [
      'class Conn:',
      '    def __init__(self, sock):',
      '        self.sock = sock',
      '        self.closed = False',
      '    def shutdown(self):',
      '        self.closed = True',
      '    def __del__(self):',
      '        if not self.closed:',
      '            self.sock.close()',
      '',
    ].join('\n');
    const d = (await lintText(src)).find((x) => x.code === 'HI001');
    assert.ok(d);
    assert.deepEqual(d.fixes, []);
  });

  test('HI010: adds __enter__/__exit__ with the class indentation', async () => {
    const src = 'class Pool:\n  def close(self):\n    pass\n';
    const [d] = await lintText(src);
    const fixed = applyEdits(src, d.fixes[0].edits);
    assert.equal(
      fixed,
      'class Pool:\n  def close(self):\n    pass\n\n  def __enter__(self):\n    return self\n\n' +
        '  def __exit__(self, exc_type, exc, tb):\n    self.close()\n',
    );
    assert.deepEqual(await lintText(fixed), []);
  });

  test('HI002: appends super().__del__()', async () => {
    const src =
      'class A:\n    def __del__(self):\n        pass\nclass B(A):\n    def __del__(self):\n        print("b")\n';
    const d = (await lintText(src)).find((x) => x.code === 'HI002');
    assert.ok(d);
    const fixed = applyEdits(src, d.fixes[0].edits);
    assert.match(fixed, /print\("b"\)\n {8}super\(\)\.__del__\(\)\n$/);
    assert.deepEqual(await lintText(fixed), []);
  });
  test('fixes keep tab indentation and CRLF line endings', async () => {
    const tabs =
      'import os\nclass A:\n\tdef __init__(self, p):\n\t\tself.p = p\n\tdef __del__(self):\n\t\tos.remove(self.p)\n';
    const d = (await lintText(tabs)).find((x) => x.code === 'HI001');
    assert.ok(d);
    const fixed = applyEdits(tabs, d.fixes[0].edits);
    assert.match(fixed, /\n\t@staticmethod\n\tdef _release_resources\(p\):\n\t\tos\.remove\(p\)\n/);
    assert.ok(pythonCompiles(fixed).ok);
    const crlf = tabs.replace(/\n/g, '\r\n');
    const c = (await lintText(crlf)).find((x) => x.code === 'HI001');
    assert.ok(c);
    const fixedCrlf = applyEdits(crlf, c.fixes[0].edits);
    assert.equal(fixedCrlf.replace(/\r\n/g, '').includes('\n'), false);
    assert.equal(fixedCrlf.replace(/\r\n/g, '\n'), fixed);
  });
});
