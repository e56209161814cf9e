/**
 * The one dispatcher of a heap view's messages (protocol/messages.ts `FromWebview`): every
 * message the webview posts is checked here and given to the one handler of its type. The
 * panel registers its own handlers, the stepper its three (heapPanel.ts, stepperController.ts).
 * A message that is not protocol, or that nothing handles, is logged, not silently dropped. No
 * `vscode` import: test/extension/webviewDispatch.test.ts drives it.
 */
import { isFromWebview, type FromWebview } from '../../protocol/messages';

export type FromWebviewType = FromWebview['type'];
export type FromWebviewOf<K extends FromWebviewType> = Extract<FromWebview, { type: K }>;

/** Handlers for some message types; `C` is what the message came from (the panel). */
export type FromWebviewHandlers<C> = {
  [K in FromWebviewType]?: (from: C, message: FromWebviewOf<K>) => unknown;
};

export class WebviewDispatcher<C> {
  private readonly handlers: FromWebviewHandlers<C> = {};

  constructor(private readonly warn: (message: string) => void) {}

  /** Adds handlers (one per type: a second one for a type is a bug); returns their removal. */
  register(handlers: FromWebviewHandlers<C>): () => void {
    const types = Object.keys(handlers) as FromWebviewType[];
    for (const type of types) {
      if (this.handlers[type]) throw new Error(`two handlers for the webview message "${type}"`);
    }
    Object.assign(this.handlers, handlers);
    return () => {
      for (const type of types) {
        if (this.handlers[type] === handlers[type]) delete this.handlers[type];
      }
    };
  }

  /**
   * Hands `raw` to its handler and resolves with what the handler returns; resolves with
   * undefined (after a warning) when it is not protocol or nothing handles its type. A handler's
   * error rejects.
   */
  async dispatch(from: C, raw: unknown, where: string): Promise<unknown> {
    if (!isFromWebview(raw)) {
      this.warn(
        `${where}: ignored a message that is not protocol: ${JSON.stringify(raw)?.slice(0, 200)}`,
      );
      return undefined;
    }
    return this.route(from, raw, where);
  }

  private route<K extends FromWebviewType>(
    from: C,
    message: FromWebviewOf<K>,
    where: string,
  ): unknown {
    const handler = this.handlers[message.type as K] as
      ((from: C, message: FromWebviewOf<K>) => unknown) | undefined;
    if (!handler) {
      this.warn(`${where}: nothing handles the message "${message.type}" here; ignored`);
      return undefined;
    }
    return handler(from, message);
  }
}
