/**
 * The one error the snapshot reader throws, and the sentences it is built from. Its message is
 * always one line of safe text: whatever the file or its path contains is escaped.
 */
import { escapeForTerminal } from './terminalText';

export type SnapshotErrorCode =
  'unreadable' | 'not-a-snapshot' | 'unsupported-version' | 'truncated' | 'corrupt';

/** `code` says which kind; the message says what is wrong and what to do. */
export class SnapshotError extends Error {
  readonly code: SnapshotErrorCode;
  constructor(code: SnapshotErrorCode, message: string) {
    super(escapeForTerminal(message));
    this.name = 'SnapshotError';
    this.code = code;
  }
}

const RECAPTURE = 'capture the snapshot again';
const CORRUPT_ADVICE = `${RECAPTURE}; if it happens again, report it with the agent version`;

/** Throws the errors about one input, named `source` (a path) in every message. */
export class SnapshotProblems {
  constructor(readonly source: string) {}

  fail(code: SnapshotErrorCode, what: string, advice: string): never {
    throw new SnapshotError(code, `${this.source} ${what} — ${advice}`);
  }

  truncated(what: string): never {
    return this.fail(
      'truncated',
      `is truncated: ${what}`,
      `the capture was interrupted or the file was cut short; ${RECAPTURE}`,
    );
  }

  corrupt(what: string): never {
    return this.fail('corrupt', `is corrupt: ${what}`, CORRUPT_ADVICE);
  }
}

/** How the reader refers to a JSON value it found instead of the one expected: short. */
export function shortValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
  }
  return String(value);
}
