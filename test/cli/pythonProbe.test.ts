/**
 * Asking the interpreter what it is (server/runner/pythonInfo.ts) runs none of the user's start-up
 * code: the probe starts without the site module, so a sitecustomize (or a .pth file) runs once
 * per CLI run, in the program, as under plain python; and it takes no time of its own.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, writeScript } from './support';
import { probePython } from '../../server/runner/pythonInfo';
import { findPython } from '../../scripts/python.mjs';

describe('the interpreter probe', () => {
  const work = mkdtempSync(join(tmpdir(), 'hi-probe-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const python = findPython();
  const site = join(work, 'site');
  mkdirSync(site);
  const marker = join(work, 'site-ran.txt');
  writeScript(
    site,
    'sitecustomize.py',
    `import os\nwith open(${JSON.stringify(marker)}, "a") as f:\n    f.write("%d\\n" % os.getpid())\n`,
  );
  const env = { ...process.env, PYTHONPATH: site };

  function withEnv<T>(run: () => T): T {
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = site;
    try {
      return run();
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
    }
  }

  function ranSite(): number {
    return existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').length : 0;
  }

  it("answers the interpreter's own facts without running its site customisation", () => {
    rmSync(marker, { force: true });
    const info = withEnv(() => probePython(python));
    assert.ok(typeof info !== 'string');
    assert.equal(ranSite(), 0, 'sitecustomize ran for the probe');
    const own = spawnSync(
      python,
      [
        '-c',
        'import sys; print(sys.implementation.cache_tag, *sys.version_info[:3]); print(sys.executable)',
      ],
      { encoding: 'utf8', env },
    );
    const [first, executable] = own.stdout.split('\n');
    assert.equal(first, `${info.cacheTag} ${info.version.join(' ')}`);
    assert.equal(info.resolved, executable);
    assert.equal(ranSite(), 1, 'python itself runs it');
  });

  it('a snapshot runs the sitecustomize once, in the program', () => {
    rmSync(marker, { force: true });
    const script = writeScript(work, 'small.py', 'x = [1]\ny = 2\n');
    const r = runCli(
      [
        'snapshot',
        '--python',
        python,
        '--quiet',
        '--at',
        `${script}:2`,
        '--out',
        join(work, 's'),
        script,
      ],
      { cwd: work, env },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(ranSite(), 1);
  });
});
