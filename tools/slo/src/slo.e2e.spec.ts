/**
 * The SLO rules and dashboards against the real thing: Debian's Prometheus scrapes the executor,
 * the order gateway and the order-store running as processes while orders flow through the
 * gateway over gRPC, evaluates the generated rules every second, and answers every dashboard
 * query through its HTTP API.
 *
 * Only the order services run here, so a query must return data exactly when every series it
 * reads is exported by the services running (checked against the metric contract first, per
 * service); every other query (market data, portfolio, risk, the Kafka exporter) must still be
 * accepted by Prometheus without error.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, grpcHealth, orders } from '@meridian/contracts';
import {
  AccountsRepository,
  ApiKeyHasher,
  ApiKeysRepository,
  RiskLimitsRepository,
} from '@meridian/orders-data-access';
import { TEST_INSTRUMENT } from '@meridian/orders-domain/testing';
import { createExecutorTopics } from '@meridian/orders-feature-execution/testing';
import { createPgPool } from '@meridian/shared-persistence';
import { testPgOptions } from '@meridian/shared-persistence/testing';
import {
  freePort,
  isReady,
  kafkaBrokers,
  type ServiceProcess,
  startService,
  stopService,
  uniqueName,
  waitFor,
} from '@meridian/shared-testing';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import {
  DASHBOARDS_DIR,
  dashboardQueries,
  METRICS,
  metricNames,
  recorded,
  REPO_ROOT,
  ruleGroups,
  rulesFile,
  SLO_WINDOW,
  SLOS,
  WINDOWS,
  type MetricDefinition,
  type ServiceName,
} from './index';
import {
  ensurePrometheus,
  inBatches,
  PrometheusProcess,
  type QueryOutcome,
} from './testing/prometheus.process';

const PEPPER = 'slo-e2e-pepper-0123456789abcdef0123';
const SYMBOL = TEST_INSTRUMENT.symbol;
/** The services started here; Prometheus jobs carry their names. */
const RUNNING: readonly ServiceName[] = ['executor', 'order-gateway', 'order-store'];

/** Whether `service` exports `metric` according to the contract. */
function exports(service: ServiceName, metric: MetricDefinition): boolean {
  const { source } = metric;
  if (source.kind === 'every-process') return true;
  if (source.kind === 'external') return false;
  return source.services.includes(service);
}

/** A series name the contract lists for `metric` (histograms are checked by `_bucket`). */
const seriesOf = (metric: MetricDefinition): string =>
  metric.type === 'histogram' ? `${metric.name}_bucket` : metric.name;

/** Dashboard variables as the e2e sets them: one job, every consumer group, a short rate window. */
function substitute(expr: string, job: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$job', job)
    .replaceAll('$group', '.*');
}

const hasData = (outcome: QueryOutcome): boolean => outcome.ok && outcome.samples.length > 0;

