import fc from 'fast-check';
import { abs } from './fixed-point';
import { type Fill, unrealizedPnl } from './position';
import { PortfolioBook, replayFills } from './portfolio-book';

/**
 * Properties against a brute-force model: every fill is kept as a FIFO lot, closes consume lots
 * one by one. FIFO and average cost split PnL between realized and unrealized differently, but
 * their sum (the cash-flow PnL) must agree exactly, and once flat, realized must agree exactly.
 */
interface Lot {
  qty: bigint;
  price: bigint;
}

class FifoModel {
  readonly lots: Lot[] = [];
  realized = 0n;
  fees = 0n;
  apply(fill: Fill): void {
    this.fees += fill.fee;
    let delta = fill.side === 'buy' ? fill.quantity : -fill.quantity;
    while (
      delta !== 0n &&
      this.lots.length > 0 &&
      this.lots[0] !== undefined &&
      this.lots[0].qty > 0n !== delta > 0n
    ) {
      const lot = this.lots[0];
      const take = abs(delta) < abs(lot.qty) ? abs(delta) : abs(lot.qty);
      const dir = lot.qty > 0n ? 1n : -1n;
      this.realized += dir * take * (fill.price - lot.price);
      lot.qty -= dir * take;
      delta += dir * take;
      if (lot.qty === 0n) this.lots.shift();
    }
    if (delta !== 0n) this.lots.push({ qty: delta, price: fill.price });
  }
  quantity(): bigint {
    return this.lots.reduce((s, l) => s + l.qty, 0n);
  }
  unrealized(mark: bigint): bigint {
    return this.lots.reduce((s, l) => s + l.qty * (mark - l.price), 0n);
  }
}

const SCALE = 100_000_000n;
const ACCOUNTS = ['A1', 'A2'];
const SYMBOLS = ['AAA', 'BBB', 'CCC'];

const fillSpec = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  symbol: fc.constantFrom(...SYMBOLS),
  side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
  // 0.001 .. 1000 with up to 3 decimals; prices 0.01 .. 500 with up to 8 decimals.
  quantity: fc.integer({ min: 1, max: 1_000_000 }).map((n) => BigInt(n) * 100_000n),
  price: fc.bigInt({ min: 1_000_000n, max: 500n * SCALE }),
  fee: fc.bigInt({ min: 0n, max: 10n ** 16n }),
});

interface FillSpec {
  account: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: bigint;
  price: bigint;
  fee: bigint;
}

function toFills(specs: readonly FillSpec[]): Fill[] {
  return specs.map((s, i) => ({
    executionId: `x${i}`,
    accountId: s.account,
    symbol: s.symbol,
    side: s.side,
    quantity: s.quantity,
    price: s.price,
    fee: s.fee,
    sequence: BigInt(i + 1),
    executedAtUnixNanos: BigInt(i + 1),
  }));
}

function newBook(): PortfolioBook {
  return new PortfolioBook({
    clock: () => 1n,
    defaultStartingCash: 10n ** 22n,
    defaultCurrency: 'USD',
  });
}

const fillsArb = fc.array(fillSpec, { minLength: 1, maxLength: 60 }).map(toFills);
const marksArb = fc.record({
  AAA: fc.bigInt({ min: 1_000_000n, max: 500n * SCALE }),
  BBB: fc.bigInt({ min: 1_000_000n, max: 500n * SCALE }),
  CCC: fc.bigInt({ min: 1_000_000n, max: 500n * SCALE }),
});

describe('portfolio properties', () => {
  it('realized + unrealized equals the FIFO lot model exactly; quantities and fees agree', () => {
    fc.assert(
      fc.property(fillsArb, marksArb, (fills, marks) => {
        const book = newBook();
        const models = new Map<string, FifoModel>();
        for (const f of fills) {
          book.applyFill(f);
          const key = `${f.accountId}/${f.symbol}`;
          const m = models.get(key) ?? new FifoModel();
          m.apply(f);
          models.set(key, m);
        }
        for (const [symbol, price] of Object.entries(marks)) book.applyMark(symbol, price);
        for (const [key, model] of models) {
          const [accountId = '', symbol = ''] = key.split('/');
          const p = book.account(accountId)?.position(symbol);
          if (p === undefined) throw new Error(`missing ${key}`);
          const mark = marks[symbol as keyof typeof marks];
          expect(p.quantity).toBe(model.quantity());
          expect(p.fees).toBe(model.fees);
          expect(p.realizedPnl + (unrealizedPnl(p) ?? 0n)).toBe(
            model.realized + model.unrealized(mark),
          );
          // Once flat, nothing is left to split: realized alone matches.
          const flat = p.quantity === 0n;
          expect(flat ? [p.costBasis, p.realizedPnl] : 'open').toEqual(
            flat ? [0n, model.realized] : 'open',
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('equity = starting cash + realized - fees + unrealized = cash + market value; sums match a recomputation', () => {
    fc.assert(
      fc.property(fillsArb, marksArb, (fills, marks) => {
        const book = newBook();
        for (const f of fills) book.applyFill(f);
        for (const [symbol, price] of Object.entries(marks)) book.applyMark(symbol, price);
        for (const id of book.accountIds()) {
          const account = book.account(id);
          if (account === undefined) throw new Error('missing');
          const v = account.valuation();
          expect(v).toEqual(account.recomputedValuation());
          expect(v.equity).toBe(10n ** 22n + v.realizedGross - v.fees + v.unrealizedPnl);
          expect(v.drawdown >= 0n).toBe(true);
          expect(v.highWaterMark >= v.equity).toBe(true);
          expect(v.grossExposure >= abs(v.netExposure)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('replaying the same fills in the same order is deterministic', () => {
    fc.assert(
      fc.property(fillsArb, (fills) => {
        expect(replayFills(fills)).toEqual(replayFills(fills));
      }),
      { numRuns: 100 },
    );
  });

  it('duplicate execution ids change nothing', () => {
    fc.assert(
      fc.property(fillsArb, fc.array(fc.nat(), { maxLength: 30 }), (fills, picks) => {
        const once = newBook();
        for (const f of fills) once.applyFill(f);
        const withDuplicates = newBook();
        let applied = 0;
        fills.forEach((f, i) => {
          withDuplicates.applyFill(f);
          for (const pick of picks.filter((p) => p % fills.length === i)) {
            // A redelivery of an earlier fill (same execution id, maybe mangled terms).
            const earlier = fills[pick % (i + 1)];
            if (earlier === undefined) continue;
            const r = withDuplicates.applyFill({ ...earlier, quantity: earlier.quantity + 1n });
            if (r.applied) applied += 1;
          }
        });
        expect(applied).toBe(0);
        for (const id of once.accountIds()) {
          expect(withDuplicates.account(id)?.allPositions()).toEqual(
            once.account(id)?.allPositions(),
          );
          expect(withDuplicates.account(id)?.currentVersion).toBe(once.account(id)?.currentVersion);
        }
      }),
      { numRuns: 100 },
    );
  });
});
