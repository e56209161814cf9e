/**
 * The agent's modules compiled once per interpreter and kept in the runner cache
 * (server/runner/agentCode.ts): built on the first run, private, reused, rebuilt when cut short,
 * one per interpreter, never beside the agent; a damaged file costs speed, never a capture.
 * Which modules the program's process compiles is test/agent/test_agent_code.py's subject.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, writeScript } from './support';
import { agentCode, agentCodeName } from '../../server/runner/agentCode';
import { agentPackageDirectory } from '../../server/runner/agentFiles';
import { probePython, type PythonInfo } from '../../server/runner/pythonInfo';
import { findPython } from '../../scripts/python.mjs';

const OTHER_PYTHONS = ['3.8.18', '3.13.0'].map(
  (v) => `${process.env.HOME}/.pyenv/versions/${v}/bin/python`,
);

function info(python: string): PythonInfo {
  const found = probePython(python);
  assert.ok(typeof found !== 'string', `${python} answers`);
  return found;
}

describe('the compiled agent in the runner cache', () => {
  const work = mkdtempSync(join(tmpdir(), 'hi-agent-code-'));
  const cache = join(work, 'xdg', 'heap-inspector', 'runner');
  const python = findPython();
  const script = writeScript(work, 'small.py', 'x = [1]\nx.append(x)\ny = 2\n');

  const besideTheAgent = join(agentPackageDirectory(), '__pycache__');

  before(() => chmodSync(work, 0o700));
  after(() => rmSync(work, { recursive: true, force: true }));

  function snapshot(withPython = python) {
    const out = join(work, 'out.json');
    rmSync(out, { force: true });
    const r = runCli(
      ['snapshot', '--python', withPython, '--at', `${script}:3`, '--json', out, '--quiet', script],
      { cwd: work, env: { ...process.env, XDG_CACHE_HOME: join(work, 'xdg') } },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(out), 'captured and analysed');
    return r;
  }

  it('is built on the first run, private, and reused', () => {
    snapshot();
    const path = join(cache, agentCodeName(info(python).cacheTag));
    const built = lstatSync(path);
    assert.ok(built.isFile());
    assert.equal(built.mode & 0o077, 0, 'only we can read it');
    snapshot();
    assert.equal(lstatSync(path).ino, built.ino, 'reused, not rebuilt');
  });

  it('a file cut short is rebuilt', () => {
    const path = join(cache, agentCodeName(info(python).cacheTag));
    const size = lstatSync(path).size;
    truncateSync(path, Math.floor(size / 2));
    assert.equal(agentCode(info(python), cache), path);
    assert.equal(lstatSync(path).size, size);
  });

  it('a damaged file that looks whole is ignored by the agent: the capture still works', () => {
    const path = join(cache, agentCodeName(info(python).cacheTag));
    const data = readFileSync(path);
    data.fill(0x41, 40); // the header says whole; the payload's checksum says otherwise
    writeFileSync(path, data);
    snapshot();
  });

  it(
    'another interpreter gets a file of its own',
    { skip: !OTHER_PYTHONS.every(existsSync) },
    () => {
      const names = new Set([python, ...OTHER_PYTHONS].map((p) => agentCodeName(info(p).cacheTag)));
      assert.equal(names.size, 3, [...names].join(', '));
      for (const other of OTHER_PYTHONS) {
        const tag = info(other).cacheTag;
        // The first run with an interpreter builds its accelerator too (build_accel.py loads
        // accel_loader.py): nothing of it may be written beside the agent. No other test file
        // runs these two interpreters.
        const written = () =>
          (existsSync(besideTheAgent) ? readdirSync(besideTheAgent) : [])
            .filter((name) => name.includes(`.${tag}.`))
            .map((name) => `${name} ${lstatSync(join(besideTheAgent, name)).mtimeMs}`);
        // Compiled files left by an earlier version would hide a new write (python only rewrites
        // a stale one): these tags' files go first.
        for (const name of written()) rmSync(join(besideTheAgent, name.split(' ')[0]));
        const earlier = written();
        snapshot(other);
        assert.ok(existsSync(join(cache, agentCodeName(tag))), other);
        assert.deepEqual(written(), earlier, 'nothing written beside the agent');
      }
    },
  );

  it('no cache folder: no file, nothing built', () => {
    assert.equal(agentCode(info(python), null), null);
  });
});
