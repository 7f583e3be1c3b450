import fc from 'fast-check';
import {
  type AccountRiskState,
  applyExternalControl,
  decide,
  initialRiskState,
} from './account-risk-state';
import { evaluateLimits, type LimitObservation } from './limit-evaluation';
import { severityOf, type TradingState } from './post-trade-limits';
import { TEST_DAY_START_NANOS, testLimits, testSnapshot, WARN_AT_80 } from './testing';

const HOUR_NANOS = 3_600_000_000_000n;
const limits = testLimits({ maxGrossExposure: '500000' }); // loss 5000 HALTED, drawdown 2000 REDUCING

function run(
  figures: Parameters<typeof testSnapshot>[0][],
  from: AccountRiskState = initialRiskState('acct-1'),
) {
  let state = from;
  const decisions = figures.map((f, i) => {
    const d = decide(state, limits, testSnapshot({ version: BigInt(i + 1), ...f }), WARN_AT_80);
    state = d.next;
    return d;
  });
  return { state, decisions };
}

describe('latching and escalation', () => {
  it('halts once when the day loss reaches the limit and stays halted while it recovers', () => {
    const { state, decisions } = run([
      { dayPnl: '-1000' },
      { dayPnl: '-5000.00' },
      { dayPnl: '-7000' },
      { dayPnl: '2000' },
    ]);
    expect(decisions.map((d) => d.transition?.to)).toEqual([
      undefined,
      'HALTED',
      undefined,
      undefined,
    ]);
    expect(decisions[1]?.transition).toMatchObject({ from: 'ACTIVE', to: 'HALTED' });
    expect(decisions[1]?.transition?.reason).toBe(
      'daily loss limit 5000.00 USD breached: day PnL -5000.00 USD (account acct-1, update v2)',
    );
    expect(decisions[1]?.newBreaches.map((b) => b.kind)).toEqual(['DAILY_LOSS']);
    expect(decisions[2]?.newBreaches).toEqual([]);
    expect(state).toMatchObject({
      state: 'HALTED',
      tripped: { DAILY_LOSS: 'HALTED' },
      lastVersion: 4n,
    });
  });

  it('reduces on drawdown, then escalates to HALTED on further loss, never back', () => {
    const { state, decisions } = run([
      { equity: '98000', drawdown: '2000', dayPnl: '-2000' },
      { equity: '97000', drawdown: '3000', dayPnl: '-3000' },
      { equity: '94000', drawdown: '6000', dayPnl: '-6000' },
      { equity: '99999', drawdown: '1', dayPnl: '-1' },
    ]);
    expect(decisions.map((d) => d.transition && [d.transition.from, d.transition.to])).toEqual([
      ['ACTIVE', 'REDUCING'],
      undefined,
      ['REDUCING', 'HALTED'],
      undefined,
    ]);
    expect(state.state).toBe('HALTED');
  });

  it('a valuation breaching several limits at once takes the strictest and names them all', () => {
    const { decisions } = run([{ equity: '94000', drawdown: '6000', dayPnl: '-6000' }]);
    expect(decisions[0]?.transition?.to).toBe('HALTED');
    expect(decisions[0]?.transition?.cause.kind).toBe('DAILY_LOSS');
    expect(decisions[0]?.transition?.reason).toContain('drawdown limit 2000.00 USD breached');
    expect(decisions[0]?.newBreaches.map((b) => b.kind)).toEqual(['DAILY_LOSS', 'DRAWDOWN']);
  });

  it('skips versions it has seen (a replay decides nothing)', () => {
    const { state } = run([{ dayPnl: '-6000' }]);
    const replay = decide(
      state,
      limits,
      testSnapshot({ version: 1n, dayPnl: '-6000' }),
      WARN_AT_80,
    );
    expect(replay).toMatchObject({ outcome: 'replay', changed: false, transition: undefined });
    expect(replay.next).toBe(state);
  });

  it('a recheck judges the last seen version again under new limits; older versions stay replays', () => {
    const { state } = run([{ dayPnl: '-300' }, { dayPnl: '-700' }]);
    expect(state.state).toBe('ACTIVE');
    const tighter = testLimits({ maxDailyLoss: '500' });
    const latest = testSnapshot({ version: 2n, dayPnl: '-700' });
    expect(decide(state, tighter, latest, WARN_AT_80).outcome).toBe('replay');
    const again = decide(state, tighter, latest, { ...WARN_AT_80, recheck: true });
    expect(again.transition).toMatchObject({ from: 'ACTIVE', to: 'HALTED' });
    const older = testSnapshot({ version: 1n, dayPnl: '-700' });
    expect(decide(state, tighter, older, { ...WARN_AT_80, recheck: true }).outcome).toBe('replay');
  });

  it('a human reset to ACTIVE re-arms: the next breaching valuation halts again', () => {
    const halted = run([{ dayPnl: '-6000' }]).state;
    const { next, rearmed } = applyExternalControl(halted, { state: 'ACTIVE', actor: 'admin:ops' });
    expect(rearmed).toEqual(['DAILY_LOSS']);
    expect(next).toMatchObject({ state: 'ACTIVE', tripped: {}, lastVersion: 1n });
    const again = decide(next, limits, testSnapshot({ version: 2n, dayPnl: '-6000' }), WARN_AT_80);
    expect(again.transition).toMatchObject({ from: 'ACTIVE', to: 'HALTED' });
  });

  it('a human lowering HALTED to REDUCING keeps the REDUCING breaches latched', () => {
    const both = run([{ equity: '94000', drawdown: '6000', dayPnl: '-6000' }]).state;
    const { next, rearmed } = applyExternalControl(both, { state: 'REDUCING', actor: 'admin:ops' });
    expect(rearmed).toEqual(['DAILY_LOSS']);
    expect(next.tripped).toEqual({ DRAWDOWN: 'REDUCING' });
  });

  it('a manual halt is kept: a REDUCING breach does not lower it', () => {
    const manual = applyExternalControl(initialRiskState('acct-1'), {
      state: 'HALTED',
      actor: 'admin:ops',
    }).next;
    const d = decide(
      manual,
      limits,
      testSnapshot({ drawdown: '2500', equity: '97500' }),
      WARN_AT_80,
    );
    expect(d.transition).toBeUndefined();
    expect(d.next.state).toBe('HALTED');
    expect(d.newBreaches.map((b) => b.kind)).toEqual(['DRAWDOWN']);
  });

  it('an account without limits is only version-tracked', () => {
    const d = decide(
      initialRiskState('x'),
      undefined,
      testSnapshot({ dayPnl: '-1000000000' }),
      WARN_AT_80,
    );
    expect(d).toMatchObject({ outcome: 'evaluated', changed: false, transition: undefined });
    expect(d.next.lastVersion).toBe(1n);
  });
});

