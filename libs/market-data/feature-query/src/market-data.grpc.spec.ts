import { marketdata } from '@meridian/contracts';
import {
  migrateMarketDataSchema,
  TickBatchWriter,
  TickPartitions,
} from '@meridian/market-data-data-access';
import { type StorableTick, validateTick } from '@meridian/market-data-domain';
import { goldenBars, goldenTicks, isoToNanos } from '@meridian/market-data-domain/testing';
import { RecordingCacheMetrics } from '@meridian/shared-cache/testing';
import { createKafka } from '@meridian/shared-messaging';
import { createTestSchema, type TestSchema } from '@meridian/shared-persistence/testing';
import { kafkaBrokers, metricSample, waitFor } from '@meridian/shared-testing';
import { Client, credentials, type ServiceError, status as GrpcCode } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { GET_BARS_CACHE_API } from './get-bars.usecase';
import { errorInfoOf } from './grpc-error.mapper';
import { MarketDataClientError } from './market-data.client';
import {
  createMarketDataTopics,
  ManualTickHub,
  type MarketDataTopics,
  startTestServer,
  type TestServer,
} from './testing';

function storable(ticks: ReturnType<typeof goldenTicks>): StorableTick[] {
  return ticks.map((tick) => {
    const result = validateTick(tick);
    if (!result.ok) throw new Error(result.rejection.detail);
    return result.tick;
  });
}

async function rejection(promise: Promise<unknown>): Promise<MarketDataClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MarketDataClientError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const DAY = isoToNanos('2026-03-02T00:00:00Z');
const NEXT_DAY = isoToNanos('2026-03-03T00:00:00Z');

function asWire(bars: ReturnType<typeof goldenBars>) {
  return bars.map((bar) => ({
    start: bar.startNanos,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    trades: bar.tradeCount,
  }));
}

function fromWire(bars: marketdata.Bar[]) {
  return bars.map((bar) => ({
    start: bar.startUnixNanos,
    open: bar.open?.value,
    high: bar.high?.value,
    low: bar.low?.value,
    close: bar.close?.value,
    volume: bar.volume?.value,
    trades: bar.tradeCount,
  }));
}

