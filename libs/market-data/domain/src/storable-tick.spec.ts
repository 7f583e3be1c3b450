import { type TickInput, tickNaturalKey, tradeOrderKey, validateTick } from './storable-tick';

const good = (overrides: Partial<TickInput> = {}): TickInput => ({
  symbol: 'AAA',
  source: 'sim',
  sequence: 7n,
  exchangeTimeUnixNanos: 1_772_443_800_000_000_123n,
  receivedTimeUnixNanos: 1_772_443_800_001_000_000n,
  lastPrice: { value: '100.5' },
  lastSize: { value: '2' },
  ...overrides,
});

describe('validateTick', () => {
  it('accepts a trade and a quote-only tick', () => {
    expect(validateTick(good())).toMatchObject({
      ok: true,
      tick: { lastPrice: '100.5', bidPrice: undefined },
    });
    const quote = validateTick(
      good({
        lastPrice: undefined,
        lastSize: undefined,
        bidPrice: { value: '1' },
        askSize: { value: '0' },
      }),
    );
    expect(quote.ok).toBe(true);
  });

  it.each<[string, Partial<TickInput>, string]>([
    ['empty symbol', { symbol: '' }, 'SYMBOL_INVALID'],
    ['symbol with spaces', { symbol: 'A A' }, 'SYMBOL_INVALID'],
    ['symbol too long', { symbol: 'A'.repeat(33) }, 'SYMBOL_INVALID'],
    ['empty source', { source: '' }, 'SOURCE_INVALID'],
    ['zero exchange time', { exchangeTimeUnixNanos: 0n }, 'EXCHANGE_TIME_INVALID'],
    ['negative received time', { receivedTimeUnixNanos: -5n }, 'RECEIVED_TIME_INVALID'],
    ['sequence above bigint', { sequence: 2n ** 63n }, 'SEQUENCE_OUT_OF_RANGE'],
    ['exponent price', { lastPrice: { value: '1e2' } }, 'DECIMAL_INVALID'],
    ['float-ish bid', { bidPrice: { value: '1.' } }, 'DECIMAL_INVALID'],
    ['zero price', { lastPrice: { value: '0' } }, 'PRICE_NOT_POSITIVE'],
    ['negative ask', { askPrice: { value: '-1' } }, 'PRICE_NOT_POSITIVE'],
    ['negative size', { lastSize: { value: '-0.5' } }, 'SIZE_NEGATIVE'],
    ['size without price', { lastPrice: undefined }, 'LAST_SIZE_WITHOUT_PRICE'],
    ['no price at all', { lastPrice: undefined, lastSize: undefined }, 'NO_PRICES'],
  ])('rejects %s with %s', (_name, overrides, reason) => {
    const result = validateTick(good(overrides));
    expect(result).toMatchObject({ ok: false, rejection: { reason } });
  });

  it('keys ticks by symbol, exchange time in microseconds, source and sequence', () => {
    const a = validateTick(good());
    const b = validateTick(good({ exchangeTimeUnixNanos: 1_772_443_800_000_000_999n }));
    const c = validateTick(good({ sequence: 8n }));
    if (!a.ok || !b.ok || !c.ok) throw new Error('fixture invalid');
    // Same microsecond: the database cannot tell them apart, so neither does the key.
    expect(tickNaturalKey(a.tick)).toBe(tickNaturalKey(b.tick));
    expect(tickNaturalKey(a.tick)).not.toBe(tickNaturalKey(c.tick));
    expect(tradeOrderKey(a.tick) < tradeOrderKey(c.tick)).toBe(true);
    expect(
      tradeOrderKey({ exchangeTimeNanos: 9n, sequence: 100n, source: 'x' }) <
        tradeOrderKey({ exchangeTimeNanos: 10n, sequence: 1n, source: 'x' }),
    ).toBe(true);
  });
});
