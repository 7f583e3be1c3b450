import { admin, orders, type risk } from '@meridian/contracts';
import { GrpcServerMetrics, MetricsRegistry } from '@meridian/shared-observability';
import {
  AccountsRepository,
  OrderEventsRepository,
  ApiKeyHasher,
  type ApiKeyRole,
  ApiKeysRepository,
  InstrumentsRepository,
  OrdersRepository,
  PretradeRiskStore,
  RiskLimitsRepository,
  TradingStatesRepository,
} from '@meridian/orders-data-access';
import {
  createGatewayTestStores,
  type GatewayTestStores,
} from '@meridian/orders-data-access/testing';
import { testRiskLimits } from '@meridian/orders-domain-pretrade/testing';
import { TEST_INSTRUMENT } from '@meridian/orders-domain/testing';
import { createKafka, type KafkaConsumer, KafkaProducer } from '@meridian/shared-messaging';
import { kafkaBrokers, kafkaControlAddress, uniqueName } from '@meridian/shared-testing';
import { devBrokerControl } from '@meridian/kafka-dev-broker';
import { dlqTopicOf } from '@meridian/contracts';
import { credentials } from '@grpc/grpc-js';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { CreateAccountUseCase } from './create-account.usecase';
import { CreateAgentUseCase } from './create-agent.usecase';
import { GetRiskLimitsUseCase } from './get-risk-limits.usecase';
import { GetTradingStateUseCase } from './get-trading-state.usecase';
import { IssueApiKeyUseCase } from './issue-api-key.usecase';
import { RevokeApiKeyUseCase } from './revoke-api-key.usecase';
import { RotateApiKeyUseCase } from './rotate-api-key.usecase';
import { SetRiskLimitsUseCase } from './set-risk-limits.usecase';
import { SetTradingStateUseCase } from './set-trading-state.usecase';
import { ApplyOrderEventUseCase } from './apply-order-event.usecase';
import { ExecutionReportHub } from './execution-report.hub';
import { createOrderEventsConsumer } from './order-events.consumer';
import { StreamExecutionReportsUseCase } from './stream-execution-reports.usecase';
import { CancelOrderUseCase } from './cancel-order.usecase';
import { KafkaCommandPublisher } from './command.publisher';
import { GetOrderUseCase } from './get-order.usecase';
import { InstrumentCatalog } from './instrument.catalog';
import { ListOpenOrdersUseCase } from './list-open-orders.usecase';
import { OrderEntryService } from './order-entry.service';
import { OrderGrpcServer } from './order-service.grpc-server';
import { OrderTargetResolver } from './order-target.resolver';
import { ReplaceOrderUseCase } from './replace-order.usecase';
import { RiskLimitsCache } from './risk-limits.cache';
import { SubmitOrderUseCase } from './submit-order.usecase';
import {
  ApplyRiskControlUseCase,
  createRiskControlsConsumer,
  KafkaRiskControlPublisher,
} from './risk-controls';

/** A gateway on 127.0.0.1:<ephemeral> over its own schema, Redis prefix and the dev broker. */
export interface TestGateway {
  readonly address: string;
  readonly stores: GatewayTestStores;
  readonly riskStore: PretradeRiskStore;
  readonly limitsCache: RiskLimitsCache;
  readonly client: orders.OrderServiceClient;
  /** AdminService on the same server (admin keys only). */
  readonly adminClient: admin.AdminServiceClient;
  /** Fan-out of execution reports to this gateway's open streams. */
  readonly hub: ExecutionReportHub;
  /** This gateway's own risk.controls topic (AdminService publishes there; never the shared one). */
  readonly riskControlsTopic: string;
  /** The server's metrics (grpc_server_*). */
  readonly metrics: MetricsRegistry;
  /** The instruments (and market prices) orders are validated against. */
  readonly catalog: InstrumentCatalog;
  /** The events consumer's handler (log, risk, fan-out), for feeding reports without Kafka. */
  readonly applyEvent: ApplyOrderEventUseCase;
  /** Creates account (if new), agent and a key with `role`; returns the plaintext key. */
  addAgent(agentId: string, accountId: string, role: ApiKeyRole): Promise<string>;
  close(): Promise<void>;
}

const silent = { error: () => undefined };

