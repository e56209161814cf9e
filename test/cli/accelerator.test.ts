/**
 * The native accelerator is built, cached and loaded by the runner cache's rules
 * (server/runner/accelerator.ts, agent/heap_inspector_agent/accel_loader.py): another user's file
 * never runs, a build for another interpreter is refused with one line, and without a compiler or
 * headers the capture goes on with the pure-Python kernel and one line saying so.
 *
 * The cross-user cases are real, as in runnerCache.test.ts: as root, the test plants a module as
 * one uid (the attacker) and runs the CLI as another (the victim) with `setpriv`. The planted
 * module carries the victim's exact ABI marker, so only the ownership rules stop it, and it writes
 * a marker file the moment it is mapped (a constructor), before any Python code could check it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  accelerator,
  acceleratorName,
  acceleratorSourceDigest,
  describeAbi,
  prebuiltModule,
  type AbiFacts,
} from '../../server/runner/accelerator';
import { prepareDebuggeeAccelerator } from '../../server/runner/debuggeeAccelerator';
import { probePython, type PythonInfo } from '../../server/runner/pythonInfo';
import { acceleratorSourceDigest as packagedDigest } from '../../scripts/prebuild-accel.mjs';
import { findPython } from '../../scripts/python.mjs';
import { CrossUserStage, canSwitchUsers, SYSTEM_PYTHON } from './crossUser';
import { ROOT, runCli, writeScript } from './support';

const VICTIM = 23457;
const ATTACKER = 12346;
const BUILDER = join(ROOT, 'agent', 'accel', 'build_accel.py');
const NOT_USED = 'the native accelerator was not used (';

const work = mkdtempSync(join(tmpdir(), 'hi-accel-'));
chmodSync(work, 0o755);
after(() => rmSync(work, { recursive: true, force: true }));

function facts(python: string): AbiFacts {
  const found = describeAbi(python);
  assert.equal(typeof found, 'object', String(found));
  return found as AbiFacts;
}

/** The summary's warnings (the CLI prints each as a `note:` line on standard error). */
function notes(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('note: '))
    .map((line) => line.slice('note: '.length));
}

