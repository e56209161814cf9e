import type { CliCommand } from '../command';
import { lintCommand } from './lint';
import { reportCommand } from './report';
import { snapshotCommand } from './snapshot';

/** Every subcommand, in the order `--help` lists them. */
export const commands: CliCommand[] = [snapshotCommand, reportCommand, lintCommand];
