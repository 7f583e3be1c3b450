import { errorCode, MeridianError } from '@meridian/shared-errors';

const EXECUTOR_WORKER_CRASHED = errorCode('EXECUTOR_WORKER_CRASHED', 'WorkerCrashedError');
const EXECUTOR_INSTRUMENTS_INVALID = errorCode(
  'EXECUTOR_INSTRUMENTS_INVALID',
  'InstrumentsConfigError',
);
const EXECUTOR_SNAPSHOT_INVALID = errorCode('EXECUTOR_SNAPSHOT_INVALID', 'SnapshotInvalidError');
const EXECUTOR_POOL_CLOSED = errorCode('EXECUTOR_POOL_CLOSED', 'WorkerPoolClosedError');
const EXECUTOR_TRADING_DAY_INVALID = errorCode(
  'EXECUTOR_TRADING_DAY_INVALID',
  'TradingDayConfigError',
);

/** A worker thread died (uncaught exception, engine corruption, OOM) with work in flight. */
export class WorkerCrashedError extends MeridianError {
  readonly code = EXECUTOR_WORKER_CRASHED;
  readonly category = 'unavailable' as const;

  constructor(
    readonly worker: number,
    cause: unknown,
  ) {
    super(`worker ${worker} crashed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      metadata: { worker: String(worker) },
    });
  }
}

/** The instrument configuration is not valid JSON, fails the schema or an instrument is unusable. */
export class InstrumentsConfigError extends MeridianError {
  readonly code = EXECUTOR_INSTRUMENTS_INVALID;
  readonly category = 'invalid-argument' as const;

  constructor(message: string, cause?: unknown) {
    super(`instrument config invalid: ${message}`, { cause });
  }
}

/** A stored executor snapshot cannot be used (corrupt file, other format, other instruments). */
export class SnapshotInvalidError extends MeridianError {
  readonly code = EXECUTOR_SNAPSHOT_INVALID;
  readonly category = 'internal' as const;

  constructor(message: string, cause?: unknown) {
    super(`executor snapshot invalid: ${message}`, { cause });
  }
}

/** Work was handed to a pool that is closed. */
export class WorkerPoolClosedError extends MeridianError {
  readonly code = EXECUTOR_POOL_CLOSED;
  readonly category = 'unavailable' as const;

  constructor() {
    super('worker pool is closed');
  }
}

/** The configured end of the trading day (EXECUTOR_TRADING_DAY_END_UTC) is not a time of day. */
export class TradingDayConfigError extends MeridianError {
  readonly code = EXECUTOR_TRADING_DAY_INVALID;
  readonly category = 'invalid-argument' as const;

  constructor(message: string) {
    super(`trading day end invalid: ${message}`);
  }
}
