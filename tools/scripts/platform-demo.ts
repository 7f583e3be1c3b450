/**
 * The platform's main job (`npm start` runs it after the infrastructure smoke): starts the
 * executor, the order gateway and the order-store as processes on loopback ports
 * (docs/ports.md), provisions two agents on two accounts, and runs a reference agent over gRPC —
 * a maker posts a ladder, a taker crosses it, fills stream back, a replace, a cancel and two bad
 * orders are shown — then prints fills, positions, order states and service metrics and stops
 * the services gracefully. `--serve` keeps them running until Ctrl-C.
 *
 * Every run starts clean (tools/scripts/local-platform.ts): its own Kafka topics (`demo-<run>.*`,
 * deleted afterwards), consumer groups and executor snapshot directory, a fresh `demo` schema in the `meridian` database and
 * a fresh `mrd:demo:` Redis prefix. Service logs go to `.cache/demo/<service>.log`.
 */
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { common, orders, portfolio } from '@meridian/contracts';
import type { RiskLimitsInput } from '@meridian/orders-client';
import {
  type AgentFill,
  DemoAgent,
  describeFailure,
  isTerminal,
  shortId,
  sideName,
  statusName,
} from './demo-agent.client';
import { LOCAL_DB, LocalPlatform, ROOT } from './local-platform';

const DEMO_DIR = join(ROOT, '.cache', 'demo');

/** Fixed loopback ports, listed in docs/ports.md. */
export const DEMO_PORTS = {
  gatewayGrpc: 50051,
  gatewayOps: 9465,
  executorOps: 9466,
  orderStoreOps: 9467,
  portfolioGrpc: 50053,
  portfolioOps: 9470,
  riskMonitorOps: 9472,
} as const;

const SCHEMA = 'demo';
const REDIS_PREFIX = 'mrd:demo:';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const FLOW_TIMEOUT_MS = 15_000;

/** The demo's instruments, given to the executor and seeded into the gateway's catalog alike. */
const INSTRUMENTS = [
  {
    symbol: 'AAPL',
    tickSize: '0.01',
    lotSize: '1',
    minPrice: '0.01',
    maxPrice: '100000.00',
    currencyDecimals: 2,
    referencePrice: '190.00',
  },
  {
    symbol: 'BTC-USD',
    tickSize: '0.5',
    lotSize: '0.0001',
    minPrice: '1',
    maxPrice: '10000000',
    currencyDecimals: 2,
    referencePrice: '65000.0',
  },
] as const;

/** Pre-trade limits of both demo accounts: roomy for the scenario, tight enough to refuse 5000 AAPL. */
const LIMITS: RiskLimitsInput = {
  maxOrderQuantity: '1000',
  maxOrderNotional: '250000',
  priceBandBps: 1000,
  maxOpenOrders: 50,
  maxPosition: '5000',
  maxGrossExposure: '2000000',
  orderRatePerSecond: 100,
  orderBurst: 100,
};

const say = (line = ''): void => console.log(line);

/** A failure the demo detects and explains itself (no stack trace needed). */
class DemoFailure extends Error {
  override readonly name = 'DemoFailure';
}
const section = (title: string): void => say(`\n── ${title}`);

// ---------------------------------------------------------------------------------------------
// Fixed-point arithmetic for the summary: quantities and prices are decimal strings, never floats.

const SCALE = 8;
const ONE = 10n ** BigInt(SCALE);

function toUnits(decimal: string): bigint {
  const negative = decimal.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? decimal.slice(1) : decimal).split('.');
  if (fraction.length > SCALE) throw new RangeError(`${decimal} has more than ${SCALE} decimals`);
  const units = BigInt(whole) * ONE + BigInt(fraction.padEnd(SCALE, '0'));
  return negative ? -units : units;
}

function formatUnits(units: bigint, scale = SCALE, minDecimals = 0): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const base = 10n ** BigInt(scale);
  let fraction = (abs % base).toString().padStart(scale, '0').replace(/0+$/, '');
  fraction = fraction.padEnd(minDecimals, '0');
  const whole = (abs / base).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

interface PositionLine {
  bought: bigint;
  sold: bigint;
  /** Σ signed cash of the fills at SCALE² (sells add, buys subtract). */
  cash: bigint;
}

