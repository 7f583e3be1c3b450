import { compileInstrument } from './feed-instrument';
import { type QuoteFields, RejectReason, TickValidator } from './tick-validator';

const instruments = [
  compileInstrument({ symbol: 'AAPL', tickSize: '0.01', lotSize: '1' }),
  compileInstrument({ symbol: 'BTC-USD', tickSize: '0.5', lotSize: '0.0001' }),
];
const d = (value: string) => ({ value });
const quote = (over: Partial<QuoteFields> = {}): QuoteFields => ({
  symbol: 'AAPL',
  bidPrice: d('100.00'),
  bidSize: d('5'),
  askPrice: d('100.01'),
  askSize: d('7'),
  lastPrice: d('100.00'),
  lastSize: d('1'),
  ...over,
});

function reasonOf(validator: TickValidator, tick: QuoteFields): string {
  const verdict = validator.validate(tick);
  return verdict.ok ? 'ok' : verdict.reason;
}

describe('TickValidator', () => {
  const fresh = () => new TickValidator(instruments, { bandBps: 1000 });

  it('accepts a well-formed quote with a trade, a quote alone and a trade alone', () => {
    const validator = fresh();
    expect(validator.validate(quote())).toEqual({ ok: true });
    expect(reasonOf(validator, quote({ lastPrice: undefined, lastSize: undefined }))).toBe('ok');
    expect(
      reasonOf(
        validator,
        quote({ bidPrice: undefined, bidSize: undefined, askPrice: undefined, askSize: undefined }),
      ),
    ).toBe('ok');
  });

  it.each<[string, Partial<QuoteFields>, RejectReason]>([
    ['unknown symbol', { symbol: 'ZZZ' }, RejectReason.unknownSymbol],
    ['empty symbol', { symbol: '' }, RejectReason.unknownSymbol],
    ['crossed book', { bidPrice: d('100.02') }, RejectReason.crossedBook],
    ['locked book', { bidPrice: d('100.01') }, RejectReason.crossedBook],
    ['negative price', { lastPrice: d('-100.00') }, RejectReason.nonPositivePrice],
    ['zero bid', { bidPrice: d('0') }, RejectReason.nonPositivePrice],
    ['zero size', { askSize: d('0') }, RejectReason.nonPositiveSize],
    ['negative size', { lastSize: d('-1') }, RejectReason.nonPositiveSize],
    ['exponent', { lastPrice: d('1e2') }, RejectReason.malformed],
    ['float noise', { bidPrice: d('100.00 ') }, RejectReason.malformed],
    ['negative zero', { bidSize: d('-0') }, RejectReason.malformed],
    ['price without size', { lastSize: undefined }, RejectReason.malformed],
    ['off the tick grid', { lastPrice: d('100.005') }, RejectReason.offTick],
    [
      'nothing to publish',
      {
        bidPrice: undefined,
        bidSize: undefined,
        askPrice: undefined,
        askSize: undefined,
        lastPrice: undefined,
        lastSize: undefined,
      },
      RejectReason.empty,
    ],
  ])('rejects %s', (_name, over, reason) => {
    expect(reasonOf(fresh(), quote(over))).toBe(reason);
  });

  it('rejects prices outside the band around the last accepted price, exactly at the edge', () => {
    const validator = fresh();
    expect(reasonOf(validator, quote())).toBe('ok'); // reference 100.00, band 10%
    const trade = (price: string) =>
      quote({
        lastPrice: d(price),
        bidPrice: undefined,
        bidSize: undefined,
        askPrice: undefined,
        askSize: undefined,
      });
    expect(reasonOf(validator, trade('110.00'))).toBe('ok'); // exactly +10%
    // The reference moved to 110.00: +10% of it is 121.00.
    expect(reasonOf(validator, trade('121.01'))).toBe(RejectReason.outOfBand);
    expect(reasonOf(validator, trade('98.99'))).toBe(RejectReason.outOfBand);
    expect(reasonOf(validator, trade('99.00'))).toBe('ok');
  });

  it('uses the mid as reference when there is no trade, and checks every price of the tick', () => {
    const validator = fresh();
    expect(reasonOf(validator, quote({ lastPrice: undefined, lastSize: undefined }))).toBe('ok'); // mid 100.005
    expect(reasonOf(validator, quote({ askPrice: d('200.00') }))).toBe(RejectReason.outOfBand);
  });

  it('re-anchors after persistent out-of-band prices (the reference was the bad print)', () => {
    const validator = new TickValidator(instruments, { bandBps: 500, reanchorAfterRejects: 3 });
    const at = (price: string) =>
      quote({
        symbol: 'BTC-USD',
        bidPrice: undefined,
        bidSize: undefined,
        askPrice: undefined,
        askSize: undefined,
        lastPrice: d(price),
      });
    expect(reasonOf(validator, at('1000.0'))).toBe('ok');
    expect(reasonOf(validator, at('50000.0'))).toBe(RejectReason.outOfBand);
    expect(reasonOf(validator, at('50000.5'))).toBe(RejectReason.outOfBand);
    expect(reasonOf(validator, at('50001.0'))).toBe('ok');
    expect(reasonOf(validator, at('50001.5'))).toBe('ok');
    expect(reasonOf(validator, at('1000.0'))).toBe(RejectReason.outOfBand);
  });

  it('checks no band when bandBps is 0, and refuses a negative band', () => {
    const validator = new TickValidator(instruments, { bandBps: 0 });
    expect(reasonOf(validator, quote())).toBe('ok');
    expect(
      reasonOf(
        validator,
        quote({ lastPrice: d('9999.00'), bidPrice: d('9998.00'), askPrice: d('9999.01') }),
      ),
    ).toBe('ok');
    expect(() => new TickValidator(instruments, { bandBps: -1 })).toThrow(RangeError);
  });

  it('forgets band references on reset', () => {
    const validator = fresh();
    expect(reasonOf(validator, quote())).toBe('ok');
    expect(
      reasonOf(
        validator,
        quote({ bidPrice: d('500.00'), askPrice: d('500.01'), lastPrice: d('500.00') }),
      ),
    ).toBe(RejectReason.outOfBand);
    validator.resetReferences();
    expect(
      reasonOf(
        validator,
        quote({ bidPrice: d('500.00'), askPrice: d('500.01'), lastPrice: d('500.00') }),
      ),
    ).toBe('ok');
  });
});
