/**
 * The debugger hook: `agent/heap_inspector_agent/debugger_hook.py`, a small module the install
 * expression (agentExpression.ts) reads from the agent directory and registers in the debuggee
 * as `_heap_inspector_agent.debugger_hook`, once per process.
 *
 * Why a hook module at all: each capture's `evaluate` expression stays a one-line call (what
 * pydevd prints if an evaluation is slow is that expression), the hook is compiled once per
 * process, and its name under the agent's package makes the agent count it — and everything it
 * holds — as its own, so it never shows up in a snapshot.
 *
 * The debuggee reads the hook from the agent directory, as it reads the agent: the two always
 * come from the same place. The extension reads the same file only to know its version: a
 * process holding a hook of another version gets this one installed.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureError } from './errors';

export const HOOK_MODULE = '_heap_inspector_agent.debugger_hook';
export const HOOK_FILE_NAME = 'debugger_hook.py';

export interface HookFile {
  /** The hook's file, for the debuggee to read. */
  path: string;
  /** A hash of its content: the installed hook's functions carry it in their names. */
  id: string;
}

const read = new Map<string, { stamp: string; hook: HookFile }>();

/** The hook in `agentDirectory`; throws `agent-missing` when this machine cannot read it. */
export function hookFile(agentDirectory: string): HookFile {
  const path = join(agentDirectory, HOOK_FILE_NAME);
  try {
    // Read again only when the file changed (size, time, inode): a capture costs one stat.
    const stat = statSync(path);
    const stamp = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
    const known = read.get(path);
    if (known?.stamp === stamp) return known.hook;
    const id = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
    const hook = { path, id };
    read.set(path, { stamp, hook });
    return hook;
  } catch (error) {
    throw new CaptureError(
      'agent-missing',
      `The Heap Inspector agent is incomplete: ${path} cannot be read. Reinstall the extension.`,
      String(error),
    );
  }
}