export interface TestGatewayOptions {
  /** Consume execution reports from this topic (own group, from the beginning). */
  readonly eventsTopic?: string;
  readonly maxBufferedEvents?: number;
  /** Health readiness of the gRPC server (default: always ready). */
  readonly ready?: () => Promise<boolean>;
  readonly reflection?: boolean;
  /** TTL of the risk-limits cache (default 0: every order reads PostgreSQL). */
  readonly limitsCacheTtlMs?: number;
  /** Apply risk.controls (the test's own topic) with the gateway's consumer. Default false. */
  readonly applyControls?: boolean;
  readonly healthWatchIntervalMs?: number;
}

export async function startTestGateway(
  name: string,
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const stores = await createGatewayTestStores(name);
  const db = stores.pg.db;
  const accounts = new AccountsRepository(db);
  const keys = new ApiKeysRepository(db);
  const hasher = new ApiKeyHasher('test-pepper-0123456789abcdef');
  await new InstrumentsRepository(db).upsert({ spec: TEST_INSTRUMENT, referencePrice: '100.00' });
  const catalog = new InstrumentCatalog();
  catalog.load(await new InstrumentsRepository(db).list());
  const riskStore = new PretradeRiskStore(stores.redis, { prefix: stores.redisPrefix });
  const limitsCache = new RiskLimitsCache(
    new RiskLimitsRepository(db),
    options.limitsCacheTtlMs ?? 0,
  );
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: `gw-test-${name}` });
  const producer = new KafkaProducer({ kafka });
  await producer.connect();
  const riskControlsTopic = await createTestTopic(`${name}.risk`);
  const controls = new KafkaRiskControlPublisher(producer, riskControlsTopic);
  const metrics = new MetricsRegistry({ defaultMetrics: false });
  const entry = new OrderEntryService(
    riskStore,
    new TradingStatesRepository(db),
    new KafkaCommandPublisher(producer),
  );
  const ordersRepo = new OrdersRepository(db);
  const targets = new OrderTargetResolver(riskStore, ordersRepo);
  const hub = new ExecutionReportHub();
  const eventLog = new OrderEventsRepository(db);
  const applyEvent = new ApplyOrderEventUseCase(eventLog, riskStore, catalog, hub);
  let consumer: KafkaConsumer<orders.OrderEvent> | undefined;
  if (options.eventsTopic !== undefined) {
    consumer = createOrderEventsConsumer(applyEvent, {
      kafka,
      groupId: uniqueName(`gw-events-${name}`),
      topicName: options.eventsTopic,
      fromBeginning: true,
      maxInFlight: 16,
      sessionTimeoutMs: 3000,
      rebalanceTimeoutMs: 3000,
      heartbeatIntervalMs: 300,
      maxWaitTimeInMs: 100,
      metadataMaxAgeMs: 1000,
    });
    await consumer.start();
    await consumer.waitUntilReady();
  }
  let controlsConsumer: KafkaConsumer<risk.RiskControl> | undefined;
  if (options.applyControls === true) {
    controlsConsumer = createRiskControlsConsumer(new ApplyRiskControlUseCase(db, riskStore), {
      kafka,
      groupId: uniqueName(`gw-controls-${name}`),
      topicName: riskControlsTopic,
      fromBeginning: true,
      sessionTimeoutMs: 3000,
      rebalanceTimeoutMs: 3000,
      heartbeatIntervalMs: 300,
      maxWaitTimeInMs: 100,
      metadataMaxAgeMs: 1000,
      dlqProducer: producer,
    });
    await controlsConsumer.start();
    await controlsConsumer.waitUntilReady();
  }
  const authenticator = new ApiKeyAuthenticator(keys, hasher, { cacheTtlMs: 0 });
  const server = new OrderGrpcServer(
    authenticator,
    {
      submitOrder: new SubmitOrderUseCase(entry, catalog, limitsCache),
      cancelOrder: new CancelOrderUseCase(entry, catalog, limitsCache, targets),
      replaceOrder: new ReplaceOrderUseCase(entry, catalog, limitsCache, targets),
      getOrder: new GetOrderUseCase(entry, ordersRepo),
      listOpenOrders: new ListOpenOrdersUseCase(entry, ordersRepo),
      streamExecutionReports: new StreamExecutionReportsUseCase(entry, catalog, hub, eventLog, {
        ...(options.maxBufferedEvents === undefined
          ? {}
          : { maxBufferedEvents: options.maxBufferedEvents }),
      }),
      admin: {
        createAccount: new CreateAccountUseCase(db),
        createAgent: new CreateAgentUseCase(db),
        issueApiKey: new IssueApiKeyUseCase(db, hasher),
        rotateApiKey: new RotateApiKeyUseCase(db, hasher, authenticator),
        revokeApiKey: new RevokeApiKeyUseCase(db, authenticator),
        setRiskLimits: new SetRiskLimitsUseCase(db, limitsCache),
        getRiskLimits: new GetRiskLimitsUseCase(db),
        setTradingState: new SetTradingStateUseCase(db, riskStore, controls),
        getTradingState: new GetTradingStateUseCase(db),
      },
    },
    {
      logger: silent,
      metrics: new GrpcServerMetrics(metrics),
      ...(options.healthWatchIntervalMs === undefined
        ? {}
        : { healthWatchIntervalMs: options.healthWatchIntervalMs }),
      ...(options.ready === undefined ? {} : { ready: options.ready }),
      ...(options.reflection === undefined ? {} : { reflection: options.reflection }),
    },
  );
  const port = await server.listen('127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  const client = new orders.OrderServiceClient(address, credentials.createInsecure());
  const adminClient = new admin.AdminServiceClient(address, credentials.createInsecure());
  const knownAccounts = new Set<string>();
  return {
    address,
    stores,
    riskStore,
    limitsCache,
    client,
    adminClient,
    hub,
    riskControlsTopic,
    metrics,
    catalog,
    applyEvent,
    async addAgent(agentId, accountId, role) {
      if (!knownAccounts.has(accountId)) {
        await accounts.createAccount(accountId, accountId);
        await new RiskLimitsRepository(db).upsert(accountId, testRiskLimits());
        knownAccounts.add(accountId);
      }
      await accounts.createAgent({ agentId, accountId, name: agentId, role });
      const issued = await hasher.issue();
      await keys.insert({
        keyId: issued.keyId,
        agentId,
        role,
        salt: issued.salt,
        hash: issued.hash,
      });
      return issued.plaintext;
    },
    async close() {
      client.close();
      adminClient.close();
      await server.close(1000);
      await consumer?.stop();
      await controlsConsumer?.stop();
      await producer.close();
      await stores.cleanup();
    },
  };
}

