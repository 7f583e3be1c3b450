import {
  ApiKeyHasher,
  ApiKeysRepository,
  InstrumentsRepository,
  OrderEventsRepository,
  OrdersRepository,
  PretradeRiskStore,
  RiskLimitsRepository,
  TradingStatesRepository,
} from '@meridian/orders-data-access';
import {
  ApiKeyAuthenticator,
  ApplyOrderEventUseCase,
  ApplyRiskControlUseCase,
  createRiskControlsConsumer,
  createMarketPricesConsumer,
  KafkaRiskControlPublisher,
  CancelOrderUseCase,
  CreateAccountUseCase,
  CreateAgentUseCase,
  createOrderEventsConsumer,
  ExecutionReportHub,
  GetOrderUseCase,
  GetRiskLimitsUseCase,
  GetTradingStateUseCase,
  InstrumentCatalog,
  IssueApiKeyUseCase,
  KafkaCommandPublisher,
  ListOpenOrdersUseCase,
  OrderEntryService,
  OrderGrpcServer,
  OrderIdGenerator,
  OrderTargetResolver,
  ReplaceOrderUseCase,
  RevokeApiKeyUseCase,
  RiskLimitsCache,
  RotateApiKeyUseCase,
  SetRiskLimitsUseCase,
  SetTradingStateUseCase,
  StreamExecutionReportsUseCase,
  SubmitOrderUseCase,
} from '@meridian/orders-feature-gateway';
import type { marketdata, orders, risk } from '@meridian/contracts';
import { GrpcServerMetrics } from '@meridian/shared-observability';
import type { KafkaConsumer, KafkaProducer } from '@meridian/shared-messaging';
import type { Logger, MetricsRegistry, ReadinessRegistry } from '@meridian/shared-observability';
import type { Database } from '@meridian/shared-persistence';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { OrderGatewayConfig } from './order-gateway.config';

/** The connections main.ts opens (and closes, in order, at shutdown). */
export interface GatewayConnections {
  readonly config: OrderGatewayConfig;
  readonly db: Database;
  readonly redis: Redis;
  readonly kafka: Kafka;
  readonly producer: KafkaProducer;
  readonly pepper: string;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly readiness: ReadinessRegistry;
}

/** The gateway's moving parts, built from the connections: the gRPC server and the events consumer. */
export interface GatewayRuntime {
  readonly server: OrderGrpcServer;
  readonly consumer: KafkaConsumer<orders.OrderEvent>;
  /** Applies risk.controls.v1 (every trading-state change) to PostgreSQL and Redis. */
  readonly controlsConsumer: KafkaConsumer<risk.RiskControl>;
  /** Market last prices (price-band centres) from marketdata.last-price.v1. */
  readonly pricesConsumer: KafkaConsumer<marketdata.LastPrice>;
  readonly hub: ExecutionReportHub;
  readonly catalog: InstrumentCatalog;
  readonly entry: OrderEntryService;
}

