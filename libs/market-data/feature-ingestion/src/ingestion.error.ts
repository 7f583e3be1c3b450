import { errorCode, MeridianError } from '@meridian/shared-errors';

const MARKETDATA_FEEDS_CONFIG_INVALID = errorCode(
  'MARKETDATA_FEEDS_CONFIG_INVALID',
  'FeedsConfigError',
);

/** The feed definitions (MARKETDATA_FEEDS) cannot be used. */
export class FeedsConfigError extends MeridianError {
  readonly code = MARKETDATA_FEEDS_CONFIG_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(problem: string, cause?: unknown) {
    super(`market-data feeds: ${problem}`, { cause, metadata: { problem } });
  }
}
