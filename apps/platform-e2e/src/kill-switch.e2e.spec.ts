/**
 * Post-trade risk end to end (#6): executor, order-gateway, order-store, portfolio and
 * risk-monitor as processes on the dev broker, PostgreSQL and Redis. An agent loses money round
 * trip after round trip against a market maker until its account's daily loss limit trips; then
 * the account is HALTED through risk.controls: its resting order is canceled by the executor, a
 * new order gets FAILED_PRECONDITION with the reason, and the change is audited.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { common, orders } from '@meridian/contracts';
import { MeridianClientError, OrderClient } from '@meridian/orders-client';
import { createPgPool } from '@meridian/shared-persistence';
import { kafkaBrokers, kafkaControlAddress, waitFor } from '@meridian/shared-testing';
import {
  LOCAL_DB,
  LocalPlatform,
  type ProvisionedAgent,
  ROOT,
} from '@meridian/workspace-scripts/local-platform';

const run = promisify(execFile);
const SCHEMA = `e2e_kill_${process.pid}`;
const { BUY, SELL } = common.Side;

const INSTRUMENT = {
  symbol: 'KILL',
  tickSize: '0.01',
  lotSize: '1',
  minPrice: '0.01',
  maxPrice: '100000',
  currencyDecimals: 2,
  referencePrice: '100.00',
} as const;

let platform: LocalPlatform;
let maker: OrderClient;
let loser: OrderClient;
let loserAgent: ProvisionedAgent;

beforeAll(async () => {
  platform = await LocalPlatform.start({
    dir: join(ROOT, '.cache', 'e2e-kill-switch'),
    schema: SCHEMA,
    redisPrefix: `mrd:${SCHEMA}:`,
    instruments: [INSTRUMENT],
    postTrade: true,
    kafka: { bootstrap: kafkaBrokers(), controlAddress: kafkaControlAddress() },
    readyTimeoutMs: 80_000,
  });
  const [m, l] = await platform.provision(
    [
      { agentId: 'e2e-maker', accountId: 'e2e-acct-maker' },
      { agentId: 'e2e-loser', accountId: 'e2e-acct-loser' },
    ],
    {
      maxOrderQuantity: '10000',
      maxOrderNotional: '10000000',
      priceBandBps: 2000,
      maxOpenOrders: 100,
      maxPosition: '100000',
      maxGrossExposure: '100000000',
      orderRatePerSecond: 1000,
      orderBurst: 1000,
    },
  );
  if (m === undefined || l === undefined) throw new Error('provisioning failed');
  loserAgent = l;
  maker = new OrderClient({ address: platform.gatewayAddress, apiKey: m.apiKey });
  loser = new OrderClient({ address: platform.gatewayAddress, apiKey: l.apiKey });
  // The loser's account halts when the day's loss reaches 500.00.
  await run(
    'node',
    [
      '-r',
      '@swc-node/register',
      'apps/risk-monitor/src/limits.cli.ts',
      'set',
      '--account',
      l.accountId,
      '--max-daily-loss',
      '500.00',
      '--by',
      'e2e:setup',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        SWC_NODE_PROJECT: 'tsconfig.base.json',
        NODE_OPTIONS: '',
        PGHOST: LOCAL_DB.host,
        PGPORT: String(LOCAL_DB.port),
        PGUSER: LOCAL_DB.user,
        PGDATABASE: LOCAL_DB.database,
        RISK_MONITOR_DB_SCHEMA: SCHEMA,
      },
    },
  );
}, 120_000);

afterAll(async () => {
  maker?.close();
  loser?.close();
  if (platform !== undefined) {
    const stopped = await platform.stop();
    const unclean = stopped.filter(({ code }) => code !== 0);
    if (unclean.length > 0) throw new Error(`unclean stop: ${JSON.stringify(unclean)}`);
  }
}, 60_000);

async function status(client: OrderClient, orderId: string): Promise<orders.OrderStatus> {
  try {
    return (await client.getOrder({ orderId })).status;
  } catch {
    return orders.OrderStatus.UNSPECIFIED; // not in the order-store yet
  }
}

/** One losing round trip of 100: buy at 103 from the maker, sell at 97 to it (-600.00). */
async function loseOnce(round: number): Promise<void> {
  const q = '100';
  const ask = await maker.submitLimit({
    symbol: 'KILL',
    side: SELL,
    quantity: q,
    limitPrice: '103.00',
  });
  await waitFor(
    `ask ${round} resting`,
    async () => (await status(maker, ask.orderId)) === orders.OrderStatus.NEW,
  );
  const buy = await loser.submitLimit({
    symbol: 'KILL',
    side: BUY,
    quantity: q,
    limitPrice: '103.00',
    timeInForce: orders.TimeInForce.IOC,
  });
  await waitFor(
    `buy ${round} filled`,
    async () => (await status(loser, buy.orderId)) === orders.OrderStatus.FILLED,
  );
  const bid = await maker.submitLimit({
    symbol: 'KILL',
    side: BUY,
    quantity: q,
    limitPrice: '97.00',
  });
  await waitFor(
    `bid ${round} resting`,
    async () => (await status(maker, bid.orderId)) === orders.OrderStatus.NEW,
  );
  const sell = await loser.submitLimit({
    symbol: 'KILL',
    side: SELL,
    quantity: q,
    limitPrice: '97.00',
    timeInForce: orders.TimeInForce.IOC,
  });
  await waitFor(
    `sell ${round} filled`,
    async () => (await status(loser, sell.orderId)) === orders.OrderStatus.FILLED,
  );
}