/** Wires the feature lib's classes (no logic of its own). */
export async function buildGatewayRuntime(c: GatewayConnections): Promise<GatewayRuntime> {
  const { config, db } = c;
  const instruments = new InstrumentsRepository(db);
  for (const record of config.instrumentsSeed ?? []) await instruments.upsert(record);
  const catalog = new InstrumentCatalog();
  catalog.load(await instruments.list());

  const riskStore = new PretradeRiskStore(c.redis, { prefix: config.redisPrefix });
  // The band centre is read in memory per order; the last trades Redis kept seed it at boot.
  for (const symbol of catalog.symbols()) {
    const ticks = await riskStore.lastPriceTicks(symbol);
    if (ticks !== null) catalog.recordTrade(symbol, ticks, 0n);
  }
  const limits = new RiskLimitsCache(new RiskLimitsRepository(db));
  const ordersRepo = new OrdersRepository(db);
  const publisher = new KafkaCommandPublisher(c.producer, config.commandsTopic);
  const entry = new OrderEntryService(
    riskStore,
    new TradingStatesRepository(db),
    publisher,
    undefined,
    (error, clientOrderId) =>
      c.logger.warn({ err: error, clientOrderId }, 'idempotency record not marked confirmed'),
  );
  const targets = new OrderTargetResolver(riskStore, ordersRepo);
  const hub = new ExecutionReportHub();
  const eventLog = new OrderEventsRepository(db);

  const hasher = new ApiKeyHasher(c.pepper);
  const authenticator = new ApiKeyAuthenticator(new ApiKeysRepository(db), hasher, {
    cacheTtlMs: config.authCacheTtlMs,
  });

  const reportDelay = c.metrics.histogram('gateway_execution_report_delay_seconds', {
    help: 'From the engine event time of an execution report to its fan-out to agent streams (orders.events.v1 transit, replay-log INSERT, Redis risk update)',
  });
  const stages = c.metrics.histogram('gateway_submit_stage_seconds', {
    help: 'Time an accepted SubmitOrder spent in each stage: validate (decode to fingerprint), limits (risk limits and price band), reserve (Redis risk reservation), publish (Kafka acks=all)',
    labelNames: ['stage'],
  });
  const server = new OrderGrpcServer(
    authenticator,
    {
      submitOrder: new SubmitOrderUseCase(
        entry,
        catalog,
        limits,
        new OrderIdGenerator(config.nodeId),
        (stage, seconds) => stages.observe({ stage }, seconds),
      ),
      cancelOrder: new CancelOrderUseCase(entry, catalog, limits, targets),
      replaceOrder: new ReplaceOrderUseCase(entry, catalog, limits, targets),
      getOrder: new GetOrderUseCase(entry, ordersRepo),
      listOpenOrders: new ListOpenOrdersUseCase(entry, ordersRepo),
      streamExecutionReports: new StreamExecutionReportsUseCase(entry, catalog, hub, eventLog, {
        maxBufferedEvents: config.maxStreamBuffer,
      }),
      admin: {
        createAccount: new CreateAccountUseCase(db),
        createAgent: new CreateAgentUseCase(db),
        issueApiKey: new IssueApiKeyUseCase(db, hasher),
        rotateApiKey: new RotateApiKeyUseCase(db, hasher, authenticator),
        revokeApiKey: new RevokeApiKeyUseCase(db, authenticator),
        setRiskLimits: new SetRiskLimitsUseCase(db, limits),
        getRiskLimits: new GetRiskLimitsUseCase(db),
        setTradingState: new SetTradingStateUseCase(
          db,
          riskStore,
          new KafkaRiskControlPublisher(c.producer, config.riskControlsTopic),
        ),
        getTradingState: new GetTradingStateUseCase(db),
      },
    },
    {
      logger: c.logger,
      reflection: config.grpc.reflection,
      metrics: new GrpcServerMetrics(c.metrics),
      ready: async () => (await c.readiness.check()).status === 'ok',
    },
  );
  const consumer = createOrderEventsConsumer(
    new ApplyOrderEventUseCase(eventLog, riskStore, catalog, hub, (seconds) =>
      reportDelay.observe(seconds),
    ),
    {
      kafka: c.kafka,
      groupId: config.eventsGroup,
      topicName: config.eventsTopic,
      fromBeginning: config.eventsFromBeginning,
      // A partition's reports in order, up to 500 per INSERT and Redis pipeline; partitions in
      // parallel.
      batchSize: config.eventsBatchSize,
      partitionsConsumedConcurrently: 4,
      logger: c.logger,
      metrics: c.metrics,
      dlqProducer: c.producer,
    },
  );
  const controlsConsumer = createRiskControlsConsumer(new ApplyRiskControlUseCase(db, riskStore), {
    kafka: c.kafka,
    groupId: config.riskControlsGroup,
    topicName: config.riskControlsTopic,
    // The compacted topic holds every target's latest state: a new replica converges from it.
    fromBeginning: true,
    logger: c.logger,
    metrics: c.metrics,
    dlqProducer: c.producer,
  });
  const pricesConsumer = createMarketPricesConsumer(catalog, {
    kafka: c.kafka,
    groupId: config.marketPricesGroup,
    topicName: config.marketPricesTopic,
    fromBeginning: true,
    logger: c.logger,
    metrics: c.metrics,
    dlqProducer: c.producer,
    onRefused: (price) =>
      c.logger.debug({ symbol: price.symbol, price: price.price?.value }, 'market price refused'),
  });
  return { server, consumer, controlsConsumer, pricesConsumer, hub, catalog, entry };
}
