/**
 * The command that runs a user's script under the agent's runner, for the CLI and the extension
 * alike: the compiled runner and its first stage (which reads the collector's state before the
 * runner loads), the agent's folder and its modules compiled for the interpreter (agentCode.ts), the native accelerator or why there is none (accelerator.ts),
 * the run's status file, and a program that cannot outlive whoever starts it (childLifetime.ts).
 */
import { accelerator, acceleratorArguments } from './accelerator';
import { prepareDebuggeeAccelerator } from './debuggeeAccelerator';
import { agentCode } from './agentCode';
import { agentPackageDirectory } from './agentFiles';
import { boundToThisProcess, type Command } from './childLifetime';
import { compiledRunner } from './compiledRunner';
import type { PythonInfo } from './pythonInfo';
import { startStage } from './startStage';

export interface AgentRun {
  python: PythonInfo;
  /** `FILE:LINE` */
  at: string;
  hit?: number;
  /** Capture at each of these hits instead (ascending); `snapshotPath` then contains `{hit}`. */
  hits?: number[];
  snapshotPath: string;
  /** Where the runner records the capture's outcome (runStatus.ts). */
  statusPath: string;
  /** The run's own private folder (mode 0700): the runner is compiled here if no cache is safe. */
  privateFolder: string;
  /** Also run the real gc.collect(generation) right after the capture and record it. */
  collect?: { generation: number; resultPath: string };
  /** A progress file the caller made and polls (progressFile.ts). */
  progressPath?: string;
  /** Build a missing accelerator in the background for the next run instead of now (the
   * extension host must not wait for a compiler). */
  buildAcceleratorLater?: boolean;
  script: string;
  args: string[];
}

/** The runner's command line (interpreter arguments) for a run. */
export function runnerArguments(run: AgentRun): string[] {
  const runner = compiledRunner(run.python, run.privateFolder);
  const start = startStage(run.python, runner);
  const code = agentCode(run.python, runner.cacheFolder);
  const args = [
    ...(start ? [start] : []),
    runner.path,
    'run',
    '--agent-dir',
    agentPackageDirectory(),
    ...(code ? ['--agent-code', code] : []),
    ...acceleratorArguments(
      accelerator(
        run.python,
        run.privateFolder,
        run.buildAcceleratorLater ? prepareDebuggeeAccelerator : undefined,
      ),
    ),
    '--at',
    run.at,
    ...(run.hits ? ['--hits', run.hits.join(',')] : ['--hit', String(run.hit ?? 1)]),
    '--out',
    run.snapshotPath,
    '--status-out',
    run.statusPath,
  ];
  if (run.collect) {
    args.push('--collect', String(run.collect.generation), '--collect-out', run.collect.resultPath);
  }
  if (run.progressPath) args.push('--progress-out', run.progressPath);
  args.push('--', run.script, ...run.args);
  return args;
}

/** What to spawn for a run: shared by the CLI and the extension, so there is one place that
 * knows the runner's options and how the program is tied to whoever starts it. */
export function runnerCommand(run: AgentRun): Command {
  return boundToThisProcess(run.python.executable, runnerArguments(run));
}
