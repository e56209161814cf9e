/**
 * Running a user's script under the agent's runner, as `snapshot` and `step` do: the compiled
 * runner and its first stage (which reads the collector's state before the runner loads), the
 * agent's folder, the run's status file, our stdio, and a program that cannot outlive us.
 *
 * Signals, as `system(3)` and a shell handle a foreground job: Ctrl-C (SIGINT), SIGQUIT and a
 * terminal hangup (SIGHUP) go from the terminal to the whole process group, the program included,
 * so the CLI only waits for the program to react (forwarding them would deliver a second one).
 * SIGTERM is sent to the CLI alone: it is passed on to the program.
 */
import { spawn } from 'node:child_process';
import { agentPackageDirectory } from './agentFiles';
import { boundToThisProcess, type Command } from './childLifetime';
import { compiledRunner } from './compiledRunner';
import type { ProgramEnd } from './programEnd';
import type { PythonInfo } from './python';
import { startStage } from './startStage';
import { UserError } from './errors';

export interface AgentRun {
  python: PythonInfo;
  /** `FILE:LINE` */
  at: string;
  hit?: number;
  snapshotPath: string;
  /** Where the runner records the capture's outcome (cli/runStatus.ts). */
  statusPath: string;
  /** The run's own private folder (mode 0700): the runner is compiled here if no cache is safe. */
  privateFolder: string;
  /** Also run the real gc.collect(generation) right after the capture and record it. */
  collect?: { generation: number; resultPath: string };
  script: string;
  args: string[];
}

/** The runner's command line (interpreter arguments) for a run. */
export function runnerArguments(run: AgentRun): string[] {
  const runner = compiledRunner(run.python, run.privateFolder);
  const start = startStage(run.python, runner);
  const args = [
    ...(start ? [start] : []),
    runner.path,
    'run',
    '--agent-dir',
    agentPackageDirectory(),
    '--at',
    run.at,
    '--hit',
    String(run.hit ?? 1),
    '--out',
    run.snapshotPath,
    '--status-out',
    run.statusPath,
  ];
  if (run.collect) {
    args.push('--collect', String(run.collect.generation), '--collect-out', run.collect.resultPath);
  }
  args.push('--', run.script, ...run.args);
  return args;
}

/** What to spawn for a run: shared by the CLI and the extension, so there is one place that
 * knows the runner's options and how the program is tied to whoever starts it. */
export function runnerCommand(run: AgentRun): Command {
  return boundToThisProcess(run.python.executable, runnerArguments(run));
}

/** How the program ended, and whether the CLI itself was asked to terminate meanwhile. */
export interface AgentRunEnd extends ProgramEnd {
  terminated: boolean;
}

export function runUnderAgent(run: AgentRun): Promise<AgentRunEnd> {
  const { command, args } = runnerCommand(run);
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