describe(
  'the accelerator cache never loads a module another user could have written',
  {
    skip: canSwitchUsers ? false : 'needs root, setpriv and /usr/bin/python3',
  },
  () => {
    const stage = new CrossUserStage(work, VICTIM, ATTACKER);
    const { shared, markers, victimHome } = stage;
    let planted = '';
    let name = '';

    before(() => {
      stage.setUp();
      // The victim's exact ABI marker, read from a genuine build for its interpreter.
      const genuine = join(work, 'genuine.so');
      const built = spawnSync(SYSTEM_PYTHON, ['-I', '-B', BUILDER, 'build', genuine, 'x'], {
        encoding: 'utf8',
      });
      assert.equal(built.status, 0, built.stderr);
      const bytes = readFileSync(genuine);
      const start = bytes.indexOf('heap-inspector-accel-abi:');
      const marker = bytes.subarray(start, bytes.indexOf(0, start)).toString('ascii');
      const source = join(work, 'planted.c');
      writeFileSync(
        source,
        [
          '#include <Python.h>',
          '#include <stdio.h>',
          '#include <unistd.h>',
          `const char abi[] = "${marker}";`,
          '__attribute__((constructor)) static void pwn(void) {',
          '  char path[512];',
          `  snprintf(path, sizeof path, "%s/PWNED-%d", "${markers}", (int)getuid());`,
          '  FILE *f = fopen(path, "a"); if (f) { fputs(abi, f); fclose(f); }',
          '}',
          'PyMODINIT_FUNC PyInit__heap_inspector_accel(void) { return NULL; }',
        ].join('\n'),
      );
      planted = join(work, 'planted.so');
      const include = spawnSync(
        SYSTEM_PYTHON,
        ['-c', 'import sysconfig; print(sysconfig.get_config_var("INCLUDEPY"))'],
        { encoding: 'utf8' },
      ).stdout.trim();
      const cc = spawnSync('gcc', ['-shared', '-fPIC', `-I${include}`, source, '-o', planted], {
        encoding: 'utf8',
      });
      assert.equal(cc.status, 0, cc.stderr);
      chmodSync(planted, 0o644);
      name = acceleratorName(facts(SYSTEM_PYTHON), acceleratorSourceDigest());
    });

    /** As the attacker: the planted module under the victim's expected name in `folder`. */
    function plant(folder: string) {
      const r = stage.plantWith(
        'import os, shutil, sys; os.makedirs(sys.argv[2], exist_ok=True); shutil.copyfile(sys.argv[1], os.path.join(sys.argv[2], sys.argv[3]))',
        [planted, folder, name],
      );
      assert.equal(r.status, 0, r.stderr);
    }

    function victimSnapshot(env: Record<string, string>) {
      const r = stage.victimSnapshot(env);
      return { ...r, notes: notes(r.stderr) };
    }

    it('HOME not writable: a module planted in the shared temporary folder is never loaded', () => {
      plant(join(shared, `heap-inspector-${VICTIM}`)); // the per-user name, taken first
      const r = victimSnapshot({ HOME: '/nonexistent' });
      assert.equal(r.ranPlanted, null, 'the planted module was loaded as the victim');
      assert.equal(r.status, 0, r.stderr);
      // No cache: the victim built its own in the run's private folder, and used it.
      assert.deepEqual(
        r.notes.filter((n) => n.startsWith(NOT_USED)),
        [],
      );
    });

    it('a cache folder of ours that everyone can write is not used', () => {
      const xdg = join(work, 'xdg-world-writable');
      const cache = join(xdg, 'heap-inspector', 'runner');
      mkdirSync(cache, { recursive: true });
      for (const p of [xdg, join(xdg, 'heap-inspector'), cache]) chownSync(p, VICTIM, VICTIM);
      chmodSync(cache, 0o777);
      plant(cache);
      const r = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(r.ranPlanted, null, 'the planted module was loaded as the victim');
      assert.equal(r.status, 0, r.stderr);
    });

    it('a file in our private cache that another user owns, or a link, is replaced by our build', () => {
      const xdg = join(work, 'xdg-foreign-file');
      const cache = join(xdg, 'heap-inspector', 'runner');
      mkdirSync(cache, { recursive: true });
      for (const p of [xdg, join(xdg, 'heap-inspector'), cache]) {
        chownSync(p, VICTIM, VICTIM);
        chmodSync(p, 0o700);
      }
      copyFileSync(planted, join(cache, name));
      chownSync(join(cache, name), ATTACKER, ATTACKER);
      let r = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(r.ranPlanted, null, 'the planted module was loaded as the victim');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(lstatSync(join(cache, name)).uid, VICTIM, 'replaced by our own build');
      assert.deepEqual(
        r.notes.filter((n) => n.startsWith(NOT_USED)),
        [],
      );
      rmSync(join(cache, name));
      symlinkSync(planted, join(cache, name));
      r = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(r.ranPlanted, null, 'the linked module was loaded as the victim');
      assert.ok(lstatSync(join(cache, name)).isFile(), 'the link is replaced by our own build');
    });

    it('a usable cache keeps one private build, reused', () => {
      const xdg = join(work, 'xdg-fresh');
      mkdirSync(xdg);
      chownSync(xdg, VICTIM, VICTIM);
      const first = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(first.status, 0, first.stderr);
      const cache = join(xdg, 'heap-inspector', 'runner');
      const built = lstatSync(join(cache, name));
      assert.ok(built.isFile());
      assert.equal(built.uid, VICTIM);
      assert.equal(built.mode & 0o077, 0);
      assert.deepEqual(
        readdirSync(cache).filter((file) => file.includes('heap_inspector_accel')),
        [name],
        'no temporary file is left in the cache',
      );
      const second = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(second.status, 0, second.stderr);
      assert.equal(lstatSync(join(cache, name)).ino, built.ino, 'reused, not rebuilt');
    });
  },
);

