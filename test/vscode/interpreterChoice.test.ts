/**
 * The interpreter discovery's order and fall-through, without VS Code
 * (extension/python/interpreterChoice.ts): places are asked in order and only when needed, one
 * that fails or names nothing runnable is logged and passed over, the setting failing is an
 * error, and every message says where the interpreter came from. The places themselves (the two
 * Python extensions, in a real extension host) are tested by interpreterDiscovery.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PythonInfo } from '../../server/runner/pythonInfo';
import {
  check,
  chooseInterpreter,
  InterpreterError,
  type CandidateSource,
  type InterpreterCandidate,
  type InterpreterSource,
  type ProbeResult,
} from '../../extension/python/interpreterChoice';

function cpython(executable: string, version: [number, number, number] = [3, 12, 1]): PythonInfo {
  return { executable, implementation: 'cpython', version, cacheTag: `cpython-3${version[1]}` };
}

/** A place that names `executable` (with `args`), counting how often it was asked. */
function place(
  source: InterpreterSource,
  executable: string | undefined | Error,
  args: string[] = [],
): CandidateSource & { asked: number } {
  const result = {
    source,
    asked: 0,
    find: async (): Promise<InterpreterCandidate | undefined> => {
      result.asked++;
      if (executable instanceof Error) throw executable;
      return executable === undefined ? undefined : { executable, args, source };
    },
  };
  return result;
}

/** The probe: what each command line answers; anything else cannot be started. */
function machine(answers: Record<string, ProbeResult>) {
  const probed: string[] = [];
  const probe = async (candidate: InterpreterCandidate): Promise<ProbeResult> => {
    const line = [candidate.executable, ...candidate.args].join(' ');
    probed.push(line);
    return answers[line] ?? 'missing';
  };
  return { probe, probed };
}

function recorder() {
  const warnings: string[] = [];
  const debug: string[] = [];
  return {
    warnings,
    debug,
    log: { warn: (m: string) => warnings.push(m), debug: (m: string) => debug.push(m) },
  };
}

function standardPlaces(
  overrides: Partial<Record<InterpreterSource, string | undefined | Error>> = {},
) {
  const value = <K extends InterpreterSource>(key: K, fallback: string | undefined) =>
    key in overrides ? overrides[key] : fallback;
  return [
    place('python-environments', value('python-environments', '/envs/venv/bin/python')),
    place('python-extension', value('python-extension', '/ext/bin/python')),
    place('setting', value('setting', '/setting/python')),
    place('environment', value('environment', undefined)),
    place('path', value('path', 'python3')),
    place('path', 'python'),
  ];
}

const EVERYTHING_RUNS: Record<string, ProbeResult> = {
  '/envs/venv/bin/python': cpython('/envs/venv/bin/python'),
  '/ext/bin/python': cpython('/ext/bin/python'),
  '/setting/python': cpython('/setting/python'),
  python3: cpython('/usr/bin/python3'),
  python: cpython('/usr/bin/python'),
};

test('the Python Environments extension first; later places are not even asked', async () => {
  const places = standardPlaces();
  const { probe, probed } = machine(EVERYTHING_RUNS);
  const log = recorder();
  const chosen = await chooseInterpreter(places, probe, log.log);
  assert.equal(chosen.executable, '/envs/venv/bin/python');
  assert.equal(chosen.source, 'python-environments');
  assert.deepEqual(
    places.map((p) => p.asked),
    [1, 0, 0, 0, 0, 0],
  );
  assert.deepEqual(probed, ['/envs/venv/bin/python']);
  assert.deepEqual(log.warnings, []);
  assert.match(log.debug[0], /from the Python Environments extension's environment/);
});

test('each place in turn when the ones before name nothing', async () => {
  const order: [
    Partial<Record<InterpreterSource, string | undefined>>,
    InterpreterSource,
    string,
  ][] = [
    [{ 'python-environments': undefined }, 'python-extension', '/ext/bin/python'],
    [
      { 'python-environments': undefined, 'python-extension': undefined },
      'setting',
      '/setting/python',
    ],
    [
      { 'python-environments': undefined, 'python-extension': undefined, setting: undefined },
      'path',
      '/usr/bin/python3',
    ],
    [
      {
        'python-environments': undefined,
        'python-extension': undefined,
        setting: undefined,
        environment: '/env-var/python',
      },
      'environment',
      '/env-var/python',
    ],
  ];
  for (const [overrides, source, executable] of order) {
    const { probe } = machine({
      ...EVERYTHING_RUNS,
      '/env-var/python': cpython('/env-var/python'),
    });
    const log = recorder();
    const chosen = await chooseInterpreter(standardPlaces(overrides), probe, log.log);
    assert.deepEqual(
      [chosen.source, chosen.executable],
      [source, executable],
      JSON.stringify(overrides),
    );
    assert.deepEqual(log.warnings, [], 'naming nothing is not a failure');
  }
});

test('an extension that fails is a log line, and the next place answers', async () => {
  const places = standardPlaces({
    'python-environments': new Error('activation failed: boom'),
    'python-extension': new Error('resolveEnvironment rejected'),
  });
  const { probe } = machine(EVERYTHING_RUNS);
  const log = recorder();
  const chosen = await chooseInterpreter(places, probe, log.log);
  assert.equal(chosen.source, 'setting');
  assert.deepEqual(log.warnings, [
    "the Python Environments extension's environment: none (activation failed: boom); trying the next place",
    "the Python extension's interpreter: none (resolveEnvironment rejected); trying the next place",
  ]);
});

test("an extension's interpreter that cannot be started is passed over, with a log line", async () => {
  const { probe, probed } = machine({ ...EVERYTHING_RUNS, '/envs/venv/bin/python': 'missing' });
  const log = recorder();
  const chosen = await chooseInterpreter(standardPlaces(), probe, log.log);
  assert.equal(chosen.source, 'python-extension');
  assert.deepEqual(probed, ['/envs/venv/bin/python', '/ext/bin/python']);
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0], /"\/envs\/venv\/bin\/python" cannot be run; trying the next place/);
});

