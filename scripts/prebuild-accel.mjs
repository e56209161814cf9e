// Builds the native accelerator (agent/accel/) for the interpreters of the packaging machine, for
// the .vsix: one module per extension suffix (the exact ABI tag, e.g.
// .cpython-311-x86_64-linux-gnu.so), and a manifest naming the sources they were built from.
// server/runner/accelerator.ts uses a prebuilt module only for that very suffix and digest, and
// the agent checks the ABI written in the file before loading it. Debugging sections are stripped
// (binutils' strip, when present). Nothing is downloaded: an
// interpreter without a compiler or headers is skipped with one line.
//
//   node scripts/prebuild-accel.mjs OUT_FOLDER [PYTHON...]
//
// Without PYTHON arguments: $HEAP_INSPECTOR_PREBUILT_PYTHONS (a PATH-like list), else every
// ~/.pyenv/versions/3.*/bin/python, /usr/bin/python3 and python3 on PATH.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const accelFolder = join(root, 'agent', 'accel');

/** The digest of the accelerator's sources: the same as server/runner/accelerator.ts computes
 * (acceleratorSourceDigest; a test compares the two). */
export function acceleratorSourceDigest(folder = accelFolder) {
  const files = readdirSync(folder)
    .filter((name) => /\.(c|h)$/.test(name) || name === 'build_accel.py')
    .sort();
  const digest = createHash('sha256');
  for (const file of files) {
    digest.update(file);
    digest.update('\0');
    digest.update(readFileSync(join(folder, file)));
  }
  return digest.digest('hex').slice(0, 32);
}

/** The packaging machine's interpreters. */
export function packagingPythons() {
  const listed = process.env.HEAP_INSPECTOR_PREBUILT_PYTHONS;
  if (listed) return listed.split(delimiter).filter(Boolean);
  const found = [];
  const pyenv = join(homedir(), '.pyenv', 'versions');
  if (existsSync(pyenv)) {
    for (const version of readdirSync(pyenv).sort()) {
      const python = join(pyenv, version, 'bin', 'python');
      if (/^3\.\d+/.test(version) && existsSync(python)) found.push(python);
    }
  }
  found.push('/usr/bin/python3', 'python3');
  return found;
}

/** Drops the debugging sections of a shipped module (two thirds of its size; the code, the ABI
 * marker and the symbols the loader needs stay). Without binutils' strip the module ships whole. */
function stripDebugInformation(file) {
  spawnSync('strip', ['--strip-debug', file], { stdio: 'ignore' });
}

/**
 * Builds into `out` (created) for each interpreter, the first per extension suffix; writes
 * `out/manifest.json`. Returns { modules: {suffix: file}, skipped: [line] }.
 */
export function prebuild(out, pythons = packagingPythons()) {
  mkdirSync(out, { recursive: true });
  const digest = acceleratorSourceDigest();
  const builder = join(accelFolder, 'build_accel.py');
  const modules = {};
  const skipped = [];
  for (const python of pythons) {
    const described = spawnSync(python, ['-I', builder, 'describe'], { encoding: 'utf8' });
    if (described.status !== 0) {
      if (described.error?.code !== 'ENOENT') skipped.push(`${python}: cannot describe its ABI`);
      continue;
    }
    const suffix = JSON.parse(described.stdout).extSuffix;
    if (typeof suffix !== 'string' || !/^[\w.-]+$/.test(suffix) || modules[suffix]) continue;
    const file = `heap_inspector_accel${suffix}`;
    const temporary = join(out, `.${file}.partial`);
    const built = spawnSync(python, ['-I', builder, 'build', temporary, digest], {
      encoding: 'utf8',
    });
    if (built.status !== 0) {
      skipped.push(`${python}: ${(built.stderr || 'build failed').trim().split('\n').pop()}`);
      continue;
    }
    stripDebugInformation(temporary);
    chmodSync(temporary, 0o644);
    renameSync(temporary, join(out, file));
    modules[suffix] = file;
  }
  writeFileSync(
    join(out, 'manifest.json'),
    JSON.stringify({ sourceDigest: digest, modules }, null, 2) + '\n',
  );
  return { modules, skipped };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node scripts/prebuild-accel.mjs OUT_FOLDER [PYTHON...]');
    process.exit(2);
  }
  const pythons = process.argv.length > 3 ? process.argv.slice(3) : undefined;
  const { modules, skipped } = prebuild(out, pythons);
  for (const line of skipped) console.error(`prebuild-accel: skipped ${line}`);
  for (const [suffix, file] of Object.entries(modules)) console.log(`${suffix}: ${file}`);
}
