import { errorCode, MeridianError } from '@meridian/shared-errors';

const MARKETDATA_REQUEST_MALFORMED = errorCode(
  'MARKETDATA_REQUEST_MALFORMED',
  'MarketDataRequestMalformedError',
);
const MARKETDATA_REQUEST_TOO_LARGE = errorCode(
  'MARKETDATA_REQUEST_TOO_LARGE',
  'MarketDataRequestTooLargeError',
);
const MARKETDATA_SYMBOL_INVALID = errorCode('MARKETDATA_SYMBOL_INVALID', 'SymbolInvalidError');
const MARKETDATA_SYMBOL_NOT_FOUND = errorCode('MARKETDATA_SYMBOL_NOT_FOUND', 'SymbolNotFoundError');
const MARKETDATA_INTERVAL_UNKNOWN = errorCode(
  'MARKETDATA_INTERVAL_UNKNOWN',
  'IntervalUnknownError',
);
const MARKETDATA_RANGE_INVALID = errorCode('MARKETDATA_RANGE_INVALID', 'RangeInvalidError');
const MARKETDATA_RANGE_TOO_LARGE = errorCode('MARKETDATA_RANGE_TOO_LARGE', 'RangeTooLargeError');
const MARKETDATA_SYMBOLS_INVALID = errorCode(
  'MARKETDATA_SYMBOLS_INVALID',
  'StreamSymbolsInvalidError',
);
const MARKETDATA_SLOW_CONSUMER = errorCode('MARKETDATA_SLOW_CONSUMER', 'SlowConsumerError');
const MARKETDATA_SHUTTING_DOWN = errorCode(
  'MARKETDATA_SHUTTING_DOWN',
  'MarketDataShuttingDownError',
);

/** The request bytes are not a valid protobuf encoding of the request message. */
export class MarketDataRequestMalformedError extends MeridianError {
  readonly code = MARKETDATA_REQUEST_MALFORMED;
  readonly category = 'invalid-argument' as const;
  constructor(typeName: string, cause: unknown) {
    super(`request is not a valid ${typeName}`, { cause, metadata: { type: typeName } });
  }
}

export class MarketDataRequestTooLargeError extends MeridianError {
  readonly code = MARKETDATA_REQUEST_TOO_LARGE;
  readonly category = 'resource-exhausted' as const;
  constructor(size: number, limit: number) {
    super(`request of ${size} bytes above the limit of ${limit}`, {
      metadata: { size: String(size), limit: String(limit) },
    });
  }
}

/** Empty or malformed symbol (see SYMBOL_PATTERN). */
export class SymbolInvalidError extends MeridianError {
  readonly code = MARKETDATA_SYMBOL_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(symbol: string) {
    super(`symbol "${symbol.slice(0, 40)}" is empty or malformed`, {
      metadata: { symbol: symbol.slice(0, 40) },
    });
  }
}

/** No tick was ever stored for the symbol. */
export class SymbolNotFoundError extends MeridianError {
  readonly code = MARKETDATA_SYMBOL_NOT_FOUND;
  readonly category = 'not-found' as const;
  constructor(symbol: string) {
    super(`no market data for symbol ${symbol}`, { metadata: { symbol } });
  }
}

export class IntervalUnknownError extends MeridianError {
  readonly code = MARKETDATA_INTERVAL_UNKNOWN;
  readonly category = 'invalid-argument' as const;
  constructor(interval: number) {
    super(`interval ${interval} is not one of ONE_MINUTE, FIVE_MINUTES, ONE_HOUR, ONE_DAY`, {
      metadata: { interval: String(interval) },
    });
  }
}

/** from/to missing, negative or not from < to. */
export class RangeInvalidError extends MeridianError {
  readonly code = MARKETDATA_RANGE_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(from: bigint, to: bigint, why: string) {
    super(`range [${from}, ${to}) is invalid: ${why}`, {
      metadata: { from: String(from), to: String(to) },
    });
  }
}

/** The range spans more bars than one request may scan. */
export class RangeTooLargeError extends MeridianError {
  readonly code = MARKETDATA_RANGE_TOO_LARGE;
  readonly category = 'invalid-argument' as const;
  constructor(bars: bigint, max: number) {
    super(
      `range spans ${bars} bars, above the maximum of ${max}; narrow it or use a wider interval`,
      {
        metadata: { bars: String(bars), max: String(max) },
      },
    );
  }
}

/** StreamTicks without symbols, with too many, or with a malformed one. */
export class StreamSymbolsInvalidError extends MeridianError {
  readonly code = MARKETDATA_SYMBOLS_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(why: string) {
    super(`symbols: ${why}`);
  }
}

/** The client reads a tick stream slower than ticks arrive; its stream is cut. */
export class SlowConsumerError extends MeridianError {
  readonly code = MARKETDATA_SLOW_CONSUMER;
  readonly category = 'resource-exhausted' as const;
  constructor(queued: number) {
    super(`client fell ${queued} ticks behind the stream; reconnect and read faster`, {
      metadata: { queued: String(queued) },
    });
  }
}

export class MarketDataShuttingDownError extends MeridianError {
  readonly code = MARKETDATA_SHUTTING_DOWN;
  readonly category = 'unavailable' as const;
  constructor() {
    super('the market data API is shutting down; reconnect to another replica');
  }
}
