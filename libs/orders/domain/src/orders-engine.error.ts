import { errorCode, MeridianError } from '@meridian/shared-errors';

const ORDERS_INSTRUMENT_INVALID = errorCode('ORDERS_INSTRUMENT_INVALID', 'InstrumentConfigError');
const ORDERS_SNAPSHOT_INVALID = errorCode('ORDERS_SNAPSHOT_INVALID', 'BookSnapshotError');
const ORDERS_ENGINE_CORRUPTED = errorCode('ORDERS_ENGINE_CORRUPTED', 'EngineCorruptionError');

/** An instrument definition cannot be compiled (bad tick/lot size, band off tick, duplicate symbol). */
export class InstrumentConfigError extends MeridianError {
  readonly code = ORDERS_INSTRUMENT_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(symbol: string, problem: string) {
    super(`instrument ${symbol}: ${problem}`, { metadata: { symbol, problem } });
  }
}

/** A snapshot handed to `restore` is not one the engine wrote (or was damaged in storage). */
export class BookSnapshotError extends MeridianError {
  readonly code = ORDERS_SNAPSHOT_INVALID;
  readonly category = 'failed-precondition' as const;
  constructor(problem: string) {
    super(`invalid book snapshot: ${problem}`, { metadata: { problem } });
  }
}

/**
 * An internal invariant of a book broke. Never caused by input (input is rejected as an event);
 * the book must be considered lost and rebuilt from snapshot + replay.
 */
export class EngineCorruptionError extends MeridianError {
  readonly code = ORDERS_ENGINE_CORRUPTED;
  readonly category = 'internal' as const;
  constructor(symbol: string, problem: string) {
    super(`order book ${symbol} corrupted: ${problem}`, { metadata: { symbol, problem } });
  }
}
