import { risk } from '@meridian/contracts';
import { RiskStateStore } from '@meridian/risk-data-access';
import { createRiskTestSchema } from '@meridian/risk-data-access/testing';
import type { TestSchema } from '@meridian/shared-persistence/testing';
import { AccountStateCache } from './account-state.cache';
import { ApplyRiskControlUseCase } from './apply-risk-control.usecase';
import { adminControl } from './testing';

let pg: TestSchema;
let useCase: ApplyRiskControlUseCase;
let store: RiskStateStore;

beforeAll(async () => {
  pg = await createRiskTestSchema('risk_ctl');
  store = new RiskStateStore(pg.db);
  useCase = new ApplyRiskControlUseCase(store, new AccountStateCache(store));
});

afterAll(async () => {
  await pg.drop();
});

describe('ApplyRiskControlUseCase', () => {
  it('applies a manual halt once, with its audit row', async () => {
    const halt = adminControl('acct-m', risk.TradingState.HALTED, 'ctl-1');
    expect(await useCase.execute(halt)).toBe('applied');
    expect(await useCase.execute(halt)).toBe('duplicate');
    expect(await store.load('acct-m')).toMatchObject({ state: 'HALTED' });
    expect(await store.stateChanges('acct-m')).toEqual([
      expect.objectContaining({
        controlId: 'ctl-1',
        from: 'ACTIVE',
        to: 'HALTED',
        actor: 'admin:ops-1',
      }),
    ]);
  });

  it('ignores a control older than the latest change (the gateway keeps the newer one too)', async () => {
    const halt = {
      ...adminControl('acct-t', risk.TradingState.HALTED, 'ctl-new'),
      effectiveAtUnixNanos: 2_000_000_000_000_000_000n,
    };
    const olderReset = {
      ...adminControl('acct-t', risk.TradingState.ACTIVE, 'ctl-old'),
      effectiveAtUnixNanos: 1_999_999_999_000_000_000n,
    };
    expect(await useCase.execute(halt)).toBe('applied');
    expect(await useCase.execute(olderReset)).toBe('stale');
    expect((await store.load('acct-t')).state).toBe('HALTED');
    expect((await store.stateChanges('acct-t')).map((c) => c.controlId)).toEqual(['ctl-new']);
  });

  it('leaves agent and global controls to the gateway and executor', async () => {
    const base = adminControl('', risk.TradingState.HALTED);
    expect(await useCase.execute({ ...base, scope: risk.ControlScope.GLOBAL })).toBe('ignored');
    expect(await useCase.execute({ ...base, scope: risk.ControlScope.AGENT, targetId: 'ag' })).toBe(
      'ignored',
    );
  });

  it('treats its own controls as already stored', async () => {
    expect(
      await useCase.execute({
        ...adminControl('acct-o', risk.TradingState.HALTED),
        actor: 'risk-monitor',
      }),
    ).toBe('own');
    expect(await store.stateChanges('acct-o')).toEqual([]);
  });

  it.each([
    ['scope', { scope: risk.ControlScope.UNSPECIFIED }, 'scope: unknown control scope 0'],
    ['state', { state: risk.TradingState.UNSPECIFIED }, 'state: unknown trading state 0'],
    ['state', { state: 7 as risk.TradingState }, 'state: unknown trading state 7'],
    ['controlId', { controlId: '' }, 'controlId: is empty'],
    ['targetId', { targetId: '' }, 'targetId: is empty'],
    ['actor', { actor: '' }, 'actor: is empty'],
  ])('refuses a control with a bad %s (dead-lettered)', async (_field, patch, message) => {
    await expect(
      useCase.execute({ ...adminControl('acct-x', risk.TradingState.ACTIVE), ...patch }),
    ).rejects.toMatchObject({ code: 'RISK_CONTROL_INVALID', message });
  });
});
