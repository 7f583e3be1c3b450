import { marketdata, orders } from '@meridian/contracts';
import { createKafka, KafkaProducer, protobufCodec, topicOf } from '@meridian/shared-messaging';
import { kafkaBrokers, uniqueName, waitFor } from '@meridian/shared-testing';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { errorInfoOf } from './grpc-error.mapper';
import { createMarketPricesConsumer } from './market-prices.consumer';
import { createTestTopic, startTestGateway, type TestGateway } from './testing';

let gw: TestGateway;
let key: string;
const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'market-prices-spec' });

beforeAll(async () => {
  gw = await startTestGateway('gwprices');
  key = await gw.addAgent('agent-px', 'acct-px', 'trader');
});
afterAll(async () => gw.close());

let seq = 0;
async function outcome(price: string): Promise<string> {
  seq += 1;
  const request = orders.SubmitOrderRequest.fromPartial({
    clientOrderId: `px-${seq}-${Date.now()}`,
    symbol: 'ACME',
    order: {
      side: 1,
      orderType: orders.OrderType.LIMIT,
      timeInForce: orders.TimeInForce.GTC,
      quantity: { value: '1' },
      limitPrice: { value: price },
    },
  });
  const m = new Metadata();
  m.set('x-api-key', key);
  try {
    await new Promise((resolve, reject) =>
      gw.client.submitOrder(request, m, (e, r) => (e ? reject(e) : resolve(r))),
    );
    return 'accepted';
  } catch (error: unknown) {
    return errorInfoOf((error as ServiceError).metadata)?.reason ?? 'unknown';
  }
}

describe('market last prices centre the price band until a symbol trades here', () => {
  it('moves the band to the market price from marketdata.last-price, refusing unusable prices', async () => {
    // Static reference 100.00, band 50 %: 160 is out, 100 is in.
    expect(await outcome('160.00')).toBe('GATEWAY_RISK_PRICE_BAND');
    expect(await outcome('100.00')).toBe('accepted');

    const topic = await createTestTopic('gwprices.last-price');
    const refused: string[] = [];
    const consumer = createMarketPricesConsumer(gw.catalog, {
      kafka,
      groupId: uniqueName('gw-prices'),
      topicName: topic,
      fromBeginning: true,
      maxWaitTimeInMs: 100,
      sessionTimeoutMs: 3000,
      rebalanceTimeoutMs: 3000,
      heartbeatIntervalMs: 300,
      onRefused: (p) => refused.push(`${p.symbol}@${p.price?.value ?? ''}`),
    });
    const producer = new KafkaProducer({ kafka });
    await producer.connect();
    const binding = topicOf(
      topic,
      protobufCodec('meridian.marketdata.v1.LastPrice', marketdata.LastPrice),
    );
    try {
      await consumer.start();
      await consumer.waitUntilReady();
      const publish = (symbol: string, value: string) =>
        producer.publish(binding, {
          key: symbol,
          value: marketdata.LastPrice.fromPartial({
            symbol,
            price: { value },
            sequence: 1n,
            source: 'test',
          }),
        });
      await publish('ACME', '300.00');
      await publish('ACME', '300.005'); // off the 0.01 grid: refused, the band stays at 300
      await publish('NOPE', '1.00'); // not an instrument here
      await waitFor('the refusals', () => refused.length === 2);
      expect(refused).toEqual(['ACME@300.005', 'NOPE@1.00']);
      expect(gw.catalog.referenceTicks('ACME')).toBe(30_000);
      // Band 50 % around 300.00: 160 is now in, 100 is out.
      expect(await outcome('160.00')).toBe('accepted');
      expect(await outcome('100.00')).toBe('GATEWAY_RISK_PRICE_BAND');
    } finally {
      await consumer.stop();
      await producer.close();
    }
  });
});
