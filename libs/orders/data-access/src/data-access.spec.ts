import { testRiskLimits } from '@meridian/orders-domain-pretrade/testing';
import { TEST_INSTRUMENT } from '@meridian/orders-domain/testing';
import { AccountsRepository } from './accounts.repository';
import { ApiKeyHasher, parseApiKey } from './api-key.hasher';
import { ApiKeysRepository } from './api-keys.repository';
import { IdempotencyRepository } from './idempotency.repository';
import { InstrumentsRepository } from './instruments.repository';
import { OrdersRepository } from './orders.repository';
import { type NewOrderReservation, PretradeRiskStore } from './pretrade-risk.redis-store';
import { RiskLimitsRepository } from './risk-limits.repository';
import { createGatewayTestStores, type GatewayTestStores } from './testing';
import { TradingStatesRepository } from './trading-states.repository';

let stores: GatewayTestStores;
beforeAll(async () => {
  stores = await createGatewayTestStores('gwda');
  const accounts = new AccountsRepository(stores.pg.db);
  await accounts.createAccount('acct-1', 'Account one');
  await accounts.createAgent({ agentId: 'agent-1', accountId: 'acct-1', name: 'one' });
});
afterAll(async () => stores.cleanup());

describe('API keys', () => {
  const hasher = new ApiKeyHasher('pepper-for-tests-0123456789');

  it('stores only a salted hash and verifies the secret in constant time', async () => {
    const issued = await hasher.issue();
    const repo = new ApiKeysRepository(stores.pg.db);
    await repo.insert({
      keyId: issued.keyId,
      agentId: 'agent-1',
      role: 'trader',
      salt: issued.salt,
      hash: issued.hash,
    });
    const parsed = parseApiKey(issued.plaintext);
    expect(parsed?.keyId).toBe(issued.keyId);
    const stored = await repo.findActive(issued.keyId);
    expect(stored).toMatchObject({ agentId: 'agent-1', accountId: 'acct-1', role: 'trader' });
    if (stored === null || parsed === null) throw new Error('missing');
    expect(stored.hash.toString('hex')).not.toContain(Buffer.from(parsed.secret).toString('hex'));
    expect(await hasher.verify(parsed.secret, stored.salt, stored.hash)).toBe(true);
    expect(
      await hasher.verify(
        `${parsed.secret.slice(0, -1)}${parsed.secret.endsWith('A') ? 'B' : 'A'}`,
        stored.salt,
        stored.hash,
      ),
    ).toBe(false);
    // Same secret under another pepper does not verify: the pepper is part of the hash.
    expect(
      await new ApiKeyHasher('another-pepper-0123456789').verify(
        parsed.secret,
        stored.salt,
        stored.hash,
      ),
    ).toBe(false);
    expect(await repo.revoke(issued.keyId)).toBe(true);
    expect(await repo.findActive(issued.keyId)).toBeNull();
    expect(await repo.revoke(issued.keyId)).toBe(false);
  });

  it('refuses malformed keys and short peppers', () => {
    for (const bad of [
      '',
      'mrd_',
      'mrd_0123456789abcdef.short',
      'Bearer x',
      `mrd_0123456789ABCDEF.${'a'.repeat(43)}`,
    ]) {
      expect(parseApiKey(bad)).toBeNull();
    }
    expect(() => new ApiKeyHasher('short')).toThrow(RangeError);
  });
});

