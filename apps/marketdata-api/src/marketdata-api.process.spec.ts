import { marketdata } from '@meridian/contracts';
import {
  migrateMarketDataSchema,
  TickBatchWriter,
  TickPartitions,
} from '@meridian/market-data-data-access';
import { validateTick } from '@meridian/market-data-domain';
import { goldenBars, goldenTicks, isoToNanos } from '@meridian/market-data-domain/testing';
import { MarketDataClient, MarketDataClientError } from '@meridian/market-data-feature-query';
import {
  createMarketDataTopics,
  deleteNamespace,
} from '@meridian/market-data-feature-query/testing';
import { createKafka } from '@meridian/shared-messaging';
import { createPgPool, type Database } from '@meridian/shared-persistence';
import { testPgOptions } from '@meridian/shared-persistence/testing';
import {
  freePort,
  isReady,
  kafkaBrokers,
  metricSample,
  type ServiceProcess,
  startService,
  stopService,
  uniqueName,
  waitFor,
} from '@meridian/shared-testing';
import { status as GrpcCode } from '@grpc/grpc-js';
import { describeConfig } from '@meridian/shared-config';
import { loadMarketdataApiConfig, marketdataApiConfigSchema } from './marketdata-api.config';

const BASE = { KAFKA_BROKERS: '127.0.0.1:9092', PGHOST: '127.0.0.1', PGUSER: 'u', PGDATABASE: 'd' };

describe('marketdata-api config', () => {
  it('describes every variable for docs/configuration.md, each with a description', () => {
    const variables = describeConfig(marketdataApiConfigSchema);
    expect(variables.map((v) => v.name)).toContain('MARKETDATA_API_BARS_CACHE_TTL');
    expect(variables.filter((v) => v.description === '')).toEqual([]);
    expect(new Set(variables.map((v) => v.name)).size).toBe(variables.length);
  });

  it('defaults: gRPC 50052 on loopback, ops 9471, bars cached 2 s, last price always fresh', () => {
    expect(loadMarketdataApiConfig(BASE)).toMatchObject({
      grpc: { host: '127.0.0.1', port: 50052 },
      observability: { metricsPort: 9471 },
      barsCacheTtlSeconds: 2,
      lastPriceCacheTtlSeconds: 0,
    });
    expect(
      loadMarketdataApiConfig({ ...BASE, MARKETDATA_API_BARS_CACHE_TTL: '0' }).barsCacheTtlSeconds,
    ).toBe(0);
  });

  it.each([
    ['MARKETDATA_API_BARS_CACHE_TTL', '-1'],
    ['MARKETDATA_API_LAST_PRICE_CACHE_TTL', '1.5'],
    ['MARKETDATA_API_MAX_BAR_LIMIT', '0'],
    ['GRPC_PORT', '70000'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadMarketdataApiConfig({ ...BASE, [name]: value })).toThrow(name);
  });
});

describe('marketdata-api process', () => {
  const schema = uniqueName('mdapi');
  // Also the Redis namespace of the cache (SERVICE_NAME).
  const serviceName = uniqueName('mdapi').replaceAll('_', '-');
  let service: ServiceProcess | undefined;
  let db: Database | undefined;
  let client: MarketDataClient | undefined;

  afterAll(async () => {
    client?.close();
    if (service !== undefined) await stopService(service);
    await db?.close();
    const admin = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.close();
    await deleteNamespace(serviceName);
  });

  it('serves bars and last prices over gRPC, reports grpc_server_* and cache metrics, stops cleanly', async () => {
    const pg = testPgOptions();
    db = await createPgPool({ ...pg, searchPath: [schema, 'public'], maxConnections: 2 });
    await migrateMarketDataSchema(db, schema);
    const writer = new TickBatchWriter(db, { mode: 'plain', partitions: new TickPartitions(db) });
    await writer.write(
      goldenTicks().map((tick) => {
        const result = validateTick(tick);
        if (!result.ok) throw new Error(result.rejection.detail);
        return result.tick;
      }),
    );
    const topics = await createMarketDataTopics('mdapi-proc');
    const kafka = createKafka({
      brokers: kafkaBrokers(),
      clientId: 'mdapi-proc',
      logLevel: 'nothing',
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.lastPrice,
      messages: [
        {
          key: 'BBB',
          value: Buffer.from(
            marketdata.LastPrice.encode({
              symbol: 'BBB',
              price: { value: '50.5' },
              exchangeTimeUnixNanos: 1n,
              sequence: 9n,
              source: 'sim',
            }).finish(),
          ),
        },
      ],
    });
    await producer.disconnect();

    const [opsPort, grpcPort] = [await freePort(), await freePort()];
    service = startService('marketdata-api', {
      METRICS_PORT: String(opsPort),
      GRPC_PORT: String(grpcPort),
      GRPC_HOST: '127.0.0.1',
      KAFKA_BROKERS: kafkaBrokers().join(','),
      PGHOST: pg.host ?? '127.0.0.1',
      PGPORT: String(pg.port ?? 5432),
      PGUSER: pg.user ?? 'postgres',
      PGDATABASE: pg.database ?? 'test',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SERVICE_NAME: serviceName,
      MARKETDATA_API_DB_SCHEMA: schema,
      MARKETDATA_API_TICKS_TOPIC: topics.ticks,
      MARKETDATA_API_LAST_PRICE_TOPIC: topics.lastPrice,
      MARKETDATA_API_BARS_CACHE_TTL: '30',
      MARKETDATA_API_DRAIN_DELAY: '0s',
      LOG_LEVEL: 'warn',
    });
    const running = service;
    await waitFor('the API to be ready', () => isReady(opsPort), 60_000, 200);
    client = new MarketDataClient(`127.0.0.1:${grpcPort}`);
    const query = {
      symbol: 'AAA',
      interval: '1h' as const,
      fromNanos: isoToNanos('2026-03-02T00:00:00Z'),
      toNanos: isoToNanos('2026-03-04T00:00:00Z'),
    };
    const bars = await client.getBars(query);
    expect(
      bars.map((b) => [b.startUnixNanos, b.open?.value, b.close?.value, b.volume?.value]),
    ).toEqual(
      goldenBars()
        .filter((b) => b.interval === '1h' && b.symbol === 'AAA')
        .map((b) => [b.startNanos, b.open, b.close, b.volume]),
    );
    expect(await client.getBars(query)).toEqual(bars);
    expect(await client.getLastPrice('BBB')).toMatchObject({ price: { value: '50.5' } });
    const error = await client.getLastPrice('ZZZ').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MarketDataClientError);
    expect((error as MarketDataClientError).grpcCode).toBe(GrpcCode.NOT_FOUND);

    const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    const labels =
      'grpc_service="meridian.marketdata.v1.MarketDataService",grpc_method="GetBars",grpc_type="unary"';
    expect(metricSample(text, `grpc_server_handled_total{${labels},grpc_code="OK"}`)).toBe(2);
    expect(metricSample(text, `grpc_server_handling_seconds_count{${labels}}`)).toBe(2);
    expect(metricSample(text, 'cache_hits_total{api="get-bars"}')).toBe(1);

    const code = await stopService(running);
    if (code !== 0) process.stderr.write(running.output());
    expect(code).toBe(0);
  });
});