let eventIds = 0;

/**
 * An execution report as the executor would publish it; `body` defaults to an OrderAccepted of a
 * 1-lot buy at 100.00 (TEST_INSTRUMENT).
 */
export function testOrderEvent(fields: {
  symbol?: string;
  sequence: bigint;
  orderId: string;
  agentId: string;
  accountId: string;
  status?: orders.OrderStatus;
  body?: orders.OrderEvent['event'];
}): orders.OrderEvent {
  eventIds += 1;
  return orders.OrderEvent.fromPartial({
    eventId: `test-event-${eventIds}`,
    symbol: fields.symbol ?? TEST_INSTRUMENT.symbol,
    sequence: fields.sequence,
    orderId: fields.orderId,
    clientOrderId: `c-${fields.orderId}`,
    accountId: fields.accountId,
    agentId: fields.agentId,
    commandId: `cmd-${fields.orderId}`,
    eventTimeUnixNanos: 1_700_000_000_000_000_000n + fields.sequence,
    status: fields.status ?? orders.OrderStatus.NEW,
    event: fields.body ?? {
      $case: 'accepted',
      value: {
        order: orders.NewOrder.fromPartial({
          side: 1,
          orderType: orders.OrderType.LIMIT,
          timeInForce: orders.TimeInForce.GTC,
          quantity: { value: '1' },
          limitPrice: { value: '100.00' },
        }),
        status: orders.OrderStatus.NEW,
      },
    },
  });
}

/** A fresh orders.events-shaped topic (3 partitions) and its DLQ on the dev broker. */
export function createTestEventsTopic(prefix: string): Promise<string> {
  return createTestTopic(`${prefix}.events`);
}

/** A fresh 3-partition topic and its DLQ on the dev broker. */
export async function createTestTopic(prefix: string): Promise<string> {
  const control = devBrokerControl(kafkaControlAddress());
  const name = uniqueName(prefix).replaceAll('_', '-');
  await control.createTopic({ name, partitions: 3, replicationFactor: 3 });
  await control.createTopic({ name: dlqTopicOf(name), partitions: 1, replicationFactor: 3 });
  return name;
}