describe('repositories', () => {
  it('round-trips limits, trading states and instruments exactly', async () => {
    const limits = new RiskLimitsRepository(stores.pg.db);
    expect(await limits.get('acct-1')).toBeNull();
    const wanted = testRiskLimits({ maxOrderNotional: '1000.50', maxPosition: null });
    await limits.upsert('acct-1', wanted);
    expect(await limits.get('acct-1')).toEqual(wanted);

    const states = new TradingStatesRepository(stores.pg.db);
    await states.set({ scope: 'account', scopeId: 'acct-1', state: 'HALTED' });
    await states.set({ scope: 'account', scopeId: 'acct-1', state: 'REDUCING' });
    await states.set({ scope: 'global', scopeId: '', state: 'ACTIVE' });
    expect(await states.list()).toEqual(
      expect.arrayContaining([
        { scope: 'account', scopeId: 'acct-1', state: 'REDUCING' },
        { scope: 'global', scopeId: '', state: 'ACTIVE' },
      ]),
    );
    await expect(states.set({ scope: 'global', scopeId: 'x', state: 'ACTIVE' })).rejects.toThrow();

    const instruments = new InstrumentsRepository(stores.pg.db);
    await instruments.upsert({ spec: TEST_INSTRUMENT, referencePrice: '100.00' });
    expect(await instruments.list()).toEqual([{ spec: TEST_INSTRUMENT, referencePrice: '100.00' }]);
  });

  it('keeps the first idempotency record and one order per client_order_id', async () => {
    const repo = new IdempotencyRepository(stores.pg.db);
    const first = {
      agentId: 'agent-1',
      clientOrderId: 'c-1',
      requestHash: Buffer.from('aa', 'hex'),
      commandKind: 'new' as const,
      orderId: 'o-1',
      commandId: 'cmd-1',
      acceptedAtUnixNanos: 1_700_000_000_000_000_001n,
    };
    expect(await repo.recordOnce(first)).toEqual(first);
    expect(
      await repo.recordOnce({
        ...first,
        requestHash: Buffer.from('bb', 'hex'),
        commandId: 'cmd-2',
      }),
    ).toEqual(first);

    const orders = new OrdersRepository(stores.pg.db);
    const order = {
      orderId: 'o-1',
      agentId: 'agent-1',
      accountId: 'acct-1',
      clientOrderId: 'c-1',
      symbol: 'ACME',
      terms: Uint8Array.from([8, 1]),
      status: 1,
      cumulativeQuantity: '0',
      leavesQuantity: '10',
      averagePrice: null,
      createdAtUnixNanos: 5n,
      updatedAtUnixNanos: 5n,
      lastSequence: 3n,
    };
    expect(await orders.insert(order)).toBe(true);
    expect(await orders.insert({ ...order, orderId: 'o-2' })).toBe(false);
    expect(await orders.findById('acct-1', 'o-1')).toEqual({
      ...order,
      terms: Buffer.from(order.terms),
    });
    expect(await orders.findById('acct-other', 'o-1')).toBeNull();
    expect(await orders.findByClientOrderId('agent-1', 'c-1')).not.toBeNull();
    await orders.insert({ ...order, orderId: 'o-3', clientOrderId: 'c-3', status: 4 });
    expect((await orders.listOpen('acct-1', '', '', 10)).map((o) => o.orderId)).toEqual(['o-1']);
    expect(await orders.listOpen('acct-1', 'OTHER', '', 10)).toEqual([]);
  });
});

