import { FeedInstrumentsError } from './feed.error';
import { DEFAULT_FEED_INSTRUMENTS_JSON, parseFeedInstruments } from './feed-instrument';
import { compareFixed, formatFixed, parseFixed } from './fixed-point';

describe('parseFeedInstruments', () => {
  it('reads the executor format, ignoring fields the feeds do not use', () => {
    const [instrument] = parseFeedInstruments(
      JSON.stringify([
        {
          symbol: 'AAPL',
          tickSize: '0.01',
          lotSize: '1',
          minPrice: '0.01',
          maxPrice: '1000',
          currencyDecimals: 2,
        },
      ]),
    );
    expect(instrument?.tick).toEqual({ units: 1n, scale: 2 });
    expect(instrument?.spec).toEqual({ symbol: 'AAPL', tickSize: '0.01', lotSize: '1' });
    expect(parseFeedInstruments(DEFAULT_FEED_INSTRUMENTS_JSON).map((i) => i.symbol)).toEqual([
      'AAPL',
      'MSFT',
      'BTC-USD',
      'EUR-USD',
    ]);
  });

  it.each([
    ['not JSON', '[', /not valid JSON/],
    ['an empty list', '[]', /at least one instrument/],
    ['a lower-case symbol', '[{"symbol":"aapl","tickSize":"0.01"}]', /0\.symbol/],
    ['a zero tick', '[{"symbol":"A","tickSize":"0"}]', /tickSize must be a positive/],
    ['a zero lot', '[{"symbol":"A","tickSize":"1","lotSize":"0.0"}]', /lotSize must be a positive/],
    [
      'a duplicate',
      '[{"symbol":"A","tickSize":"1"},{"symbol":"A","tickSize":"1"}]',
      /defined twice/,
    ],
  ])('refuses %s with a precise error', (_name, json, message) => {
    expect(() => parseFeedInstruments(json)).toThrow(FeedInstrumentsError);
    expect(() => parseFeedInstruments(json)).toThrow(message);
  });
});

describe('fixed point', () => {
  it('parses and formats canonical decimals exactly', () => {
    expect(parseFixed('-12.340')).toEqual({ units: -12340n, scale: 3 });
    expect(parseFixed('0.1')).toEqual({ units: 1n, scale: 1 });
    for (const bad of ['', '01', '1.', '.5', '+1', '1e3', '-0', ' 1', 'NaN'])
      expect(parseFixed(bad)).toBeUndefined();
    expect(formatFixed(5n, 3)).toBe('0.005');
    expect(formatFixed(-10125n, 2)).toBe('-101.25');
    expect(formatFixed(7n, 0)).toBe('7');
    expect(compareFixed({ units: 1n, scale: 1 }, { units: 10n, scale: 2 })).toBe(0);
    expect(compareFixed({ units: 1n, scale: 0 }, { units: 999n, scale: 3 })).toBe(1);
  });
});
