/**
 * Running a user's script under the agent's runner, as `snapshot` and `step` do: the runner's
 * first stage (which reads the collector's state before the runner loads), the compiled runner,
 * the agent's folder, our stdio, Ctrl-C forwarded.
 */
import { spawn } from 'node:child_process';
import { agentPackageDirectory } from './agentFiles';
import { compiledRunner } from './compiledRunner';
import type { PythonInfo } from './python';
import { startStage } from './startStage';
import { UserError } from './errors';

export interface AgentRun {
  python: PythonInfo;
  /** `FILE:LINE` */
  at: string;
  hit: number;
  snapshotPath: string;
  /** Also run the real gc.collect(generation) right after the capture and record it. */
  collect?: { generation: number; resultPath: string };
  script: string;
  args: string[];
}

/** The runner's command line (interpreter arguments) for a run: shared by the CLI and the
 * extension, so there is one place that knows the runner's options. */
export function runnerArguments(run: Omit<AgentRun, 'hit'> & { hit?: number }): string[] {
  const runner = compiledRunner(run.python);
  const start = startStage(run.python, runner);
  const args = [
    ...(start ? [start] : []),
    runner,
    'run',
    '--agent-dir',
    agentPackageDirectory(),
    '--at',
    run.at,
    '--hit',
    String(run.hit ?? 1),
    '--out',
    run.snapshotPath,
  ];
  if (run.collect) {
    args.push('--collect', String(run.collect.generation), '--collect-out', run.collect.resultPath);
  }
  args.push('--', run.script, ...run.args);
  return args;
}

/** Resolves to the program's exit status. */
export function runUnderAgent(run: AgentRun): Promise<number> {
  return runProgram(run.python.executable, runnerArguments(run));
}

function runProgram(executable: string, args: string[]): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(executable, args, { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.on('error', (error) =>
      reject(new UserError(`cannot run ${executable}: ${error.message}`)),
    );
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolvePromise(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
    });
  });
}
