/**
 * The interpreter the CLI runs the agent in: `--python`, then $HEAP_INSPECTOR_PYTHON, then
 * `python3` and `python` on PATH. It must be CPython 3.8+ (server/runner/pythonInfo.ts).
 */
import {
  MINIMUM_VERSION,
  probePython,
  unsupportedPython,
  type PythonInfo,
} from '../server/runner/pythonInfo';
import { UserError } from './errors';

/** The interpreter to use, checked; throws a UserError that says what to do otherwise. */
export function findPython(explicit?: string): PythonInfo {
  const candidates = explicit
    ? [explicit]
    : process.env.HEAP_INSPECTOR_PYTHON
      ? [process.env.HEAP_INSPECTOR_PYTHON]
      : ['python3', 'python'];
  for (const candidate of candidates) {
    const info = probePython(candidate);
    if (info === 'missing') {
      if (explicit || candidates.length === 1) {
        throw new UserError(
          `cannot run Python "${candidate}": install CPython ${MINIMUM_VERSION.join('.')}+ or pass --python PATH`,
        );
      }
      continue;
    }
    if (info === 'not-python3') {
      throw new UserError(
        `"${candidate}" is not Python 3 (Python 2 or not Python at all): heap-inspector needs CPython ${MINIMUM_VERSION.join('.')}+; pass --python PATH`,
      );
    }
    const problem = unsupportedPython(info);
    if (problem) throw new UserError(`${problem}; pass --python PATH`);
    return info;
  }
  throw new UserError(
    `no Python found on PATH (tried python3, python): install CPython ${MINIMUM_VERSION.join('.')}+ or pass --python PATH`,
  );
}
