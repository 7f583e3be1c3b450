import { admin, orders, risk } from '@meridian/contracts';
import { AdminAuditRepository } from '@meridian/orders-data-access';
import { waitFor } from '@meridian/shared-testing';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { errorInfoOf } from './grpc-error.mapper';
import { startTestGateway, type TestGateway } from './testing';

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

let gw: TestGateway;
let adminKey: string;
let adminKeyId: string;
let traderKey: string;
let readOnlyKey: string;

beforeAll(async () => {
  // A long limits-cache TTL: a new limit must take effect through invalidation, not expiry.
  gw = await startTestGateway('gwadmin', { limitsCacheTtlMs: 60_000 });
  adminKey = await gw.addAgent('agent-admin', 'acct-ops', 'admin');
  adminKeyId = adminKey.slice('mrd_'.length, 'mrd_'.length + 16);
  traderKey = await gw.addAgent('agent-plain', 'acct-plain', 'trader');
  readOnlyKey = await gw.addAgent('agent-viewer', 'acct-plain', 'read-only');
});
afterAll(async () => gw.close());

function meta(key: string | undefined): Metadata {
  const m = new Metadata();
  // '' sends no key at all.
  if (key !== undefined && key !== '') m.set('x-api-key', key);
  return m;
}

function unary<Res>(
  key: string | undefined,
  invoke: (metadata: Metadata, callback: Callback<Res>) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke(meta(key), (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** The AdminService methods, promisified; `key` defaults to the admin key. */
const api = {
  createAccount: (r: Partial<admin.CreateAccountRequest>, key: string | undefined = adminKey) =>
    unary<admin.CreateAccountResponse>(key, (m, cb) =>
      gw.adminClient.createAccount(admin.CreateAccountRequest.fromPartial(r), m, cb),
    ),
  createAgent: (r: Partial<admin.CreateAgentRequest>, key: string | undefined = adminKey) =>
    unary<admin.CreateAgentResponse>(key, (m, cb) =>
      gw.adminClient.createAgent(admin.CreateAgentRequest.fromPartial(r), m, cb),
    ),
  issueApiKey: (r: Partial<admin.IssueApiKeyRequest>, key: string | undefined = adminKey) =>
    unary<admin.IssueApiKeyResponse>(key, (m, cb) =>
      gw.adminClient.issueApiKey(admin.IssueApiKeyRequest.fromPartial(r), m, cb),
    ),
  rotateApiKey: (r: Partial<admin.RotateApiKeyRequest>, key: string | undefined = adminKey) =>
    unary<admin.RotateApiKeyResponse>(key, (m, cb) =>
      gw.adminClient.rotateApiKey(admin.RotateApiKeyRequest.fromPartial(r), m, cb),
    ),
  revokeApiKey: (r: Partial<admin.RevokeApiKeyRequest>, key: string | undefined = adminKey) =>
    unary<admin.RevokeApiKeyResponse>(key, (m, cb) =>
      gw.adminClient.revokeApiKey(admin.RevokeApiKeyRequest.fromPartial(r), m, cb),
    ),
  setRiskLimits: (r: Partial<admin.SetRiskLimitsRequest>, key: string | undefined = adminKey) =>
    unary<admin.SetRiskLimitsResponse>(key, (m, cb) =>
      gw.adminClient.setRiskLimits(admin.SetRiskLimitsRequest.fromPartial(r), m, cb),
    ),
  getRiskLimits: (r: Partial<admin.GetRiskLimitsRequest>, key: string | undefined = adminKey) =>
    unary<admin.GetRiskLimitsResponse>(key, (m, cb) =>
      gw.adminClient.getRiskLimits(admin.GetRiskLimitsRequest.fromPartial(r), m, cb),
    ),
  setTradingState: (r: Partial<admin.SetTradingStateRequest>, key: string | undefined = adminKey) =>
    unary<admin.SetTradingStateResponse>(key, (m, cb) =>
      gw.adminClient.setTradingState(admin.SetTradingStateRequest.fromPartial(r), m, cb),
    ),
  getTradingState: (r: Partial<admin.GetTradingStateRequest>, key: string | undefined = adminKey) =>
    unary<admin.GetTradingStateResponse>(key, (m, cb) =>
      gw.adminClient.getTradingState(admin.GetTradingStateRequest.fromPartial(r), m, cb),
    ),
};

let seq = 0;
function order(
  key: string,
  terms: Partial<orders.NewOrder> = {},
): Promise<orders.SubmitOrderResponse> {
  seq += 1;
  const request = orders.SubmitOrderRequest.fromPartial({
    clientOrderId: `adm-${seq}-${Date.now()}`,
    symbol: 'ACME',
    order: {
      side: 1,
      orderType: orders.OrderType.LIMIT,
      timeInForce: orders.TimeInForce.GTC,
      quantity: { value: '10' },
      limitPrice: { value: '100.00' },
      ...terms,
    },
  });
  return unary<orders.SubmitOrderResponse>(key, (m, cb) => gw.client.submitOrder(request, m, cb));
}

function cancel(key: string, orderId: string): Promise<orders.CancelOrderResponse> {
  seq += 1;
  const request = orders.CancelOrderRequest.fromPartial({
    clientOrderId: `adm-x-${seq}-${Date.now()}`,
    symbol: 'ACME',
    target: { $case: 'orderId', value: orderId },
  });
  return unary<orders.CancelOrderResponse>(key, (m, cb) => gw.client.cancelOrder(request, m, cb));
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: number; reason: string; metadata: Record<string, string> }> {
  try {
    await promise;
  } catch (error: unknown) {
    const e = error as ServiceError;
    const info = errorInfoOf(e.metadata);
    return { code: e.code, reason: info?.reason ?? '', metadata: info?.metadata ?? {} };
  }
  throw new Error('expected the call to fail');
}

const GENEROUS: Partial<admin.RiskLimits> = {
  maxOrderQuantity: { value: '1000000' },
  maxOrderNotional: { value: '100000000' },
  priceBandBps: 5000,
  maxOpenOrders: 10_000,
  maxPosition: { value: '10000000' },
  maxGrossExposure: { value: '1000000000' },
  orderRatePerSecond: 10_000,
  orderBurst: 10_000,
};

/** An account with generous limits and one trader agent; returns the agent's key. */
async function tradingAccount(
  accountId: string,
  agentId: string,
): Promise<{ key: string; keyId: string }> {
  await api.createAccount({ accountId, name: `Account ${accountId}` });
  await api.setRiskLimits({ accountId, limits: admin.RiskLimits.fromPartial(GENEROUS) });
  await api.createAgent({ accountId, agentId, name: agentId, role: admin.ApiKeyRole.TRADER });
  const issued = await api.issueApiKey({ agentId, reason: 'onboarding' });
  return { key: issued.apiKey, keyId: issued.keyId };
}

describe('AdminService: accounts, agents and keys', () => {
  it('creates an account, an agent and a key with which the agent can trade', async () => {
    const account = await api.createAccount({ accountId: 'acct-new', name: 'New fund' });
    expect(account.accountId).toBe('acct-new');
    // No limits yet: the new account cannot trade.
    expect(await api.getRiskLimits({ accountId: 'acct-new' })).toEqual({ limits: undefined });
    await api.setRiskLimits({
      accountId: 'acct-new',
      limits: admin.RiskLimits.fromPartial(GENEROUS),
      reason: 'onboarding',
    });
    const agent = await api.createAgent({
      accountId: 'acct-new',
      agentId: 'agent-new',
      name: 'Momentum bot',
      role: admin.ApiKeyRole.TRADER,
    });
    expect(agent).toEqual({
      agentId: 'agent-new',
      accountId: 'acct-new',
      role: admin.ApiKeyRole.TRADER,
    });
    const issued = await api.issueApiKey({ agentId: 'agent-new' });
    expect(issued.apiKey).toMatch(new RegExp(`^mrd_${issued.keyId}\\.[A-Za-z0-9_-]{43}$`));
    expect(issued.role).toBe(admin.ApiKeyRole.TRADER);
    const ack = await order(issued.apiKey);
    expect(ack.orderId).not.toBe('');
  });

  it('chooses ids when none are given and refuses taken ones', async () => {
    const account = await api.createAccount({ name: 'Anonymous' });
    expect(account.accountId).toMatch(/^acct_[0-9a-f]{16}$/);
    const agent = await api.createAgent({
      accountId: account.accountId,
      name: 'viewer',
      role: admin.ApiKeyRole.READ_ONLY,
    });
    expect(agent.agentId).toMatch(/^agent_[0-9a-f]{16}$/);
    const issued = await api.issueApiKey({ agentId: agent.agentId });
    expect(issued.role).toBe(admin.ApiKeyRole.READ_ONLY);
    // A read-only key may not enter orders.
    expect(await failure(order(issued.apiKey))).toMatchObject({
      code: status.PERMISSION_DENIED,
      reason: 'GATEWAY_PERMISSION_DENIED',
    });
    expect(await failure(api.createAccount({ accountId: account.accountId, name: 'x' }))).toEqual({
      code: status.ALREADY_EXISTS,
      reason: 'GATEWAY_ACCOUNT_EXISTS',
      metadata: { id: account.accountId },
    });
    expect(
      await failure(
        api.createAgent({
          accountId: account.accountId,
          agentId: agent.agentId,
          name: 'again',
          role: admin.ApiKeyRole.TRADER,
        }),
      ),
    ).toMatchObject({ code: status.ALREADY_EXISTS, reason: 'GATEWAY_AGENT_EXISTS' });
  });

  it('answers NOT_FOUND for unknown accounts, agents and keys', async () => {
    expect(
      await failure(
        api.createAgent({
          accountId: 'acct-nobody',
          name: 'x',
          role: admin.ApiKeyRole.TRADER,
        }),
      ),
    ).toEqual({
      code: status.NOT_FOUND,
      reason: 'GATEWAY_ACCOUNT_NOT_FOUND',
      metadata: { id: 'acct-nobody' },
    });
    expect(await failure(api.issueApiKey({ agentId: 'agent-nobody' }))).toMatchObject({
      code: status.NOT_FOUND,
      reason: 'GATEWAY_AGENT_NOT_FOUND',
    });
    for (const call of [
      api.rotateApiKey({ keyId: '0123456789abcdef' }),
      api.revokeApiKey({ keyId: '0123456789abcdef' }),
    ]) {
      expect(await failure(call)).toMatchObject({
        code: status.NOT_FOUND,
        reason: 'GATEWAY_API_KEY_NOT_FOUND',
      });
    }
    expect(await failure(api.getRiskLimits({ accountId: 'acct-nobody' }))).toMatchObject({
      code: status.NOT_FOUND,
      reason: 'GATEWAY_ACCOUNT_NOT_FOUND',
    });
    expect(
      await failure(
        api.setTradingState({
          scope: risk.ControlScope.AGENT,
          targetId: 'agent-nobody',
          state: risk.TradingState.HALTED,
          reason: 'test',
        }),
      ),
    ).toMatchObject({ code: status.NOT_FOUND, reason: 'GATEWAY_AGENT_NOT_FOUND' });
  });

  it('rotates a key: without grace the old key stops at once, the new one works', async () => {
    const { key: oldKey, keyId } = await tradingAccount('acct-rot', 'agent-rot');
    await order(oldKey);
    const rotated = await api.rotateApiKey({ keyId, reason: 'scheduled rotation' });
    expect(rotated.keyId).not.toBe(keyId);
    expect(rotated.oldKeyRevokedAtUnixNanos).toBeGreaterThan(0n);
    expect(await failure(order(oldKey))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'GATEWAY_UNAUTHENTICATED',
    });
    await order(rotated.apiKey);
    // A rotated key cannot be rotated again (its successor can).
    expect(await failure(api.rotateApiKey({ keyId }))).toMatchObject({
      code: status.FAILED_PRECONDITION,
      reason: 'GATEWAY_API_KEY_REVOKED',
      metadata: { keyId },
    });
  });

  it('rotates a key with a grace period: the old key works until it ends', async () => {
    const { key: oldKey, keyId } = await tradingAccount('acct-grace', 'agent-grace');
    const rotated = await api.rotateApiKey({ keyId, graceSeconds: 2 });
    const endsAtMs = Number(rotated.oldKeyRevokedAtUnixNanos / 1_000_000n);
    // Both keys work during the grace period.
    if (Date.now() < endsAtMs - 500) await order(oldKey);
    await order(rotated.apiKey);
    await waitFor(
      'the old key to stop working after its grace',
      () =>
        order(oldKey).then(
          () => false,
          (error: unknown) => (error as ServiceError).code === status.UNAUTHENTICATED,
        ),
      10_000,
      100,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(endsAtMs - 50);
    await order(rotated.apiKey);
  });

  it('revokes a key now, also one in its grace period, and repeats the answer on a retry', async () => {
    const { key, keyId } = await tradingAccount('acct-rev', 'agent-rev');
    const rotated = await api.rotateApiKey({ keyId, graceSeconds: 3600 });
    await order(key);
    const revoked = await api.revokeApiKey({ keyId, reason: 'key leaked' });
    expect(await failure(order(key))).toMatchObject({ code: status.UNAUTHENTICATED });
    expect(await api.revokeApiKey({ keyId })).toEqual(revoked);
    await order(rotated.apiKey);
    await api.revokeApiKey({ keyId: rotated.keyId });
    expect(await failure(order(rotated.apiKey))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'GATEWAY_UNAUTHENTICATED',
    });
    const audit = await new AdminAuditRepository(gw.stores.pg.db).listForTarget('api_key', keyId);
    expect(audit.map((a) => a.action)).toEqual(['IssueApiKey', 'RotateApiKey', 'RevokeApiKey']);
    expect(audit[2]).toMatchObject({
      actorAgentId: 'agent-admin',
      actorKeyId: adminKeyId,
      reason: 'key leaked',
    });
    // The audit never holds key material.
    expect(JSON.stringify(audit)).not.toContain(rotated.apiKey.split('.')[1]);
  });
});

describe('AdminService: risk limits', () => {
  it('applies a new max quantity to the very next order', async () => {
    const { key } = await tradingAccount('acct-lim', 'agent-lim');
    // Warm the gateway's limits cache with the generous limits.
    await order(key, { quantity: { value: '10' } });
    const set = await api.setRiskLimits({
      accountId: 'acct-lim',
      limits: admin.RiskLimits.fromPartial({
        ...GENEROUS,
        maxOrderQuantity: { value: '5' },
        priceBandBps: undefined,
      }),
      reason: 'new desk policy',
    });
    expect(set.limits?.maxOrderQuantity).toEqual({ value: '5' });
    expect(set.limits?.priceBandBps).toBeUndefined();
    expect(await failure(order(key, { quantity: { value: '10' } }))).toEqual({
      code: status.FAILED_PRECONDITION,
      reason: 'GATEWAY_RISK_MAX_ORDER_QUANTITY',
      metadata: { limit: '5', value: '10' },
    });
    await order(key, { quantity: { value: '5' } });
    const got = await api.getRiskLimits({ accountId: 'acct-lim' });
    expect(got.limits).toEqual(set.limits);
    const audit = await new AdminAuditRepository(gw.stores.pg.db).listForTarget(
      'account',
      'acct-lim',
    );
    expect(audit.at(-1)).toMatchObject({
      action: 'SetRiskLimits',
      actorAgentId: 'agent-admin',
      reason: 'new desk policy',
      details: { maxOrderQuantity: '5', priceBandBps: null },
    });
  });
});

describe('AdminService: trading states', () => {
  it('HALTED on an account refuses new orders with TRADING_HALTED but lets cancels through', async () => {
    const { key } = await tradingAccount('acct-halt', 'agent-halt');
    const open = await order(key);
    const set = await api.setTradingState({
      scope: risk.ControlScope.ACCOUNT,
      targetId: 'acct-halt',
      state: risk.TradingState.HALTED,
      reason: 'margin call',
    });
    expect(set.state).toBe(risk.TradingState.HALTED);
    expect(set.effectiveAtUnixNanos).toBeGreaterThan(0n);
    expect(await failure(order(key))).toEqual({
      code: status.FAILED_PRECONDITION,
      reason: 'GATEWAY_TRADING_HALTED',
      metadata: { scope: 'account' },
    });
    expect((await cancel(key, open.orderId)).orderId).toBe(open.orderId);
    expect(
      await api.getTradingState({ scope: risk.ControlScope.AGENT, targetId: 'agent-halt' }),
    ).toMatchObject({
      state: risk.TradingState.ACTIVE,
      effectiveState: risk.TradingState.HALTED,
      effectiveScope: risk.ControlScope.ACCOUNT,
    });
    expect(
      await api.getTradingState({ scope: risk.ControlScope.ACCOUNT, targetId: 'acct-halt' }),
    ).toMatchObject({ state: risk.TradingState.HALTED, reason: 'margin call' });

    await api.setTradingState({
      scope: risk.ControlScope.ACCOUNT,
      targetId: 'acct-halt',
      state: risk.TradingState.ACTIVE,
      reason: 'margin posted',
    });
    await order(key);
    const audit = await new AdminAuditRepository(gw.stores.pg.db).listForTarget(
      'account',
      'acct-halt',
    );
    const changes = audit.filter((a) => a.action === 'SetTradingState');
    expect(changes).toMatchObject([
      {
        actorAgentId: 'agent-admin',
        actorKeyId: adminKeyId,
        reason: 'margin call',
        details: { state: 'HALTED', previous: 'ACTIVE' },
      },
      { reason: 'margin posted', details: { state: 'ACTIVE', previous: 'HALTED' } },
    ]);
    expect(changes[0]?.occurredAt.getTime()).toBeLessThanOrEqual(
      changes[1]?.occurredAt.getTime() ?? 0,
    );
  });

  it('REDUCING on an agent admits only orders that reduce its position', async () => {
    const { key } = await tradingAccount('acct-red', 'agent-red');
    const bought = await order(key, { quantity: { value: '10' } });
    // The executor filled the buy: the account is long 10.
    await gw.riskStore.applyEvent({
      orderId: bought.orderId,
      accountId: 'acct-red',
      symbol: 'ACME',
      sequence: 1n,
      kind: 'fill',
      fillLots: 10,
      fillNotional: 100_000,
      fillPriceTicks: 10_000,
      terminal: true,
    });
    await api.setTradingState({
      scope: risk.ControlScope.AGENT,
      targetId: 'agent-red',
      state: risk.TradingState.REDUCING,
      reason: 'wind down',
    });
    expect(await failure(order(key, { quantity: { value: '1' } }))).toEqual({
      code: status.FAILED_PRECONDITION,
      reason: 'GATEWAY_TRADING_REDUCE_ONLY',
      metadata: { scope: 'agent' },
    });
    // Selling more than the position would flip it short: not a reduction either.
    expect(await failure(order(key, { side: 2, quantity: { value: '11' } }))).toMatchObject({
      reason: 'GATEWAY_TRADING_REDUCE_ONLY',
    });
    await order(key, { side: 2, quantity: { value: '6' } });
    // With 6 already offered, another 5 could take the position short.
    expect(await failure(order(key, { side: 2, quantity: { value: '5' } }))).toMatchObject({
      reason: 'GATEWAY_TRADING_REDUCE_ONLY',
    });
    await order(key, { side: 2, quantity: { value: '4' } });
    await api.setTradingState({
      scope: risk.ControlScope.AGENT,
      targetId: 'agent-red',
      state: risk.TradingState.ACTIVE,
      reason: 'done',
    });
    await order(key, { quantity: { value: '1' } });
  });

  it('a GLOBAL halt stops every account until it is lifted', async () => {
    const a = await tradingAccount('acct-g1', 'agent-g1');
    const b = await tradingAccount('acct-g2', 'agent-g2');
    await api.setTradingState({
      scope: risk.ControlScope.GLOBAL,
      state: risk.TradingState.HALTED,
      reason: 'exchange outage',
    });
    try {
      for (const key of [a.key, b.key]) {
        expect(await failure(order(key))).toEqual({
          code: status.FAILED_PRECONDITION,
          reason: 'GATEWAY_TRADING_HALTED',
          metadata: { scope: 'global' },
        });
      }
      expect(
        await api.getTradingState({ scope: risk.ControlScope.AGENT, targetId: 'agent-g1' }),
      ).toMatchObject({
        effectiveState: risk.TradingState.HALTED,
        effectiveScope: risk.ControlScope.GLOBAL,
      });
    } finally {
      await api.setTradingState({
        scope: risk.ControlScope.GLOBAL,
        state: risk.TradingState.ACTIVE,
        reason: 'exchange back',
      });
    }
    await order(a.key);
    await order(b.key);
    const audit = await new AdminAuditRepository(gw.stores.pg.db).listForTarget('global', '');
    expect(audit.map((entry) => entry.reason)).toEqual(['exchange outage', 'exchange back']);
  });
});

describe('AdminService: authorization and validation', () => {
  it('is for admin keys only', async () => {
    for (const key of [traderKey, readOnlyKey]) {
      const denied = await failure(api.createAccount({ name: 'sneaky' }, key));
      expect(denied.code).toBe(status.PERMISSION_DENIED);
      expect(denied.reason).toBe('GATEWAY_PERMISSION_DENIED');
      expect(['trader', 'read-only']).toContain(denied.metadata['role']);
    }
    // The role check comes before validation: a non-admin learns nothing about the request.
    expect(
      await failure(
        api.setTradingState(
          { scope: risk.ControlScope.GLOBAL, state: risk.TradingState.HALTED, reason: '' },
          traderKey,
        ),
      ),
    ).toMatchObject({ code: status.PERMISSION_DENIED, metadata: { role: 'trader' } });
    expect(await failure(api.getRiskLimits({ accountId: 'acct-plain' }, ''))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'GATEWAY_UNAUTHENTICATED',
    });
    expect(
      await failure(
        api.getRiskLimits({ accountId: 'acct-plain' }, `mrd_${adminKeyId}.${'A'.repeat(43)}`),
      ),
    ).toMatchObject({ code: status.UNAUTHENTICATED, reason: 'GATEWAY_UNAUTHENTICATED' });
    // And admin keys do not trade.
    expect(await failure(order(adminKey))).toMatchObject({ code: status.PERMISSION_DENIED });
    const global = await new AdminAuditRepository(gw.stores.pg.db).listForTarget('global', '');
    expect(global.every((entry) => entry.actorAgentId === 'agent-admin')).toBe(true);
  });

  const long = (n: number): string => 'x'.repeat(n);
  const cases: [string, () => Promise<unknown>, string, string, string][] = [
    [
      'account name missing',
      () => api.createAccount({}),
      'GATEWAY_INVALID_FIELD',
      'name',
      'missing',
    ],
    [
      'account name too long',
      () => api.createAccount({ name: long(129) }),
      'GATEWAY_INVALID_FIELD',
      'name',
      'too-long',
    ],
    [
      'account name with a control character',
      () => api.createAccount({ name: 'a\u0007b' }),
      'GATEWAY_INVALID_FIELD',
      'name',
      'malformed',
    ],
    [
      'account id malformed',
      () => api.createAccount({ accountId: 'bad id!', name: 'x' }),
      'GATEWAY_INVALID_FIELD',
      'account_id',
      'malformed',
    ],
    [
      'account id too long',
      () => api.createAccount({ accountId: long(65), name: 'x' }),
      'GATEWAY_INVALID_FIELD',
      'account_id',
      'malformed',
    ],
    [
      'reason too long',
      () => api.createAccount({ name: 'x', reason: long(501) }),
      'GATEWAY_INVALID_FIELD',
      'reason',
      'too-long',
    ],
    [
      'agent account missing',
      () => api.createAgent({ name: 'x', role: admin.ApiKeyRole.TRADER }),
      'GATEWAY_INVALID_FIELD',
      'account_id',
      'missing',
    ],
    [
      'agent role unspecified',
      () => api.createAgent({ accountId: 'acct-plain', name: 'x' }),
      'GATEWAY_UNKNOWN_ENUM_VALUE',
      'role',
      'unspecified',
    ],
    [
      'agent role undefined',
      () => api.createAgent({ accountId: 'acct-plain', name: 'x', role: 9 as admin.ApiKeyRole }),
      'GATEWAY_UNKNOWN_ENUM_VALUE',
      'role',
      'unknown',
    ],
    [
      'key agent missing',
      () => api.issueApiKey({}),
      'GATEWAY_INVALID_FIELD',
      'agent_id',
      'missing',
    ],
    [
      'rotate key id missing',
      () => api.rotateApiKey({}),
      'GATEWAY_INVALID_FIELD',
      'key_id',
      'missing',
    ],
    [
      'rotate key id malformed',
      () => api.rotateApiKey({ keyId: '0123456789ABCDEF' }),
      'GATEWAY_INVALID_FIELD',
      'key_id',
      'malformed',
    ],
    [
      'rotate grace too long',
      () => api.rotateApiKey({ keyId: '0123456789abcdef', graceSeconds: 604_801 }),
      'GATEWAY_INVALID_FIELD',
      'grace_seconds',
      'out-of-range',
    ],
    [
      'revoke key id malformed',
      () => api.revokeApiKey({ keyId: 'mrd_0123' }),
      'GATEWAY_INVALID_FIELD',
      'key_id',
      'malformed',
    ],
    [
      'limits missing',
      () => api.setRiskLimits({ accountId: 'acct-plain' }),
      'GATEWAY_INVALID_FIELD',
      'limits',
      'missing',
    ],
    [
      'limits account missing',
      () => api.setRiskLimits({ limits: admin.RiskLimits.fromPartial(GENEROUS) }),
      'GATEWAY_INVALID_FIELD',
      'account_id',
      'missing',
    ],
    [
      'negative max quantity',
      () =>
        api.setRiskLimits({
          accountId: 'acct-plain',
          limits: admin.RiskLimits.fromPartial({ ...GENEROUS, maxOrderQuantity: { value: '-1' } }),
        }),
      'GATEWAY_INVALID_FIELD',
      'limits.max_order_quantity.value',
      'malformed',
    ],
    [
      'exponent in max notional',
      () =>
        api.setRiskLimits({
          accountId: 'acct-plain',
          limits: admin.RiskLimits.fromPartial({ ...GENEROUS, maxOrderNotional: { value: '1e6' } }),
        }),
      'GATEWAY_INVALID_FIELD',
      'limits.max_order_notional.value',
      'malformed',
    ],
    [
      'empty max position',
      () =>
        api.setRiskLimits({
          accountId: 'acct-plain',
          limits: admin.RiskLimits.fromPartial({ ...GENEROUS, maxPosition: { value: '' } }),
        }),
      'GATEWAY_INVALID_FIELD',
      'limits.max_position.value',
      'empty',
    ],
    [
      'leading zero in max gross exposure',
      () =>
        api.setRiskLimits({
          accountId: 'acct-plain',
          limits: admin.RiskLimits.fromPartial({ ...GENEROUS, maxGrossExposure: { value: '007' } }),
        }),
      'GATEWAY_INVALID_FIELD',
      'limits.max_gross_exposure.value',
      'malformed',
    ],
    [
      'zero order rate',
      () =>
        api.setRiskLimits({
          accountId: 'acct-plain',
          limits: admin.RiskLimits.fromPartial({ ...GENEROUS, orderRatePerSecond: 0 }),
        }),
      'GATEWAY_INVALID_FIELD',
      'limits.order_rate_per_second',
      'not-positive',
    ],
    [
      'zero burst',
      () =>
        api.setRiskLimits({
          accountId: 'acct-plain',
          limits: admin.RiskLimits.fromPartial({ ...GENEROUS, orderBurst: 0 }),
        }),
      'GATEWAY_INVALID_FIELD',
      'limits.order_burst',
      'not-positive',
    ],
    [
      'state scope unspecified',
      () =>
        api.setTradingState({
          targetId: 'acct-plain',
          state: risk.TradingState.HALTED,
          reason: 'r',
        }),
      'GATEWAY_UNKNOWN_ENUM_VALUE',
      'scope',
      'unspecified',
    ],
    [
      'state unspecified',
      () =>
        api.setTradingState({
          scope: risk.ControlScope.ACCOUNT,
          targetId: 'acct-plain',
          reason: 'r',
        }),
      'GATEWAY_UNKNOWN_ENUM_VALUE',
      'state',
      'unspecified',
    ],
    [
      'state undefined',
      () =>
        api.setTradingState({
          scope: risk.ControlScope.ACCOUNT,
          targetId: 'acct-plain',
          state: 7 as risk.TradingState,
          reason: 'r',
        }),
      'GATEWAY_UNKNOWN_ENUM_VALUE',
      'state',
      'unknown',
    ],
    [
      'state reason missing',
      () =>
        api.setTradingState({
          scope: risk.ControlScope.ACCOUNT,
          targetId: 'acct-plain',
          state: risk.TradingState.HALTED,
          reason: '  ',
        }),
      'GATEWAY_INVALID_FIELD',
      'reason',
      'missing',
    ],
    [
      'state target missing',
      () =>
        api.setTradingState({
          scope: risk.ControlScope.AGENT,
          state: risk.TradingState.HALTED,
          reason: 'r',
        }),
      'GATEWAY_INVALID_FIELD',
      'target_id',
      'missing',
    ],
    [
      'global with a target',
      () =>
        api.setTradingState({
          scope: risk.ControlScope.GLOBAL,
          targetId: 'acct-plain',
          state: risk.TradingState.HALTED,
          reason: 'r',
        }),
      'GATEWAY_INVALID_FIELD',
      'target_id',
      'not-allowed',
    ],
    [
      'get state scope undefined',
      () => api.getTradingState({ scope: 5 as risk.ControlScope, targetId: 'x' }),
      'GATEWAY_UNKNOWN_ENUM_VALUE',
      'scope',
      'unknown',
    ],
  ];
  it.each(cases)(
    'refuses %s with INVALID_ARGUMENT',
    async (_name, call, reason, field, problem) => {
      expect(await failure(call())).toEqual({
        code: status.INVALID_ARGUMENT,
        reason,
        metadata: { field, problem },
      });
    },
  );

  it('refuses bytes that are not a request, and changes nothing on refused requests', async () => {
    const malformed = await failure(
      new Promise((resolve, reject) => {
        gw.adminClient.makeUnaryRequest(
          '/meridian.admin.v1.AdminService/SetTradingState',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from([0x0a, 0xff]),
          meta(adminKey),
          (error, response) => (error ? reject(error) : resolve(response)),
        );
      }),
    );
    expect(malformed).toMatchObject({
      code: status.INVALID_ARGUMENT,
      reason: 'GATEWAY_REQUEST_MALFORMED',
    });
    expect(
      await new AdminAuditRepository(gw.stores.pg.db).listForTarget('account', 'acct-plain'),
    ).toEqual([]);
    expect(await order(traderKey)).toMatchObject({ orderId: expect.any(String) as string });
  });
});