describe('without a usable accelerator the capture goes on, with one line saying why', () => {
  const python = findPython();
  const folder = join(work, 'lines');
  mkdirSync(folder);
  const script = writeScript(folder, 'small.py', 'x = [1]\ny = 2\n');

  function snapshotWith(env: NodeJS.ProcessEnv, interpreter = python) {
    const out = join(folder, 'out.heapsnap');
    rmSync(out, { force: true });
    const r = runCli(
      ['snapshot', '--python', interpreter, '--at', `${script}:2`, '--out', out, script],
      { cwd: folder, env },
    );
    return { ...r, captured: existsSync(out), notes: notes(r.stderr) };
  }

  function freshCache(label: string): string {
    const xdg = join(work, `xdg-${label}`);
    mkdirSync(xdg, { mode: 0o700 });
    return xdg;
  }

  it('a build for another interpreter version is refused with one line', () => {
    const others = ['3.12.1', '3.13.0', '3.10.13']
      .map((v) => join(process.env.HOME ?? '/root', '.pyenv', 'versions', v, 'bin', 'python'))
      .filter(existsSync);
    const absolute = spawnSync(python, ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).stdout.trim();
    const mine = facts(absolute);
    const other = others.find((p) => facts(p).hexversion >> 16 !== mine.hexversion >> 16);
    if (other === undefined) return;
    const xdg = freshCache('mismatch');
    const cache = join(xdg, 'heap-inspector', 'runner');
    mkdirSync(cache, { recursive: true, mode: 0o700 });
    const target = join(cache, acceleratorName(mine, acceleratorSourceDigest()));
    const built = spawnSync(other, ['-I', '-B', BUILDER, 'build', target, 'x'], {
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
    const r = snapshotWith({ ...process.env, XDG_CACHE_HOME: xdg }, absolute);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.captured);
    const lines = r.notes.filter((n) => n.startsWith(NOT_USED));
    assert.equal(lines.length, 1, r.stderr);
    const version = (v: number) => `${v >> 24}.${(v >> 16) & 0xff}.${(v >> 8) & 0xff}`;
    assert.equal(
      lines[0],
      `${NOT_USED}it was built for CPython ${version(facts(other).hexversion)}, this is ` +
        `${version(mine.hexversion)}): the heap was read by the pure-Python kernel`,
    );
  });

  it('without a compiler', () => {
    const empty = join(work, 'empty-path');
    mkdirSync(empty);
    const absolute = spawnSync(python, ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).stdout.trim();
    const r = snapshotWith(
      { ...process.env, PATH: empty, XDG_CACHE_HOME: freshCache('no-compiler') },
      absolute,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.captured);
    assert.deepEqual(
      r.notes.filter((n) => n.startsWith(NOT_USED)),
      [
        `${NOT_USED}no C compiler: gcc is not installed): the heap was read by the pure-Python kernel`,
      ],
    );
  });

  it('turned off by HEAP_INSPECTOR_ACCELERATOR=off', () => {
    const r = snapshotWith({ ...process.env, HEAP_INSPECTOR_ACCELERATOR: 'off' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      r.notes.filter((n) => n.startsWith(NOT_USED)),
      [
        `${NOT_USED}turned off by HEAP_INSPECTOR_ACCELERATOR): the heap was read by the pure-Python kernel`,
      ],
    );
  });

  it('a 32-bit CPython without a compiler for it', () => {
    const i386 = join(
      process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/root', '.cache'),
      'heap-inspector',
      'i386-python',
      'python3',
    );
    if (!existsSync(i386)) return;
    const r = snapshotWith({ ...process.env, XDG_CACHE_HOME: freshCache('i386') }, i386);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.captured);
    const lines = r.notes.filter((n) => n.startsWith(NOT_USED));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      /\((no C compiler: .* is not installed|this Python's C headers are not installed .*)\)/,
    );
  });
});

describe('the extension host never waits for a compiler', () => {
  it('a missing build is started in the background for the next run, this run is pure', async () => {
    const info = probePython(findPython());
    assert.equal(typeof info, 'object');
    const python = info as PythonInfo;
    const xdg = join(work, 'xdg-later');
    mkdirSync(xdg, { mode: 0o700 });
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = xdg;
    try {
      const asked: string[] = [];
      const first = accelerator(python, join(work, 'later-private'), (executable) =>
        asked.push(executable),
      );
      assert.deepEqual(first, {
        kind: 'pure',
        reason: 'it is being built for this Python, for the next capture',
      });
      assert.deepEqual(asked, [python.executable]);
      assert.equal(await prepareDebuggeeAccelerator(python.executable), true);
      const next = accelerator(python, join(work, 'later-private'), (executable) =>
        asked.push(executable),
      );
      assert.equal(next.kind, 'native');
      assert.equal(next.kind === 'native' && next.origin, 'cache');
      assert.equal(asked.length, 1);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });
});

describe('prebuilt modules (the .vsix)', () => {
  const python = findPython();

  it('the packaging script names the sources as the runner does', () => {
    assert.equal(packagedDigest(), acceleratorSourceDigest());
  });

  it('are used only for the same extension suffix, the same sources, and files no one else can change', () => {
    const folder = mkdtempSync(join(work, 'prebuilt-'));
    chmodSync(folder, 0o755);
    const mine = facts(python);
    const file = `heap_inspector_accel${mine.extSuffix}`;
    writeFileSync(join(folder, file), 'a module');
    chmodSync(join(folder, file), 0o644);
    const manifest = (digest: string, modules: Record<string, string>) =>
      writeFileSync(
        join(folder, 'manifest.json'),
        JSON.stringify({ sourceDigest: digest, modules }),
      );
    const digest = acceleratorSourceDigest();
    manifest(digest, { [mine.extSuffix]: file });
    assert.equal(prebuiltModule(mine, digest, folder), join(folder, file));
    assert.equal(prebuiltModule({ ...mine, extSuffix: '.cpython-39-x.so' }, digest, folder), null);
    manifest('0'.repeat(32), { [mine.extSuffix]: file });
    assert.equal(prebuiltModule(mine, digest, folder), null, 'built from other sources');
    manifest(digest, { [mine.extSuffix]: '../elsewhere.so' });
    assert.equal(prebuiltModule(mine, digest, folder), null, 'outside the folder');
    manifest(digest, { [mine.extSuffix]: file });
    chmodSync(join(folder, file), 0o666);
    assert.equal(prebuiltModule(mine, digest, folder), null, 'writable by others');
    chmodSync(join(folder, file), 0o644);
    chmodSync(folder, 0o777);
    assert.equal(prebuiltModule(mine, digest, folder), null, 'in a folder others can write');
  });
});
