import type { CliCommand } from '../command';
import { diffCommand } from './diff';
import { exportCommand } from './export';
import { lintCommand } from './lint';
import { pytestCommand } from './pytest';
import { reportCommand } from './report';
import { snapshotCommand } from './snapshot';
import { stepCommand } from './step';

/** Every subcommand, in the order `--help` lists them. */
export const commands: CliCommand[] = [
  snapshotCommand,
  stepCommand,
  diffCommand,
  pytestCommand,
  reportCommand,
  exportCommand,
  lintCommand,
];