describe('early warnings', () => {
  it('warns once per limit per UTC day at 80 %, and again the next day', () => {
    const nextDay = TEST_DAY_START_NANOS + 25n * HOUR_NANOS;
    const { decisions } = run([
      { dayPnl: '-3999.99' },
      { dayPnl: '-4000' },
      { dayPnl: '-4500' },
      { dayPnl: '-4100', asOfUnixNanos: nextDay },
    ]);
    expect(decisions.map((d) => d.warnings.map((w) => w.kind))).toEqual([
      [],
      ['DAILY_LOSS'],
      [],
      ['DAILY_LOSS'],
    ]);
    expect(decisions.every((d) => d.transition === undefined)).toBe(true);
    expect(decisions[1]?.changed).toBe(true);
  });

  it('does not warn about a limit that could not make the state stricter', () => {
    const halted = run([{ dayPnl: '-6000' }]).state;
    const d = decide(
      halted,
      limits,
      testSnapshot({ version: 2n, dayPnl: '-6000', drawdown: '1700', equity: '98300' }),
      WARN_AT_80,
    );
    expect(d.warnings).toEqual([]);
  });
});

// ---- properties -------------------------------------------------------------------------

const cents = fc.bigInt({ min: 0n, max: 10_000_000_00n });
const scaled = (units: bigint) => {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return negative && abs !== 0n ? `-${text}` : text;
};
const figures = fc.record({
  loss: cents,
  drawdown: cents,
  gross: cents,
  hwm: fc.bigInt({ min: 1n, max: 10_000_000_00n }),
});
const anyLimits = fc
  .record({
    maxDailyLoss: fc.option(fc.bigInt({ min: 1n, max: 1_000_000_00n }), { nil: undefined }),
    maxDrawdown: fc.option(fc.bigInt({ min: 1n, max: 1_000_000_00n }), { nil: undefined }),
    maxDrawdownPct: fc.option(fc.bigInt({ min: 1n, max: 100_00n }), { nil: undefined }),
    maxGrossExposure: fc.option(fc.bigInt({ min: 1n, max: 1_000_000_00n }), { nil: undefined }),
    dl: fc.constantFrom('REDUCING', 'HALTED'),
    dd: fc.constantFrom('REDUCING', 'HALTED'),
    dp: fc.constantFrom('REDUCING', 'HALTED'),
    ge: fc.constantFrom('REDUCING', 'HALTED'),
  })
  .map((l) =>
    testLimits({
      maxDailyLoss: l.maxDailyLoss === undefined ? undefined : scaled(l.maxDailyLoss),
      maxDrawdown: l.maxDrawdown === undefined ? undefined : scaled(l.maxDrawdown),
      maxDrawdownPct: l.maxDrawdownPct === undefined ? undefined : scaled(l.maxDrawdownPct),
      maxGrossExposure: l.maxGrossExposure === undefined ? undefined : scaled(l.maxGrossExposure),
      actions: { DAILY_LOSS: l.dl, DRAWDOWN: l.dd, DRAWDOWN_PCT: l.dp, GROSS_EXPOSURE: l.ge },
    }),
  );

