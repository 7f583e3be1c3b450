import { parseFixed } from './fixed-point';
import { FillInvalidError } from './portfolio.error';
import { toFill } from './portfolio-book';
import { utcDayStart } from './account';

const base = {
  executionId: 'e',
  accountId: 'A',
  symbol: 'AAA',
  side: 'buy' as const,
  quantity: '1',
  price: '10',
  liquidity: 'taker' as const,
  sequence: 1n,
  executedAtUnixNanos: 0n,
};

describe('fill validation', () => {
  it.each([
    [{ quantity: '0' }, /quantity must be > 0/],
    [{ quantity: '-1' }, /quantity must be > 0/],
    [{ price: '0' }, /price must be > 0/],
    [{ executionId: '' }, /execution id is empty/],
    [{ accountId: '' }, /account id is empty/],
    [{ symbol: '' }, /symbol is empty/],
  ])('rejects %p', (patch, message) => {
    expect(() => toFill({ ...base, ...patch })).toThrow(FillInvalidError);
    expect(() => toFill({ ...base, ...patch })).toThrow(message);
  });

  it('rejects malformed decimals with the field name', () => {
    expect(() => toFill({ ...base, price: '1e2' })).toThrow(/fill price "1e2"/);
  });

  it('takes an explicit fee over the schedule, and the schedule by liquidity otherwise', () => {
    const fees = { makerBps: 1, takerBps: 5 };
    expect(toFill({ ...base, fee: '0.25' }, fees).fee).toBe(parseFixed('0.25', 16));
    expect(toFill({ ...base, quantity: '100' }, fees).fee).toBe(parseFixed('0.5', 16));
    expect(toFill({ ...base, quantity: '100', liquidity: 'maker' }, fees).fee).toBe(
      parseFixed('0.1', 16),
    );
  });
});

describe('UTC day boundary', () => {
  it('starts the day at 00:00 UTC', () => {
    const t = BigInt(Date.parse('2026-03-02T00:10:00Z')) * 1_000_000n;
    expect(utcDayStart(t)).toBe(BigInt(Date.parse('2026-03-02T00:00:00Z')) * 1_000_000n);
    const midnight = BigInt(Date.parse('2026-03-02T00:00:00Z')) * 1_000_000n;
    expect(utcDayStart(midnight)).toBe(midnight);
    expect(utcDayStart(midnight - 1n)).toBe(midnight - 86_400_000_000_000n);
  });
});
