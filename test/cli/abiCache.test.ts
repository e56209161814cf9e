/**
 * An interpreter's ABI answer is remembered per binary (server/runner/abiCache.ts): asked once,
 * then read from the runner cache, asked again when the binary changes, and never taken from a
 * file the cache does not trust or that is not an answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  copyFileSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abiCacheName, rememberedAbi } from '../../server/runner/abiCache';
import {
  describeAbi,
  parseAbiFacts,
  type AbiFacts,
  acceleratorSourceDigest,
} from '../../server/runner/accelerator';
import { runnerCacheFolder } from '../../server/runner/runnerCache';

const FACTS: AbiFacts = {
  executable: '/usr/bin/python3',
  hexversion: 0x30b02f0,
  abiflags: '',
  extSuffix: '.cpython-311-x86_64-linux-gnu.so',
  pointerSize: 8,
};

describe('remembered ABI answers', () => {
  const work = mkdtempSync(join(tmpdir(), 'hi-abi-cache-'));
  const savedXdg = process.env.XDG_CACHE_HOME;
  // A stand-in binary: the key is its path, size and time, never its contents' meaning.
  const binary = join(work, 'python3.11');
  let asked = 0;
  const describe = (): AbiFacts => {
    asked++;
    return FACTS;
  };

  before(() => {
    chmodSync(work, 0o700);
    process.env.XDG_CACHE_HOME = join(work, 'xdg');
    writeFileSync(binary, 'not really an interpreter');
  });
  after(() => {
    if (savedXdg === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedXdg;
    rmSync(work, { recursive: true, force: true });
  });

  function cacheFile(): string {
    const folder = runnerCacheFolder();
    assert.ok(folder !== null);
    const name = abiCacheName(binary, 'digest');
    assert.ok(name !== null);
    return join(folder, name);
  }

  it('asks once, then reads the answer', () => {
    asked = 0;
    assert.deepEqual(rememberedAbi(binary, 'digest', describe, parseAbiFacts), FACTS);
    assert.deepEqual(rememberedAbi(binary, 'digest', describe, parseAbiFacts), FACTS);
    assert.equal(asked, 1);
  });

  it('asks again for other accelerator sources or a changed binary', () => {
    asked = 0;
    rememberedAbi(binary, 'other-digest', describe, parseAbiFacts);
    assert.equal(asked, 1);
    utimesSync(binary, new Date(2020, 1, 1), new Date(2020, 1, 1));
    rememberedAbi(binary, 'digest', describe, parseAbiFacts);
    assert.equal(asked, 2);
  });

  it('a file that is not an answer, or that others may write, is not used', () => {
    rememberedAbi(binary, 'digest', describe, parseAbiFacts);
    asked = 0;
    writeFileSync(cacheFile(), '{"extSuffix": "../../evil"}');
    assert.deepEqual(rememberedAbi(binary, 'digest', describe, parseAbiFacts), FACTS);
    assert.equal(asked, 1, 'a crafted suffix was taken as an answer');
    chmodSync(cacheFile(), 0o666);
    assert.deepEqual(rememberedAbi(binary, 'digest', describe, parseAbiFacts), FACTS);
    assert.equal(asked, 2, 'a file others can write was trusted');
  });

  it('a failed answer is not remembered', () => {
    const failing = join(work, 'broken-python');
    copyFileSync(binary, failing);
    let calls = 0;
    const fails = (): string => {
      calls++;
      return 'the interpreter could not describe its ABI (no reason given)';
    };
    rememberedAbi(failing, 'digest', fails, parseAbiFacts);
    rememberedAbi(failing, 'digest', fails, parseAbiFacts);
    assert.equal(calls, 2);
  });

  it("a real interpreter's remembered answer is its own", () => {
    const python = process.env.HEAP_INSPECTOR_PYTHON ?? '/usr/bin/python3';
    const digest = acceleratorSourceDigest();
    const direct = describeAbi(python);
    assert.equal(typeof direct, 'object', String(direct));
    const first = rememberedAbi(python, digest, describeAbi, parseAbiFacts);
    const second = rememberedAbi(python, digest, () => 'not asked', parseAbiFacts);
    assert.deepEqual(first, direct);
    assert.deepEqual(second, direct);
    assert.ok(readdirSync(runnerCacheFolder() ?? '').some((n) => n.startsWith('abi-')));
  });
});
