import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateLimits } from './limit-evaluation';
import { type LimitKind, severityOf, type TradingState } from './post-trade-limits';
import { testLimits, testSnapshot, WARN_AT_80, type SnapshotFigures } from './testing';

interface GoldenCase {
  name: string;
  limits: {
    maxDailyLoss?: string;
    maxDrawdown?: string;
    maxDrawdownPct?: string;
    maxGrossExposure?: string;
    actions?: Record<string, string>;
  };
  snapshot: Omit<SnapshotFigures, 'version' | 'asOfUnixNanos'>;
  expect: Partial<Record<LimitKind, [string, boolean, boolean]>> & { strictest: TradingState };
}

const golden = JSON.parse(
  readFileSync(join(__dirname, '__golden__', 'limit-evaluation.golden.json'), 'utf8'),
) as { cases: GoldenCase[] };

describe('limit evaluation (golden table)', () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, golden) => {
    const limits = testLimits({
      maxDailyLoss: undefined,
      maxDrawdown: undefined,
      ...golden.limits,
    });
    const observations = evaluateLimits(limits, testSnapshot(golden.snapshot), WARN_AT_80);
    const { strictest, ...perLimit } = golden.expect;
    expect(
      Object.fromEntries(
        observations.map((o) => [o.kind, [o.observedText, o.breached, o.nearBreach]]),
      ),
    ).toEqual(perLimit);
    const breached = observations.filter((o) => o.breached);
    const state = breached.reduce<TradingState>(
      (worst, o) => (severityOf(o.action) > severityOf(worst) ? o.action : worst),
      'ACTIVE',
    );
    expect(state).toBe(strictest);
  });
});