describe('PretradeRiskStore', () => {
  let store: PretradeRiskStore;
  const identity = { agentId: 'agent-r', accountId: 'acct-r' };
  const base = (overrides: Partial<NewOrderReservation>): NewOrderReservation => ({
    identity,
    clientOrderId: `c-${Math.random()}`,
    idempotencyValue: '{}',
    orderId: `o-${Math.random()}`,
    symbol: 'ACME',
    side: 'B',
    lots: 10,
    notional: 1000,
    rate: { ratePerSecond: 1000, burst: 1000 },
    maxOpenOrders: -1,
    maxPositionLots: -1,
    maxGrossMinor: -1,
    ...overrides,
  });

  beforeAll(async () => {
    store = new PretradeRiskStore(stores.redis, { prefix: `${stores.redisPrefix}risk:` });
  });

  it('asks for the trading states until they are loaded', async () => {
    expect(await store.reserveNewOrder(base({}))).toEqual({ kind: 'states-not-loaded' });
    await store.loadTradingStates([]);
  });

  it('reserves, detects duplicates and enforces open orders, position and gross exposure', async () => {
    const first = base({ clientOrderId: 'dup', idempotencyValue: 'record-1', orderId: 'o-a' });
    expect(await store.reserveNewOrder(first)).toEqual({ kind: 'ok' });
    expect(await store.reserveNewOrder({ ...first, idempotencyValue: 'record-2' })).toEqual({
      kind: 'duplicate',
      record: 'record-1',
    });
    expect(await store.accountRisk('acct-r')).toMatchObject({
      open: '1',
      opennot: '1000',
      'ob:ACME': '10',
    });
    expect(await store.reserveNewOrder(base({ maxOpenOrders: 1 }))).toEqual({
      kind: 'max-open-orders',
      open: 1,
    });
    expect(await store.reserveNewOrder(base({ maxPositionLots: 19 }))).toEqual({
      kind: 'max-position',
      lots: 20,
    });
    expect(await store.reserveNewOrder(base({ maxGrossMinor: 1999 }))).toEqual({
      kind: 'max-gross-exposure',
      minorUnits: 2000,
    });
    // A sell is checked against the short side only.
    expect(
      await store.reserveNewOrder(base({ side: 'S', maxPositionLots: 10, orderId: 'o-b' })),
    ).toEqual({ kind: 'ok' });
  });

  it('applies fills and terminal events once, releasing reservations into positions', async () => {
    const before = await store.accountRisk('acct-r');
    expect(before).toMatchObject({ open: '2', opennot: '2000', 'ob:ACME': '10', 'os:ACME': '10' });
    const fill = {
      orderId: 'o-a',
      accountId: 'acct-r',
      symbol: 'ACME',
      kind: 'fill' as const,
      fillLots: 4,
      fillNotional: 400,
      fillPriceTicks: 100,
    };
    expect(await store.applyEvent({ ...fill, sequence: 5n, terminal: false })).toBe('OK');
    expect(await store.applyEvent({ ...fill, sequence: 5n, terminal: false })).toBe('DUP');
    expect(await store.accountRisk('acct-r')).toMatchObject({
      open: '2',
      opennot: '1600',
      'ob:ACME': '6',
      'pos:ACME': '4',
      gross: '400',
    });
    expect(await store.lastPriceTicks('ACME')).toBe(100);
    expect(
      await store.applyEvent({
        ...fill,
        fillLots: 6,
        fillNotional: 600,
        sequence: 7n,
        terminal: true,
      }),
    ).toBe('OK');
    expect(await store.accountRisk('acct-r')).toMatchObject({
      open: '1',
      opennot: '1000',
      'ob:ACME': '0',
      'pos:ACME': '10',
      gross: '1000',
    });
    // Canceling the sell releases all of it and the order is then not open.
    expect(
      await store.applyEvent({
        orderId: 'o-b',
        accountId: 'acct-r',
        symbol: 'ACME',
        kind: 'other',
        sequence: 8n,
        terminal: true,
      }),
    ).toBe('OK');
    expect(await store.accountRisk('acct-r')).toMatchObject({
      open: '0',
      opennot: '0',
      'os:ACME': '0',
    });
    expect(
      await store.applyEvent({
        orderId: 'o-b',
        accountId: 'acct-r',
        symbol: 'ACME',
        kind: 'other',
        sequence: 9n,
        terminal: true,
      }),
    ).toBe('CLOSED');
    expect(
      await store.applyEvent({
        orderId: 'nope',
        accountId: 'acct-r',
        symbol: 'ACME',
        kind: 'other',
        sequence: 9n,
        terminal: true,
      }),
    ).toBe('UNKNOWN');
    const cancel = {
      identity,
      idempotencyValue: 'x',
      kind: 'cancel' as const,
      rate: { ratePerSecond: 1000, burst: 1000 },
    };
    expect(await store.reserveAmend({ ...cancel, clientOrderId: 'cx-1', orderId: 'o-b' })).toEqual({
      kind: 'not-open',
    });
    expect(await store.reserveAmend({ ...cancel, clientOrderId: 'cx-2', orderId: 'nope' })).toEqual(
      { kind: 'no-order' },
    );
    expect(
      await store.reserveAmend({
        ...cancel,
        identity: { ...identity, accountId: 'other' },
        clientOrderId: 'cx-3',
        orderId: 'o-b',
      }),
    ).toEqual({ kind: 'no-order' });
  });

  it('enforces trading states: HALTED refuses orders, REDUCING only reducing ones', async () => {
    await store.setTradingState('account', 'acct-r', 'REDUCING');
    expect(await store.reserveNewOrder(base({ side: 'B' }))).toEqual({
      kind: 'reduce-only',
      scope: 'account',
    });
    expect(await store.reserveNewOrder(base({ side: 'S', lots: 10 }))).toEqual({ kind: 'ok' }); // long 10 -> 0
    expect(await store.reserveNewOrder(base({ side: 'S', lots: 1 }))).toEqual({
      kind: 'reduce-only',
      scope: 'account',
    });
    await store.setTradingState('global', '', 'HALTED');
    expect(await store.reserveNewOrder(base({ side: 'S', lots: 1 }))).toEqual({
      kind: 'halted',
      scope: 'global',
    });
    await store.setTradingState('global', '', 'ACTIVE');
    await store.setTradingState('account', 'acct-r', 'ACTIVE');
    expect(await store.reserveNewOrder(base({ side: 'B', lots: 1 }))).toEqual({ kind: 'ok' });
  });

  it('limits each agent with a token bucket', async () => {
    const rate = { ratePerSecond: 1, burst: 3 };
    const started = Date.now();
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      outcomes.push(
        (
          await store.reserveNewOrder(
            base({ identity: { agentId: 'agent-flood', accountId: 'acct-f' }, rate }),
          )
        ).kind,
      );
    }
    // The burst of 3 passes; afterwards at most one token per elapsed second (slow CI machines).
    const refills = Math.ceil((Date.now() - started) / 1000);
    expect(outcomes.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(outcomes.filter((kind) => kind === 'ok').length).toBeLessThanOrEqual(3 + refills);
    expect(outcomes.filter((kind) => kind === 'rate-limited').length).toBeGreaterThanOrEqual(
      8 - 3 - refills,
    );
    expect(outcomes.filter((kind) => kind !== 'ok' && kind !== 'rate-limited')).toEqual([]);
  });
});
