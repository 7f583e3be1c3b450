import fc from 'fast-check';

import {
  formatPrice,
  formatQuantity,
  Instrument,
  type InstrumentSpec,
  parsePrice,
  parseQuantity,
} from './instrument';
import { InstrumentConfigError } from './orders-engine.error';
import { REASON_CODES, reasonCode, reasonNumber, R } from './reason-codes';
import { TEST_INSTRUMENT } from './testing';

const cents = new Instrument(TEST_INSTRUMENT);
const nickel = new Instrument({
  symbol: 'N',
  tickSize: '0.05',
  lotSize: '0.001',
  minPrice: '0.05',
  maxPrice: '1000',
  currencyDecimals: 2,
});

function reason(r: { ok: boolean; reason?: number }): string {
  return r.ok ? 'ok' : reasonCode(r.reason ?? 0);
}

describe('Instrument: decimal strings <-> fixed point at the edge', () => {
  it('parses prices exactly into ticks', () => {
    expect(parsePrice(cents, '101.25')).toEqual({ ok: true, value: 10125 });
    expect(parsePrice(cents, '0.01')).toEqual({ ok: true, value: 1 });
    expect(parsePrice(cents, '101.250')).toEqual({ ok: true, value: 10125 }); // trailing zeros are not precision
    expect(parsePrice(cents, '101')).toEqual({ ok: true, value: 10100 });
    // 0.1 + 0.2 style values stay exact: no float on the way.
    expect(parsePrice(cents, '0.30')).toEqual({ ok: true, value: 30 });
    expect(parsePrice(nickel, '100.05')).toEqual({ ok: true, value: 2001 });
    expect(parsePrice(cents, '90071992547409.91')).toEqual({
      ok: true,
      value: Number.MAX_SAFE_INTEGER,
    });
  });

  it('rejects malformed, signed, too precise, off-tick and overflowing prices with precise reasons', () => {
    const cases: [Instrument, unknown, string][] = [
      [cents, 'abc', 'INVALID_PRICE'],
      [cents, 'NaN', 'INVALID_PRICE'],
      [cents, 'Infinity', 'INVALID_PRICE'],
      [cents, '1e2', 'INVALID_PRICE'],
      [cents, '0x10', 'INVALID_PRICE'],
      [cents, '01.00', 'INVALID_PRICE'],
      [cents, '1.', 'INVALID_PRICE'],
      [cents, '.5', 'INVALID_PRICE'],
      [cents, '+1', 'INVALID_PRICE'],
      [cents, ' 1', 'INVALID_PRICE'],
      [cents, '', 'INVALID_PRICE'],
      [cents, 101.25, 'INVALID_PRICE'],
      [cents, null, 'INVALID_PRICE'],
      [cents, '1'.repeat(65), 'INVALID_PRICE'],
      [cents, '-1', 'PRICE_NOT_POSITIVE'],
      [cents, '-0.01', 'PRICE_NOT_POSITIVE'],
      [cents, '0', 'PRICE_NOT_POSITIVE'],
      [cents, '0.000', 'PRICE_NOT_POSITIVE'],
      [cents, '101.255', 'PRICE_TOO_PRECISE'],
      [cents, '0.001', 'PRICE_TOO_PRECISE'],
      [nickel, '100.03', 'OFF_TICK_PRICE'],
      [nickel, '100.1', 'OK'],
      [cents, '90071992547409.92', 'OVERFLOW'],
      [cents, '1'.repeat(40), 'OVERFLOW'],
    ];
    for (const [inst, text, expected] of cases)
      expect([text, reason(parsePrice(inst, text))]).toEqual([
        text,
        expected === 'OK' ? 'ok' : expected,
      ]);
  });

  it('parses and rejects quantities the same way, in lots', () => {
    expect(parseQuantity(nickel, '1.5')).toEqual({ ok: true, value: 1500 });
    expect(reason(parseQuantity(nickel, '0.0005'))).toBe('QUANTITY_TOO_PRECISE');
    expect(reason(parseQuantity(cents, '2.5'))).toBe('QUANTITY_TOO_PRECISE');
    expect(reason(parseQuantity(cents, '0'))).toBe('QUANTITY_NOT_POSITIVE');
    expect(reason(parseQuantity(cents, '-4'))).toBe('QUANTITY_NOT_POSITIVE');
    expect(reason(parseQuantity(cents, 'four'))).toBe('INVALID_QUANTITY');
    const fives = new Instrument({ ...TEST_INSTRUMENT, lotSize: '5' });
    expect(parseQuantity(fives, '15')).toEqual({ ok: true, value: 3 });
    expect(reason(parseQuantity(fives, '7'))).toBe('OFF_LOT_QUANTITY');
  });

  it('formats canonically, and format/parse round-trip for every safe value', () => {
    expect(formatPrice(cents, 10125)).toBe('101.25');
    expect(formatPrice(cents, 1)).toBe('0.01');
    expect(formatPrice(cents, 10000)).toBe('100.00');
    expect(formatPrice(nickel, 2001)).toBe('100.05');
    expect(formatQuantity(nickel, 1500)).toBe('1.500');
    expect(formatQuantity(cents, 7)).toBe('7');
    expect(formatPrice(cents, Number.MAX_SAFE_INTEGER)).toBe('90071992547409.91');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(parsePrice(nickel, formatPrice(nickel, n))).toEqual({ ok: true, value: n });
        expect(parseQuantity(nickel, formatQuantity(nickel, n))).toEqual({ ok: true, value: n });
      }),
    );
  });

  it('bounds notional so price x quantity in currency minor units stays a safe integer', () => {
    // One tick x one lot = 0.01 USD = 1 cent: the bound is MAX_SAFE_INTEGER itself.
    expect(cents.maxNotional).toBe(Number.MAX_SAFE_INTEGER);
    // Lots of 100 shares: one tick x one lot = 1 USD = 100 cents.
    const hundreds = new Instrument({ ...TEST_INSTRUMENT, lotSize: '100' });
    expect(hundreds.maxNotional).toBe(Math.floor(Number.MAX_SAFE_INTEGER / 100));
    // Finer than the minor unit (0.05 x 0.001 = 0.00005 USD): the tick-lot product is the binding bound.
    expect(nickel.maxNotional).toBe(Number.MAX_SAFE_INTEGER);
    expect(cents.minPriceTicks).toBe(1);
    expect(cents.maxPriceTicks).toBe(1_000_000);
  });

  it('refuses bad instrument definitions with InstrumentConfigError', () => {
    const bad: Partial<InstrumentSpec>[] = [
      { tickSize: '0' },
      { tickSize: '-0.01' },
      { tickSize: '1e-2' },
      { lotSize: 'one' },
      { minPrice: '0.015' },
      { minPrice: '20', maxPrice: '10' },
      { currencyDecimals: -1 },
      { currencyDecimals: 2.5 },
      { symbol: '' },
    ];
    for (const patch of bad)
      expect(() => new Instrument({ ...TEST_INSTRUMENT, ...patch })).toThrow(InstrumentConfigError);
  });
});

describe('reason codes', () => {
  it('keeps the numeric table (R) and the string table in sync, without duplicates', () => {
    expect(new Set(REASON_CODES).size).toBe(REASON_CODES.length);
    expect(Object.keys(R)).toEqual([...REASON_CODES]);
    for (const code of REASON_CODES) expect(REASON_CODES[reasonNumber(code)]).toBe(code);
    for (const [code, n] of Object.entries(R)) expect(REASON_CODES[n]).toBe(code);
    expect(reasonCode(999)).toBe('NONE');
  });
});
