import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MONEY_SCALE, parseFixed, PRICE_SCALE } from './fixed-point';
import { type FeeSchedule, type FillInput, NO_FEES, PortfolioBook, toFill } from './portfolio-book';
import { describePosition, describeValuation } from './testing';

/**
 * Golden files: hand-checked fill sequences (the arithmetic is written out in each file's
 * description) with the expected position and account after every step.
 */
interface GoldenStep {
  at?: string;
  fill?: Omit<FillInput, 'accountId' | 'sequence' | 'executedAtUnixNanos' | 'liquidity'> & {
    liquidity?: FillInput['liquidity'];
  };
  mark?: { symbol: string; price: string };
  expect: {
    duplicate?: boolean;
    position?: Record<string, string | null>;
    account?: Record<string, string>;
  };
}

interface GoldenFile {
  description: string;
  startingCash: string;
  fees?: FeeSchedule;
  steps: GoldenStep[];
}

const DIR = join(__dirname, '__golden__');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const ACCOUNT = 'ACC-1';

function nanos(iso: string): bigint {
  return BigInt(Date.parse(iso)) * 1_000_000n;
}

describe('golden fill sequences (hand-checked expectations in __golden__/*.json)', () => {
  it('has the scenarios the issue asks for', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files)('%s', (file) => {
    const golden = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as GoldenFile;
    expect(golden.description.length).toBeGreaterThan(40);
    let now =
      golden.steps[0]?.at === undefined ? nanos('2026-01-05T12:00:00Z') : nanos(golden.steps[0].at);
    const book = new PortfolioBook({
      clock: () => now,
      defaultStartingCash: parseFixed(golden.startingCash, MONEY_SCALE),
      defaultCurrency: 'USD',
    });
    let sequence = 0n;
    golden.steps.forEach((step, index) => {
      if (step.at !== undefined) now = nanos(step.at);
      let symbol: string;
      let duplicate = false;
      if (step.fill !== undefined) {
        sequence += 1n;
        symbol = step.fill.symbol;
        const result = book.applyFill(
          toFill(
            {
              liquidity: 'unspecified',
              ...step.fill,
              accountId: ACCOUNT,
              sequence,
              executedAtUnixNanos: now,
            },
            golden.fees ?? NO_FEES,
          ),
        );
        duplicate = !result.applied;
      } else if (step.mark !== undefined) {
        symbol = step.mark.symbol;
        book.applyMark(symbol, parseFixed(step.mark.price, PRICE_SCALE));
      } else {
        throw new Error(`${file} step ${index}: needs a fill or a mark`);
      }
      const account = book.account(ACCOUNT);
      if (account === undefined) throw new Error('no account');
      const position = account.position(symbol);
      if (position === undefined) throw new Error(`step ${index}: no position ${symbol}`);
      const pick = <T>(actual: Record<string, T>, wanted: Record<string, unknown> | undefined) =>
        wanted === undefined
          ? undefined
          : Object.fromEntries(Object.keys(wanted).map((k) => [k, actual[k]]));
      expect({
        step: index,
        duplicate,
        position: pick(describePosition(position), step.expect.position),
        account: pick(
          describeValuation(account.valuation(), account.currentVersion),
          step.expect.account,
        ),
      }).toEqual({
        step: index,
        duplicate: step.expect.duplicate ?? false,
        position: step.expect.position,
        account: step.expect.account,
      });
      // The running sums agree with a from-scratch recomputation after every step.
      expect(account.recomputedValuation()).toEqual(account.valuation());
    });
  });
});
