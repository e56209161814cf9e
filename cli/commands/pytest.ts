/**
 * `heap-inspector pytest`: runs the user's pytest with the heap gate (agent/heap_inspector_pytest.py)
 * loaded from the agent's folder, installing nothing into their environment (docs/pytest-gate.md).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { CliCommand } from '../command';
import { UserError } from '../errors';
import { findPython } from '../python';
import { exitLikeProgram } from '../../server/runner/programEnd';
import { agentPackageDirectory } from '../../server/runner/agentFiles';
import { boundToThisProcess } from '../../server/runner/childLifetime';
import { runInForeground } from '../runUnderAgent';
import { endTerminated } from '../runOutcome';

const usage = `usage: heap-inspector pytest [--python PY] [--heap-repeat N] [PYTEST ARGS...]

Runs "python -m pytest PYTEST ARGS" with heap-inspector's gate loaded (nothing is installed). Each
passing test runs N more times (default 2) with automatic collection off; the test fails when what
the first repeat made is still alive after the last, when it leaves objects with finalizers in
reference cycles, resurrects objects or adds to gc.garbage — found by prediction, never by
gc.collect(). Mark a test @pytest.mark.no_heap_gate to leave it out. --heap-repeat 0 checks only
cycles with finalizers, resurrection and gc.garbage (one extra run).

  --python PY      the interpreter that has pytest (default: $HEAP_INSPECTOR_PYTHON, python3, python)

Everything else goes to pytest. Exit status: pytest's.`;

/** Loads the plugin file into a fresh module (no .pyc beside the agent) and starts pytest. */
const LAUNCHER =
  'import sys, types\n' +
  'path = sys.argv[1]\n' +
  'module = types.ModuleType("heap_inspector_pytest")\n' +
  'module.__file__ = path\n' +
  'with open(path, "rb") as source:\n' +
  '    code = compile(source.read(), path, "exec")\n' +
  'exec(code, module.__dict__)\n' +
  'del code, source, path\n' +
  'module.main(module)\n';

export const pytestCommand: CliCommand = {
  name: 'pytest',
  summary: 'run pytest with a gate that fails tests which leave memory behind',
  usage,
  async run(args) {
    let rest = args;
    let pythonOption: string | undefined;
    if (rest[0] === '--help' || rest[0] === '-h') {
      process.stdout.write(usage + '\n');
      return 0;
    }
    if (rest[0] === '--python' || rest[0]?.startsWith('--python=')) {
      pythonOption = rest[0].includes('=') ? rest[0].slice('--python='.length) : rest[1];
      if (pythonOption === undefined) throw new UserError('--python needs a value: --python PATH');
      rest = rest.slice(rest[0].includes('=') ? 1 : 2);
    }
    const python = findPython(pythonOption);
    const probe = spawnSync(python.executable, ['-c', 'import pytest'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      throw new UserError(
        `pytest is not installed for ${python.executable}: give the interpreter of your test environment with --python PATH`,
      );
    }
    const agent = agentPackageDirectory();
    const plugin = join(dirname(agent), 'heap_inspector_pytest.py');
    const command = boundToThisProcess(python.executable, ['-c', LAUNCHER, plugin, agent, ...rest]);
    const end = await runInForeground(command, python.executable);
    if (end.terminated) return endTerminated(end);
    return exitLikeProgram(end);
  },
};
