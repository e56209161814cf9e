/**
 * Which interpreter runs the user's file, as a pure decision (no `vscode`): the places that may
 * name one are asked in order, each only if the ones before it named none that can run; the
 * first interpreter that runs is checked (CPython 3.8+). What each place is (the Python
 * Environments extension, the Python extension, the setting, PATH) is interpreter.ts's business.
 */
import type { PythonInfo } from '../../server/runner/pythonInfo';
import { MINIMUM_VERSION } from '../../server/runner/pythonInfo';

export type InterpreterSource =
  'python-environments' | 'python-extension' | 'setting' | 'environment' | 'path';

/** A command that starts Python: `executable args… -c …` (an environment's run command). */
export interface InterpreterCandidate {
  executable: string;
  args: readonly string[];
  source: InterpreterSource;
}

/** One place that may name an interpreter. `find` may throw: a log line, then the next place. */
export interface CandidateSource {
  source: InterpreterSource;
  find(): Promise<InterpreterCandidate | undefined> | InterpreterCandidate | undefined;
}

export type ProbeResult = PythonInfo | 'missing' | 'not-python';

export interface Interpreter extends PythonInfo {
  source: InterpreterSource;
}

/** Why no usable interpreter was found; the message says what to do. */
export class InterpreterError extends Error {
  constructor(
    message: string,
    readonly kind: 'missing' | 'not-cpython' | 'too-old' | 'not-python',
  ) {
    super(message);
    this.name = 'InterpreterError';
  }
}

export interface ChoiceLog {
  warn(message: string): void;
  debug(message: string): void;
}

/** Where a candidate came from, for messages ("… (the Python extension's interpreter)"). */
const ORIGIN: Record<InterpreterSource, string> = {
  'python-environments': "the Python Environments extension's environment",
  'python-extension': "the Python extension's interpreter",
  setting: 'setting heapInspector.pythonPath',
  environment: '$HEAP_INSPECTOR_PYTHON',
  path: 'PATH',
};

function commandLine(candidate: InterpreterCandidate): string {
  return [candidate.executable, ...candidate.args].join(' ');
}

/** `info` if it is CPython 3.8+; otherwise an InterpreterError that names where it came from. */
export function check(info: PythonInfo, source: InterpreterSource): Interpreter {
  const version = info.version.join('.');
  const where = source === 'path' ? '' : ` (${ORIGIN[source]})`;
  const minimum = MINIMUM_VERSION.join('.');
  if (info.implementation !== 'cpython') {
    throw new InterpreterError(
      `${info.executable}${where} is ${info.implementation} ${version}: the heap inspector reads CPython's collector and needs CPython ${minimum}+.`,
      'not-cpython',
    );
  }
  const [major, minor] = info.version;
  if (major < MINIMUM_VERSION[0] || (major === MINIMUM_VERSION[0] && minor < MINIMUM_VERSION[1])) {
    throw new InterpreterError(
      `${info.executable}${where} is Python ${version}: the heap inspector needs CPython ${minimum}+.`,
      'too-old',
    );
  }
  return { ...info, source };
}

/**
 * The first candidate, in the order of `sources`, that runs and is CPython 3.8+. A place that
 * fails (throws) or names an interpreter that cannot be started is logged and passed over —
 * except the setting, which the user chose for this extension: it failing is an error. An
 * interpreter that runs but is not a usable Python is an error too (not silently another one).
 */
export async function chooseInterpreter(
  sources: readonly CandidateSource[],
  probe: (candidate: InterpreterCandidate) => Promise<ProbeResult>,
  log: ChoiceLog,
): Promise<Interpreter> {
  const tried: string[] = [];
  for (const place of sources) {
    let candidate: InterpreterCandidate | undefined;
    try {
      candidate = await place.find();
    } catch (error) {
      log.warn(`${ORIGIN[place.source]}: none (${errorText(error)}); trying the next place`);
      continue;
    }
    if (!candidate) continue;
    const info = await probe(candidate);
    if (info === 'missing') {
      tried.push(commandLine(candidate));
      if (candidate.source === 'setting') {
        throw new InterpreterError(
          `heapInspector.pythonPath is "${candidate.executable}", which cannot be run. Select an interpreter.`,
          'missing',
        );
      }
      if (candidate.source !== 'path') {
        log.warn(
          `${ORIGIN[candidate.source]} "${commandLine(candidate)}" cannot be run; trying the next place`,
        );
      }
      continue;
    }
    if (info === 'not-python') {
      throw new InterpreterError(
        `"${commandLine(candidate)}"${candidate.source === 'path' ? '' : ` (${ORIGIN[candidate.source]})`} is not Python 3 (Python 2, or not Python at all). Select a CPython ${MINIMUM_VERSION.join('.')}+ interpreter.`,
        'not-python',
      );
    }
    const checked = check(info, candidate.source);
    log.debug(
      `interpreter: ${checked.executable} (CPython ${checked.version.join('.')}, from ${ORIGIN[candidate.source]})`,
    );
    return checked;
  }
  throw new InterpreterError(
    `No Python found (tried ${tried.join(', ') || 'nothing'}). Install CPython ${MINIMUM_VERSION.join('.')}+ or select an interpreter.`,
    'missing',
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
