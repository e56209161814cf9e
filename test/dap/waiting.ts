/** Bounded waits for the DAP tests, that leave nothing running when they give up. */

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Checks `condition` every `everyMs` until it holds; after `boundMs`, fails saying what did not
 * happen. It stops checking when it gives up: a polling loop raced against a timer instead would
 * go on after the race is lost, and its timer alone keeps the test process alive once every test
 * is done, so the run never ends.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  boundMs: number,
  everyMs = 50,
): Promise<void> {
  const deadline = performance.now() + boundMs;
  for (;;) {
    if (await condition()) return;
    if (performance.now() >= deadline) throw new Error(`${what}: not within ${boundMs / 1000} s`);
    await sleep(everyMs);
  }
}

/** `promise`, or a failure saying what did not happen within `boundMs`. */
export async function within<T>(promise: Promise<T>, what: string, boundMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: nothing within ${boundMs / 1000} s`)),
      boundMs,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
