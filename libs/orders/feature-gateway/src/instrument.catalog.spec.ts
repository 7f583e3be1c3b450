import { InstrumentCatalog } from './instrument.catalog';

const ACME = {
  spec: {
    symbol: 'ACME',
    tickSize: '0.01',
    lotSize: '1',
    minPrice: '0.01',
    maxPrice: '100000',
    currencyDecimals: 2,
  },
  referencePrice: '100.00',
};

function catalog(): InstrumentCatalog {
  const c = new InstrumentCatalog();
  c.load([ACME, { ...ACME, spec: { ...ACME.spec, symbol: 'BARE' }, referencePrice: null }]);
  return c;
}

describe('InstrumentCatalog price band centre', () => {
  it('is the static reference, then the market price, then the last trade here', () => {
    const c = catalog();
    expect(c.bandCentreTicks('ACME')).toBe(10_000);
    expect(c.setMarketPrice('ACME', '101.00')).toBe(true);
    expect(c.bandCentreTicks('ACME')).toBe(10_100);
    c.recordTrade('ACME', 10_250, 7n);
    expect(c.bandCentreTicks('ACME')).toBe(10_250);
    // A later market price does not override a trade on this platform.
    c.setMarketPrice('ACME', '99.00');
    expect(c.bandCentreTicks('ACME')).toBe(10_250);
  });

  it('ignores reports older than the newest trade (a redelivered batch cannot move it back)', () => {
    const c = catalog();
    c.recordTrade('ACME', 10_300, 10n);
    c.recordTrade('ACME', 10_100, 9n);
    c.recordTrade('ACME', 10_200, 10n);
    expect(c.bandCentreTicks('ACME')).toBe(10_300);
    c.recordTrade('ACME', 10_400, 11n);
    expect(c.bandCentreTicks('ACME')).toBe(10_400);
  });

  it('takes a boot seed (sequence 0) only when it knows no trade yet', () => {
    const c = catalog();
    c.recordTrade('ACME', 9_900, 0n);
    expect(c.bandCentreTicks('ACME')).toBe(9_900);
    c.recordTrade('ACME', 10_050, 3n);
    c.recordTrade('ACME', 9_000, 0n);
    expect(c.bandCentreTicks('ACME')).toBe(10_050);
  });

  it('has no centre for an instrument without reference, market price or trade', () => {
    const c = catalog();
    expect(c.bandCentreTicks('BARE')).toBeNull();
    expect(c.bandCentreTicks('NOPE')).toBeNull();
    expect(c.symbols()).toEqual(['ACME', 'BARE']);
  });
});
