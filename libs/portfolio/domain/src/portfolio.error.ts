import { errorCode, MeridianError } from '@meridian/shared-errors';

const PORTFOLIO_DECIMAL_INVALID = errorCode('PORTFOLIO_DECIMAL_INVALID', 'DecimalFormatError');
const PORTFOLIO_FILL_INVALID = errorCode('PORTFOLIO_FILL_INVALID', 'FillInvalidError');
const PORTFOLIO_STATE_CORRUPTED = errorCode('PORTFOLIO_STATE_CORRUPTED', 'PortfolioStateError');

/** A decimal string that is malformed or finer than the fixed-point scale allows. */
export class DecimalFormatError extends MeridianError {
  readonly code = PORTFOLIO_DECIMAL_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(field: string, value: string, problem: string) {
    super(`${field} "${value}": ${problem}`, { metadata: { field, value, problem } });
  }
}

/** A fill that cannot be applied (non-positive quantity or price, missing side or ids). */
export class FillInvalidError extends MeridianError {
  readonly code = PORTFOLIO_FILL_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(executionId: string, problem: string) {
    super(`fill ${executionId}: ${problem}`, { metadata: { executionId, problem } });
  }
}

/** Stored state that breaks an invariant (e.g. a cost basis on a flat position). */
export class PortfolioStateError extends MeridianError {
  readonly code = PORTFOLIO_STATE_CORRUPTED;
  readonly category = 'internal' as const;
  constructor(problem: string) {
    super(`portfolio state corrupted: ${problem}`, { metadata: { problem } });
  }
}
