/** Test helpers for MarketDataService specs and benchmarks. Specs only. */
import { type marketdata } from '@meridian/contracts';
import { devBrokerControl } from '@meridian/kafka-dev-broker';
import { MarketDataRepository } from '@meridian/market-data-data-access';
import { type Cache, type CacheMetrics, createCache } from '@meridian/shared-cache';
import { GrpcServerMetrics, MetricsRegistry } from '@meridian/shared-observability';
import type { Database } from '@meridian/shared-persistence';
import { kafkaControlAddress, uniqueName } from '@meridian/shared-testing';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { GetBarsUseCase, type GetBarsLimits } from './get-bars.usecase';
import { GetLastPriceUseCase } from './get-last-price.usecase';
import { LastPriceTable } from './last-price.table';
import { MarketDataClient } from './market-data.client';
import { MarketDataGrpcServer } from './market-data.grpc-server';
import { StreamTicksUseCase, type StreamTicksLimits } from './stream-ticks.usecase';
import { SymbolDirectory } from './symbol.directory';
import { TickStreamHub, type TickSubscriber } from './tick-stream.hub';

export interface MarketDataTopics {
  readonly ticks: string;
  readonly lastPrice: string;
}

/** Fresh ticks and last-price topics on the dev broker. */
export async function createMarketDataTopics(prefix: string): Promise<MarketDataTopics> {
  const control = devBrokerControl(kafkaControlAddress());
  const base = uniqueName(prefix).replaceAll('_', '-');
  const topics = { ticks: `${base}.ticks`, lastPrice: `${base}.last-price` };
  await control.createTopic({ name: topics.ticks, partitions: 3, replicationFactor: 3 });
  await control.createTopic({ name: topics.lastPrice, partitions: 3, replicationFactor: 3 });
  return topics;
}

/** Something that pushes ticks to subscribers on demand (slow-consumer tests). */
export class ManualTickHub {
  private readonly subscribers = new Map<TickSubscriber, readonly string[]>();

  subscribe(symbols: readonly string[], subscriber: TickSubscriber): () => void {
    this.subscribers.set(subscriber, symbols);
    return () => this.subscribers.delete(subscriber);
  }

  /** Pushes `tick` to every subscriber of its symbol; returns how many accepted it. */
  publish(tick: marketdata.Tick): number {
    let accepted = 0;
    for (const [subscriber, symbols] of [...this.subscribers])
      if (symbols.includes(tick.symbol) && subscriber.push(tick)) accepted += 1;
    return accepted;
  }

  get size(): number {
    return this.subscribers.size;
  }
}

export interface TestServerOptions {
  readonly db: Database;
  readonly kafka: Kafka;
  readonly topics: MarketDataTopics;
  readonly barsTtlSeconds?: number;
  readonly lastPriceTtlSeconds?: number;
  readonly limits?: Partial<GetBarsLimits>;
  readonly streamLimits?: Partial<StreamTicksLimits>;
  /** Replaces the Kafka hub for StreamTicks. */
  readonly hub?: ManualTickHub;
  readonly cacheMetrics?: CacheMetrics;
}

export interface TestServer {
  readonly port: number;
  readonly address: string;
  readonly client: MarketDataClient;
  readonly registry: MetricsRegistry;
  readonly cache: Cache;
  readonly namespace: string;
  readonly table: LastPriceTable;
  readonly hub: TickStreamHub | undefined;
  readonly streams: StreamTicksUseCase;
  close(): Promise<void>;
}

/** The whole API wired as the app wires it, on 127.0.0.1 with an ephemeral port. */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const registry = new MetricsRegistry({ defaultMetrics: false });
  const namespace = uniqueName('mdapi');
  const cache = createCache({
    redis: 'redis://127.0.0.1:6379',
    namespace,
    ...(options.cacheMetrics === undefined ? {} : { metrics: options.cacheMetrics }),
  });
  const repository = new MarketDataRepository(options.db);
  const symbols = new SymbolDirectory(repository);
  const table = new LastPriceTable({
    kafka: options.kafka,
    topic: options.topics.lastPrice,
    groupId: uniqueName('mdapi-last'),
    onSymbol: (symbol) => symbols.remember(symbol),
  });
  await table.start();
  const hub =
    options.hub === undefined
      ? new TickStreamHub({
          kafka: options.kafka,
          topic: options.topics.ticks,
          groupId: uniqueName('mdapi-ticks'),
        })
      : undefined;
  await hub?.start();
  const streams = new StreamTicksUseCase(options.hub ?? (hub as TickStreamHub), {
    maxSymbols: 50,
    maxQueuedTicks: 1000,
    ...options.streamLimits,
  });
  const server = new MarketDataGrpcServer(
    {
      getBars: new GetBarsUseCase(repository, symbols, cache, options.barsTtlSeconds ?? 0, {
        defaultLimit: 500,
        maxLimit: 5000,
        maxRangeBars: 100_000,
        ...options.limits,
      }),
      getLastPrice: new GetLastPriceUseCase(
        table,
        repository,
        symbols,
        cache,
        options.lastPriceTtlSeconds ?? 0,
      ),
      streamTicks: streams,
    },
    {
      logger: { error: () => undefined },
      metrics: new GrpcServerMetrics(registry),
      onClose: async () => {
        await hub?.stop(new Error('closing'));
      },
    },
  );
  const port = await server.listen('127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  const client = new MarketDataClient(address);
  return {
    port,
    address,
    client,
    registry,
    cache,
    namespace,
    table,
    hub,
    streams,
    async close() {
      client.close();
      await server.close(1000);
      await table.stop();
      await cache.close();
      await deleteNamespace(namespace);
    },
  };
}

/** Removes a test cache namespace from Redis (TTL-0 entries never expire on their own). */
export async function deleteNamespace(namespace: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379');
  try {
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