function positionsOf(fills: readonly AgentFill[]): Map<string, PositionLine> {
  const bySymbol = new Map<string, PositionLine>();
  for (const fill of fills) {
    const line = bySymbol.get(fill.symbol) ?? { bought: 0n, sold: 0n, cash: 0n };
    const quantity = toUnits(fill.quantity);
    const notional = quantity * toUnits(fill.price);
    if (fill.side === common.Side.BUY) {
      line.bought += quantity;
      line.cash -= notional;
    } else {
      line.sold += quantity;
      line.cash += notional;
    }
    bySymbol.set(fill.symbol, line);
  }
  return bySymbol;
}

// ---------------------------------------------------------------------------------------------
// Local stack preparation.

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, host, () => server.close(() => done(true)));
  });
}

async function assertPortsFree(): Promise<void> {
  const busy: string[] = [];
  for (const [name, port] of Object.entries(DEMO_PORTS))
    if (!(await portFree(port, '0.0.0.0'))) busy.push(`${port} (${name})`);
  if (busy.length > 0)
    throw new Error(
      `port ${busy.join(', ')} in use: is a demo (\`npm start -- --serve\`) still running? Find the owner with: ss -ltnp | grep -E ':(${Object.values(DEMO_PORTS).join('|')}) '`,
    );
}

// ---------------------------------------------------------------------------------------------
// The scenario.

const limit = (
  side: common.Side,
  quantity: string,
  price: string,
  timeInForce = orders.TimeInForce.GTC,
): Partial<orders.NewOrder> => ({
  side,
  orderType: orders.OrderType.LIMIT,
  timeInForce,
  quantity: { value: quantity },
  limitPrice: { value: price },
});
const market = (side: common.Side, quantity: string): Partial<orders.NewOrder> => ({
  side,
  orderType: orders.OrderType.MARKET,
  timeInForce: orders.TimeInForce.IOC,
  quantity: { value: quantity },
});
const { BUY, SELL } = common.Side;

async function runScenario(maker: DemoAgent, taker: DemoAgent): Promise<void> {
  const symbols = INSTRUMENTS.map((i) => i.symbol);
  maker.openStreams(symbols);
  taker.openStreams(symbols);

  section('A (maker) posts a ladder of resting GTC limit orders');
  const ladder: [string, Partial<orders.NewOrder>][] = [
    ['AAPL', limit(SELL, '100', '190.10')],
    ['AAPL', limit(SELL, '100', '190.20')],
    ['AAPL', limit(SELL, '100', '190.30')],
    ['AAPL', limit(BUY, '100', '189.90')],
    ['AAPL', limit(BUY, '100', '189.80')],
    ['AAPL', limit(BUY, '100', '189.70')],
    ['BTC-USD', limit(SELL, '0.05', '65010.0')],
    ['BTC-USD', limit(SELL, '0.05', '65020.0')],
    ['BTC-USD', limit(BUY, '0.05', '64990.0')],
    ['BTC-USD', limit(BUY, '0.05', '64980.0')],
  ];
  const ladderIds: string[] = [];
  for (const [i, [symbol, order]] of ladder.entries())
    ladderIds.push(await maker.submit(`A-ladder-${i + 1}`, symbol, order));
  await maker.until(
    'accepted report for every ladder order',
    () => {
      const rejected = ladderIds.find((id) => maker.rejectionOf(id) !== undefined);
      if (rejected !== undefined)
        throw new DemoFailure(
          `the executor rejected ladder order ${rejected} (${maker.rejectionOf(rejected)}): a valid GTC limit order must rest on the book`,
        );
      return ladderIds.every((id) => maker.statusOf(id) === orders.OrderStatus.NEW);
    },
    FLOW_TIMEOUT_MS,
  );

  section('A replaces its 190.30 offer (200 @ 190.25) and cancels its 189.70 bid');
  const [, , offer3, , , bid3] = ladderIds;
  if (offer3 === undefined || bid3 === undefined) throw new Error('ladder incomplete');
  await maker.replace('A-replace-1', 'AAPL', offer3, {
    quantity: { value: '200' },
    limitPrice: { value: '190.25' },
  });
  await maker.cancel('A-cancel-1', 'AAPL', bid3);
  await maker.until(
    'replace and cancel reports',
    () => maker.reports(offer3).includes('replaced') && maker.reports(bid3).includes('canceled'),
    FLOW_TIMEOUT_MS,
  );

  section('B (taker) sends marketable orders');
  const takerOrders: [string, Partial<orders.NewOrder>][] = [
    ['AAPL', market(BUY, '150')],
    ['AAPL', limit(SELL, '150', '189.80', orders.TimeInForce.IOC)],
    ['BTC-USD', market(BUY, '0.08')],
    ['AAPL', limit(BUY, '300', '190.25')],
  ];
  const takerIds: string[] = [];
  for (const [i, [symbol, order]] of takerOrders.entries())
    takerIds.push(await taker.submit(`B-take-${i + 1}`, symbol, order));
  const resting = takerIds[3] ?? '';
  await taker.until(
    'the IOC orders to finish and the 300 @ 190.25 bid to fill 250 and rest',
    () =>
      takerIds.slice(0, 3).every((id) => isTerminal(taker.statusOf(id))) &&
      taker.statusOf(resting) === orders.OrderStatus.PARTIALLY_FILLED &&
      toUnits(taker.cumulativeOf(resting)) === toUnits('250'),
    FLOW_TIMEOUT_MS,
  );
  await maker.until(
    `the maker side of all ${taker.fills.length} fills`,
    () => maker.fills.length >= taker.fills.length,
    FLOW_TIMEOUT_MS,
  );

  section('B sends two bad orders: each is refused with a gRPC status and an ErrorInfo reason');
  const bad: [string, string, Partial<orders.NewOrder>, string][] = [
    ['off-tick price 190.123', 'AAPL', limit(BUY, '10', '190.123'), 'GATEWAY_INVALID_PRICE'],
    [
      '5000 AAPL, above the 1000 max order quantity',
      'AAPL',
      limit(BUY, '5000', '190.00'),
      'GATEWAY_RISK_MAX_ORDER_QUANTITY',
    ],
  ];
  for (const [i, [what, symbol, order, expected]] of bad.entries()) {
    const failure = await taker.submit(`B-bad-${i + 1}`, symbol, order).then(
      () => undefined,
      (error: unknown) => describeFailure(error),
    );
    if (failure === undefined) throw new DemoFailure(`the gateway accepted a bad order (${what})`);
    const details = Object.entries(failure.metadata)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    say(`  ${what}:`);
    say(`    ${failure.status} ${failure.reason} {${details}} "${failure.message}"`);
    if (failure.reason !== expected)
      throw new DemoFailure(`expected reason ${expected} for the ${what} order`);
  }
}

