import { initialRiskState, parsePostTradeLimits } from '@meridian/risk-domain';
import { CheckViolationError, type Database } from '@meridian/shared-persistence';
import type { TestSchema } from '@meridian/shared-persistence/testing';
import { PostTradeLimitsRepository } from './post-trade-limits.repository';
import { migrateRiskMonitorSchema, RISK_MONITOR_MIGRATIONS_TABLE } from './risk-monitor.migrations';
import { RiskOutboxRepository } from './risk-outbox.repository';
import { type RiskStatePlan, RiskStateStore } from './risk-state.store';
import { createRiskTestSchema } from './testing';

let pg: TestSchema;
let db: Database;

beforeAll(async () => {
  pg = await createRiskTestSchema('risk_da');
  db = pg.db;
});

afterAll(async () => {
  await pg.drop();
});

describe('migrations', () => {
  it('apply once into their own table and are idempotent', async () => {
    const again = await migrateRiskMonitorSchema(db, pg.schema);
    expect(again.applied).toEqual([]);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${pg.schema}".${RISK_MONITOR_MIGRATIONS_TABLE}`,
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('refuses impossible limits at the database too', async () => {
    await expect(
      db.query(
        `INSERT INTO post_trade_limits (account_id, max_drawdown_pct, actions, updated_by)
         VALUES ('x', 101, '{}', 't')`,
      ),
    ).rejects.toBeInstanceOf(CheckViolationError);
  });
});

describe('post-trade limits', () => {
  const repo = () => new PostTradeLimitsRepository(db);

  it('stores, replaces, lists and removes limits exactly, with an audit trail', async () => {
    const first = parsePostTradeLimits({
      accountId: 'acct-a',
      maxDailyLoss: '50000.00',
      maxDrawdownPct: '7.125',
      actions: { GROSS_EXPOSURE: 'HALTED' },
    });
    const stored = await repo().set(first, 'ops:alice', 'initial');
    expect(stored.limits).toEqual(first);
    expect(stored).toMatchObject({ updatedBy: 'ops:alice', reason: 'initial' });

    const second = parsePostTradeLimits({ accountId: 'acct-a', maxGrossExposure: '1000000' });
    await repo().set(second, 'ops:bob', 'tighter');
    await repo().set(parsePostTradeLimits({ accountId: '*', maxDailyLoss: '10000' }), 'ops:bob');
    expect((await repo().get('acct-a'))?.limits).toEqual(second);
    expect((await repo().list()).map((s) => s.limits.accountId)).toEqual(['*', 'acct-a']);

    expect(await repo().remove('acct-a', 'ops:carol', 'back to default')).toBe(true);
    expect(await repo().remove('acct-a', 'ops:carol')).toBe(false);
    expect(await repo().get('acct-a')).toBeNull();
    const history = await repo().history('acct-a');
    expect(history.map((h) => [h.updatedBy, h.reason])).toEqual([
      ['ops:alice', 'initial'],
      ['ops:bob', 'tighter'],
      ['ops:carol', 'back to default'],
    ]);
    expect(history[1]?.before).toMatchObject({ maxDailyLoss: '50000.00', maxDrawdownPct: '7.125' });
    expect(history[2]?.after).toBeNull();
  });
});

describe('risk state store', () => {
  const store = () => new RiskStateStore(db);
  const at = new Date('2026-01-02T10:00:00Z');

  function haltPlan(version: bigint): RiskStatePlan {
    return {
      next: {
        ...initialRiskState('acct-s'),
        state: 'HALTED',
        tripped: { DAILY_LOSS: 'HALTED' },
        lastVersion: version,
      },
      updatedBy: 'risk-monitor',
      reason: 'daily loss limit 5000 breached',
      breaches: [
        {
          breachId: `acct-s:v${version}:DAILY_LOSS`,
          limit: 'DAILY_LOSS',
          observed: '5000.01',
          threshold: '5000',
          action: 'HALTED',
          controlId: `c-${version}`,
          updateVersion: version,
          reason: 'daily loss limit 5000 breached',
          actor: 'risk-monitor',
          occurredAt: at,
        },
      ],
      stateChange: {
        controlId: `c-${version}`,
        from: 'ACTIVE',
        to: 'HALTED',
        actor: 'risk-monitor',
        reason: 'daily loss limit 5000 breached',
        effectiveAt: at,
      },
      outbox: [
        {
          topic: 't',
          key: 'account:acct-s',
          messageType: 'm',
          messageId: `c-${version}`,
          payload: Uint8Array.of(1, 2),
        },
      ],
    };
  }

  it('an unknown account starts ACTIVE', async () => {
    expect(await store().load('nobody')).toEqual(initialRiskState('nobody'));
  });

  it('writes state, breach, state change and outbox atomically; controls once', async () => {
    const outcome = await store().transact('acct-s', () => haltPlan(7n));
    expect(outcome.kind).toBe('written');
    expect(await store().load('acct-s')).toMatchObject({
      state: 'HALTED',
      tripped: { DAILY_LOSS: 'HALTED' },
      lastVersion: 7n,
    });
    expect((await store().loadAll()).get('acct-s')?.state).toBe('HALTED');
    expect(await store().breaches('acct-s')).toEqual([
      expect.objectContaining({
        limit: 'DAILY_LOSS',
        observed: '5000.01',
        threshold: '5000',
        controlId: 'c-7',
        updateVersion: 7n,
      }),
    ]);
    expect(await store().stateChanges('acct-s')).toEqual([
      expect.objectContaining({
        controlId: 'c-7',
        from: 'ACTIVE',
        to: 'HALTED',
        actor: 'risk-monitor',
      }),
    ]);

    // The same control again (a replay): the plan is not even asked.
    const plan = jest.fn(() => haltPlan(7n));
    expect(await store().transact('acct-s', plan, { controlId: 'c-7' })).toEqual({
      kind: 'duplicate-control',
    });
    expect(plan).not.toHaveBeenCalled();
    // A plan that decides nothing writes nothing.
    expect((await store().transact('acct-s', () => undefined)).kind).toBe('unchanged');

    const outbox = new RiskOutboxRepository(db);
    const pending = await outbox.pending();
    expect(pending.map((p) => [p.messageId, p.key, [...p.payload]])).toEqual([
      ['c-7', 'account:acct-s', [1, 2]],
    ]);
    expect(await outbox.backlog()).toBe(1);
    await outbox.markPublished(pending.map((p) => p.seq));
    expect(await outbox.pending()).toEqual([]);
  });

  it('never lowers the stored last version', async () => {
    await store().transact('acct-v', (current) => ({
      ...haltPlan(10n),
      next: { ...current, lastVersion: 10n },
      breaches: [],
      stateChange: undefined,
      outbox: [],
    }));
    await store().transact('acct-v', (current) => ({
      ...haltPlan(3n),
      next: { ...current, lastVersion: 3n },
      breaches: [],
      stateChange: undefined,
      outbox: [],
    }));
    expect((await store().load('acct-v')).lastVersion).toBe(10n);
  });

  it('serialises concurrent deciders on the account row', async () => {
    const seen: bigint[] = [];
    const bump = () =>
      store().transact('acct-c', (current) => {
        seen.push(current.lastVersion);
        return {
          ...haltPlan(current.lastVersion + 1n),
          next: { ...current, lastVersion: current.lastVersion + 1n },
          breaches: [],
          stateChange: undefined,
          outbox: [],
        };
      });
    await Promise.all([bump(), bump(), bump(), bump()]);
    expect([...seen].sort()).toEqual([0n, 1n, 2n, 3n]);
    expect((await store().load('acct-c')).lastVersion).toBe(4n);
  });
});