describe('kill switch end to end', () => {
  it('a daily loss limit halts the account: resting orders canceled, new orders refused with the reason, audited', async () => {
    // A resting order of the loser that the halt must cancel.
    const resting = await loser.submitLimit({
      symbol: 'KILL',
      side: BUY,
      quantity: '1',
      limitPrice: '90.00',
    });
    await waitFor(
      'resting order accepted',
      async () => (await status(loser, resting.orderId)) === orders.OrderStatus.NEW,
    );

    await loseOnce(1); // -600.00: past the 500.00 limit

    await waitFor(
      'the resting order canceled by the halt',
      async () => (await status(loser, resting.orderId)) === orders.OrderStatus.CANCELED,
      60_000,
    );

    let refusal: MeridianClientError | undefined;
    try {
      await loser.submitLimit(
        { symbol: 'KILL', side: BUY, quantity: '1', limitPrice: '100.00' },
        { retry: false },
      );
    } catch (error: unknown) {
      if (error instanceof MeridianClientError) refusal = error;
      else throw error;
    }
    expect(refusal?.codeName).toBe('FAILED_PRECONDITION');
    expect(refusal?.reason).toBe('GATEWAY_TRADING_HALTED');
    expect(refusal?.metadata).toMatchObject({ scope: 'account' });

    // The maker's account is untouched.
    const still = await maker.submitLimit({
      symbol: 'KILL',
      side: BUY,
      quantity: '1',
      limitPrice: '95.00',
    });
    expect(still.orderId).not.toBe('');

    const db = await createPgPool({ ...LOCAL_DB, searchPath: [SCHEMA], maxConnections: 1 });
    try {
      const { rows: changes } = await db.query(
        `SELECT state, previous_state, actor, reason, applied FROM trading_state_changes
         WHERE scope = 'account' AND scope_id = $1`,
        [loserAgent.accountId],
      );
      expect(changes).toEqual([
        expect.objectContaining({
          state: 'HALTED',
          previous_state: 'ACTIVE',
          actor: 'risk-monitor',
          applied: true,
        }),
      ]);
      expect(String((changes[0] as { reason: string }).reason)).toMatch(/loss/i);
      const { rows: breaches } = await db.query(
        'SELECT account_id, limit_kind, action FROM risk_breaches WHERE account_id = $1',
        [loserAgent.accountId],
      );
      expect(breaches).toEqual([expect.objectContaining({ action: 'HALTED' })]);
    } finally {
      await db.close();
    }
  }, 150_000);
});
