/**
 * `heap-inspector`: capture and analyse a Python heap without VS Code.
 * Dispatches to the subcommands in cli/commands/.
 */
import { HelpRequested } from './args';
import { commands } from './commands/index';
import { UserError } from './errors';
import { escapeForTerminal, escapeLinesForTerminal } from '../server/engine/terminalText';
import { mustEndByInterrupt } from '../server/runner/programEnd';

const VERSION = '0.1.0';

let ran: string | undefined;

/** The command this run ran, once known (cli/start.ts keeps compiled code per command). */
export function commandRun(): string | undefined {
  return ran;
}

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  return [
    'usage: heap-inspector <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "heap-inspector <command> --help" for a command\'s options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`heap-inspector ${VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    throw new UserError(`unknown command "${name}": run "heap-inspector --help" to list commands`);
  }
  ran = command.name;
  try {
    return await command.run(rest);
  } catch (error) {
    // `--help` among the command's options (never among a script's own arguments).
    if (!(error instanceof HelpRequested)) throw error;
    process.stdout.write(command.usage + '\n');
    return 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (mustEndByInterrupt()) {
      process.removeAllListeners('SIGINT');
      process.kill(process.pid, 'SIGINT'); // unless SIGINT is ignored: then the status is 130
    }
  },
  (error: unknown) => {
    if (error instanceof UserError) {
      // Messages quote paths and file content: one escaped line, whatever they hold.
      process.stderr.write(`heap-inspector: ${escapeForTerminal(error.message)}\n`);
      process.exitCode = error.exitCode;
    } else {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(
        `heap-inspector: internal error (please report it):\n${escapeLinesForTerminal(text.split('\n'))}\n`,
      );
      process.exitCode = 70;
    }
  },
);
