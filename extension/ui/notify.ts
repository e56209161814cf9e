/**
 * Errors and outcomes as notifications with an action that helps: "Show Log", "Select
 * Interpreter", "Show Program Output". Every failure is also written to the log with its detail.
 */
import * as vscode from 'vscode';
import { CaptureFailure } from '../captureFailure';
import { Command, executeCommand } from '../commands';
import { log } from '../log';
import { InterpreterError } from '../python/interpreter';

export const SHOW_LOG = 'Show Log';
export const SELECT_INTERPRETER = 'Select Interpreter';
export const SHOW_OUTPUT = 'Show Program Output';

/** Something the user must do first (trust the workspace, open a Python file…). */
export class UserActionNeeded extends Error {
  constructor(
    message: string,
    readonly actions: { title: string; run: () => unknown }[] = [],
  ) {
    super(message);
    this.name = 'UserActionNeeded';
  }
}

export interface NotifyOptions {
  programOutput?: vscode.OutputChannel;
  cancelRunning?: () => void;
}

/** Shows a failure to the user, with the action that helps; logs the detail. Never throws. */
export async function reportFailure(
  error: unknown,
  what: string,
  options: NotifyOptions = {},
): Promise<void> {
  const pick = async (
    level: 'error' | 'warning' | 'info',
    message: string,
    actions: Record<string, () => unknown>,
  ): Promise<void> => {
    const show =
      level === 'error'
        ? vscode.window.showErrorMessage
        : level === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    const choice = await show(message, ...Object.keys(actions));
    if (choice) await actions[choice]?.();
  };
  const showLog: Record<string, () => unknown> = { [SHOW_LOG]: () => log().show(true) };
  const showOutput: Record<string, () => unknown> = options.programOutput
    ? { [SHOW_OUTPUT]: () => options.programOutput!.show(true) }
    : {};
  try {
    if (error instanceof CaptureFailure && error.running !== undefined) {
      // Our own capture gate refused: the capture that runs can be cancelled.
      log().info(`${what}: refused, ${error.message}`);
      await pick('warning', `${error.message} Wait for it to finish, or cancel it.`, {
        ...(options.cancelRunning ? { 'Cancel It': options.cancelRunning } : {}),
      });
      return;
    }
    if (error instanceof UserActionNeeded) {
      log().info(`${what}: ${error.message}`);
      await pick(
        'warning',
        error.message,
        Object.fromEntries(error.actions.map((a) => [a.title, a.run])),
      );
      return;
    }
    if (error instanceof InterpreterError) {
      log().error(`${what}: ${error.message}`);
      await pick('error', `Heap Inspector: ${error.message}`, {
        [SELECT_INTERPRETER]: () => executeCommand(Command.SelectInterpreter),
        ...showLog,
      });
      return;
    }
    if (error instanceof CaptureFailure) {
      log().warn(
        `${what}: ${error.kind}: ${error.message}${error.detail ? `\n${error.detail}` : ''}`,
      );
      const text = `Heap Inspector: ${error.message}`;
      switch (error.kind) {
        case 'cancelled':
          await pick(
            'info',
            'Heap capture cancelled: nothing was kept, and the program was left as it was.',
            {},
          );
          return;
        case 'busy':
          await pick('warning', text, {});
          return;
        case 'session-ended':
        case 'resumed':
          await pick('warning', text, showLog);
          return;
        case 'line-not-reached':
          await pick('warning', text, { ...showOutput, ...showLog });
          return;
        case 'program-ended':
          await pick('error', text, { ...showOutput, ...showLog });
          return;
        case 'not-cpython':
          await pick('error', text, {
            [SELECT_INTERPRETER]: () => executeCommand(Command.SelectInterpreter),
            ...showLog,
          });
          return;
        default:
          await pick('error', text, showLog);
          return;
      }
    }
    const message = error instanceof Error ? error.message : String(error);
    log().error(`${what}: ${error instanceof Error ? (error.stack ?? message) : message}`);
    await pick('error', `Heap Inspector: ${what} failed: ${message}`, showLog);
  } catch (e) {
    log().error(`reporting a failure failed: ${(e as Error).message}`);
  }
}
