// Makes sure what the tests drive for real is installed: Debian's chromium (browser tests),
// debugpy and pytest for the test Python, Debian's python3-debugpy (debugpy 1.6 for
// /usr/bin/python3), Debian's debug build python3.11-dbg (/usr/bin/python3.11d and its headers,
// for the native accelerator), and a 32-bit CPython (Debian's i386 packages, unpacked into a private cache
// folder by scripts/i386-python.sh; nothing is installed system-wide). Installs what is missing when it can (root + apt, pip from the local wheels)
// and says exactly what to run when it cannot. Idempotent and quick when everything is present.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findPython } from './python.mjs';

const quiet = { encoding: 'utf8' };
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const problems = [];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status === 0;
}

function pyHas(python, mod) {
  return spawnSync(python, ['-c', `import ${mod}`], quiet).status === 0;
}

// Debian packages.
const aptWanted = [];
if (!existsSync('/usr/bin/chromium')) aptWanted.push('chromium');
if (existsSync('/usr/bin/python3') && !pyHas('/usr/bin/python3', 'debugpy'))
  aptWanted.push('python3-debugpy');
// A debug build (Py_DEBUG, with its headers) for the native accelerator's tests.
if (existsSync('/usr/bin/python3.11') && !existsSync('/usr/include/python3.11d/Python.h'))
  aptWanted.push('python3.11-dbg');
if (aptWanted.length > 0) {
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`installing Debian packages: ${aptWanted.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!run('apt-get', ['install', '-y', '-qq', ...aptWanted], { env })) {
      run('apt-get', ['update', '-qq'], { env });
      if (!run('apt-get', ['install', '-y', '-qq', ...aptWanted], { env })) {
        problems.push(`apt-get install ${aptWanted.join(' ')} failed`);
      }
    }
  } else {
    problems.push(`missing Debian packages: sudo apt-get install ${aptWanted.join(' ')}`);
  }
}

// A real 32-bit CPython for test/collector/i386.test.ts, where apt can fetch it.
if (process.platform === 'linux' && process.arch === 'x64' && existsSync('/usr/bin/apt-get')) {
  const script = new URL('./i386-python.sh', import.meta.url).pathname;
  if (!run('sh', [script], { stdio: ['ignore', 'ignore', 'inherit'] })) {
    problems.push(`the 32-bit CPython could not be fetched: run sh ${script} and see its message`);
  }
}

// Python packages for the test interpreter.
const python = findPython();
const pipWanted = ['pytest', 'debugpy'].filter((m) => !pyHas(python, m));
if (pipWanted.length > 0) {
  console.log(`installing for ${python}: ${pipWanted.join(' ')}`);
  if (!run(python, ['-m', 'pip', 'install', '-q', ...pipWanted])) {
    problems.push(`${python} -m pip install ${pipWanted.join(' ')} failed`);
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(`ensure-test-deps: ${p}`);
  process.exit(1);
}
