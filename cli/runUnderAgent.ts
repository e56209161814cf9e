/**
 * Running a user's script under the agent's runner, as `snapshot` and `step` do, with our stdio
 * (the command itself: server/runner/runnerCommand.ts).
 *
 * Signals, as `system(3)` and a shell handle a foreground job: Ctrl-C (SIGINT), SIGQUIT and a
 * terminal hangup (SIGHUP) go from the terminal to the whole process group, the program included,
 * so the CLI only waits for the program to react (forwarding them would deliver a second one).
 * SIGTERM is sent to the CLI alone: it is passed on to the program.
 *
 * On a terminal the capture's progress shows on standard error while it runs (progressTerminal.ts).
 */
import { spawn } from 'node:child_process';
import type { ProgramEnd } from '../server/runner/programEnd';
import { runnerCommand, type AgentRun } from '../server/runner/runnerCommand';
import { UserError } from './errors';
import { startProgressDisplay } from './progressTerminal';

/** How the program ended, and whether the CLI itself was asked to terminate meanwhile. */
export interface AgentRunEnd extends ProgramEnd {
  terminated: boolean;
}

export function runUnderAgent(
  run: AgentRun,
  options: { showProgress: boolean } = { showProgress: true },
): Promise<AgentRunEnd> {
  const progress = options.showProgress
    ? startProgressDisplay(run.privateFolder, process.stderr)
    : undefined;
  const { command, args } = runnerCommand({ ...run, progressPath: progress?.path });
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    let terminated = false;
    const waitForProgram = (): void => {
      // The terminal delivered it to the program as well: its reaction decides.
    };
    const passOn = (): void => {
      terminated = true;
      child.kill('SIGTERM');
    };
    const waited: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGHUP'];
    for (const signal of waited) process.on(signal, waitForProgram);
    process.on('SIGTERM', passOn);
    const stopListening = (): void => {
      for (const signal of waited) process.off(signal, waitForProgram);
      process.off('SIGTERM', passOn);
      progress?.stop();
    };
    child.on('error', (error) => {
      stopListening();
      reject(new UserError(`cannot run ${run.python.executable}: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      stopListening();
      resolvePromise({ code, signal, terminated });
    });
  });
}
