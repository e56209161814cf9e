/**
 * What `heap-inspector` runs first (bundled to dist/cli.js): loads the CLI itself
 * (dist/cli-main.js) with V8's compiled code of an earlier run, so that each start does not parse
 * and compile the 600 kB bundle again (0.005-0.01 s of CPU per run). Node 20 has no compile cache
 * of its own (module.enableCompileCache is Node 22).
 *
 * The compiled code is kept in the runner cache (server/runner/runnerCache.ts: a folder only we
 * can write, files only we own), one file per command (a run compiles the functions it calls) for
 * this bundle and Node: the name covers the bundle's real path, size, modification time and
 * inode, Node's version and the architecture, and the command's name. V8 checks the
 * rest (its own version, flags, the source's length) and rejects what does not fit: then the
 * bundle is compiled as usual and the file written again when the run ends. V8 does not check the
 * data itself, so a SHA-256 of it goes first: a damaged file is never given to V8. With no safe cache
 * folder, or when anything here fails, the bundle is required as usual.
 *
 * The bundle runs as the module Node would make of it: same exports, require, __filename and
 * __dirname. It must not use dynamic import() (a script compiled here cannot): the build turns
 * it into require (scripts/build.mjs).
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { runnerCacheFolder, trustedFile, writePrivateFile } from '../server/runner/runnerCache';

const MAIN = join(__dirname, 'cli-main.js');

interface Compiled {
  run: () => void;
}

/** The functions a run compiles differ by command: each command has its file. Null for a run
 * without one (`--help`, `--version`): those are quick, and write nothing into the cache. */
function commandOf(argv: string[]): string | null {
  const word = argv[2] ?? '';
  return /^[a-z]{1,20}$/.test(word) ? word : null;
}

/** The cache file's name for the bundle at `path` and a command. */
export function compiledCodeName(path: string, command: string): string {
  const real = realpathSync(path);
  const st = statSync(real);
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        real,
        st.size,
        Math.round(st.mtimeMs),
        st.ino,
        process.version,
        process.arch,
      ]),
    )
    .digest('hex')
    .slice(0, 24);
  return `cli-${key}-${command}.v8`;
}

// V8 does not check its code cache's content (a damaged one aborts the process): a SHA-256 of
// the data goes first, and data that does not match it is never given to V8.
const DIGEST_BYTES = 32;

function withDigest(data: Buffer): Buffer {
  return Buffer.concat([createHash('sha256').update(data).digest(), data]);
}

/** The V8 data of a cache file whose digest matches, else undefined. */
function intact(file: Buffer): Buffer | undefined {
  if (file.length <= DIGEST_BYTES) return undefined;
  const data = file.subarray(DIGEST_BYTES);
  const digest = createHash('sha256').update(data).digest();
  return digest.equals(file.subarray(0, DIGEST_BYTES)) ? data : undefined;
}

function compileWithCache(path: string): Compiled | null {
  const command = commandOf(process.argv);
  if (command === null) return null;
  const folder = runnerCacheFolder();
  if (folder === null) return null;
  const name = compiledCodeName(path, command);
  const cachePath = join(folder, name);
  const cachedData = trustedFile(cachePath) ? intact(readFileSync(cachePath)) : undefined;
  const source = readFileSync(path, 'utf8');
  const script = new Script(Module.wrap(source), { filename: path, cachedData });
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: Module,
    filename: string,
    dirname: string,
  ) => void;
  const loaded = new Module(path, module);
  loaded.filename = path;
  loaded.paths = (
    Module as unknown as { _nodeModulePaths: (from: string) => string[] }
  )._nodeModulePaths(dirname(path));
  const requireFromBundle = Module.createRequire(path);
  return {
    run: () => {
      if (cachedData === undefined || script.cachedDataRejected === true) {
        // At the end: the code of every function this run compiled is kept, not only the top.
        process.once('exit', () => {
          // Not for a word that named no command (a typo would leave a file behind).
          const ran = (loaded.exports as { commandRun?: () => string | undefined }).commandRun?.();
          if (ran !== command) return;
          try {
            writePrivateFile(folder, name, withDigest(script.createCachedData()));
          } catch {
            // not kept: the next run compiles again
          }
        });
      }
      wrapper.call(loaded.exports, loaded.exports, requireFromBundle, loaded, path, dirname(path));
      loaded.loaded = true;
    },
  };
}

let compiled: Compiled | null = null;
try {
  compiled = compileWithCache(MAIN);
} catch {
  compiled = null; // unreadable cache or bundle: the usual way, which says what is wrong
}
if (compiled === null) Module.createRequire(MAIN)(MAIN);
else compiled.run();
