/**
 * Time as the lease and token lifecycles see it. Production uses the system clock and unref'd
 * timers (a pending renewal never keeps the process alive); tests inject a manual scheduler
 * to move hours of lease time in milliseconds while the HTTP underneath stays real.
 */
export interface Scheduler {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Runs `task` after `delayMs`; returns a function that cancels it. A task may return a promise
   * (the renewal it started) so a manual scheduler can wait for it; rejections are the task's
   * own business and are only swallowed here as a last resort.
   */
  schedule(delayMs: number, task: () => void | Promise<void>): () => void;
}

/** The real clock: `Date.now()` and unref'd `setTimeout`. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(delayMs, task) {
    const timer = setTimeout(
      () => {
        void Promise.resolve()
          .then(task)
          .catch(() => undefined);
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    return () => clearTimeout(timer);
  },
};