async function printSummary(agents: readonly DemoAgent[]): Promise<void> {
  section('fills per agent');
  for (const agent of agents) {
    const maker = agent.fills.filter((f) => f.liquidity === orders.Liquidity.MAKER).length;
    say(
      `  ${agent.label.padEnd(8)} ${agent.fills.length} fills (${maker} maker, ${agent.fills.length - maker} taker)`,
    );
  }

  section('net position per agent and symbol (from the fills each agent received on its stream)');
  for (const agent of agents) {
    for (const [symbol, p] of positionsOf(agent.fills)) {
      const net = p.bought - p.sold;
      say(
        `  ${agent.label.padEnd(8)} ${symbol.padEnd(8)} net ${(net > 0n ? '+' : '') + formatUnits(net)}  (bought ${formatUnits(p.bought)}, sold ${formatUnits(p.sold)}; cash ${(p.cash > 0n ? '+' : '') + formatUnits(p.cash, 2 * SCALE, 2)})`,
      );
    }
  }

  section('orders by state (GetOrder for every order sent; ListOpenOrders) from the order-store');
  for (const agent of agents) {
    // The order-store applies the same reports asynchronously: wait until it agrees with the stream.
    const states = new Map<string, orders.Order>();
    const deadline = Date.now() + FLOW_TIMEOUT_MS;
    for (const orderId of agent.submitted.keys()) {
      for (;;) {
        const order = await agent.getOrder(orderId).catch((error: unknown) => {
          if (describeFailure(error).status !== 'NOT_FOUND') throw error;
          return undefined;
        });
        if (order !== undefined && order.status === agent.statusOf(orderId)) {
          states.set(orderId, order);
          break;
        }
        if (Date.now() > deadline)
          throw new DemoFailure(
            `order-store still says ${order === undefined ? 'NOT_FOUND' : statusName(order.status)} for ${agent.label} order ${orderId}, the stream said ${statusName(agent.statusOf(orderId) ?? 0)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const counts = new Map<string, number>();
    for (const order of states.values())
      counts.set(statusName(order.status), (counts.get(statusName(order.status)) ?? 0) + 1);
    say(
      `  ${agent.label.padEnd(8)} ${[...counts].map(([s, n]) => `${s} ${n}`).join(', ')}  (${states.size} orders)`,
    );
    for (const order of await agent.listOpenOrders()) {
      const terms = order.terms;
      say(
        `           open: ${order.symbol.padEnd(8)} ${sideName(terms?.side ?? 0).padEnd(4)} ${order.leavesQuantity?.value ?? '?'} left of ${terms?.quantity?.value ?? '?'} @ ${terms?.limitPrice?.value ?? 'market'}  order ${shortId(order.orderId)}  ${statusName(order.status)}`,
      );
    }
  }
}

/** The sample lines of /metrics whose names start with one of `prefixes` (no histogram buckets). */
function metricLines(text: string, prefixes: readonly string[]): string[] {
  return text
    .split('\n')
    .filter(
      (l) =>
        !l.startsWith('#') &&
        !l.includes('_bucket{') &&
        prefixes.some((p) => l.startsWith(p)) &&
        !/ 0$/.test(l),
    );
}

/** sum / count of an unlabelled histogram, undefined when absent or empty. */
function histogramMean(text: string, name: string): number | undefined {
  const sample = (series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const sum = sample(`${name}_sum`);
  const count = sample(`${name}_count`);
  return sum === undefined || count === undefined || count === 0 ? undefined : sum / count;
}

/** Positions and valuation as the portfolio service keeps them (PortfolioService.GetAccount). */
async function printPortfolio(accounts: readonly { label: string; accountId: string }[]) {
  section(`portfolio service (PortfolioService.GetAccount, 127.0.0.1:${DEMO_PORTS.portfolioGrpc})`);
  const client = new portfolio.PortfolioServiceClient(
    `127.0.0.1:${DEMO_PORTS.portfolioGrpc}`,
    credentials.createInsecure(),
  );
  const get = (accountId: string) =>
    new Promise<portfolio.AccountSnapshot | undefined>((resolve, reject) =>
      client.getAccount({ accountId }, (error, response) =>
        error ? reject(error) : resolve(response.account),
      ),
    );
  try {
    for (const { label, accountId } of accounts) {
      // The portfolio consumes the same fills asynchronously: wait until it has seen some.
      let account: portfolio.AccountSnapshot | undefined;
      const deadline = Date.now() + FLOW_TIMEOUT_MS;
      while (Date.now() < deadline) {
        account = await get(accountId).catch(() => undefined);
        if (account !== undefined && account.positions.length > 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      if (account === undefined) throw new DemoFailure(`portfolio has no account ${accountId}`);
      say(
        `  ${label.padEnd(8)} ${accountId}  equity ${account.equity?.value ?? '?'} ${account.currency}  realized ${account.realizedPnl?.value ?? '0'}  gross exposure ${account.grossExposure?.value ?? '0'}  (version ${account.version})`,
      );
      for (const position of account.positions)
        say(
          `           ${position.symbol.padEnd(8)} qty ${position.quantity?.value ?? '0'}  avg cost ${position.averageCost?.value ?? '-'}  realized ${position.realizedPnl?.value ?? '0'}`,
        );
    }
  } finally {
    client.close();
  }
}

async function printMetrics(): Promise<void> {
  section('metrics (scraped from each service /metrics)');
  const scrapes: [string, number, string[]][] = [
    [
      'executor',
      DEMO_PORTS.executorOps,
      [
        'executor_commands_total',
        'executor_events_total',
        'executor_command_latency_seconds_count',
      ],
    ],
    [
      'order-gateway',
      DEMO_PORTS.gatewayOps,
      [
        'grpc_server_',
        'order_gateway_',
        'gateway_',
        'messaging_producer_send_requests_total',
        'messaging_consumer_handled_total',
      ],
    ],
    ['order-store', DEMO_PORTS.orderStoreOps, ['messaging_consumer_handled_total', 'order_store_']],
    ['portfolio', DEMO_PORTS.portfolioOps, ['portfolio_fills_applied_total', 'portfolio_updates_']],
    ['risk-monitor', DEMO_PORTS.riskMonitorOps, ['risk_accounts_by_state', 'risk_controls_']],
  ];
  for (const [name, port, prefixes] of scrapes) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const lines = metricLines(text, prefixes);
    say(`  ${name} (http://127.0.0.1:${port}/metrics)`);
    const latency = histogramMean(text, 'executor_command_latency_seconds');
    if (latency !== undefined)
      say(`    mean gateway-publish → committed latency ${(latency * 1000).toFixed(1)} ms`);
    for (const line of lines.slice(0, 8)) say(`    ${line}`);
    if (lines.length > 8) say(`    ... ${lines.length - 8} more`);
    if (lines.length === 0) say('    (no matching series)');
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const serve = process.argv.includes('--serve');
  const t0 = Date.now();
  const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  say('meridian trading demo');

  await assertPortsFree();
  let rejectDied: (error: Error) => void = () => undefined;
  const died = new Promise<never>((_, reject) => (rejectDied = reject));
  died.catch(() => undefined); // observed through `guard` below
  const guard = <T>(step: Promise<T>): Promise<T> => Promise.race([step, died]);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    rejectDied(new DemoFailure(`interrupted (${signal})`));
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  const agents: DemoAgent[] = [];
  let platform: LocalPlatform | undefined;
  let ok = false;
  try {
    section(`starting services (logs in ${relative(process.cwd(), DEMO_DIR)}/<service>.log)`);
    const started = Date.now();
    platform = await guard(
      LocalPlatform.start(
        {
          dir: DEMO_DIR,
          schema: SCHEMA,
          redisPrefix: REDIS_PREFIX,
          instruments: INSTRUMENTS,
          ports: DEMO_PORTS,
          postTrade: true,
          log: say,
          readyTimeoutMs: READY_TIMEOUT_MS,
        },
        rejectDied,
      ),
    );
    say(
      `  kafka ${platform.kafka.bootstrap.join(',')}  topics ${SCHEMA}-${platform.runId}.*  postgres ${LOCAL_DB.database}/${SCHEMA}  redis ${REDIS_PREFIX}*`,
    );
    for (const service of platform.services) {
      const { grpc, opsPort, name } = service.spec;
      say(
        `  ready ${name.padEnd(14)} pid ${service.pid ?? '?'}  ops :${opsPort}${grpc === undefined ? '' : `  gRPC :${grpc.port} SERVING`}  (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    }

    const provisioned = await guard(
      platform.provision(
        [
          { agentId: 'demo-maker', accountId: 'demo-acct-a' },
          { agentId: 'demo-taker', accountId: 'demo-acct-b' },
        ],
        LIMITS,
      ),
    );
    section('provisioned (accounts, agents, trader API keys, risk limits)');
    for (const [label, p] of [
      ['A maker', provisioned[0]],
      ['B taker', provisioned[1]],
    ] as const) {
      if (p === undefined) throw new Error('provisioning returned fewer agents');
      say(
        `  ${label.padEnd(8)} agent ${p.agentId} on ${p.accountId}, key mrd_${p.apiKey.slice(4, 20)}.…`,
      );
      agents.push(new DemoAgent({ label, ...p, address: platform.gatewayAddress, print: say }));
    }
    const [maker, taker] = agents;
    if (maker === undefined || taker === undefined) throw new Error('agents missing');

    await guard(runScenario(maker, taker));
    await guard(printSummary(agents));
    await guard(printPortfolio(agents.map((a) => ({ label: a.label, accountId: a.accountId }))));
    await guard(printMetrics());
    ok = true;

    if (serve) {
      section('serving until Ctrl-C');
      say(
        `  gRPC   ${platform.gatewayAddress}  (grpcurl -plaintext ${platform.gatewayAddress} list)`,
      );
      for (const s of platform.services)
        say(
          `  ${s.spec.name.padEnd(14)} http://127.0.0.1:${s.spec.opsPort}/metrics  /health/ready`,
        );
      for (const a of provisioned) say(`  ${a.agentId} key: ${a.apiKey}`);
      // Until Ctrl-C (ok) or a service dying (not ok: reported below).
      await died;
    }
  } catch (error) {
    if (serve && ok && interrupted) {
      // Ctrl-C after a successful run: a normal end of --serve.
    } else {
      ok = false;
      const message = error instanceof Error ? error.message : String(error);
      say(`\nDEMO FAILED: ${message}`);
      // Service failures carry their log tail, timeouts say what was awaited; anything else
      // is a bug here: show where.
      const explained =
        error instanceof DemoFailure ||
        message.includes('Last log lines') ||
        / within \d+ ms$/.test(message);
      if (error instanceof Error && !explained && !interrupted) say(error.stack ?? '');
    }
  } finally {
    for (const agent of agents) agent.close();
  }

  if (platform !== undefined) {
    section('stopping services (SIGTERM)');
    for (const { name, code } of await platform.stop(STOP_TIMEOUT_MS)) {
      if (code === 0) say(`  ${name.padEnd(14)} exit 0`);
      else {
        ok = false;
        say(`  ${name.padEnd(14)} ${code instanceof Error ? code.message : `exit ${code}`}`);
      }
    }
  }
  say(`\n${ok ? 'demo: ok' : 'demo: FAILED'} in ${elapsed()}`);
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
