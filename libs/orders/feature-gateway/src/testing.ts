import { orders } from '@meridian/contracts';
import {
  AccountsRepository,
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
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { kafkaBrokers } from '@meridian/shared-testing';
import { credentials } from '@grpc/grpc-js';
import { ApiKeyAuthenticator } from './api-key.authenticator';
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

/** A gateway on 127.0.0.1:<ephemeral> over its own schema, Redis prefix and the dev broker. */
export interface TestGateway {
  readonly address: string;
  readonly stores: GatewayTestStores;
  readonly riskStore: PretradeRiskStore;
  readonly limitsCache: RiskLimitsCache;
  readonly client: orders.OrderServiceClient;
  /** Creates account (if new), agent and a key with `role`; returns the plaintext key. */
  addAgent(agentId: string, accountId: string, role: ApiKeyRole): Promise<string>;
  close(): Promise<void>;
}

const silent = { error: () => undefined };

export async function startTestGateway(name: string): Promise<TestGateway> {
  const stores = await createGatewayTestStores(name);
  const db = stores.pg.db;
  const accounts = new AccountsRepository(db);
  const keys = new ApiKeysRepository(db);
  const hasher = new ApiKeyHasher('test-pepper-0123456789abcdef');
  await new InstrumentsRepository(db).upsert({ spec: TEST_INSTRUMENT, referencePrice: '100.00' });
  const catalog = new InstrumentCatalog();
  catalog.load(await new InstrumentsRepository(db).list());
  const riskStore = new PretradeRiskStore(stores.redis, { prefix: stores.redisPrefix });
  const limitsCache = new RiskLimitsCache(new RiskLimitsRepository(db), 0);
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: `gw-test-${name}` });
  const producer = new KafkaProducer({ kafka });
  await producer.connect();
  const entry = new OrderEntryService(
    riskStore,
    new TradingStatesRepository(db),
    new KafkaCommandPublisher(producer),
  );
  const ordersRepo = new OrdersRepository(db);
  const targets = new OrderTargetResolver(riskStore, ordersRepo);
  const server = new OrderGrpcServer(
    new ApiKeyAuthenticator(keys, hasher, { cacheTtlMs: 0 }),
    {
      submitOrder: new SubmitOrderUseCase(entry, catalog, limitsCache),
      cancelOrder: new CancelOrderUseCase(entry, catalog, limitsCache, targets),
      replaceOrder: new ReplaceOrderUseCase(entry, catalog, limitsCache, targets),
      getOrder: new GetOrderUseCase(entry, ordersRepo),
      listOpenOrders: new ListOpenOrdersUseCase(entry, ordersRepo),
    },
    { logger: silent },
  );
  const port = await server.listen('127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  const client = new orders.OrderServiceClient(address, credentials.createInsecure());
  const knownAccounts = new Set<string>();
  return {
    address,
    stores,
    riskStore,
    limitsCache,
    client,
    async addAgent(agentId, accountId, role) {
      if (!knownAccounts.has(accountId)) {
        await accounts.createAccount(accountId, accountId);
        await new RiskLimitsRepository(db).upsert(accountId, testRiskLimits());
        knownAccounts.add(accountId);
      }
      await accounts.createAgent({ agentId, accountId, name: agentId });
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
      await server.close(1000);
      await producer.close();
      await stores.cleanup();
    },
  };
}
