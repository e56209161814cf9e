/**
 * Retained sizes against reality. For each program in programs/retained/ (caches, sessions,
 * trees with parent pointers, a ring, a deep chain, objects shared between globals) on every
 * installed CPython, with automatic collection on and off:
 *
 * - the CLI captures the heap at the line marked `# heap-inspector: capture` (summary JSON and
 *   snapshot);
 * - plain `python` runs the same program and, at that line, `_measure.py` deletes each global named
 *   on the `# check:` line in a forked child, runs `gc.collect()` and counts the collector-tracked
 *   objects that really disappeared;
 * - that count equals the engine's: the global's object's retained `tracked` when the module's
 *   dict is the only reference to it from outside what it retains, else 0 — and every such
 *   global that retains more than the 50th entry of `retained.top` is in it, at `__main__.name`,
 *   with the same `tracked`.
 *
 * A dominator algorithm that counted an object shared by two globals in both, or what a weak
 * reference points to, or garbage, would fail here. Each run starts from a fresh copy of the
 * folder with PYTHONHASHSEED fixed, and the CLI compiles its runner into a private cache.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Summary } from '../../protocol/summary';
import { EdgeKind, RootKind } from '../../protocol/snapshot';
import { analyze, readSnapshotFile, type HeapSnapshot } from '../../server/engine/index';
import { retainedQueries } from '../../server/engine/retainedQueries';
import { ROOT } from './scenarioRuns';

const PROGRAMS = join(__dirname, 'programs', 'retained');
const CLI = join(ROOT, 'bin', 'heap-inspector.js');
const MARK = '# heap-inspector: capture';

interface Interpreter {
  label: string;
  python: string;
}

function interpreters(): Interpreter[] {
  const found: Interpreter[] = [];
  const root = join(homedir(), '.pyenv', 'versions');
  if (existsSync(root)) {
    for (const version of readdirSync(root).sort()) {
      const match = /^3\.(\d+)\.\d+$/.exec(version);
      const python = join(root, version, 'bin', 'python');
      if (match && Number(match[1]) >= 8 && existsSync(python))
        found.push({ label: version, python });
    }
  }
  const system = '/usr/bin/python3';
  if (existsSync(system)) {
    const probe = spawnSync(
      system,
      ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
      {
        encoding: 'utf8',
      },
    );
    const version = probe.stdout.trim();
    if (probe.status === 0 && Number(version.split('.')[1]) >= 8) {
      found.push({ label: `${version} (${system})`, python: system });
    }
  }
  return found;
}

interface Program {
  file: string;
  /** 1-based line of the capture mark. */
  line: number;
  names: string[];
}

function programs(): Program[] {
  return readdirSync(PROGRAMS)
    .filter((name) => name.endsWith('.py') && !name.startsWith('_'))
    .sort()
    .map((file) => {
      const lines = readFileSync(join(PROGRAMS, file), 'utf8').split('\n');
      const check = lines.find((l) => l.startsWith('# check:')) ?? '';
      return {
        file,
        line: lines.findIndex((l) => l.includes(MARK)) + 1,
        names: check.slice('# check:'.length).trim().split(/\s+/).filter(Boolean),
      };
    });
}

const ENV = { ...process.env, PYTHONHASHSEED: '0' };
const cache = mkdtempSync(join(tmpdir(), 'hi-retained-cache-'));

/** A fresh copy of the folder; with the collector off, `gc.disable()` goes first. */
function freshCopy(program: Program, collector: 'on' | 'off'): { dir: string; line: number } {
  const dir = mkdtempSync(join(tmpdir(), 'hi-retained-'));
  cpSync(PROGRAMS, dir, { recursive: true });
  if (collector === 'off') {
    const path = join(dir, program.file);
    writeFileSync(path, 'import gc; gc.disable()\n' + readFileSync(path, 'utf8'));
    return { dir, line: program.line + 1 };
  }
  return { dir, line: program.line };
}

interface Captured {
  summary: Summary;
  snapshot: HeapSnapshot;
}

