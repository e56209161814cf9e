#!/usr/bin/env node
// Makes sure a working code-server (the real VS Code workbench + Node extension host, served to a
// browser) is installed in a cache folder outside the repository, and prints the path of its
// launcher on stdout (the only thing this script writes to stdout; progress goes to stderr).
//
//   node scripts/vscode-e2e/ensure-code-server.mjs            -> /root/.cache/heap-inspector/code-server-4.100.3/node_modules/.bin/code-server
//   HEAP_INSPECTOR_CACHE=/ci/cache node scripts/vscode-e2e/ensure-code-server.mjs
//   node scripts/vscode-e2e/ensure-code-server.mjs --force    (reinstall)
//
// Quick no-op when the cache already holds a verified install (a marker file written only after a
// smoke start answered /healthz). Otherwise, unattended:
//   1. installs the Debian packages the native modules need (root + apt-get), if missing;
//   2. puts Debian's rg where @vscode/ripgrep's postinstall looks before downloading from GitHub
//      (`$TMPDIR/vscode-ripgrep-cache-<ver>/ripgrep-<tag>-<target>.tar.gz`), TMPDIR being a scratch
//      folder for the duration of the install;
//   3. `npm install --ignore-scripts code-server@<ver>` into the cache folder, then writes an explicit
//      npm `allowScripts` policy (the name of every package the lockfiles mark `hasInstallScript`)
//      into the cache folder's package.json AND into the package.json files of the two nested
//      projects code-server's postinstall installs (lib/vscode, lib/vscode/extensions), then
//      `npm rebuild` runs the approved scripts with `strict-allow-scripts=true` (an uncovered
//      script is an error, never silently skipped). npm 11 lists unreviewed dependency scripts
//      ("not yet covered by allowScripts") and documents blocking them; a package.json policy is
//      the form that works here: `--allow-scripts` / npm_config_allow_scripts is rejected in
//      project installs (EALLOWSCRIPTS), and an `.npmrc` allow-scripts line would be exported to
//      the nested installs as npm_config_allow_scripts and fail them the same way;
//   4. verifies: rg runs, every native module loads, code-server starts and answers /healthz and
//      serves the workbench page. Only then writes the marker.
// A lock folder serializes concurrent runs (two CI jobs sharing a cache).
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  realpathSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir, arch as osArch, platform } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createRequire } from 'node:module';

export const CODE_SERVER_VERSION = '4.100.3';
const RIPGREP_PKG_VERSION = '1.15.11'; // @vscode/ripgrep pinned by code-server 4.100.3's shrinkwrap
const RIPGREP_TAG = 'v13.0.0-10';
const APT_PACKAGES = [
  'build-essential',
  'pkg-config',
  'libkrb5-dev',
  'libxkbfile-dev',
  'libsecret-1-dev',
  'ripgrep',
];
// Native modules that must load for the extension host / terminal / file watcher to work.
const NATIVE_MODULES = {
  'lib/vscode': ['node-pty', '@vscode/spdlog', 'kerberos', 'native-watchdog', '@parcel/watcher'],
  '.': ['argon2'],
};

const args = process.argv.slice(2);
const force = args.includes('--force');
const cacheRoot = process.env.HEAP_INSPECTOR_CACHE || join(homedir(), '.cache', 'heap-inspector');
const installDir = join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
const pkgDir = join(installDir, 'node_modules', 'code-server');
const launcher = join(installDir, 'node_modules', '.bin', 'code-server');
const marker = join(installDir, '.heap-inspector-verified.json');
const lockDir = `${installDir}.lock`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const t0 = Date.now();

const log = (msg) => process.stderr.write(`ensure-code-server: ${msg}\n`);
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

class InstallError extends Error {}
function fail(msg) {
  throw new InstallError(msg);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: ['ignore', process.stderr, process.stderr], ...opts });
  if (r.error) throw r.error;
  return r.status === 0;
}

function markerOk() {
  if (!existsSync(marker) || !existsSync(launcher)) return false;
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8'));
    // Native modules are built for one Node ABI.
    return m.version === CODE_SERVER_VERSION && m.nodeModulesAbi === process.versions.modules;
  } catch {
    return false;
  }
}

// ---- lock -------------------------------------------------------------------------------------
function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

