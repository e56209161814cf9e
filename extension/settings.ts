/**
 * The extension's settings (package.json `contributes.configuration`, section `heapInspector`),
 * typed once: `setting(key, scope)` only accepts a contributed key and returns its type
 * (`updateSetting` writes one the same way), and `DEFAULTS` repeats package.json's defaults for
 * when the configuration has none (a key read before the contribution is registered). The language server reads `lint.*` and
 * `trackAllocations` itself (workspace/configuration).
 */
import * as vscode from 'vscode';

export const SETTINGS_SECTION = 'heapInspector';

export interface Settings {
  /** An interpreter to use when the Python extensions name none. */
  pythonPath: string;
  /** Not debugging: run the file to the line under the debugger or the agent's runner. */
  'runToLine.method': 'auto' | 'debugger' | 'runner';
  /** After a run-to-line capture: stop the program, or let it finish. */
  'runToLine.afterCapture': 'stop' | 'finish';
  'capture.timeoutSeconds': number;
  'debug.collectStartupGarbage': boolean;
  /** Programs the extension launches run with tracemalloc (allocation sites). */
  trackAllocations: boolean;
}

export type SettingKey = keyof Settings;

export const DEFAULTS: Settings = {
  pythonPath: '',
  'runToLine.method': 'auto',
  'runToLine.afterCapture': 'stop',
  'capture.timeoutSeconds': 300,
  'debug.collectStartupGarbage': true,
  trackAllocations: false,
};

export function setting<K extends SettingKey>(
  key: K,
  scope?: vscode.ConfigurationScope | null,
): Settings[K] {
  return vscode.workspace
    .getConfiguration(SETTINGS_SECTION, scope)
    .get<Settings[K]>(key, DEFAULTS[key]);
}

/** Writes a setting (Select Interpreter saves `pythonPath`). */
export async function updateSetting<K extends SettingKey>(
  key: K,
  value: Settings[K],
  target: vscode.ConfigurationTarget,
): Promise<void> {
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(key, value, target);
}

/** How long a capture or collection may take, at least 5 s. */
export function captureTimeoutMs(scope?: vscode.ConfigurationScope | null): number {
  return Math.max(5, setting('capture.timeoutSeconds', scope)) * 1000;
}

/** `heapInspector.<key>`, for messages and `affectsConfiguration`. */
export function settingId(key: SettingKey): string {
  return `${SETTINGS_SECTION}.${key}`;
}

export function affectsSetting(
  event: vscode.ConfigurationChangeEvent,
  key: SettingKey,
  scope?: vscode.ConfigurationScope,
): boolean {
  return event.affectsConfiguration(settingId(key), scope);
}