function capture(python: string, program: Program, collector: 'on' | 'off'): Captured {
  const { dir, line } = freshCopy(program, collector);
  try {
    const json = join(dir, 'summary.json');
    const out = join(dir, 'heap.heapsnap');
    const r = spawnSync(
      process.execPath,
      [CLI, 'snapshot', '--python', python, '--at', `${program.file}:${line}`].concat([
        '--json',
        json,
        '--out',
        out,
        '--quiet',
        program.file,
      ]),
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...ENV, XDG_CACHE_HOME: cache },
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    assert.ok(
      existsSync(json) && existsSync(out),
      `no capture (status ${r.status}):\n${r.stderr.slice(-2000)}`,
    );
    return {
      summary: JSON.parse(readFileSync(json, 'utf8')) as Summary,
      snapshot: readSnapshotFile(out),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Measured {
  garbage: number;
  freed: Record<string, number>;
}

/** Plain python, with the capture line preceded by the measurement. */
function measure(python: string, program: Program, collector: 'on' | 'off'): Measured {
  const { dir, line } = freshCopy(program, collector);
  try {
    const path = join(dir, program.file);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[line - 1] =
      `import _measure; _measure.measure(globals(), ${JSON.stringify(program.names)}); ` +
      lines[line - 1];
    writeFileSync(path, lines.join('\n'));
    const r = spawnSync(python, [program.file], {
      cwd: dir,
      encoding: 'utf8',
      env: ENV,
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(r.status, 0, `plain python failed:\n${r.stderr.slice(-2000)}`);
    const last = r.stdout.split('\n').find((l) => l.startsWith('{'));
    assert.ok(last, `no measurement in:\n${r.stdout}`);
    return JSON.parse(last) as Measured;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The object a global of `__main__` names, in the snapshot. */
function globalNode(s: HeapSnapshot, name: string): { dict: number; node: number } {
  for (let r = 0; r < s.rootCount; r++) {
    if (s.rootKind[r] !== RootKind.Module || s.strings[s.rootName[r]] !== '__main__') continue;
    const module = s.rootNode[r];
    for (let e = s.edgeStart[module]; e < s.edgeStart[module + 1]; e++) {
      if (s.edgeKind[e] !== EdgeKind.Slot || s.strings[s.edgeName[e]] !== '__dict__') continue;
      const dict = s.edgeTo[e];
      for (let k = s.edgeStart[dict]; k < s.edgeStart[dict + 1]; k++) {
        if (s.edgeKind[k] === EdgeKind.StrKey && s.strings[s.edgeName[k]] === name) {
          return { dict, node: s.edgeTo[k] };
        }
      }
    }
  }
  throw new Error(`no global ${name} in __main__`);
}

/**
 * What deleting the global frees, by the engine: everything its object retains when every
 * other reference to the object comes from inside that (a tree's parent pointers), else nothing.
 */
function freedByDeleting(s: HeapSnapshot, name: string, q: ReturnType<typeof retainedQueries>) {
  const { dict, node } = globalNode(s, name);
  const r = q.retained;
  let fromDict = 0;
  let elsewhere = 0;
  for (let e = 0; e < s.edgeCount; e++) {
    if (s.edgeTo[e] !== node) continue;
    const from = s.edgeSource(e);
    if (from === dict) fromDict++;
    else if (!r.retains(node, from)) elsewhere++;
  }
  for (let k = 0; k < s.rootCount; k++) {
    if (s.rootKind[k] === RootKind.FrameLocal && s.rootNode[k] === node) elsewhere++;
  }
  const sole = fromDict === 1 && elsewhere === 0 && r.graph.rootReason[node] === 0;
  return {
    node,
    sole,
    tracked: r.nextCollection.tracked[node],
    bytes: r.nextCollection.bytes[node],
  };
}

const found = interpreters();
const all = programs();

describe(
  'retained sizes: deleting a global frees what the engine says',
  { skip: found.length === 0 },
  () => {
    it('has programs to run', () => {
      assert.ok(all.length >= 4, `only ${all.length} programs in ${PROGRAMS}`);
      assert.ok(all.every((p) => p.line > 0 && p.names.length > 0));
    });
    for (const { label, python } of found) {
      for (const program of all) {
        for (const collector of ['on', 'off'] as const) {
          it(`CPython ${label}: ${program.file}, automatic collection ${collector}`, (t) => {
            const { summary, snapshot } = capture(python, program, collector);
            const schedule = summary.gc.schedule;
            if (collector === 'on' && schedule && !schedule.exact) {
              t.skip(
                `the runner could not reproduce python's collections: ${schedule.reasons.join('; ')}`,
              );
              return;
            }
            const measured = measure(python, program, collector);
            const q = retainedQueries(analyze(snapshot));
            const top = summary.retained?.top ?? [];
            assert.equal(top.length, 50, 'the top list holds 50 objects');
            const smallest = top[top.length - 1].bytes;
            const report: string[] = [];
            let sole = 0;
            for (const name of program.names) {
              const engine = freedByDeleting(snapshot, name, q);
              const expected = engine.sole ? engine.tracked : 0;
              report.push(`${name}: measured ${measured.freed[name]}, engine ${expected}`);
              assert.equal(
                measured.freed[name],
                expected,
                `del ${name}; gc.collect() freed ${measured.freed[name]} tracked objects, the engine says ${expected} (${engine.sole ? 'sole reference' : 'held elsewhere too'})`,
              );
              if (!engine.sole) continue;
              sole++;
              const entry = top.find((e) => e.address === snapshot.addressHex(engine.node));
              if (engine.bytes > smallest) {
                assert.ok(entry, `${name} (${engine.bytes} bytes) is not in retained.top`);
              }
              if (entry) {
                assert.equal(entry.path, `__main__.${name}`);
                assert.equal(entry.tracked, engine.tracked, `${name}: tracked in the summary`);
              }
            }
            assert.ok(sole >= 2, 'most checked globals are their object’s only reference');
            t.diagnostic(`${report.join(', ')}; garbage freed anyway: ${measured.garbage}`);
          });
        }
      }
    }
  },
);

process.on('exit', () => rmSync(cache, { recursive: true, force: true }));