function snapshotOf(
  f: { loss: bigint; drawdown: bigint; gross: bigint; hwm: bigint },
  version = 1n,
) {
  return testSnapshot({
    version,
    dayPnl: scaled(-f.loss),
    drawdown: scaled(f.drawdown),
    highWaterMark: scaled(f.hwm),
    equity: scaled(f.hwm - f.drawdown),
    grossExposure: scaled(f.gross),
  });
}

function strictest(obs: readonly LimitObservation[]): number {
  return Math.max(0, ...obs.filter((o) => o.breached).map((o) => severityOf(o.action)));
}

describe('properties', () => {
  it('monotonic: worse figures never evaluate to a less severe state', () => {
    fc.assert(
      fc.property(anyLimits, figures, figures, (l, base, extra) => {
        const worse = {
          loss: base.loss + extra.loss,
          drawdown: base.drawdown + extra.drawdown,
          gross: base.gross + extra.gross,
          hwm: base.hwm,
        };
        const a = strictest(evaluateLimits(l, snapshotOf(base), WARN_AT_80));
        const b = strictest(evaluateLimits(l, snapshotOf(worse), WARN_AT_80));
        expect(b).toBeGreaterThanOrEqual(a);
      }),
    );
  });

  it('latching: without a human, the state never becomes less strict over any sequence', () => {
    fc.assert(
      fc.property(anyLimits, fc.array(figures, { minLength: 1, maxLength: 30 }), (l, seq) => {
        let state = initialRiskState('acct-1');
        seq.forEach((f, i) => {
          const before = severityOf(state.state);
          const d = decide(state, l, snapshotOf(f, BigInt(i + 1)), WARN_AT_80);
          expect(severityOf(d.next.state)).toBeGreaterThanOrEqual(before);
          // The state is at least as strict as every breach seen now.
          expect(severityOf(d.next.state)).toBeGreaterThanOrEqual(strictest(d.observations));
          state = d.next;
        });
      }),
    );
  });

  it('replaying a sequence after processing it changes nothing and decides nothing', () => {
    fc.assert(
      fc.property(anyLimits, fc.array(figures, { minLength: 1, maxLength: 15 }), (l, seq) => {
        let state = initialRiskState('acct-1');
        seq.forEach(
          (f, i) => (state = decide(state, l, snapshotOf(f, BigInt(i + 1)), WARN_AT_80).next),
        );
        const after = state;
        seq.forEach((f, i) => {
          const d = decide(state, l, snapshotOf(f, BigInt(i + 1)), WARN_AT_80);
          expect(d.outcome).toBe('replay');
          state = d.next;
        });
        expect(state).toBe(after);
      }),
    );
  });

  it('each limit trips at most once between resets (one breach record, one control)', () => {
    fc.assert(
      fc.property(anyLimits, fc.array(figures, { minLength: 1, maxLength: 30 }), (l, seq) => {
        let state = initialRiskState('acct-1');
        const trips: string[] = [];
        let transitions = 0;
        seq.forEach((f, i) => {
          const d = decide(state, l, snapshotOf(f, BigInt(i + 1)), WARN_AT_80);
          trips.push(...d.newBreaches.map((b) => b.kind));
          if (d.transition !== undefined) transitions += 1;
          state = d.next;
        });
        expect(new Set(trips).size).toBe(trips.length);
        expect(transitions).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('with humans in between: only a human lowers the state, and limits then trip again', () => {
    const step = fc.oneof(
      figures.map((f) => ({ kind: 'update' as const, f })),
      fc
        .constantFrom<TradingState>('ACTIVE', 'REDUCING', 'HALTED')
        .map((state) => ({ kind: 'human' as const, state })),
    );
    fc.assert(
      fc.property(anyLimits, fc.array(step, { minLength: 1, maxLength: 40 }), (l, steps) => {
        let state = initialRiskState('acct-1');
        let version = 0n;
        const problems: string[] = [];
        for (const s of steps) {
          if (s.kind === 'human') {
            state = applyExternalControl(state, { state: s.state, actor: 'admin:x' }).next;
            if (state.state !== s.state) problems.push(`human ${s.state} gave ${state.state}`);
            continue;
          }
          version += 1n;
          const d = decide(state, l, snapshotOf(s.f, version), WARN_AT_80);
          if (severityOf(d.next.state) < severityOf(state.state))
            problems.push(`v${version}: ${state.state} -> ${d.next.state} without a human`);
          // Every limit breached now is tripped afterwards, so its action is in force.
          for (const o of d.observations.filter((x) => x.breached)) {
            if (d.next.tripped[o.kind] === undefined)
              problems.push(`v${version}: ${o.kind} not tripped`);
            if (severityOf(d.next.state) < severityOf(o.action))
              problems.push(`v${version}: ${o.kind} ${o.action} but state ${d.next.state}`);
          }
          state = d.next;
        }
        expect(problems).toEqual([]);
      }),
    );
  });

  it('a human control always sets exactly the state asked for', () => {
    const states: TradingState[] = ['ACTIVE', 'REDUCING', 'HALTED'];
    fc.assert(
      fc.property(anyLimits, figures, fc.constantFrom(...states), (l, f, wanted) => {
        const s = decide(initialRiskState('acct-1'), l, snapshotOf(f), WARN_AT_80).next;
        const { next } = applyExternalControl(s, { state: wanted, actor: 'admin:x' });
        expect(next.state).toBe(wanted);
        for (const action of Object.values(next.tripped))
          expect(severityOf(action)).toBeLessThanOrEqual(severityOf(wanted));
      }),
    );
  });
});
