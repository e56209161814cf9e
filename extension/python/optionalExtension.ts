/**
 * Another extension's API, used only if that extension is there: no `extensionDependencies`,
 * activated on first use, every failure a log line and `undefined` (the caller moves on).
 *
 * The outcome is kept until the set of extensions changes (one installed, enabled or removed):
 * an extension whose activation failed stays failed in this extension host, and asking again
 * would only repeat the log line.
 */
import * as vscode from 'vscode';

/** Where the failures go: the extension's log (a test passes a recorder). */
export type DiscoveryLog = Pick<vscode.LogOutputChannel, 'debug' | 'info' | 'warn'>;

export class OptionalExtension<Api> implements vscode.Disposable {
  private outcome: Promise<Api | undefined> | undefined;
  private readonly listeners: vscode.Disposable[] = [];
  private readonly changes: vscode.Disposable;

  /**
   * @param id the extension's identifier, e.g. `ms-python.python`
   * @param name what the log calls it
   * @param usable whether its exports are the API this extension was written against
   * @param onApi called once with the API (e.g. to listen to its events); return disposables
   */
  constructor(
    readonly id: string,
    private readonly name: string,
    private readonly usable: (exports: unknown) => exports is Api,
    private readonly log: DiscoveryLog,
    private readonly onApi: (api: Api) => vscode.Disposable[] = () => [],
  ) {
    this.changes = vscode.extensions.onDidChange(() => {
      this.outcome = undefined;
    });
  }

  /** Whether the extension is installed and enabled (without activating it). */
  get installed(): boolean {
    return vscode.extensions.getExtension(this.id) !== undefined;
  }

  /** The API, or undefined when the extension is not there or cannot give it (logged). */
  api(): Promise<Api | undefined> {
    this.outcome ??= this.load();
    return this.outcome;
  }

  dispose(): void {
    this.changes.dispose();
    for (const listener of this.listeners.splice(0)) listener.dispose();
  }

  private async load(): Promise<Api | undefined> {
    const extension = vscode.extensions.getExtension<unknown>(this.id);
    if (!extension) return undefined;
    let exports: unknown;
    try {
      exports = extension.isActive ? extension.exports : await extension.activate();
    } catch (error) {
      this.log.warn(
        `${this.name} (${this.id}) is installed but did not activate: ${message(error)}`,
      );
      return undefined;
    }
    if (exports === undefined || exports === null) {
      // The Python Environments extension exports nothing when the user turned it off
      // (python.useEnvironmentsExtension: false); the Python extension then handles environments.
      this.log.info(`${this.name} (${this.id}) is installed but gives no API (turned off?)`);
      return undefined;
    }
    if (!this.usable(exports)) {
      this.log.warn(`${this.name} (${this.id}) gives an API this version does not know`);
      return undefined;
    }
    try {
      this.listeners.push(...this.onApi(exports));
    } catch (error) {
      this.log.warn(`${this.name}: cannot follow its changes: ${message(error)}`);
    }
    return exports;
  }
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
