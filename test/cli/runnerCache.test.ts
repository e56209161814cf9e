/**
 * The compiled runner's cache must never let another user's file run as us, and no setting of
 * the environment may hang the CLI.
 *
 * The cross-user cases are real: as root, the test plants files as one uid (the attacker) and
 * runs the CLI as another (the victim) with `setpriv`; the planted code would write a marker file.
 * The victim's interpreter is Debian's /usr/bin/python3 (pyenv's live under /root, which other
 * users cannot read).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
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
import { CrossUserStage, canSwitchUsers, SYSTEM_PYTHON } from './crossUser';
import { lastLine, runCli, writeScript } from './support';
import { agentCodeName } from '../../server/runner/agentCode';
import { compiledFileName } from '../../server/runner/agentFiles';
import { RUNNER_FILES } from '../../server/runner/compiledRunner';
import { START_FILES } from '../../server/runner/startStage';
import { findPython } from '../../scripts/python.mjs';

const VICTIM = 23456;
const ATTACKER = 12345;

const work = mkdtempSync(join(tmpdir(), 'hi-runner-cache-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe(
  'the runner cache never runs a file another user could have written',
  {
    skip: canSwitchUsers ? false : 'needs root, setpriv and /usr/bin/python3',
  },
  () => {
    const stage = new CrossUserStage(work, VICTIM, ATTACKER);
    const { shared, markers, victimHome } = stage;
    let runnerName = '';
    let startName = '';
    let agentCodeFile = '';
    let evil = '';

    before(() => {
      chmodSync(work, 0o755);
      stage.setUp();
      evil = writeScript(
        work,
        'evil.py',
        `import os, sys\nwith open(os.path.join(${JSON.stringify(markers)}, "PWNED-%d" % os.getuid()), "a") as f:\n    f.write(repr(sys.argv) + "\\n")\n`,
      );
      chmodSync(evil, 0o644);
      const tag = spawnSync(
        SYSTEM_PYTHON,
        ['-c', 'import sys; print(sys.implementation.cache_tag)'],
        {
          encoding: 'utf8',
        },
      ).stdout.trim();
      // The names the CLI will use, which an attacker can predict as well.
      runnerName = compiledFileName('heap_inspector_run', tag, RUNNER_FILES);
      startName = compiledFileName('heap_inspector_start', tag, START_FILES);
      agentCodeFile = agentCodeName(tag);
    });

    /** As the attacker: the planted runner and first stage in `folder`. */
    function plant(folder: string) {
      const r = stage.plantWith(
        [
          'import os, py_compile, sys',
          'os.makedirs(sys.argv[2], exist_ok=True)',
          'py_compile.compile(sys.argv[1], cfile=os.path.join(sys.argv[2], sys.argv[3]), doraise=True)',
          'py_compile.compile(sys.argv[1], cfile=os.path.join(sys.argv[2], sys.argv[4]), doraise=True)',
        ].join('\n'),
        [evil, folder, runnerName, startName],
      );
      assert.equal(r.status, 0, r.stderr);
    }

    function victimSnapshot(env: Record<string, string>) {
      const out = join(victimHome, 'out.json');
      rmSync(out, { force: true });
      const r = stage.victimSnapshot(env, ['--json', out, '--quiet']);
      return { ...r, captured: existsSync(out) };
    }

    function victimLeftovers(): string[] {
      return readdirSync(shared).filter(
        (name) =>
          lstatSync(join(shared, name)).uid === VICTIM && name !== `heap-inspector-${VICTIM}`,
      );
    }

    it('HOME not writable: files planted in the shared temporary folder are not run', () => {
      plant(join(shared, 'heap-inspector-runner'));
      plant(join(shared, `heap-inspector-${VICTIM}`)); // the per-user name, taken first by the attacker
      const r = victimSnapshot({ HOME: '/nonexistent' });
      assert.equal(r.ranPlanted, null, 'the planted runner ran as the victim');
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.captured, r.stderr);
      assert.deepEqual(victimLeftovers(), [], 'the run leaves nothing in the temporary folder');
    });

    it('XDG_CACHE_HOME whose cache folder another user owns is not used', () => {
      const xdg = join(work, 'xdg-owned-by-attacker');
      mkdirSync(xdg);
      chownSync(xdg, ATTACKER, ATTACKER);
      plant(join(xdg, 'heap-inspector', 'runner'));
      const r = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(r.ranPlanted, null, 'the planted runner ran as the victim');
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.captured);
    });

    it('a cache folder of ours that everyone can write (0777) is not used', () => {
      const xdg = join(work, 'xdg-world-writable');
      const runnerDir = join(xdg, 'heap-inspector', 'runner');
      mkdirSync(runnerDir, { recursive: true });
      for (const p of [xdg, join(xdg, 'heap-inspector'), runnerDir]) chownSync(p, VICTIM, VICTIM);
      chmodSync(runnerDir, 0o777);
      plant(runnerDir);
      const r = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(r.ranPlanted, null, 'the planted runner ran as the victim');
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.captured);
    });

    it('a file in our private cache that another user owns is not run', () => {
      const xdg = join(work, 'xdg-foreign-file');
      const runnerDir = join(xdg, 'heap-inspector', 'runner');
      mkdirSync(join(work, 'staging'));
      chownSync(join(work, 'staging'), ATTACKER, ATTACKER);
      plant(join(work, 'staging'));
      mkdirSync(runnerDir, { recursive: true });
      for (const p of [xdg, join(xdg, 'heap-inspector'), runnerDir]) {
        chownSync(p, VICTIM, VICTIM);
        chmodSync(p, 0o700);
      }
      for (const name of [runnerName, startName]) {
        writeFileSync(join(runnerDir, name), readFileSync(join(work, 'staging', name)));
        chownSync(join(runnerDir, name), ATTACKER, ATTACKER);
      }
      const r = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(r.ranPlanted, null, 'the planted runner ran as the victim');
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.captured);
      const replaced = lstatSync(join(runnerDir, runnerName));
      assert.equal(replaced.uid, VICTIM, 'the foreign file is replaced by our own compilation');
      const start = lstatSync(join(runnerDir, startName));
      assert.equal(start.uid, VICTIM, 'the foreign first stage is replaced by our own build');
    });

    it("a cache folder that is a symbolic link to another user's folder is not used", () => {
      const xdg = join(work, 'xdg-symlink');
      mkdirSync(join(xdg, 'heap-inspector'), { recursive: true });
      for (const p of [xdg, join(xdg, 'heap-inspector')]) {
        chownSync(p, VICTIM, VICTIM);
        chmodSync(p, 0o700);
      }
      const theirs = join(work, 'attacker-runner');
      mkdirSync(theirs);
      chownSync(theirs, ATTACKER, ATTACKER);
      plant(theirs);
      symlinkSync(theirs, join(xdg, 'heap-inspector', 'runner'));
      lchownSync(join(xdg, 'heap-inspector', 'runner'), VICTIM, VICTIM);
      const r = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(r.ranPlanted, null, 'the planted runner ran as the victim');
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.captured);
    });

    it('a usable cache is created private (0700), with files only we can write, and reused', () => {
      const xdg = join(work, 'xdg-fresh');
      mkdirSync(xdg);
      chownSync(xdg, VICTIM, VICTIM);
      const first = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(first.status, 0, first.stderr);
      const runnerDir = join(xdg, 'heap-inspector', 'runner');
      const folder = lstatSync(runnerDir);
      assert.ok(folder.isDirectory());
      assert.equal(folder.uid, VICTIM);
      assert.equal(folder.mode & 0o777, 0o700);
      const compiled = lstatSync(join(runnerDir, runnerName));
      assert.ok(compiled.isFile());
      assert.equal(compiled.uid, VICTIM);
      assert.equal(compiled.mode & 0o022, 0);
      const start = lstatSync(join(runnerDir, startName));
      assert.equal(start.uid, VICTIM);
      assert.equal(start.mode & 0o022, 0);
      // The agent's modules compiled for the interpreter (agentCode.test.ts), private as well.
      const code = lstatSync(join(runnerDir, agentCodeFile));
      assert.equal(code.uid, VICTIM);
      assert.equal(code.mode & 0o077, 0);
      // The native accelerator and its interpreter's ABI answer are cached beside them
      // (test/cli/accelerator.test.ts, abiCache.test.ts), private as well.
      // V8's compiled code of the CLI (cli/start.ts), private as well.
      const v8 = readdirSync(runnerDir).filter((name) => /^cli-\w+-snapshot\.v8$/.test(name));
      assert.equal(v8.length, 1, "the CLI's compiled code is kept once");
      assert.equal(lstatSync(join(runnerDir, v8[0])).mode & 0o077, 0);
      const abi = readdirSync(runnerDir).filter((name) => /^abi-\w+\.json$/.test(name));
      assert.equal(abi.length, 1, 'the ABI answer is remembered once');
      assert.equal(lstatSync(join(runnerDir, abi[0])).mode & 0o077, 0);
      assert.deepEqual(
        readdirSync(runnerDir)
          .filter((name) => !/^heap_inspector_accel-\w+\.cpython-.*\.so$/.test(name))
          .sort(),
        [runnerName, startName, agentCodeFile, ...v8, ...abi].sort(),
        'no temporary file is left in the cache',
      );
      const second = victimSnapshot({ HOME: victimHome, XDG_CACHE_HOME: xdg });
      assert.equal(second.status, 0, second.stderr);
      assert.equal(lstatSync(join(runnerDir, runnerName)).ino, compiled.ino, 'reused, not rebuilt');
    });
  },
);

