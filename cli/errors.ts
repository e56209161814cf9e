/**
 * A problem the user can fix (bad arguments, missing file, wrong Python). The CLI prints its
 * message as one line, `heap-inspector: <message>`, and exits with `exitCode`; no stack trace.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
