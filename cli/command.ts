/** A `heap-inspector` subcommand. Each lives in its own file under cli/commands/. */
export interface CliCommand {
  name: string;
  /** One line for `heap-inspector --help`. */
  summary: string;
  /** Full usage text for `heap-inspector <name> --help`. */
  usage: string;
  /** Runs the command; resolves to the process exit status. */
  run(args: string[]): Promise<number>;
}
