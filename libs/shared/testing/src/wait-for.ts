/** Resolves after `ms` milliseconds (lets asynchronous work elsewhere make progress). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` every `pollMs` until it returns (or resolves to) true, for facts that settle
 * asynchronously: records arriving, a backend leaving pg_stat_activity. Rejects naming `what`
 * after `timeoutMs`; an error thrown by `check` rejects at once.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  pollMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}