describe('MarketDataService over gRPC (127.0.0.1)', () => {
  let schema: TestSchema;
  let kafka: Kafka;
  let topics: MarketDataTopics;
  let writer: TickBatchWriter;
  let server: TestServer;
  const cacheMetrics = new RecordingCacheMetrics();

  beforeAll(async () => {
    schema = await createTestSchema('md_q');
    await migrateMarketDataSchema(schema.db, schema.schema);
    writer = new TickBatchWriter(schema.db, {
      mode: 'plain',
      partitions: new TickPartitions(schema.db),
    });
    await writer.write(storable(goldenTicks()));
    // A symbol with quotes only: known, never traded.
    await writer.write(
      storable([
        {
          symbol: 'QQQ',
          source: 'sim',
          sequence: 1n,
          exchangeTimeUnixNanos: DAY + 1n,
          receivedTimeUnixNanos: DAY + 2n,
          bidPrice: { value: '10' },
        },
      ]),
    );
    kafka = createKafka({
      brokers: kafkaBrokers(),
      clientId: 'md-query-spec',
      logLevel: 'nothing',
    });
    topics = await createMarketDataTopics('md-q');
    server = await startTestServer({
      db: schema.db,
      kafka,
      topics,
      barsTtlSeconds: 0,
      cacheMetrics,
    });
  });
  afterAll(async () => {
    await server.close();
    await schema.drop();
  });

  describe('GetBars', () => {
    it.each(['1m', '5m', '1h', '1d'] as const)(
      'serves the hand-checked %s bars of AAA',
      async (interval) => {
        const bars = await server.client.getBars({
          symbol: 'AAA',
          interval,
          fromNanos: DAY,
          toNanos: NEXT_DAY + 86_400_000_000_000n,
        });
        expect(fromWire(bars)).toEqual(
          asWire(goldenBars().filter((b) => b.interval === interval && b.symbol === 'AAA')),
        );
        expect(bars.every((bar) => bar.symbol === 'AAA')).toBe(true);
      },
    );

    it('applies [from, to) and the limit', async () => {
      const bars = await server.client.getBars({
        symbol: 'AAA',
        interval: '1m',
        fromNanos: isoToNanos('2026-03-02T09:30:00Z'),
        toNanos: isoToNanos('2026-03-02T09:35:00Z'),
      });
      expect(bars.map((b) => b.startUnixNanos)).toEqual([
        isoToNanos('2026-03-02T09:30:00Z'),
        isoToNanos('2026-03-02T09:34:00Z'),
      ]);
      const limited = await server.client.getBars({
        symbol: 'AAA',
        interval: '1m',
        fromNanos: DAY,
        toNanos: NEXT_DAY,
        limit: 2,
      });
      expect(limited).toHaveLength(2);
    });

    it.each<[string, Partial<marketdata.GetBarsRequest>, GrpcCode, string]>([
      [
        'an unspecified interval',
        { interval: marketdata.BarInterval.UNSPECIFIED },
        GrpcCode.INVALID_ARGUMENT,
        'MARKETDATA_INTERVAL_UNKNOWN',
      ],
      [
        'an interval from the future',
        { interval: 9 as marketdata.BarInterval },
        GrpcCode.INVALID_ARGUMENT,
        'MARKETDATA_INTERVAL_UNKNOWN',
      ],
      [
        'from == to',
        { fromUnixNanos: DAY, toUnixNanos: DAY },
        GrpcCode.INVALID_ARGUMENT,
        'MARKETDATA_RANGE_INVALID',
      ],
      [
        'from > to',
        { fromUnixNanos: NEXT_DAY, toUnixNanos: DAY },
        GrpcCode.INVALID_ARGUMENT,
        'MARKETDATA_RANGE_INVALID',
      ],
      [
        'a negative from',
        { fromUnixNanos: -1n },
        GrpcCode.INVALID_ARGUMENT,
        'MARKETDATA_RANGE_INVALID',
      ],
      [
        'a range of 100,001 minute bars',
        { toUnixNanos: DAY + 100_001n * 60_000_000_000n },
        GrpcCode.INVALID_ARGUMENT,
        'MARKETDATA_RANGE_TOO_LARGE',
      ],
      ['an empty symbol', { symbol: '' }, GrpcCode.INVALID_ARGUMENT, 'MARKETDATA_SYMBOL_INVALID'],
      [
        'a malformed symbol',
        { symbol: 'A A' },
        GrpcCode.INVALID_ARGUMENT,
        'MARKETDATA_SYMBOL_INVALID',
      ],
      ['an unknown symbol', { symbol: 'NOPE' }, GrpcCode.NOT_FOUND, 'MARKETDATA_SYMBOL_NOT_FOUND'],
    ])('refuses %s', async (_name, overrides, code, reason) => {
      const request = marketdata.GetBarsRequest.fromPartial({
        symbol: 'AAA',
        interval: marketdata.BarInterval.ONE_MINUTE,
        fromUnixNanos: DAY,
        toUnixNanos: NEXT_DAY,
        ...overrides,
      });
      const raw = new marketdata.MarketDataServiceClient(
        server.address,
        credentials.createInsecure(),
      );
      try {
        const error = await new Promise<ServiceError>((resolve, reject) =>
          raw.getBars(request, (e) => (e === null ? reject(new Error('succeeded')) : resolve(e))),
        );
        expect(error.code).toBe(code);
        const info = errorInfoOf(error.metadata);
        expect(info?.reason).toBe(reason);
        expect(info?.domain).toBe('marketdata-api.meridian');
      } finally {
        raw.close();
      }
    });

    it('answers INVALID_ARGUMENT MARKETDATA_REQUEST_MALFORMED for bytes that are not a GetBarsRequest', async () => {
      const raw = new Client(server.address, credentials.createInsecure());
      try {
        const error = await new Promise<ServiceError>((resolve, reject) =>
          raw.makeUnaryRequest(
            '/meridian.marketdata.v1.MarketDataService/GetBars',
            (bytes: Buffer) => bytes,
            (bytes: Buffer) => bytes,
            Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff]),
            (e) => (e === null ? reject(new Error('succeeded')) : resolve(e)),
          ),
        );
        expect(error.code).toBe(GrpcCode.INVALID_ARGUMENT);
        expect(errorInfoOf(error.metadata)?.reason).toBe('MARKETDATA_REQUEST_MALFORMED');
      } finally {
        raw.close();
      }
    });

    it('reports grpc_server_handled_total and grpc_server_handling_seconds per method and code', async () => {
      const text = await server.registry.metricsText();
      const labels =
        'grpc_service="meridian.marketdata.v1.MarketDataService",grpc_method="GetBars",grpc_type="unary"';
      expect(
        metricSample(text, `grpc_server_handled_total{${labels},grpc_code="OK"}`),
      ).toBeGreaterThanOrEqual(5);
      expect(metricSample(text, `grpc_server_handled_total{${labels},grpc_code="NotFound"}`)).toBe(
        1,
      );
      expect(
        metricSample(text, `grpc_server_handled_total{${labels},grpc_code="InvalidArgument"}`),
      ).toBeGreaterThanOrEqual(9);
      expect(
        metricSample(text, `grpc_server_handling_seconds_count{${labels}}`),
      ).toBeGreaterThanOrEqual(15);
    });
  });

  describe('GetLastPrice', () => {
    it('serves the compacted topic, ignoring an older record, and falls back to the stored trade', async () => {
      const producer = kafka.producer();
      await producer.connect();
      const price = (p: string, time: bigint, sequence: bigint) => ({
        key: 'BBB',
        value: Buffer.from(
          marketdata.LastPrice.encode({
            symbol: 'BBB',
            price: { value: p },
            exchangeTimeUnixNanos: time,
            sequence,
            source: 'sim',
          }).finish(),
        ),
      });
      await producer.send({
        topic: topics.lastPrice,
        messages: [
          price('51.25', DAY + 10n, 7n),
          price('49', DAY + 5n, 6n),
          // Same key, same partition, read in order: once this is skipped, the older price was seen.
          { key: 'BBB', value: Buffer.from([0xff, 0x01]) },
        ],
      });
      await producer.disconnect();
      await waitFor('the garbage record skipped', () => server.table.skippedRecords === 1);
      expect(await server.client.getLastPrice('BBB')).toMatchObject({
        price: { value: '51.25' },
        sequence: 7n,
      });
      // AAA is not on the topic: the latest stored trade answers.
      expect(await server.client.getLastPrice('AAA')).toMatchObject({
        price: { value: '105' },
        sequence: 10n,
        source: 'sim',
      });
      expect(await server.client.getLastPrice('QQQ')).toBeUndefined();
    });

    it.each([
      ['NOPE', GrpcCode.NOT_FOUND, 'MARKETDATA_SYMBOL_NOT_FOUND'],
      ['', GrpcCode.INVALID_ARGUMENT, 'MARKETDATA_SYMBOL_INVALID'],
    ])('refuses %j', async (symbol, code, reason) => {
      const error = await rejection(server.client.getLastPrice(symbol));
      expect([error.grpcCode, error.reason]).toEqual([code, reason]);
    });
  });

  describe('StreamTicks', () => {
    it('streams live ticks of the requested symbols only', async () => {
      await waitFor('hub joined', () => server.hub?.isReady() === true);
      const abort = new AbortController();
      const received: marketdata.Tick[] = [];
      const reading = (async () => {
        for await (const tick of server.client.streamTicks(['AAA', 'CCC'], abort.signal)) {
          received.push(tick);
          if (received.length >= 3) abort.abort();
        }
      })();
      const producer = kafka.producer();
      await producer.connect();
      let sequence = 100n;
      const tick = (symbol: string) => {
        sequence += 1n;
        return {
          key: symbol,
          value: Buffer.from(
            marketdata.Tick.encode(
              marketdata.Tick.fromPartial({
                symbol,
                source: 'live',
                sequence,
                exchangeTimeUnixNanos: DAY,
                receivedTimeUnixNanos: DAY,
                lastPrice: { value: '1' },
              }),
            ).finish(),
          ),
        };
      };
      // The hub starts at the latest offset once it has fetched: keep publishing until ticks flow.
      await waitFor('3 ticks streamed', async () => {
        await producer.send({
          topic: topics.ticks,
          messages: [tick('BBB'), tick('AAA'), tick('BBB')],
        });
        return received.length >= 3;
      });
      await producer.disconnect();
      await reading;
      expect(received.every((t) => t.symbol === 'AAA')).toBe(true);
    });

    it.each([
      [[], 'at least one symbol'],
      [Array.from({ length: 51 }, (_, i) => `S${i}`), 'at most 50'],
      [['AAA', 'bad symbol'], 'malformed'],
    ])('refuses symbols %j', async (symbols, message) => {
      const error = await rejection(
        (async () => {
          for await (const _ of server.client.streamTicks(symbols)) return;
        })(),
      );
      expect([error.grpcCode, error.reason]).toEqual([
        GrpcCode.INVALID_ARGUMENT,
        'MARKETDATA_SYMBOLS_INVALID',
      ]);
      expect(error.message).toContain(message);
    });

    it('cuts a client that stops reading with RESOURCE_EXHAUSTED', async () => {
      const hub = new ManualTickHub();
      const slow = await startTestServer({
        db: schema.db,
        kafka,
        topics,
        hub,
        streamLimits: { maxQueuedTicks: 100 },
      });
      try {
        const raw = new marketdata.MarketDataServiceClient(
          slow.address,
          credentials.createInsecure(),
        );
        const call = raw.streamTicks({ symbols: ['AAA'] });
        call.pause();
        await waitFor('subscribed', () => hub.size === 1);
        const big = marketdata.Tick.fromPartial({
          symbol: 'AAA',
          source: 'x'.repeat(60),
          sequence: 1n,
          exchangeTimeUnixNanos: DAY,
          receivedTimeUnixNanos: DAY,
          lastPrice: { value: '1' },
        });
        let pushed = 0;
        while (hub.size > 0 && pushed < 1_000_000) {
          hub.publish(big);
          pushed += 1;
          if (pushed % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        expect(hub.size).toBe(0);
        const status = await new Promise<ServiceError>((resolve) => {
          call.on('error', resolve);
          call.on('data', () => undefined);
          call.resume();
        });
        expect(status.code).toBe(GrpcCode.RESOURCE_EXHAUSTED);
        expect(errorInfoOf(status.metadata)?.reason).toBe('MARKETDATA_SLOW_CONSUMER');
        raw.close();
      } finally {
        await slow.close();
      }
    });
  });

  describe('cache-aside TTL', () => {
    const query = { symbol: 'BBB', interval: '1d' as const, fromNanos: DAY, toNanos: NEXT_DAY };
    const extraTrade = (sequence: bigint, price: string): StorableTick[] =>
      storable([
        {
          symbol: 'BBB',
          source: 'sim',
          sequence,
          exchangeTimeUnixNanos: DAY + 3_600_000_000_000n,
          receivedTimeUnixNanos: DAY,
          lastPrice: { value: price },
          lastSize: { value: '1' },
        },
      ]);

    it('TTL 0 always reads the database and stores the answer', async () => {
      const before = await server.client.getBars(query);
      expect(before[0]?.tradeCount).toBe(2n);
      await writer.write(extraTrade(50n, '60'));
      const after = await server.client.getBars(query);
      expect(after[0]).toMatchObject({ tradeCount: 3n, high: { value: '60' } });
      expect(cacheMetrics.hitCount(GET_BARS_CACHE_API)).toBe(0);
      expect(cacheMetrics.missCount(GET_BARS_CACHE_API, 'bypass')).toBeGreaterThan(0);
      const redis = new Redis('redis://127.0.0.1:6379');
      try {
        const keys = await redis.keys(`${server.namespace}:${GET_BARS_CACHE_API}:BBB/*`);
        expect(keys).toHaveLength(1);
        expect(await redis.ttl(keys[0] ?? '')).toBe(-1);
      } finally {
        redis.disconnect();
      }
    });

    it('TTL N serves the stored answer for N seconds, then reloads', async () => {
      const metrics = new RecordingCacheMetrics();
      const cached = await startTestServer({
        db: schema.db,
        kafka,
        topics,
        barsTtlSeconds: 1,
        cacheMetrics: metrics,
      });
      try {
        const first = await cached.client.getBars(query);
        await writer.write(extraTrade(51n, '61'));
        const second = await cached.client.getBars(query);
        expect(second).toEqual(first);
        expect(metrics.hitCount(GET_BARS_CACHE_API)).toBe(1);
        await waitFor(
          'the entry to expire and reload',
          async () => {
            const bars = await cached.client.getBars(query);
            return bars[0]?.high?.value === '61';
          },
          10_000,
          100,
        );
        expect(metrics.missCount(GET_BARS_CACHE_API, 'absent')).toBe(2);
      } finally {
        await cached.close();
      }
    });
  });
});
