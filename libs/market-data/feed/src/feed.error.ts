import { errorCode, MeridianError } from '@meridian/shared-errors';

const MARKETDATA_INSTRUMENTS_INVALID = errorCode(
  'MARKETDATA_INSTRUMENTS_INVALID',
  'FeedInstrumentsError',
);
const MARKETDATA_GENERATOR_INVALID = errorCode('MARKETDATA_GENERATOR_INVALID', 'GbmConfigError');

/** The instrument list of the feeds cannot be used (bad JSON, tick size, duplicate symbol). */
export class FeedInstrumentsError extends MeridianError {
  readonly code = MARKETDATA_INSTRUMENTS_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(problem: string, cause?: unknown) {
    super(`market-data instruments: ${problem}`, { cause, metadata: { problem } });
  }
}

/** A synthetic price process is configured with values it cannot run with. */
export class GbmConfigError extends MeridianError {
  readonly code = MARKETDATA_GENERATOR_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(symbol: string, problem: string) {
    super(`GBM generator ${symbol}: ${problem}`, { metadata: { symbol, problem } });
  }
}
