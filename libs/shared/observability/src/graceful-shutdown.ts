import type { Logger } from 'pino';
import type { ReadinessRegistry } from './readiness.registry';

/** One step of draining: stop consumers, close the HTTP/gRPC server, flush telemetry... */
export type ShutdownHook = () => Promise<void> | void;

export interface GracefulShutdownOptions {
  readiness: ReadinessRegistry;
  logger: Logger;
  /**
   * Pause between turning unready and draining, so Kubernetes removes the pod from its
   * Service endpoints before connections are closed. Default 5000 ms; keep it below the pod's
   * terminationGracePeriodSeconds minus the drain time.
   */
  drainDelayMs?: number;
  /** Hard limit for the hooks; when exceeded the process exits with code 1. Default 20000 ms. */
  timeoutMs?: number;
  /** Called with the exit code when done. Default `process.exit`; tests pass a spy. */
  exit?: (code: number) => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Orderly exit on SIGTERM/SIGINT: readiness flips to not-ready first (Kubernetes stops routing),
 * then after `drainDelayMs` the hooks run one by one in registration order, then the process
 * exits — 0 when every hook succeeded, 1 when one failed or the whole drain timed out.
 * Register hooks in the order they must run, e.g. stop intake (`app.close()`, consumers), then
 * flush telemetry last.
 */
export class GracefulShutdown {
  private readonly hooks: { name: string; hook: ShutdownHook }[] = [];
  private readonly drainDelayMs: number;
  private readonly timeoutMs: number;
  private readonly exit: (code: number) => void;
  private running: Promise<number> | undefined;

  constructor(private readonly options: GracefulShutdownOptions) {
    this.drainDelayMs = options.drainDelayMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.exit = options.exit ?? ((code) => process.exit(code));
  }

  /** Adds a drain step; `name` appears in the logs. */
  onShutdown(name: string, hook: ShutdownHook): this {
    this.hooks.push({ name, hook });
    return this;
  }

  /** Installs the signal handlers; returns a function that removes them. */
  listen(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    const handler = (signal: NodeJS.Signals): void => {
      void this.shutdown(signal);
    };
    for (const signal of signals) {
      process.on(signal, handler);
    }
    return () => {
      for (const signal of signals) {
        process.off(signal, handler);
      }
    };
  }

  /**
   * Runs the shutdown once (later calls return the same promise) and resolves with the exit code
   * after calling `exit`. Readiness is not-ready before this returns its promise.
   */
  shutdown(reason: string): Promise<number> {
    if (this.running === undefined) {
      this.options.readiness.markShuttingDown();
      this.options.logger.info(
        { reason, drainDelayMs: this.drainDelayMs },
        'shutdown started: readiness is now down',
      );
      this.running = this.drain().then((code) => {
        this.exit(code);
        return code;
      });
    }
    return this.running;
  }

  private async drain(): Promise<number> {
    await sleep(this.drainDelayMs);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        this.options.logger.error(
          { timeoutMs: this.timeoutMs },
          'shutdown timed out; exiting anyway',
        );
        resolve(1);
      }, this.timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([this.runHooks(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async runHooks(): Promise<number> {
    let code = 0;
    for (const { name, hook } of this.hooks) {
      try {
        await hook();
        this.options.logger.info({ hook: name }, 'shutdown hook done');
      } catch (error) {
        // One broken hook must not keep the others (e.g. the telemetry flush) from running.
        code = 1;
        this.options.logger.error({ hook: name, err: error }, 'shutdown hook failed');
      }
    }
    return code;
  }
}
