// Builds every bundle with esbuild. Entry points are found by convention, so adding a bundle
// needs no edit here:
//   extension/extension.ts      -> dist/extension.js   (node, cjs, `vscode` external)
//   server/server.ts            -> dist/server.js      (node, cjs)
//   cli/start.ts                -> dist/cli.js         (node, cjs: loads the CLI with V8's code cache)
//   cli/main.ts                 -> dist/cli-main.js    (node, cjs, no dynamic import())
//   webview/<name>/main.ts      -> dist/webview/<name>.js (browser, iife), and dist/webview/<name>.css:
//                                  the stylesheets its modules import (`import './x.css'`), in import order
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeEntries = [
  ['extension/extension.ts', 'dist/extension.js'],
  ['server/server.ts', 'dist/server.js'],
  ['cli/start.ts', 'dist/cli.js'],
  ['cli/main.ts', 'dist/cli-main.js'],
].filter(([src]) => existsSync(join(root, src)));

const webviewDir = join(root, 'webview');
const webviewEntries = existsSync(webviewDir)
  ? readdirSync(webviewDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(webviewDir, d.name, 'main.ts')))
      .map((d) => d.name)
  : [];

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const contexts = [];
for (const [src, out] of nodeEntries) {
  contexts.push(
    await esbuild.context({
      ...common,
      entryPoints: [src],
      outfile: out,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      // cli/start.ts runs the CLI as a compiled script, which cannot import() on Node 20: the
      // bundle's dynamic imports become require().
      ...(out === 'dist/cli-main.js' ? { supported: { 'dynamic-import': false } } : {}),
    }),
  );
}
for (const name of webviewEntries) {
  contexts.push(
    await esbuild.context({
      ...common,
      entryPoints: [`webview/${name}/main.ts`],
      outfile: `dist/webview/${name}.js`,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      // Webview bundles are inlined into HTML reports: keep them free of `</script>`.
      supported: { 'inline-script': true },
    }),
  );
}

// The lint rules (server/lint) load tree-sitter's wasm files next to the bundle at runtime.
for (const wasm of [
  'node_modules/web-tree-sitter/tree-sitter.wasm',
  'node_modules/tree-sitter-python/tree-sitter-python.wasm',
]) {
  if (existsSync(join(root, wasm))) {
    mkdirSync(join(root, 'dist'), { recursive: true });
    copyFileSync(join(root, wasm), join(root, 'dist', wasm.split('/').pop()));
  }
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching…');
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
