import type { CliCommand } from '../command';
import { exportCommand } from './export';
import { lintCommand } from './lint';
import { reportCommand } from './report';
import { snapshotCommand } from './snapshot';
import { stepCommand } from './step';

/** Every subcommand, in the order `--help` lists them. */
export const commands: CliCommand[] = [
  snapshotCommand,
  stepCommand,
  reportCommand,
  exportCommand,
  lintCommand,
];