async function acquireLock() {
  mkdirSync(cacheRoot, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    } catch {
      /* being written, or left without a pid */
    }
    if (Number.isFinite(holder) && !pidAlive(holder)) {
      log(`removing stale lock of dead process ${holder}`);
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) fail(`timed out waiting for lock ${lockDir} (held by ${holder})`);
    if (Number.isFinite(holder)) log(`waiting for another install (pid ${holder}) to finish…`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function releaseLock() {
  rmSync(lockDir, { recursive: true, force: true });
}

// ---- prerequisites ----------------------------------------------------------------------------
function ensureNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) {
    fail(
      `code-server ${CODE_SERVER_VERSION} needs Node 20 (its postinstall refuses others); this is Node ${process.versions.node}`,
    );
  }
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function ensureAptPackages() {
  if (!existsSync('/usr/bin/dpkg-query')) {
    log(
      `not a Debian system: make sure the equivalents of ${APT_PACKAGES.join(' ')} are installed`,
    );
    return;
  }
  const missing = APT_PACKAGES.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    fail(`missing Debian packages: sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  if (!install()) {
    run('apt-get', ['update', '-qq'], { env });
    if (!install()) fail(`apt-get install ${missing.join(' ')} failed`);
  }
  log(`Debian packages installed (${elapsed()})`);
}

function ripgrepTarget() {
  if (platform() !== 'linux') fail('only Linux is supported by this installer');
  switch (osArch()) {
    case 'x64':
      return 'x86_64-unknown-linux-musl';
    case 'arm64':
      return 'aarch64-unknown-linux-musl';
    default:
      fail(`unsupported architecture ${osArch()}`);
  }
}

// @vscode/ripgrep's postinstall downloads rg from GitHub unless this file is in os.tmpdir().
function prepareRipgrepCache(tmp) {
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  if (!rg) fail('ripgrep (rg) is not on PATH: apt-get install ripgrep');
  const cacheDir = join(tmp, `vscode-ripgrep-cache-${RIPGREP_PKG_VERSION}`);
  mkdirSync(cacheDir, { recursive: true });
  const tarball = join(cacheDir, `ripgrep-${RIPGREP_TAG}-${ripgrepTarget()}.tar.gz`);
  const real = realpathSync(rg);
  // Archive root must hold a file named rg.
  if (
    !run('tar', ['czf', tarball, '-C', dirname(real), '--transform', 's,.*,rg,', basename(real)])
  ) {
    fail(`could not build ${tarball}`);
  }
}

// ---- install ----------------------------------------------------------------------------------
// {name: true} for every package a lockfile marks as having install scripts. Name-only keys: npm
// verifies a pinned `name@version` key against the lockfile's `resolved` URL, and machines with
// `omit-lockfile-registry-resolved=true` (this one) write lockfiles without it, so pins never match
// there. The versions are fixed anyway: code-server is pinned and ships npm-shrinkwrap.json files.
function policyFromLock(lockPath) {
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
  const policy = {};
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path || !entry.hasInstallScript || entry.link) continue;
    const name =
      entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    policy[name] = true;
  }
  return policy;
}

// What npm itself still considers unreviewed in a project (empty when the policy covers everything).
function unreviewed(projectDir, env) {
  const r = spawnSync('npm', ['install-scripts', 'ls'], { cwd: projectDir, env, encoding: 'utf8' });
  const lines = r.stdout.split('\n').filter((l) => /^\s+\S+@\S+ \(/.test(l));
  return lines.map((l) => l.trim());
}

function addPolicy(projectDir, lockName) {
  const pj = join(projectDir, 'package.json');
  const lockPath = join(projectDir, lockName);
  if (!existsSync(pj) || !existsSync(lockPath)) fail(`expected ${pj} and ${lockPath}`);
  const content = JSON.parse(readFileSync(pj, 'utf8'));
  content.allowScripts = { ...policyFromLock(lockPath), ...(content.allowScripts ?? {}) };
  writeFileSync(pj, `${JSON.stringify(content, null, 2)}\n`);
  log(
    `allowScripts for ${projectDir}: ${Object.keys(content.allowScripts).join(', ') || '(none)'}`,
  );
}

function npmEnv(tmp) {
  const env = {
    ...process.env,
    TMPDIR: tmp,
    npm_config_unsafe_perm: 'true', // code-server's postinstall refuses root without it
    npm_config_yes: 'true', // node-pty's install runs `npx node-gyp …`
    npm_config_nodedir: existsSync('/usr/include/node/node_version.h')
      ? '/usr'
      : (process.env.npm_config_nodedir ?? ''),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_progress: 'false',
    npm_config_ignore_scripts: 'false',
    // Unreviewed install scripts are an error, not a notice: proves the policy below covers every
    // script that has to run (nested installs in code-server's postinstall included).
    npm_config_strict_allow_scripts: 'true',
  };
  if (!env.npm_config_nodedir) delete env.npm_config_nodedir;
  // A policy set through the environment counts as a command-line policy, which npm rejects in
  // project-scoped installs: keep whatever the caller has out of our installs.
  delete env.npm_config_allow_scripts;
  delete env.npm_config_dangerously_allow_all_scripts;
  return env;
}

function install() {
  rmSync(installDir, { recursive: true, force: true });
  mkdirSync(installDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheRoot, 'tmp-install-'));
  try {
    prepareRipgrepCache(tmp);
    const env = npmEnv(tmp);
    writeFileSync(
      join(installDir, 'package.json'),
      `${JSON.stringify(
        {
          name: 'heap-inspector-code-server-cache',
          private: true,
          description:
            'code-server for the Python Heap Inspector extension tests (scripts/vscode-e2e/ensure-code-server.mjs)',
          dependencies: { 'code-server': CODE_SERVER_VERSION },
        },
        null,
        2,
      )}\n`,
    );
    const npm = ['--no-audit', '--no-fund', '--loglevel=warn'];

    log(`npm install --ignore-scripts code-server@${CODE_SERVER_VERSION} into ${installDir}`);
    if (!run('npm', ['install', '--ignore-scripts', ...npm], { cwd: installDir, env })) {
      fail('npm install code-server failed');
    }
    log(`downloaded (${elapsed()})`);

    addPolicy(installDir, 'package-lock.json');
    addPolicy(join(pkgDir, 'lib', 'vscode'), 'npm-shrinkwrap.json');
    addPolicy(join(pkgDir, 'lib', 'vscode', 'extensions'), 'npm-shrinkwrap.json');

    log('npm rebuild (runs the approved install scripts: code-server postinstall, native modules)');
    if (!run('npm', ['rebuild', ...npm], { cwd: installDir, env })) {
      fail(
        'npm rebuild failed (native modules need: apt-get install build-essential pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev)',
      );
    }
    log(`install scripts done (${elapsed()})`);
    for (const p of [
      installDir,
      join(pkgDir, 'lib', 'vscode'),
      join(pkgDir, 'lib', 'vscode', 'extensions'),
    ]) {
      const left = unreviewed(p, env);
      if (left.length > 0)
        log(`warning: npm still lists unreviewed install scripts in ${p}: ${left.join('; ')}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- verification -----------------------------------------------------------------------------
function verifyFiles() {
  const rg = join(pkgDir, 'lib/vscode/node_modules/@vscode/ripgrep/bin/rg');
  const r = spawnSync(rg, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) fail(`${rg} does not run: @vscode/ripgrep's postinstall did not complete`);
  for (const [rel, mods] of Object.entries(NATIVE_MODULES)) {
    const base = rel === '.' ? pkgDir : join(pkgDir, rel);
    const req = createRequire(join(base, 'package.json'));
    for (const m of mods) {
      // Load in a child so a crashing addon cannot take this process down.
      const probe = spawnSync(
        process.execPath,
        ['-e', `require(${JSON.stringify(req.resolve(m))})`],
        {
          encoding: 'utf8',
          cwd: base,
        },
      );
      if (probe.status !== 0) {
        fail(
          `native module ${m} (${rel}) does not load (its install script did not run?):\n${probe.stderr}`,
        );
      }
    }
  }
  for (const p of [
    'lib/vscode/node_modules.asar',
    'lib/vscode/extensions/node_modules',
    'out/node/entry.js',
  ]) {
    if (!existsSync(join(pkgDir, p)))
      fail(`${p} missing: code-server's postinstall did not complete`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function smokeStart() {
  const scratch = mkdtempSync(join(cacheRoot, 'tmp-smoke-'));
  const port = await freePort();
  const dirs = Object.fromEntries(
    ['ud', 'ext', 'xdg-config', 'xdg-data', 'tmp', 'folder'].map((d) => {
      const p = join(scratch, d);
      mkdirSync(p, { recursive: true });
      return [d, p];
    }),
  );
  const child = spawn(
    launcher,
    [
      '--config',
      '/dev/null',
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir',
      dirs.ud,
      '--extensions-dir',
      dirs.ext,
      dirs.folder,
    ],
    {
      env: {
        ...process.env,
        EXTENSIONS_GALLERY: '{}',
        TMPDIR: dirs.tmp,
        XDG_CONFIG_HOME: dirs['xdg-config'],
        XDG_DATA_HOME: dirs['xdg-data'],
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) fail(`code-server exited with ${child.exitCode}:\n${output}`);
      try {
        const res = await globalThis.fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) fail(`code-server did not answer /healthz in 30 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const page = await globalThis.fetch(
      `http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.folder)}`,
    );
    const html = await page.text();
    if (!page.ok || !html.includes('workbench'))
      fail(`workbench page not served (HTTP ${page.status})`);
  } finally {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---- main -------------------------------------------------------------------------------------
async function main() {
  if (!force && markerOk()) {
    process.stdout.write(`${launcher}\n`);
    return;
  }
  ensureNode();
  await acquireLock();
  const release = () => releaseLock();
  process.on('exit', release);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
  try {
    if (force || !markerOk()) {
      // Scratch folders left by an interrupted run (we hold the lock: nobody else is using them).
      for (const e of readdirSync(cacheRoot)) {
        if (/^tmp-(install|smoke)-/.test(e))
          rmSync(join(cacheRoot, e), { recursive: true, force: true });
      }
      ensureAptPackages();
      install();
      verifyFiles();
      await smokeStart();
      writeFileSync(
        marker,
        `${JSON.stringify(
          {
            version: CODE_SERVER_VERSION,
            node: process.versions.node,
            nodeModulesAbi: process.versions.modules,
            npm: spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim(),
            installedAt: new Date().toISOString(),
            seconds: Math.round((Date.now() - t0) / 1000),
          },
          null,
          2,
        )}\n`,
      );
      log(`code-server ${CODE_SERVER_VERSION} installed and verified in ${elapsed()}`);
    }
  } finally {
    releaseLock();
  }
  process.stdout.write(`${launcher}\n`);
}

try {
  await main();
} catch (e) {
  log(`ERROR: ${e instanceof InstallError ? e.message : (e?.stack ?? e)}`);
  process.exitCode = 1;
}
