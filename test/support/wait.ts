// Waiting for a condition instead of sleeping a fixed time: on a loaded machine a fixed sleep is
// either too short (the test flakes) or too long (the suite crawls); a polled condition is neither.

export interface WaitOptions {
  /** What is awaited, for the timeout message ("the worker blocked in BRPOP"); a function is
   *  called at the timeout, so it can name what was seen by then (a child's stderr). */
  what: string | (() => string);
  /** Give up after this long (default 10 s): generous, since a pass returns as soon as it holds. */
  timeoutMs?: number;
  /** Pause between polls (default 20 ms). */
  intervalMs?: number;
}

/**
 * Polls `cond` until it returns something other than false, null or undefined, and returns that.
 * A throw from `cond` counts as "not yet" (a server still starting); the last one is named in the
 * error thrown after `timeoutMs`, together with `what`.
 */
export async function waitFor<T>(cond: () => T | Promise<T>, opts: WaitOptions): Promise<Exclude<T, false | null | undefined>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await cond();
      if (value !== false && value !== null && value !== undefined) return value as Exclude<T, false | null | undefined>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : ` (last attempt threw: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      const what = typeof opts.what === 'function' ? opts.what() : opts.what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
