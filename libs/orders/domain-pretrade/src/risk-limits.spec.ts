import { Instrument } from '@meridian/orders-domain';
import { TEST_INSTRUMENT } from '@meridian/orders-domain/testing';
import { compareExact, floorDivExact, formatExact, parseExactDecimal } from './exact-decimal';
import { incrementsOf, lotsFloor, notionalMinorUnits } from './notional';
import { RiskLimitExceededError, RiskReason } from './pretrade.error';
import { checkOrderLimits, reservationLimits, riskLimitProblems } from './risk-limits';
import { testRiskLimits } from './testing';
import { strictestState } from './trading-state';

const acme = new Instrument(TEST_INSTRUMENT); // tick 0.01, lot 1, cents
const acmeInc = incrementsOf(TEST_INSTRUMENT);
const fine = new Instrument({
  ...TEST_INSTRUMENT,
  symbol: 'FINE',
  tickSize: '0.005',
  lotSize: '0.001',
});
const fineInc = incrementsOf(fine.spec);

function rejection(fn: () => unknown): RiskLimitExceededError {
  try {
    fn();
  } catch (error: unknown) {
    if (error instanceof RiskLimitExceededError) return error;
    throw error;
  }
  throw new Error('expected a RiskLimitExceededError');
}

describe('exact decimals', () => {
  it('parses only the canonical unsigned grammar', () => {
    expect(parseExactDecimal('12.50')).toEqual({ units: 1250n, scale: 2 });
    for (const bad of ['', '-1', '+1', '01', '1e3', 'NaN', '1.', '.5', ' 1', '1'.repeat(65)]) {
      expect(parseExactDecimal(bad)).toBeNull();
    }
  });

  it('compares and divides across scales', () => {
    const a = parseExactDecimal('1.10');
    const b = parseExactDecimal('1.1');
    if (a === null || b === null) throw new Error('parse');
    expect(compareExact(a, b)).toBe(0);
    expect(floorDivExact({ units: 1000n, scale: 0 }, { units: 3n, scale: 0 })).toBe(333n);
    expect(formatExact({ units: 5n, scale: 3 })).toBe('0.005');
  });
});

describe('notional', () => {
  it('is exact in minor units and rounds up', () => {
    expect(notionalMinorUnits(acmeInc, 10125, 10)).toBe(101250n); // 101.25 x 10 = 1012.50
    // 0.005 x 0.001 = 0.000005 -> 1 cent when rounded up.
    expect(notionalMinorUnits(fineInc, 1, 1)).toBe(1n);
    expect(notionalMinorUnits(fineInc, 2000, 1000)).toBe(1000n); // 10.000 x 1.000 = 10.00
  });

  it('converts quantities to whole lots rounding down', () => {
    expect(lotsFloor({ units: 12345n, scale: 4 }, fineInc)).toBe(1234n); // 1.2345 -> 1.234
  });
});

describe('checkOrderLimits', () => {
  it('passes an order inside every limit and returns its notional', () => {
    expect(
      checkOrderLimits(testRiskLimits(), acme, acmeInc, { lots: 10, priceTicks: 10_000 }, 10_000),
    ).toBe(100_000);
  });

  it('refuses quantity above the per-order limit, exactly at the boundary', () => {
    const limits = testRiskLimits({ maxOrderQuantity: '100' });
    expect(() =>
      checkOrderLimits(limits, acme, acmeInc, { lots: 100, priceTicks: 100 }, null),
    ).not.toThrow();
    const error = rejection(() =>
      checkOrderLimits(limits, acme, acmeInc, { lots: 101, priceTicks: 100 }, null),
    );
    expect(error.code).toBe(RiskReason.MAX_ORDER_QUANTITY);
    expect(error.metadata).toEqual({ limit: '100', value: '101' });
  });

  it('refuses notional above the limit, pricing market orders at the reference or the band max', () => {
    const limits = testRiskLimits({ maxOrderNotional: '1000.00' });
    expect(() =>
      checkOrderLimits(limits, acme, acmeInc, { lots: 10, priceTicks: 10_000 }, null),
    ).not.toThrow();
    expect(
      rejection(() =>
        checkOrderLimits(limits, acme, acmeInc, { lots: 10, priceTicks: 10_001 }, null),
      ).code,
    ).toBe(RiskReason.MAX_ORDER_NOTIONAL);
    expect(() =>
      checkOrderLimits(limits, acme, acmeInc, { lots: 10, priceTicks: null }, 10_000),
    ).not.toThrow();
    expect(
      rejection(() => checkOrderLimits(limits, acme, acmeInc, { lots: 1, priceTicks: null }, null))
        .code,
    ).toBe(RiskReason.MAX_ORDER_NOTIONAL);
  });

  it('refuses prices outside the band around the reference, boundary included', () => {
    const limits = testRiskLimits({ priceBandBps: 500 }); // 5 %
    expect(() =>
      checkOrderLimits(limits, acme, acmeInc, { lots: 1, priceTicks: 10_500 }, 10_000),
    ).not.toThrow();
    expect(() =>
      checkOrderLimits(limits, acme, acmeInc, { lots: 1, priceTicks: 9_500 }, 10_000),
    ).not.toThrow();
    const error = rejection(() =>
      checkOrderLimits(limits, acme, acmeInc, { lots: 1, priceTicks: 10_501 }, 10_000),
    );
    expect(error.code).toBe(RiskReason.PRICE_BAND);
    expect(error.metadata['referencePrice']).toBe('100.00');
    // Without a reference price there is nothing to band against.
    expect(() =>
      checkOrderLimits(limits, acme, acmeInc, { lots: 1, priceTicks: 99_999 }, null),
    ).not.toThrow();
  });
});

describe('reservationLimits', () => {
  it('converts account limits to lots and minor units, -1 for none', () => {
    expect(
      reservationLimits(
        testRiskLimits({ maxPosition: '1.2345', maxGrossExposure: '10.005' }),
        fineInc,
      ),
    ).toEqual({
      maxOpenOrders: 10_000,
      maxPositionLots: 1234,
      maxGrossMinor: 1000,
    });
    expect(
      reservationLimits(
        testRiskLimits({ maxPosition: null, maxGrossExposure: null, maxOpenOrders: null }),
        acmeInc,
      ),
    ).toEqual({ maxOpenOrders: -1, maxPositionLots: -1, maxGrossMinor: -1 });
  });

  it('lists every problem of bad limits', () => {
    expect(riskLimitProblems(testRiskLimits())).toEqual([]);
    expect(
      riskLimitProblems(
        testRiskLimits({
          maxPosition: '-1',
          priceBandBps: 1.5,
          orderRatePerSecond: 0,
          orderBurst: Number.NaN,
        }),
      ),
    ).toHaveLength(4);
  });
});

describe('strictestState', () => {
  it('picks HALTED over REDUCING over ACTIVE and names the scope', () => {
    expect(strictestState([])).toEqual({ scope: null, state: 'ACTIVE' });
    expect(
      strictestState([
        { scope: 'global', state: 'REDUCING' },
        { scope: 'account', state: 'HALTED' },
        { scope: 'agent', state: 'REDUCING' },
      ]),
    ).toEqual({ scope: 'account', state: 'HALTED' });
  });
});