test("an environment's run command is probed whole; the interpreter that answers runs", async () => {
  const places = [place('python-environments', '/usr/bin/env', ['python3.12', '-I'])];
  const { probe, probed } = machine({
    '/usr/bin/env python3.12 -I': cpython('/opt/py312/bin/python3.12'),
  });
  const chosen = await chooseInterpreter(places, probe, recorder().log);
  assert.deepEqual(probed, ['/usr/bin/env python3.12 -I']);
  assert.equal(chosen.executable, '/opt/py312/bin/python3.12');
});

test('the setting that cannot be run is an error: PATH is not tried instead', async () => {
  const places = standardPlaces({
    'python-environments': undefined,
    'python-extension': undefined,
  });
  const { probe } = machine({ ...EVERYTHING_RUNS, '/setting/python': 'missing' });
  await assert.rejects(
    chooseInterpreter(places, probe, recorder().log),
    (error: unknown) =>
      error instanceof InterpreterError &&
      error.kind === 'missing' &&
      error.message ===
        'heapInspector.pythonPath is "/setting/python", which cannot be run. Select an interpreter.',
  );
  assert.equal(places[4].asked, 0);
});

test('an interpreter that runs but is not usable is an error that says where it came from', async () => {
  const cases: [Record<string, ProbeResult>, InterpreterError['kind'], RegExp][] = [
    [
      { '/envs/venv/bin/python': 'not-python' },
      'not-python',
      /^"\/envs\/venv\/bin\/python" \(the Python Environments extension's environment\) is not Python 3/,
    ],
    [
      { '/envs/venv/bin/python': cpython('/envs/venv/bin/python', [3, 7, 16]) },
      'too-old',
      /^\/envs\/venv\/bin\/python \(the Python Environments extension's environment\) is Python 3\.7\.16: the heap inspector needs CPython 3\.8\+\.$/,
    ],
    [
      { '/envs/venv/bin/python': { ...cpython('/envs/venv/bin/pypy3'), implementation: 'pypy' } },
      'not-cpython',
      /is pypy 3\.12\.1: the heap inspector reads CPython's collector/,
    ],
  ];
  for (const [answers, kind, pattern] of cases) {
    const { probe } = machine({ ...EVERYTHING_RUNS, ...answers });
    await assert.rejects(
      chooseInterpreter(standardPlaces(), probe, recorder().log),
      (error: unknown) =>
        error instanceof InterpreterError && error.kind === kind && pattern.test(error.message),
      kind,
    );
  }
});

test('nothing anywhere: one message with what was tried', async () => {
  const places = standardPlaces({
    'python-environments': undefined,
    'python-extension': undefined,
    setting: undefined,
  });
  const { probe } = machine({});
  await assert.rejects(
    chooseInterpreter(places, probe, recorder().log),
    (error: unknown) =>
      error instanceof InterpreterError &&
      error.message ===
        'No Python found (tried python3, python). Install CPython 3.8+ or select an interpreter.',
  );
});

test('check: where it came from, except for PATH', () => {
  assert.throws(
    () => check(cpython('/x/python', [3, 7, 1]), 'setting'),
    (error: Error) =>
      error.message ===
      '/x/python (setting heapInspector.pythonPath) is Python 3.7.1: the heap inspector needs CPython 3.8+.',
  );
  assert.throws(
    () => check(cpython('/usr/bin/python3', [3, 7, 1]), 'path'),
    (error: Error) =>
      error.message === '/usr/bin/python3 is Python 3.7.1: the heap inspector needs CPython 3.8+.',
  );
  assert.equal(check(cpython('/x/python'), 'python-extension').source, 'python-extension');
});