describe('no setting of the environment hangs the CLI', () => {
  const python = findPython();
  const folder = join(work, 'env');
  const privateTmp = join(work, 'env-tmp');
  mkdirSync(folder, { recursive: true });
  mkdirSync(privateTmp, { recursive: true });
  const script = writeScript(folder, 'small.py', 'x = [1]\ny = 2\n');
  const aFile = writeScript(folder, 'a-file', 'not a folder\n');

  function snapshotWith(env: NodeJS.ProcessEnv) {
    const out = join(folder, 'out.json');
    rmSync(out, { force: true });
    const r = runCli(
      ['snapshot', '--python', python, '--at', `${script}:2`, '--json', out, '--quiet', script],
      { cwd: folder, env, timeoutMs: 150_000 },
    );
    return { ...r, captured: existsSync(out) };
  }

  const base = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: privateTmp };
    delete env.XDG_CACHE_HOME;
    return env;
  };

  it('HOME=/proc/no-home (where a recursive mkdir never returns)', () => {
    const r = snapshotWith({ ...base(), HOME: '/proc/no-home' });
    assert.equal(r.signal, null, 'the CLI hung and was killed');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.captured);
  });

  it('HOME that does not exist', () => {
    const r = snapshotWith({ ...base(), HOME: join(work, 'no-such-home') });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.captured);
    assert.ok(!existsSync(join(work, 'no-such-home')), 'a missing home is not created');
  });

  it('HOME unset', () => {
    const env = base();
    delete env.HOME;
    const r = snapshotWith(env);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.captured);
  });

  it('XDG_CACHE_HOME is a file', () => {
    const r = snapshotWith({ ...base(), XDG_CACHE_HOME: aFile });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.captured);
  });

  it('XDG_CACHE_HOME is relative (ignored, as the XDG specification says)', () => {
    const r = snapshotWith({ ...base(), XDG_CACHE_HOME: 'relative-cache' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.captured);
    assert.ok(
      !existsSync(join(folder, 'relative-cache')),
      'nothing is created in the working folder',
    );
  });

  it('no usable cache anywhere: a private folder per run, removed afterwards', () => {
    const tmp = join(work, 'env-tmp-blocked');
    mkdirSync(tmp);
    // The per-user cache name in TMPDIR is taken by a file: no cache can be made there either.
    writeFileSync(join(tmp, `heap-inspector-${process.getuid?.() ?? 0}`), 'taken\n');
    const r = snapshotWith({ ...base(), HOME: '/proc/no-home', TMPDIR: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.captured);
    assert.deepEqual(readdirSync(tmp), [`heap-inspector-${process.getuid?.() ?? 0}`]);
  });

  it('XDG_CACHE_HOME that is a link to a private folder of ours: used, where it points', () => {
    const real = join(work, 'real-cache');
    mkdirSync(real, { mode: 0o700 });
    const link = join(folder, 'cache-link');
    symlinkSync(real, link);
    const r = snapshotWith({ ...base(), XDG_CACHE_HOME: link });
    assert.equal(r.status, 0, r.stderr);
    const cached = readdirSync(join(real, 'heap-inspector', 'runner'));
    assert.ok(
      cached.some((name) => name.endsWith('.pyc')),
      cached.join(', '),
    );
  });

  it('TMPDIR that does not exist: one line that says what to do', () => {
    const r = snapshotWith({ ...base(), TMPDIR: join(work, 'no-such-tmp') });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(lastLine(r.stderr), /^heap-inspector: .*no-such-tmp.*TMPDIR/);
  });
});
