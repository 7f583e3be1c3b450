import { marketdata } from '@meridian/contracts';
import type { MarketDataRepository } from '@meridian/market-data-data-access';
import { SYMBOL_PATTERN } from '@meridian/market-data-domain';
import type { ApiCache, Cache } from '@meridian/shared-cache';
import type { LastPriceTable } from './last-price.table';
import { SymbolInvalidError, SymbolNotFoundError } from './market-data-api.error';
import { protobufCacheCodec } from './protobuf-cache.codec';
import type { SymbolDirectory } from './symbol.directory';

/** Cache API name of GetLastPrice. */
export const GET_LAST_PRICE_CACHE_API = 'get-last-price';

/**
 * GetLastPrice: the price from the in-memory table of the compacted last-price topic, or, when
 * the table has none (not caught up, or the topic lost it), the latest stored trade. Served
 * through the `get-last-price` cache policy. NOT_FOUND for a symbol without any data; a known
 * symbol that never traded answers without a price.
 */
export class GetLastPriceUseCase {
  private readonly cache: ApiCache<marketdata.GetLastPriceResponse>;

  constructor(
    private readonly table: Pick<LastPriceTable, 'get'>,
    private readonly repository: Pick<MarketDataRepository, 'latestTrade'>,
    private readonly symbols: SymbolDirectory,
    cache: Cache,
    ttlSeconds: number,
  ) {
    this.cache = cache.api(GET_LAST_PRICE_CACHE_API, {
      ttlSeconds,
      codec: protobufCacheCodec(marketdata.GetLastPriceResponse),
    });
  }

  async execute(request: marketdata.GetLastPriceRequest): Promise<marketdata.GetLastPriceResponse> {
    const { symbol } = request;
    if (!SYMBOL_PATTERN.test(symbol)) throw new SymbolInvalidError(symbol);
    if (this.table.get(symbol) === undefined && !(await this.symbols.exists(symbol)))
      throw new SymbolNotFoundError(symbol);
    return this.cache.get(symbol, async () => {
      const live = this.table.get(symbol);
      if (live !== undefined) return { lastPrice: live };
      const stored = await this.repository.latestTrade(symbol);
      if (stored === undefined) return {};
      return {
        lastPrice: {
          symbol,
          price: { value: stored.price },
          exchangeTimeUnixNanos: stored.exchangeTimeNanos,
          sequence: stored.sequence,
          source: stored.source,
        },
      };
    });
  }
}
