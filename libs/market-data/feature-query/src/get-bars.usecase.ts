import { marketdata } from '@meridian/contracts';
import type { MarketDataRepository } from '@meridian/market-data-data-access';
import { SYMBOL_PATTERN } from '@meridian/market-data-domain';
import type { ApiCache, Cache } from '@meridian/shared-cache';
import { intervalOfProto, protoOfInterval } from './bar-interval.proto';
import {
  IntervalUnknownError,
  RangeInvalidError,
  RangeTooLargeError,
  SymbolInvalidError,
  SymbolNotFoundError,
} from './market-data-api.error';
import { protobufCacheCodec } from './protobuf-cache.codec';
import type { SymbolDirectory } from './symbol.directory';

export interface GetBarsLimits {
  /** Bars returned when the request says limit 0. */
  readonly defaultLimit: number;
  /** Cap on limit: larger requests are served this many bars. */
  readonly maxLimit: number;
  /** Widest range one request may span, in bars of its interval (INVALID_ARGUMENT above). */
  readonly maxRangeBars: number;
}

/** Cache API name of GetBars (metrics label `api`, Redis key segment). */
export const GET_BARS_CACHE_API = 'get-bars';

/**
 * GetBars: validates the request precisely, answers NOT_FOUND for a symbol without data, and
 * serves bars through the cache-aside policy of the `get-bars` API (TTL 0: always read the
 * database and store; N: serve the stored answer for N seconds).
 */
export class GetBarsUseCase {
  private readonly cache: ApiCache<marketdata.GetBarsResponse>;

  constructor(
    private readonly repository: Pick<MarketDataRepository, 'getBars'>,
    private readonly symbols: SymbolDirectory,
    cache: Cache,
    ttlSeconds: number,
    private readonly limits: GetBarsLimits,
  ) {
    this.cache = cache.api(GET_BARS_CACHE_API, {
      ttlSeconds,
      codec: protobufCacheCodec(marketdata.GetBarsResponse),
    });
  }

  async execute(request: marketdata.GetBarsRequest): Promise<marketdata.GetBarsResponse> {
    const { symbol, fromUnixNanos: from, toUnixNanos: to } = request;
    if (!SYMBOL_PATTERN.test(symbol)) throw new SymbolInvalidError(symbol);
    const interval = intervalOfProto(request.interval);
    if (interval === undefined) throw new IntervalUnknownError(request.interval);
    if (from < 0n) throw new RangeInvalidError(from, to, 'from must be >= 0');
    if (from >= to) throw new RangeInvalidError(from, to, 'from must be before to');
    const span = (to - from + interval.widthNanos - 1n) / interval.widthNanos;
    if (span > BigInt(this.limits.maxRangeBars))
      throw new RangeTooLargeError(span, this.limits.maxRangeBars);
    const limit =
      request.limit === 0
        ? this.limits.defaultLimit
        : Math.min(request.limit, this.limits.maxLimit);
    if (!(await this.symbols.exists(symbol))) throw new SymbolNotFoundError(symbol);

    return this.cache.get(`${symbol}/${interval.id}/${from}/${to}/${limit}`, async () => {
      const bars = await this.repository.getBars(symbol, interval, from, to, limit);
      return {
        bars: bars.map((bar) => ({
          symbol: bar.symbol,
          interval: protoOfInterval(interval.id),
          startUnixNanos: bar.startNanos,
          open: { value: bar.open },
          high: { value: bar.high },
          low: { value: bar.low },
          close: { value: bar.close },
          volume: { value: bar.volume },
          tradeCount: bar.tradeCount,
        })),
      };
    });
  }
}
