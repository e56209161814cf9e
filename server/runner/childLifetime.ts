/**
 * A program we start must not outlive us: if the CLI (or the extension host) is killed outright,
 * the kernel kills the program too. On Linux this is the parent-death signal (`prctl
 * PR_SET_PDEATHSIG`), set in the process before it executes the interpreter, so that nothing is
 * loaded into the user's program for it:
 *
 * - `setpriv --pdeathsig KILL -- PYTHON ARGS` (util-linux) when it is on PATH and supports it;
 * - otherwise a few lines of Python, in isolated mode, that set it through ctypes and then
 *   *execute* the interpreter afresh (`os.execvp`): the program's process starts clean, exactly
 *   as if started directly (the setting survives exec).
 *
 * The signal is SIGKILL: a program that ignores SIGTERM must not survive either. It is tied to
 * the thread that spawned the process, which for Node is the main thread. Elsewhere (macOS,
 * Windows) the command is returned unchanged: a killed CLI there leaves the program running.
 * An interpreter given as a wrapper script that does not `exec` the real one is covered only as
 * far as the wrapper passes the signal on.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Command {
  command: string;
  args: string[];
}

// Sets the parent-death signal, checks the parent did not die before it was set (then there is
// nothing left to run for), and replaces itself with the interpreter.
const TRAMPOLINE = [
  'import os, sys',
  'try:',
  '    import ctypes',
  '    ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL',
  'except Exception:',
  '    pass',
  'if os.getppid() != int(sys.argv[1]):',
  '    os._exit(137)',
  'os.execvp(sys.argv[2], sys.argv[2:])',
].join('\n');

let setprivPath: string | null | undefined;

/** `setpriv` on PATH that accepts --pdeathsig, or null; looked up once per process. */
function setpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (!folder) continue;
    const candidate = join(folder, 'setpriv');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    const probe = spawnSync(candidate, ['--pdeathsig', 'KILL', '--', 'true'], { timeout: 10_000 });
    if (probe.status === 0) setprivPath = candidate;
    break;
  }
  return setprivPath;
}

/** The command that runs `executable args` and dies when this process dies (Linux). */
export function boundToThisProcess(executable: string, args: string[]): Command {
  if (process.platform !== 'linux') return { command: executable, args };
  const tool = setpriv();
  if (tool !== null) {
    return { command: tool, args: ['--pdeathsig', 'KILL', '--', executable, ...args] };
  }
  return {
    command: executable,
    args: ['-I', '-S', '-c', TRAMPOLINE, String(process.pid), executable, ...args],
  };
}
