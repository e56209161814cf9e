/**
 * Options go anywhere: `report SNAPSHOT --json F` as the usage shows it, and every other order.
 * For `snapshot` and `step` everything after SCRIPT is the script's, exactly as
 * `python SCRIPT ARGS` gives it (`--help`, `--json`, `--` included): the script prints its
 * sys.argv, compared with what plain python gives it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, runCli, writeScript } from './support';
import { findPython } from '../../scripts/python.mjs';

const python = findPython();
const work = mkdtempSync(join(tmpdir(), 'hi-options-'));
after(() => rmSync(work, { recursive: true, force: true }));

const script = writeScript(work, 'argv.py', 'import sys\nprint("ARGV", sys.argv[1:])\nx = 1\n');
const snap = join(work, 's.heapsnap');
const out = (name: string) => join(work, name);

function cli(args: string[]) {
  return runCli(args, { cwd: work });
}

function summaryAt(path: string): number {
  return JSON.parse(readFileSync(path, 'utf8')).capture.line;
}

/** What plain python prints as sys.argv[1:] for these script arguments. */
function pythonArgv(args: string[]): string {
  const r = spawnSync(python, [script, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  return /ARGV .*/.exec(r.stdout)![0];
}

before(() => {
  const r = cli([
    'snapshot',
    '--python',
    python,
    '--at',
    `${script}:3`,
    '--out',
    snap,
    '--quiet',
    script,
  ]);
  assert.equal(r.status, 0, r.stderr);
});

describe('report: options before, after and between', () => {
  const forms: Array<[string, (j: string, h: string) => string[]]> = [
    ['report SNAPSHOT --json F --html H', (j, h) => ['report', snap, '--json', j, '--html', h]],
    ['report --json F SNAPSHOT --html H', (j, h) => ['report', '--json', j, snap, '--html', h]],
    ['report --json F --html H SNAPSHOT', (j, h) => ['report', '--json', j, '--html', h, snap]],
    ['report SNAPSHOT --json=F --html=H', (j, h) => ['report', snap, `--json=${j}`, `--html=${h}`]],
  ];
  forms.forEach(([name, args], i) => {
    it(name, () => {
      const json = out(`r${i}.json`);
      const html = out(`r${i}.html`);
      const r = cli(args(json, html));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(summaryAt(json), 3);
      assert.match(readFileSync(html, 'utf8'), /<!DOCTYPE html>/);
    });
  });

  it('report -- SNAPSHOT (a file name that starts with a dash)', () => {
    const dashed = writeScript(work, '-dashed.heapsnap', '');
    rmSync(dashed);
    const copy = spawnSync('cp', [snap, dashed]);
    assert.equal(copy.status, 0);
    const r = cli(['report', '--json', out('dashed.json'), '--', '-dashed.heapsnap']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(summaryAt(out('dashed.json')), 3);
  });

  it('report SNAPSHOT --help prints the usage; an unknown option anywhere is one line', () => {
    let r = cli(['report', snap, '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^usage: heap-inspector report /);
    r = cli(['report', snap, '--jsn', 'x']);
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      'heap-inspector: unknown option --jsn: see "heap-inspector report --help"\n',
    );
    r = cli(['report', snap, '-j']);
    assert.equal(r.status, 2);
    assert.equal(
      lastLine(r.stderr),
      'heap-inspector: unknown option -j: see "heap-inspector report --help"',
    );
  });

  it('the same option twice is one line, not a silent choice', () => {
    const r = cli(['report', snap, '--json', out('a.json'), '--json', out('b.json')]);
    assert.equal(r.status, 2);
    assert.equal(lastLine(r.stderr), 'heap-inspector: --json is given twice: give it once');
  });
});

describe("snapshot: our options in any order before SCRIPT; after it, the script's", () => {
  const cases: Array<[string, string, string[]]> = [
    [
      '--at first',
      's1.json',
      ['--at', `${script}:3`, '--python', python, '--quiet', '--json', out('s1.json'), script],
    ],
    [
      '--json first, --at= inline',
      's2.json',
      ['--json', out('s2.json'), '--quiet', `--at=${script}:3`, `--python=${python}`, script],
    ],
    [
      '-- before SCRIPT',
      's3.json',
      [
        '--python',
        python,
        '--at',
        `${script}:3`,
        '--quiet',
        '--json',
        out('s3.json'),
        '--',
        script,
      ],
    ],
  ];
  cases.forEach(([name, json, args]) => {
    it(name, () => {
      const r = cli(['snapshot', ...args]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(summaryAt(out(json)), 3);
    });
  });

  const scriptArgs: string[][] = [
    ['--json', 'theirs.json', '--at', 'nowhere:1'],
    ['--help'],
    ['-h', '--version'],
    ['--', '--quiet', 'x'],
    ['a', '--', 'b'],
  ];
  scriptArgs.forEach((args) => {
    it(`SCRIPT ${args.join(' ')}: the script gets exactly what python gives it`, () => {
      const json = out('theirs-check.json');
      rmSync(json, { force: true });
      const r = cli([
        'snapshot',
        '--python',
        python,
        '--at',
        `${script}:3`,
        '--json',
        json,
        '--quiet',
        script,
        ...args,
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(/ARGV .*/.exec(r.stdout)?.[0], pythonArgv(args));
      assert.ok(existsSync(json), 'our own --json, given before SCRIPT, is ours');
      assert.ok(!existsSync(out('theirs.json')));
    });
  });

  it('-- SCRIPT where the script name starts with a dash', () => {
    writeScript(work, '-dash.py', 'import sys\nprint("ARGV", sys.argv[1:])\nx = 1\n');
    const r = cli([
      'snapshot',
      '--python',
      python,
      '--at',
      '-dash.py:3',
      '--quiet',
      '--',
      '-dash.py',
      '--help',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ARGV \['--help'\]/);
  });

  it('an unknown option before SCRIPT is one line; snapshot --help prints the usage', () => {
    let r = cli(['snapshot', '--python', python, '-x', '--at', `${script}:3`, script]);
    assert.equal(r.status, 2);
    assert.equal(
      lastLine(r.stderr),
      'heap-inspector: unknown option -x: see "heap-inspector snapshot --help"',
    );
    r = cli(['snapshot', '--at', `${script}:3`, '--help', script]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^usage: heap-inspector snapshot /);
  });
});

describe('step: the same rules', () => {
  it('options in another order, script arguments passed through', () => {
    const json = out('step.json');
    const r = cli([
      'step',
      '--json',
      json,
      '--generation',
      '0',
      `--at=${script}:3`,
      '--python',
      python,
      script,
      '--generation',
      '--help',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(/ARGV .*/.exec(r.stdout)?.[0], pythonArgv(['--generation', '--help']));
    assert.equal(JSON.parse(readFileSync(json, 'utf8')).generation, 0);
  });
});

describe('lint: files and --json in any order', () => {
  it('lint FILE --json and lint --json FILE', () => {
    for (const args of [
      ['lint', script, '--json'],
      ['lint', '--json', script],
    ]) {
      const r = cli(args);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), []);
    }
  });
});
