import { errorCode, MeridianError } from '@meridian/shared-errors';

const PORTFOLIO_ORDER_UNKNOWN = errorCode('PORTFOLIO_ORDER_UNKNOWN', 'OrderSideUnknownError');
const PORTFOLIO_EVENT_INVALID = errorCode('PORTFOLIO_EVENT_INVALID', 'OrderEventInvalidError');
const PORTFOLIO_TICK_INVALID = errorCode('PORTFOLIO_TICK_INVALID', 'TickInvalidError');
const PORTFOLIO_ACCOUNT_NOT_FOUND = errorCode(
  'PORTFOLIO_ACCOUNT_NOT_FOUND',
  'AccountNotFoundError',
);
const PORTFOLIO_REQUEST_INVALID = errorCode(
  'PORTFOLIO_REQUEST_INVALID',
  'PortfolioRequestInvalidError',
);
const PORTFOLIO_REQUEST_MALFORMED = errorCode(
  'PORTFOLIO_REQUEST_MALFORMED',
  'PortfolioRequestMalformedError',
);
const PORTFOLIO_SHUTTING_DOWN = errorCode('PORTFOLIO_SHUTTING_DOWN', 'PortfolioShuttingDownError');

/** A fill of an order whose OrderAccepted (and so its side) this service never saw. */
export class OrderSideUnknownError extends MeridianError {
  readonly code = PORTFOLIO_ORDER_UNKNOWN;
  readonly category = 'failed-precondition' as const;
  constructor(orderId: string, executionId: string) {
    super(
      `fill ${executionId} of order ${orderId}: the order's side is unknown (no OrderAccepted seen)`,
      {
        metadata: { orderId, executionId },
      },
    );
  }
}

/** An execution report that cannot be interpreted (missing fill, side, account). */
export class OrderEventInvalidError extends MeridianError {
  readonly code = PORTFOLIO_EVENT_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(eventId: string, problem: string) {
    super(`order event ${eventId}: ${problem}`, { metadata: { eventId, problem } });
  }
}

/** A tick whose price cannot be a mark (not positive, finer than 8 decimals). */
export class TickInvalidError extends MeridianError {
  readonly code = PORTFOLIO_TICK_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(symbol: string, problem: string) {
    super(`tick ${symbol}: ${problem}`, { metadata: { symbol, problem } });
  }
}

export class AccountNotFoundError extends MeridianError {
  readonly code = PORTFOLIO_ACCOUNT_NOT_FOUND;
  readonly category = 'not-found' as const;
  constructor(accountId: string) {
    super(`no portfolio for account ${accountId}`, { metadata: { accountId } });
  }
}

/** A request field that is empty or malformed (e.g. account_id). */
export class PortfolioRequestInvalidError extends MeridianError {
  readonly code = PORTFOLIO_REQUEST_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`, { metadata: { field, problem } });
  }
}

/** Request bytes that do not decode as the method's message. */
export class PortfolioRequestMalformedError extends MeridianError {
  readonly code = PORTFOLIO_REQUEST_MALFORMED;
  readonly category = 'invalid-argument' as const;
  constructor(typeName: string, cause: unknown) {
    super(`request is not a valid ${typeName}`, { cause, metadata: { typeName } });
  }
}

/** The server is draining; streams end with this. */
export class PortfolioShuttingDownError extends MeridianError {
  readonly code = PORTFOLIO_SHUTTING_DOWN;
  readonly category = 'unavailable' as const;
  constructor() {
    super('portfolio service is shutting down');
  }
}
