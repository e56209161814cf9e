// Builds the extension's .vsix offline with @vscode/vsce, from a staging copy of the sources so
// that the working tree's dist/ (development bundles with source maps, used by the tests) is left
// alone:
//   1. copy the manifest, sources, agent, icons and docs into a temporary folder (node_modules is
//      linked, not copied);
//   2. build the native accelerator for this machine's interpreters into agent/accel/prebuilt/
//      (scripts/prebuild-accel.mjs: one module per exact ABI tag, found by it at run time; an
//      interpreter without a compiler or headers is skipped with a line);
//   3. vsce package --no-dependencies there: its `vscode:prepublish` runs
//      node scripts/build.mjs --production (minified bundles, no source maps), and .vscodeignore
//      keeps only what runs;
//   4. move the .vsix to the repository root (or --out PATH) and print its path and size.
//
//   npm run package                    # python-heap-inspector-<version>.vsix
//   node scripts/package.mjs --out x.vsix
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  copyFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prebuild } from './prebuild-accel.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outArg = process.argv.indexOf('--out');
const out = resolve(
  outArg > 0 ? process.argv[outArg + 1] : join(root, `${pkg.name}-${pkg.version}.vsix`),
);

const COPY = [
  'package.json',
  '.vscodeignore',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'agent',
  'media',
  'scripts/build.mjs',
  'extension',
  'server',
  'cli',
  'protocol',
  'webview',
  'docs/vscode.md',
  'docs/rules',
  'docs/language-server.md',
];

const stage = mkdtempSync(join(tmpdir(), 'heap-inspector-package-'));
try {
  // docs/vscode.md is the extension's page (--readme-path); the repository README stays out.
  const ownReadme = existsSync(join(root, 'docs', 'vscode.md'));
  for (const entry of COPY) {
    if (entry === 'README.md' && ownReadme) continue;
    const from = join(root, entry);
    if (!existsSync(from)) continue;
    cpSync(from, join(stage, entry), {
      recursive: true,
      filter: (src) =>
        !/(^|[\\/])(__pycache__|\.pytest_cache)([\\/]|$)/.test(src) &&
        !src.endsWith('.pyc') &&
        // Only what step 2 builds goes into the package, never a stray local build.
        !/[\\/]agent[\\/]accel[\\/]prebuilt([\\/]|$)/.test(src),
    });
  }
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
  const prebuilt = prebuild(join(stage, 'agent', 'accel', 'prebuilt'));
  for (const line of prebuilt.skipped)
    console.error(`package: no prebuilt accelerator for ${line}`);
  console.log(
    `package: prebuilt accelerators: ${Object.keys(prebuilt.modules).join(', ') || 'none'}`,
  );
  const run = (command, args) => {
    const r = spawnSync(command, args, {
      cwd: stage,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    if (r.status !== 0) {
      console.error(
        `package: ${command} ${args.join(' ')} failed (${r.status ?? r.error?.message})`,
      );
      process.exit(1);
    }
  };
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const readme = existsSync(join(stage, 'docs', 'vscode.md'))
    ? ['--readme-path', 'docs/vscode.md']
    : [];
  run(process.execPath, [
    vsce,
    'package',
    '--no-dependencies',
    '--allow-missing-repository',
    '--no-rewrite-relative-links',
    ...readme,
    '--out',
    'extension.vsix',
  ]);
  try {
    renameSync(join(stage, 'extension.vsix'), out);
  } catch {
    copyFileSync(join(stage, 'extension.vsix'), out);
  }
  const kb = (statSync(out).size / 1024).toFixed(1);
  console.log(`${out} (${kb} KB)`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
