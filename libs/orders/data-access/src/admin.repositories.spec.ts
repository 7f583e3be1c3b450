import { AccountsRepository } from './accounts.repository';
import { AdminAuditRepository } from './admin-audit.repository';
import { ApiKeyHasher } from './api-key.hasher';
import { ApiKeysRepository } from './api-keys.repository';
import { createGatewayTestStores, type GatewayTestStores } from './testing';
import { TradingStatesRepository } from './trading-states.repository';

let stores: GatewayTestStores;
const hasher = new ApiKeyHasher('pepper-for-tests-0123456789');

beforeAll(async () => {
  stores = await createGatewayTestStores('gwadminda');
  const accounts = new AccountsRepository(stores.pg.db);
  await accounts.createAccount('acct-a', 'A');
  await accounts.createAgent({ agentId: 'agent-a', accountId: 'acct-a', name: 'a' });
  await accounts.createAgent({
    agentId: 'agent-ops',
    accountId: 'acct-a',
    name: 'ops',
    role: 'admin',
  });
});
afterAll(async () => stores.cleanup());

async function newKey(agentId = 'agent-a'): Promise<string> {
  const issued = await hasher.issue();
  await new ApiKeysRepository(stores.pg.db).insert({
    keyId: issued.keyId,
    agentId,
    role: 'trader',
    salt: issued.salt,
    hash: issued.hash,
  });
  return issued.keyId;
}

describe('agents and accounts', () => {
  it('stores the role of an agent (trader unless given) and refuses an unknown one', async () => {
    const accounts = new AccountsRepository(stores.pg.db);
    expect(await accounts.findAgent('agent-a')).toMatchObject({ role: 'trader' });
    expect(await accounts.findAgent('agent-ops')).toMatchObject({
      role: 'admin',
      accountId: 'acct-a',
    });
    expect(await accounts.findAgent('nobody')).toBeNull();
    expect(await accounts.accountExists('acct-a')).toBe(true);
    expect(await accounts.accountExists('acct-zz')).toBe(false);
    await expect(
      stores.pg.db.query(
        "INSERT INTO agents (agent_id, account_id, name, role) VALUES ('x', 'acct-a', 'x', 'root')",
      ),
    ).rejects.toMatchObject({ code: 'DB_CHECK_VIOLATION' });
  });
});

describe('API key rotation grace', () => {
  it('keeps a key working until its scheduled end, once', async () => {
    const keys = new ApiKeysRepository(stores.pg.db);
    const keyId = await newKey();
    const end = await keys.revokeAfter(keyId, 3600);
    expect(end).toBeInstanceOf(Date);
    expect(end?.getTime() ?? 0).toBeGreaterThan(Date.now() + 3500_000);
    expect(await keys.findActive(keyId)).not.toBeNull();
    expect(await keys.find(keyId)).toMatchObject({ active: true, revokedAt: end });
    // A key with an end cannot get another one; revoke() ends it now.
    expect(await keys.revokeAfter(keyId, 10)).toBeNull();
    expect(await keys.revoke(keyId)).toBe(true);
    expect(await keys.findActive(keyId)).toBeNull();
    expect(await keys.find(keyId)).toMatchObject({ active: false });
    expect(await keys.revoke(keyId)).toBe(false);
  });

  it('with no grace revokes at once; unknown keys are null', async () => {
    const keys = new ApiKeysRepository(stores.pg.db);
    const keyId = await newKey();
    expect(await keys.revokeAfter(keyId, 0)).toBeInstanceOf(Date);
    expect(await keys.findActive(keyId)).toBeNull();
    expect(await keys.find('0000000000000000')).toBeNull();
    expect(await keys.revokeAfter('0000000000000000', 0)).toBeNull();
  });
});

describe('trading states and the audit log', () => {
  it('reads back one target state with its reason and time', async () => {
    const states = new TradingStatesRepository(stores.pg.db);
    expect(await states.get('account', 'acct-a')).toBeNull();
    const at = await states.set({ scope: 'account', scopeId: 'acct-a', state: 'REDUCING' }, 'why');
    expect(await states.get('account', 'acct-a')).toEqual({
      state: 'REDUCING',
      reason: 'why',
      updatedAt: at,
    });
  });

  it('appends audit entries and lists them per target in order', async () => {
    const audit = new AdminAuditRepository(stores.pg.db);
    const base = {
      actorAgentId: 'agent-ops',
      actorKeyId: '0123456789abcdef',
      targetScope: 'account' as const,
      targetId: 'acct-a',
    };
    await audit.record({ ...base, action: 'SetTradingState', reason: 'one', details: { n: 1 } });
    await audit.record({ ...base, action: 'SetRiskLimits', reason: '', details: { n: 2 } });
    await audit.record({ ...base, targetId: 'acct-b', action: 'X', reason: '', details: {} });
    const entries = await audit.listForTarget('account', 'acct-a');
    expect(entries).toMatchObject([
      { ...base, action: 'SetTradingState', reason: 'one', details: { n: 1 } },
      { ...base, action: 'SetRiskLimits', details: { n: 2 } },
    ]);
    expect(entries[0]?.occurredAt).toBeInstanceOf(Date);
    await expect(
      audit.record({
        ...base,
        targetScope: 'planet' as 'global',
        action: 'X',
        reason: '',
        details: {},
      }),
    ).rejects.toMatchObject({ code: 'DB_CHECK_VIOLATION' });
  });
});
