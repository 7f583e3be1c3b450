/** Time as the ingestion code sees it; injected so tests run replays without real waiting. */
export interface Scheduler {
  /** Milliseconds since the epoch (may be fractional). */
  now(): number;
  /** Resolves after `ms` (at once for ms <= 0), or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Real time. */
export const systemScheduler: Scheduler = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || signal?.aborted === true) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Milliseconds since the epoch -> integer nanoseconds (the Tick's time fields). */
export function msToNanos(ms: number): bigint {
  return BigInt(Math.round(ms * 1_000)) * 1_000n;
}
