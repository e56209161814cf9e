/**
 * The Python expressions a capture sends through DAP `evaluate` (context `repl`, with the paused
 * frame's `frameId`). Pure string building: no I/O, no `vscode`.
 *
 * Why expressions and not statements: debugpy runs a statement with `exec` and then writes every
 * new name back into the user's frame; an expression is run with `eval` and leaves nothing. Every
 * name below is a lambda parameter or a key of a private dict, never a name in the user's scope.
 * Building them is pure string work; the hook's version comes from hookFile.ts, which reads the
 * hook's file once (and again only when it changes).
 *
 * Two expressions, both safe to parse on any Python (even 2.7), so that an old interpreter
 * answers with a status instead of a SyntaxError:
 *
 * - the call (`buildCaptureExpression`, `buildAgentCall`): one short line that calls the hook
 *   (agent/heap_inspector_agent/debugger_hook.py, see hookFile.ts) if this process has it, at
 *   this exact version, and otherwise answers `{"status":"no-hook"}`. It creates no objects
 *   before the hook disables the collector.
 * - the install (`buildInstallExpression`): checks for CPython 3.8+, then, with the collector
 *   disabled and a sentinel made first (so that reading and compiling the hook count as the
 *   capture's own allocations), reads the hook from the agent directory, installs it and makes
 *   the same call.
 *
 * Builtins are read from the frame's `__builtins__` (a module in `__main__`, a dict elsewhere)
 * through syntax only, so a user variable named `getattr` or `exec` cannot get in the way.
 */
import { HOOK_MODULE, hookFile, type HookFile } from './hookFile';
import { pythonLiteral, pythonString, type PythonValue } from './pythonLiteral';

/** The hook's entry points (debugger_hook.py), each installed under a name that carries its id. */
export type HookMethod = 'capture' | 'call';

export interface HookCall {
  method: HookMethod;
  args: readonly PythonValue[];
  /** The hook to call (or install): its file in the agent directory and its version. */
  hook: HookFile;
}

const BUILTINS =
  '(__builtins__ if {}.__class__ is __builtins__.__class__ else __builtins__.__dict__)';

/** The answer of the call expression when the hook is missing or from another version. */
export const NO_HOOK_STATUS = 'no-hook';

/**
 * Capture the heap at the selected frame into `snapshotPath` (debugger_hook.py `capture`).
 * `accelerator`: where the native accelerator may be, or why there is none
 * (server/runner/debuggeeAccelerator.ts); without it the agent keeps its previous choice.
 * Throws `agent-missing` when the hook cannot be read from `agentDirectory`.
 */
export function captureCall(
  snapshotPath: string,
  agentDirectory: string,
  hook: HookFile = hookFile(agentDirectory),
  accelerator?: string,
): HookCall {
  const args = accelerator === undefined ? [] : [accelerator];
  return { method: 'capture', args: [snapshotPath, agentDirectory, ...args], hook };
}

export interface AgentCallOptions {
  /** The agent package directory on this machine (the debuggee reads the hook and the agent there). */
  agentDirectory: string;
  /** A module of the agent package, e.g. `capture`. */
  module: string;
  function: string;
  /** JSON-like arguments, passed positionally. */
  args?: readonly PythonValue[];
  /** Also pass `frame=<the selected frame>` as a keyword argument. */
  passFrame?: boolean;
}

/**
 * Any function of the loaded agent; its return value comes back as JSON (keep it small).
 * Throws `agent-missing` when the hook cannot be read from the agent directory.
 */
export function agentCall(options: AgentCallOptions): HookCall {
  return {
    method: 'call',
    args: [
      options.agentDirectory,
      options.module,
      options.function,
      [...(options.args ?? [])],
      options.passFrame ?? false,
    ],
    hook: hookFile(options.agentDirectory),
  };
}

/** The short expression: calls the installed hook, or answers `{"status":"no-hook"}`. */
export function buildCallExpression(call: HookCall): string {
  // getattr(sys.modules.get(HOOK), 'capture_<id>', '{{…no-hook…}}'.format)(args…): when the hook
  // is missing the default is str.format, which ignores positional arguments.
  const fallback = pythonString(`{{"status":"${NO_HOOK_STATUS}"}}`) + '.format';
  return (
    `${BUILTINS}['getattr'](${BUILTINS}['__import__']('sys').modules.get(` +
    `${pythonString(HOOK_MODULE)}), ${pythonString(versionedName(call))}, ${fallback})` +
    `(${call.args.map(pythonLiteral).join(', ')})`
  );
}

/** The capture expression the extension sends (tests send exactly this). */
export function buildCaptureExpression(snapshotPath: string, agentDirectory: string): string {
  return buildCallExpression(captureCall(snapshotPath, agentDirectory));
}