function call<Res>(
  start: (done: (error: ServiceError | null, response: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    start((error, response) => (error ? reject(error) : resolve(response))),
  );
}

describe('SLO rules and dashboards on a real Prometheus scraping the order services', () => {
  const schema = uniqueName('slo_e2e');
  const redisPrefix = `test:${schema}:`;
  const workDir = mkdtempSync(join(tmpdir(), 'slo-e2e-'));
  const services: ServiceProcess[] = [];
  let prometheus: PrometheusProcess | undefined;
  let client: orders.OrderServiceClient | undefined;
  let stream: ReturnType<orders.OrderServiceClient['streamExecutionReports']> | undefined;
  let traffic: Promise<void> = Promise.resolve();
  let stopTraffic = false;
  const submitted = { ok: 0, invalid: 0 };

  const prom = (): PrometheusProcess => {
    if (prometheus === undefined) throw new Error('prometheus not started');
    return prometheus;
  };

  beforeAll(async () => {
    ensurePrometheus();
    const [topics, grpcPort, gatewayOps, executorOps, storeOps, prometheusPort] = await Promise.all(
      [createExecutorTopics('slo', 3), freePort(), freePort(), freePort(), freePort(), freePort()],
    );
    const gatewayAddress = `127.0.0.1:${grpcPort}`;
    const pg = testPgOptions();
    const infra = {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      PGHOST: pg.host ?? '127.0.0.1',
      PGPORT: String(pg.port ?? 5432),
      PGUSER: pg.user ?? 'postgres',
      PGDATABASE: pg.database ?? 'test',
      LOG_LEVEL: 'warn',
    };
    services.push(
      startService('executor', {
        ...infra,
        METRICS_PORT: String(executorOps),
        EXECUTOR_GROUP_ID: uniqueName('slo-executor'),
        EXECUTOR_INSTRUMENTS: JSON.stringify([TEST_INSTRUMENT]),
        EXECUTOR_SNAPSHOT_DIR: join(workDir, 'snapshots'),
        EXECUTOR_COMMANDS_TOPIC: topics.commands,
        EXECUTOR_EVENTS_TOPIC: topics.events,
        EXECUTOR_TRADES_TOPIC: topics.trades,
        EXECUTOR_RISK_TOPIC: topics.riskControls,
        EXECUTOR_DLQ_TOPIC: topics.commandsDlq,
        EXECUTOR_DRAIN_DELAY_MS: '0',
      }),
      startService('order-gateway', {
        ...infra,
        GRPC_PORT: String(grpcPort),
        METRICS_PORT: String(gatewayOps),
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        SECRETS_PROVIDER: 'env',
        MERIDIAN_ORDER_GATEWAY_API_KEY_PEPPER: PEPPER,
        GATEWAY_DB_SCHEMA: schema,
        GATEWAY_REDIS_PREFIX: redisPrefix,
        GATEWAY_COMMANDS_TOPIC: topics.commands,
        GATEWAY_EVENTS_TOPIC: topics.events,
        GATEWAY_EVENTS_GROUP: uniqueName('slo-gateway'),
        GATEWAY_INSTRUMENTS_SEED: JSON.stringify([
          { ...TEST_INSTRUMENT, referencePrice: '100.00' },
        ]),
        GATEWAY_DRAIN_DELAY: '100ms',
      }),
      startService('order-store', {
        ...infra,
        METRICS_PORT: String(storeOps),
        ORDER_STORE_DB_SCHEMA: schema,
        ORDER_STORE_EVENTS_TOPIC: topics.events,
        ORDER_STORE_GROUP_ID: uniqueName('slo-store'),
        ORDER_STORE_DRAIN_DELAY: '0s',
      }),
    );
    // Started with the services: it scrapes them as soon as they listen.
    prometheus = PrometheusProcess.start({
      port: prometheusPort,
      ruleFiles: SLOS.map((slo) => join(REPO_ROOT, rulesFile(slo))),
      targets: [
        { job: 'executor', port: executorOps },
        { job: 'order-gateway', port: gatewayOps },
        { job: 'order-store', port: storeOps },
      ],
    });

    const health = new grpcHealth.HealthClient(gatewayAddress, credentials.createInsecure());
    const serving = () =>
      new Promise<boolean>((resolve) =>
        health.check({ service: 'meridian.orders.v1.OrderService' }, (error, response) =>
          resolve(
            !error && response.status === grpcHealth.HealthCheckResponse_ServingStatus.SERVING,
          ),
        ),
      );
    try {
      await waitFor(
        'executor, gateway, order-store and Prometheus to be ready',
        async () => {
          for (const service of services)
            if (service.child.exitCode !== null)
              throw new Error(`${service.name} exited early:\n${service.output()}`);
          if (prom().exited()) throw new Error(`prometheus exited:\n${prom().logs()}`);
          return (
            (await isReady(executorOps)) &&
            (await isReady(storeOps)) &&
            (await serving()) &&
            (await prom().ready())
          );
        },
        45_000,
        200,
      );
    } finally {
      health.close();
    }

    // A trader with an API key, written with the gateway's own repositories and hasher.
    const db = await createPgPool({ ...testPgOptions(), searchPath: [schema], maxConnections: 1 });
    const issued = await new ApiKeyHasher(PEPPER).issue();
    try {
      await new AccountsRepository(db).createAccount('acct-slo', 'slo e2e');
      await new RiskLimitsRepository(db).upsert('acct-slo', {
        maxOrderQuantity: '1000',
        maxOrderNotional: '1000000',
        priceBandBps: 1000,
        maxOpenOrders: 10_000,
        maxPosition: '100000',
        maxGrossExposure: '100000000',
        orderRatePerSecond: 1000,
        orderBurst: 1000,
      });
      await new AccountsRepository(db).createAgent({
        agentId: 'agent-slo',
        accountId: 'acct-slo',
        name: 'slo e2e',
      });
      await new ApiKeysRepository(db).insert({ ...issued, agentId: 'agent-slo', role: 'trader' });
    } finally {
      await db.close();
    }

    // Orders keep flowing until the test ends: rates need increases between scrapes.
    const orderClient = new orders.OrderServiceClient(gatewayAddress, credentials.createInsecure());
    client = orderClient;
    const metadata = new Metadata();
    metadata.set('x-api-key', issued.plaintext);
    stream = orderClient.streamExecutionReports(
      orders.StreamExecutionReportsRequest.fromPartial({ symbol: SYMBOL, fromSequence: 1n }),
      metadata,
    );
    stream.on('data', () => undefined);
    stream.on('error', () => undefined); // cancelled at the end
    const submit = (i: number, price: string) =>
      call<orders.SubmitOrderResponse>((done) =>
        orderClient.submitOrder(
          orders.SubmitOrderRequest.fromPartial({
            clientOrderId: `slo-${i}`,
            symbol: SYMBOL,
            order: {
              // Alternating sides at one price: every second order fills the one before.
              side: i % 2 === 0 ? common.Side.BUY : common.Side.SELL,
              orderType: orders.OrderType.LIMIT,
              timeInForce: orders.TimeInForce.GTC,
              quantity: { value: '1' },
              limitPrice: { value: price },
            },
          }),
          metadata,
          done,
        ),
      );
    traffic = (async () => {
      for (let i = 0; !stopTraffic; i++) {
        if (i % 10 === 9) {
          // An off-tick price: InvalidArgument, a client mistake the availability SLO ignores.
          const code = await submit(i, '100.001').then(
            () => status.OK,
            (error: ServiceError) => error.code,
          );
          if (code !== status.INVALID_ARGUMENT)
            throw new Error(`off-tick order answered ${status[code]}, expected INVALID_ARGUMENT`);
          submitted.invalid++;
        } else {
          await submit(i, '100.00');
          submitted.ok++;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    traffic.catch(() => undefined); // awaited (and failing the test) in afterAll

    // Every order SLO needs two scrapes with traffic in between before its rates exist.
    await waitFor(
      'the order SLO error ratios to be recorded',
      async () => {
        for (const slo of SLOS.filter((s) => RUNNING.includes(s.service))) {
          const outcome = await prom().query(recorded.errorRatio(slo, '5m'));
          const value = outcome.ok ? Number(outcome.samples[0]?.value[1]) : NaN;
          if (Number.isNaN(value)) return false;
        }
        return true;
      },
      30_000,
      250,
    );
  }, 90_000);

  afterAll(async () => {
    stopTraffic = true;
    const trafficResult = await traffic.then(
      () => undefined,
      (error: unknown) => error,
    );
    stream?.cancel();
    client?.close();
    await prometheus?.stop();
    await Promise.all(services.map((service) => stopService(service, 10_000)));
    rmSync(workDir, { recursive: true, force: true });
    const pool = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.close();
    const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    if (trafficResult !== undefined) throw trafficResult;
  }, 60_000);

  it('loads every SLO rule and evaluates each without error', async () => {
    let rules = await prom().rules();
    await waitFor(
      'every rule to be evaluated once',
      async () => {
        rules = await prom().rules();
        return rules.every((r) => r.health !== 'unknown');
      },
      10_000,
      250,
    );
    expect(new Set(rules.map((r) => r.group))).toEqual(new Set(SLOS.map((s) => `slo-${s.name}`)));
    expect(rules.length).toBe(ruleGroups(SLOS).reduce((n, g) => n + g.rules.length, 0));
    expect(rules.filter((r) => r.health !== 'ok' || (r.lastError ?? '') !== '')).toEqual([]);
  });

  it('scrapes every metric the contract says the running services export, per service', async () => {
    const missing: string[] = [];
    for (const service of RUNNING)
      for (const metric of METRICS.filter((m) => exports(service, m))) {
        const outcome = await prom().query(`count(${seriesOf(metric)}{job="${service}"})`);
        if (!hasData(outcome)) missing.push(`${service}: ${metric.name}`);
      }
    expect(missing).toEqual([]);
    expect(submitted.ok).toBeGreaterThan(0);
    expect(submitted.invalid).toBeGreaterThan(0);
  });

  it('records the order SLOs at every window, over 30 days and as budget left', async () => {
    for (const slo of SLOS.filter((s) => RUNNING.includes(s.service))) {
      for (const name of [
        ...WINDOWS.map((w) => recorded.errorRatio(slo, w)),
        recorded.errorRatio(slo, SLO_WINDOW),
        recorded.events(slo),
        recorded.badEvents(slo),
        recorded.budgetRemaining(slo),
      ]) {
        const outcome = await prom().query(name);
        expect([name, outcome.ok && outcome.samples.length]).toEqual([name, 1]);
        const sample = outcome.ok ? outcome.samples[0] : undefined;
        expect(sample?.metric).toMatchObject({ slo: slo.name, service: slo.service });
      }
      const ratio = await prom().query(recorded.errorRatio(slo, '5m'));
      const value = Number(ratio.ok ? ratio.samples[0]?.value[1] : NaN);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    // The off-tick orders failed with InvalidArgument: a client error, not an availability one.
    const availability = await prom().query('sli:order_api_availability_errors:ratio_rate5m');
    expect(availability.ok && availability.samples[0]?.value[1]).toBe('0');
    const invalid = await prom().query(
      'sum(grpc_server_handled_total{grpc_method="SubmitOrder",grpc_code="InvalidArgument"})',
    );
    expect(Number(invalid.ok ? invalid.samples[0]?.value[1] : 0)).toBeGreaterThan(0);
    // Nothing recorded for the SLOs of services that are not running.
    for (const slo of SLOS.filter((s) => !RUNNING.includes(s.service))) {
      const outcome = await prom().query(recorded.errorRatio(slo, '5m'));
      expect([slo.name, outcome.ok && outcome.samples.length]).toEqual([slo.name, 0]);
    }
  });

  it('answers every dashboard query: with data where the running services export its series', async () => {
    const files = readdirSync(join(REPO_ROOT, DASHBOARDS_DIR)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(1);
    const present = new Map<string, boolean>();
    /** Whether a series exists (for `job`, when given) in the TSDB right now. */
    const exists = async (name: string, job: string | undefined): Promise<boolean> => {
      const key = `${name}|${job ?? ''}`;
      let known = present.get(key);
      if (known === undefined) {
        known = hasData(
          await prom().query(`count(${name}${job === undefined ? '' : `{job="${job}"}`})`),
        );
        present.set(key, known);
      }
      return known;
    };
    const checks: (() => Promise<{ failure?: string; expectedData: boolean }>)[] = [];
    for (const file of files) {
      const dashboard = JSON.parse(
        readFileSync(join(REPO_ROOT, DASHBOARDS_DIR, file), 'utf8'),
      ) as unknown;
      const service = file.replace(/\.json$/, '');
      const overview = file === 'slo-overview.json';
      const running = (RUNNING as readonly string[]).includes(service);
      for (const { panel, expr } of dashboardQueries(dashboard))
        checks.push(async () => {
          const query = substitute(expr, service);
          const outcome = await prom().query(query);
          if (!outcome.ok)
            return {
              failure: `${file} / ${panel}: ${outcome.error}\n  ${query}`,
              expectedData: false,
            };
          // Overview queries read recorded series (no job label); service queries their own job.
          let expectedData = overview || running;
          for (const name of metricNames(query))
            if (!(await exists(name, overview ? undefined : service))) expectedData = false;
          return expectedData && outcome.samples.length === 0
            ? { failure: `${file} / ${panel}: no data\n  ${query}`, expectedData }
            : { expectedData };
        });
    }
    const results = await inBatches(checks, 8);
    const failures = results.flatMap((r) => (r.failure === undefined ? [] : [r.failure]));
    const withData = results.filter((r) => r.expectedData).length;
    const acceptedOnly = results.length - withData;
    expect(failures).toEqual([]);
    // The order services' own dashboards and the order SLO panels did return data.
    expect(withData).toBeGreaterThan(60);
    expect(acceptedOnly).toBeGreaterThan(0);
  });

  it("finds each running service's targets with its dashboard's job variable", async () => {
    for (const service of RUNNING)
      expect(await prom().labelValues('job', `up{job=~".*${service}.*"}`)).toEqual([service]);
  });
});