/** The expression for any agent function, e.g. the stepper's real `gc.collect`. */
export function buildAgentCall(options: AgentCallOptions): string {
  return buildCallExpression(agentCall(options));
}

// Runs as statements in a private dict (names: NAME, HOOK_ID, HOOK_PATH, MISSING, METHOD, ARGS).
// CPython 3.8+ only: the expression checks the version before compiling this. For a capture
// the order is the hook's capture(): let waiting threads run first (at the program's own switch
// interval, never a raised one: see yield_to_waiting_threads there), disable the collector, make
// the sentinel; only then read and compile the hook, so that doing so counts as the capture's
// own allocations. The hook is compiled under a name that is not a file in the agent's folder:
// the agent takes frames of those files for its runner's (roots.agent_frames), and the hook's
// frames are the debugger's. A hook that cannot be read is the agent missing (the hook's own
// status for that). The switch interval is not changed here; should anything leave it changed,
// it is put back exactly (debugger_hook.py restore_switch_interval). Modules imported here that
// the program had not are handed to the agent as its own (PROGRAM_LACKED, see the hook's
// _adopt_modules).
const INSTALL = `import sys
lacked = tuple(name for name in ("gc", "os", "time") if name not in sys.modules)
import gc
import time
interval = sys.getswitchinterval()
enabled = gc.isenabled()
hook = None
source = None
try:
    if METHOD == "capture":
        time.sleep(0.01)
        gc.disable()
        counts = gc.get_count()
        sentinel = []
    try:
        with open(HOOK_PATH, "rb") as reader:
            source = reader.read()
    except OSError as error:
        result = MISSING % ("".join([c for c in type(error).__name__ if c.isalnum()]), error.errno)
    if source is not None:
        hook = type(sys)(NAME)
        exec(compile(source, "<heap-inspector debugger hook>", "exec", 0, True), hook.__dict__)
        hook.__dict__["PROGRAM_LACKED"] = lacked
        for method in ("capture", "call"):
            hook.__dict__[method + "_" + HOOK_ID] = hook.__dict__[method]
        sys.modules[NAME] = hook
        if METHOD == "capture":
            result = hook.capture(*ARGS, collector_state=(enabled, counts), sentinel=sentinel)
        else:
            result = hook.__dict__[METHOD](*ARGS)
finally:
    hook = None
    source = None
    reader = None
    sentinel = None
    if sys.getswitchinterval() != interval:
        sys.setswitchinterval((round(interval * 1e6) + 0.5) / 1e6)
    if enabled:
        gc.enable()
`;

// The answer when the hook's file cannot be read (as the hook answers for the agent's files).
const MISSING =
  '{"status":"error","code":"agent-missing","stage":"load",' +
  '"message":"cannot read the debugger hook (%s, errno %s)"}';

/**
 * The install expression: on CPython 3.8+ installs the hook and makes `call`; elsewhere answers
 * `{"status":"unsupported-python","implementation":…,"version":…}` without compiling anything.
 */
export function buildInstallExpression(call: HookCall): string {
  const names: Record<string, PythonValue> = {
    NAME: HOOK_MODULE,
    HOOK_ID: call.hook.id,
    HOOK_PATH: call.hook.path,
    MISSING,
    METHOD: call.method,
    ARGS: [...call.args],
  };
  const namespace =
    `{'__builtins__': b, ` +
    Object.entries(names)
      .map(([key, value]) => `${pythonString(key)}: ${pythonLiteral(value)}`)
      .join(', ') +
    '}';
  const install =
    `(lambda n: (b['exec'](b['compile'](${pythonString(INSTALL)}, '<heap-inspector install>', ` +
    `'exec', 0, 1), n), n['result'])[1])(${namespace})`;
  const supported =
    "b['__import__']('sys').version_info[:2] >= (3, 8) and " +
    "b['getattr'](b['__import__']('sys'), 'implementation', None) is not None and " +
    "b['__import__']('sys').implementation.name == 'cpython'";
  const implementation =
    "''.join([c for c in b['str'](b['getattr'](b['getattr'](b['__import__']('sys'), " +
    "'implementation', None), 'name', 'cpython')) if c.isalnum()])";
  const version = "'.'.join([b['str'](v) for v in b['__import__']('sys').version_info[:3]])";
  const unsupported =
    `'{"status":"unsupported-python","implementation":"%s","version":"%s"}' % ` +
    `(${implementation}, ${version})`;
  return `(lambda b: ${install} if ${supported} else ${unsupported})(${BUILTINS})`;
}

function versionedName(call: HookCall): string {
  return `${call.method}_${call.hook.id}`;
}
