import { randomUUID } from 'node:crypto';
import { connect } from 'node:http2';
import { join } from 'node:path';
import { grpcHealth, orders } from '@meridian/contracts';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { kafkaBrokers, waitFor } from '@meridian/shared-testing';
import {
  type ClientReadableStream,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { z } from 'zod';
import { errorInfoOf } from './grpc-error.mapper';
import { orderEventsTopic } from './order-events.consumer';
import {
  createTestEventsTopic,
  startTestGateway,
  type TestGateway,
  testOrderEvent,
} from './testing';

const SYMBOL = 'ACME';
let gw: TestGateway;
let topic: string;
let producer: KafkaProducer;
let traderA: string;
let readOnlyA: string;
let traderB: string;
let admin: string;

beforeAll(async () => {
  topic = await createTestEventsTopic('gwstream');
  gw = await startTestGateway('gwstream', { eventsTopic: topic, reflection: true });
  traderA = await gw.addAgent('agent-a', 'acct-a', 'trader');
  readOnlyA = await gw.addAgent('agent-a-ro', 'acct-a', 'read-only');
  traderB = await gw.addAgent('agent-b', 'acct-b', 'trader');
  admin = await gw.addAgent('agent-admin', 'acct-ops', 'admin');
  producer = new KafkaProducer({
    kafka: createKafka({ brokers: kafkaBrokers(), clientId: 'gwstream-publisher' }),
  });
  await producer.connect();
});
afterAll(async () => {
  await producer.close();
  await gw.close();
});

function meta(key: string): Metadata {
  const m = new Metadata();
  m.set('x-api-key', key);
  return m;
}

/** The next sequence of SYMBOL: agents A and B share it, as they share the symbol's stream. */
let nextSequence = 0n;
/** Events of agent A published so far, by sequence. */
const publishedForA: bigint[] = [];

async function publish(count: number, agentOf: (i: number) => 'a' | 'b'): Promise<void> {
  const events: orders.OrderEvent[] = [];
  for (let i = 0; i < count; i++) {
    nextSequence += 1n;
    const agent = agentOf(i);
    const event = testOrderEvent({
      sequence: nextSequence,
      orderId: randomUUID(),
      agentId: agent === 'a' ? 'agent-a' : 'agent-b',
      accountId: agent === 'a' ? 'acct-a' : 'acct-b',
    });
    if (agent === 'a') publishedForA.push(nextSequence);
    events.push(event);
  }
  const binding = orderEventsTopic(topic);
  for (const value of events) await producer.publish(binding, { key: value.symbol, value });
}

interface Collected {
  readonly call: ClientReadableStream<orders.StreamExecutionReportsResponse>;
  readonly events: orders.OrderEvent[];
  readonly ended: Promise<ServiceError | null>;
}

function openStream(
  key: string,
  request: Partial<orders.StreamExecutionReportsRequest>,
): Collected {
  const call = gw.client.streamExecutionReports(
    orders.StreamExecutionReportsRequest.fromPartial(request),
    meta(key),
  );
  const events: orders.OrderEvent[] = [];
  call.on('data', (response: orders.StreamExecutionReportsResponse) => {
    if (response.event !== undefined) events.push(response.event);
  });
  const ended = new Promise<ServiceError | null>((resolve) => {
    call.on('error', (error: ServiceError) => resolve(error));
    call.on('end', () => resolve(null));
  });
  return { call, events, ended };
}

function sequencesOf(events: readonly orders.OrderEvent[]): bigint[] {
  return events.map((e) => e.sequence);
}

describe('StreamExecutionReports', () => {
  it('replays from a sequence, resumes after a reconnect with no gap and no duplicate, only the agent’s own reports', async () => {
    await publish(40, (i) => (i % 3 === 2 ? 'b' : 'a'));
    const first = openStream(traderA, { symbol: SYMBOL, fromSequence: 1n });
    await waitFor('the first replay', () => first.events.length >= 20);
    first.call.cancel();
    const received = sequencesOf(first.events);
    const lastReceived = received[received.length - 1] ?? 0n;

    // Reports keep coming while the agent is away, and while it reconnects.
    await publish(30, (i) => (i % 2 === 0 ? 'a' : 'b'));
    const second = openStream(traderA, { symbol: SYMBOL, fromSequence: lastReceived + 1n });
    await publish(60, (i) => (i % 4 === 0 ? 'b' : 'a'));
    const expectedAll = [...publishedForA];
    await waitFor('the resumed stream to catch up', () => {
      const got = sequencesOf(second.events);
      return got[got.length - 1] === expectedAll[expectedAll.length - 1];
    });

    const resumed = sequencesOf(second.events);
    expect([...received, ...resumed]).toEqual(expectedAll);
    expect(second.events.every((e) => e.agentId === 'agent-a')).toBe(true);
    second.call.cancel();
    await waitFor('both streams to be unsubscribed', () => gw.hub.size === 0);
  });

  it('streams live reports of every symbol of the agent when no symbol is given', async () => {
    const live = openStream(traderA, {});
    await waitFor('the stream to subscribe', () => gw.hub.size === 1);
    const before = publishedForA.length;
    await publish(6, (i) => (i < 3 ? 'b' : 'a'));
    const expected = publishedForA.slice(before);
    await waitFor('live reports', () => live.events.length >= expected.length);
    expect(sequencesOf(live.events)).toEqual(expected);
    live.call.cancel();
    await waitFor('the stream to be unsubscribed', () => gw.hub.size === 0);
  });

  it('does not show an agent the reports of another agent of its account', async () => {
    const other = openStream(readOnlyA, { symbol: SYMBOL, fromSequence: 1n });
    await waitFor('the stream to subscribe', () => gw.hub.size === 1);
    await publish(4, () => 'a');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(other.events).toEqual([]);
    other.call.cancel();
    await waitFor('the stream to be unsubscribed', () => gw.hub.size === 0);
  });

  it('refuses from_sequence without a symbol, an unknown symbol, admin keys and missing keys', async () => {
    const cases: [string, Partial<orders.StreamExecutionReportsRequest>, status, string][] = [
      [traderA, { fromSequence: 5n }, status.INVALID_ARGUMENT, 'GATEWAY_INVALID_FIELD'],
      [traderA, { symbol: 'NOPE' }, status.INVALID_ARGUMENT, 'GATEWAY_UNKNOWN_SYMBOL'],
      [traderA, { accountId: 'acct-b' }, status.PERMISSION_DENIED, 'GATEWAY_PERMISSION_DENIED'],
      [admin, {}, status.PERMISSION_DENIED, 'GATEWAY_PERMISSION_DENIED'],
      ['mrd_nope', {}, status.UNAUTHENTICATED, 'GATEWAY_UNAUTHENTICATED'],
    ];
    for (const [key, request, code, reason] of cases) {
      const error = await openStream(key, request).ended;
      expect(error?.code).toBe(code);
      expect(errorInfoOf(error?.metadata)?.reason).toBe(reason);
    }
    expect(gw.hub.size).toBe(0);
  });

  it('updates the pre-trade reservation and position from the consumed reports', async () => {
    const ack = await new Promise<orders.SubmitOrderResponse>((resolve, reject) =>
      gw.client.submitOrder(
        orders.SubmitOrderRequest.fromPartial({
          clientOrderId: `risk-${randomUUID()}`,
          symbol: SYMBOL,
          order: {
            side: 1,
            orderType: orders.OrderType.LIMIT,
            timeInForce: orders.TimeInForce.GTC,
            quantity: { value: '10' },
            limitPrice: { value: '100.00' },
          },
        }),
        meta(traderB),
        (error, response) => (error ? reject(error) : resolve(response)),
      ),
    );
    expect(await gw.riskStore.accountRisk('acct-b')).toMatchObject({ open: '1', 'ob:ACME': '10' });
    const fill = (quantity: string, cumulative: string) => ({
      fill: {
        executionId: randomUUID(),
        tradeId: randomUUID(),
        price: { value: '100.00' },
        quantity: { value: quantity },
        liquidity: orders.Liquidity.MAKER,
      },
      cumulativeQuantity: { value: cumulative },
    });
    const owner = { orderId: ack.orderId, agentId: 'agent-b', accountId: 'acct-b' };
    const binding = orderEventsTopic(topic);
    nextSequence += 1n;
    const partial = testOrderEvent({
      ...owner,
      sequence: nextSequence,
      status: orders.OrderStatus.PARTIALLY_FILLED,
      body: {
        $case: 'partiallyFilled',
        value: {
          ...fill('4', '4'),
          leavesQuantity: { value: '6' },
          averagePrice: { value: '100.00' },
        },
      },
    });
    nextSequence += 1n;
    const filled = testOrderEvent({
      ...owner,
      sequence: nextSequence,
      status: orders.OrderStatus.FILLED,
      body: { $case: 'filled', value: { ...fill('6', '10'), averagePrice: { value: '100.00' } } },
    });
    for (const value of [partial, filled, partial])
      await producer.publish(binding, { key: SYMBOL, value });
    await waitFor('the fills to reach Redis', async () => {
      const risk = await gw.riskStore.accountRisk('acct-b');
      return risk['pos:ACME'] === '10';
    });
    // The redelivered partial fill changed nothing: 10 lots long, nothing reserved, no open order.
    expect(await gw.riskStore.accountRisk('acct-b')).toMatchObject({
      open: '0',
      opennot: '0',
      'ob:ACME': '0',
      'pos:ACME': '10',
      gross: '100000',
    });
    expect(await gw.riskStore.lastPriceTicks(SYMBOL)).toBe(10_000);
    // ... and the in-memory band centre every Submit and Replace reads.
    expect(gw.catalog.bandCentreTicks(SYMBOL)).toBe(10_000);
  });
});

describe('slow consumers', () => {
  let small: TestGateway;
  let key: string;
  beforeAll(async () => {
    small = await startTestGateway('gwslow', { maxBufferedEvents: 50 });
    key = await small.addAgent('agent-s', 'acct-s', 'trader');
  });
  afterAll(async () => small.close());

  it('ends a stream that does not read with RESOURCE_EXHAUSTED / GATEWAY_SLOW_CONSUMER', async () => {
    // A raw HTTP/2 client that stops reading, so flow control really stops the server (grpc-js'
    // own client keeps buffering in memory when the application does not read).
    const session = connect(`http://${small.address}`);
    const request = orders.StreamExecutionReportsRequest.encode({
      accountId: '',
      symbol: SYMBOL,
      fromSequence: 0n,
    }).finish();
    const frame = Buffer.alloc(5 + request.length);
    frame.writeUInt32BE(request.length, 1);
    Buffer.from(request).copy(frame, 5);
    const stream = session.request({
      ':method': 'POST',
      ':path': '/meridian.orders.v1.OrderService/StreamExecutionReports',
      'content-type': 'application/grpc',
      te: 'trailers',
      'x-api-key': key,
    });
    stream.end(frame);
    stream.pause();
    const trailers = new Promise<Record<string, unknown>>((resolve) =>
      stream.on('trailers', (headers: Record<string, unknown>) => resolve(headers)),
    );
    await waitFor('the stream to subscribe', () => small.hub.size === 1);

    // Reports arrive at a steady pace; the stream is cut once more than 50 are held back.
    let sequence = 0n;
    await waitFor(
      'the stream to be cut',
      async () => {
        for (let i = 0; i < 20; i++) {
          sequence += 1n;
          small.hub.publish(
            testOrderEvent({
              sequence,
              orderId: `o-${sequence}`,
              agentId: 'agent-s',
              accountId: 'acct-s',
            }),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
        return small.hub.size === 0;
      },
      20_000,
      0,
    );
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.resume();
    const end = await trailers;
    session.close();

    expect(end['grpc-status']).toBe(String(status.RESOURCE_EXHAUSTED));
    const details = new Metadata();
    details.set(
      'grpc-status-details-bin',
      Buffer.from(String(end['grpc-status-details-bin']), 'base64'),
    );
    expect(errorInfoOf(details)).toMatchObject({
      reason: 'GATEWAY_SLOW_CONSUMER',
      metadata: { bufferLimit: '50' },
    });
    // What did arrive is a gapless prefix: the client resumes right after its last sequence.
    const body = Buffer.concat(chunks);
    const received: bigint[] = [];
    for (let at = 0; at + 5 <= body.length;) {
      const length = body.readUInt32BE(at + 1);
      const message = orders.StreamExecutionReportsResponse.decode(
        body.subarray(at + 5, at + 5 + length),
      );
      received.push(message.event?.sequence ?? 0n);
      at += 5 + length;
    }
    expect(received.length).toBeGreaterThan(50);
    expect(received.length).toBeLessThan(Number(sequence));
    expect(received).toEqual(Array.from({ length: received.length }, (_, i) => BigInt(i + 1)));
  });

  it('ends open streams with UNAVAILABLE / GATEWAY_SHUTTING_DOWN when the server closes', async () => {
    const other = await startTestGateway('gwclose');
    const k = await other.addAgent('agent-c', 'acct-c', 'trader');
    const call = other.client.streamExecutionReports(
      orders.StreamExecutionReportsRequest.fromPartial({}),
      meta(k),
    );
    const ended = new Promise<ServiceError>((resolve) => call.on('error', resolve));
    call.on('data', () => undefined);
    await waitFor('the stream to subscribe', () => other.hub.size === 1);
    await other.close();
    const error = await ended;
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(errorInfoOf(error.metadata)?.reason).toBe('GATEWAY_SHUTTING_DOWN');
  });
});

describe('health and reflection', () => {
  it('answers NOT_SERVING while a dependency is down', async () => {
    let up = false;
    const gated = await startTestGateway('gwhealth', { ready: () => Promise.resolve(up) });
    const health = new grpcHealth.HealthClient(gated.address, credentials.createInsecure());
    const check = () =>
      new Promise<grpcHealth.HealthCheckResponse_ServingStatus>((resolve, reject) =>
        health.check({ service: 'meridian.orders.v1.OrderService' }, (error, response) =>
          error ? reject(error) : resolve(response.status),
        ),
      );
    try {
      expect(await check()).toBe(grpcHealth.HealthCheckResponse_ServingStatus.NOT_SERVING);
      up = true;
      expect(await check()).toBe(grpcHealth.HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      health.close();
      await gated.close();
    }
  });

  it('Watch streams every change of the serving status until the client cancels', async () => {
    let up = false;
    const gated = await startTestGateway('gwwatch', {
      ready: () => Promise.resolve(up),
      healthWatchIntervalMs: 20,
    });
    const health = new grpcHealth.HealthClient(gated.address, credentials.createInsecure());
    const seen: grpcHealth.HealthCheckResponse_ServingStatus[] = [];
    const { SERVING, NOT_SERVING } = grpcHealth.HealthCheckResponse_ServingStatus;
    const stream = health.watch({ service: 'meridian.orders.v1.OrderService' });
    stream.on('data', (r: grpcHealth.HealthCheckResponse) => seen.push(r.status));
    stream.on('error', () => undefined);
    try {
      await waitFor('the first status', () => seen.length === 1);
      up = true;
      await waitFor('SERVING', () => seen.length === 2);
      up = false;
      await waitFor('NOT_SERVING again', () => seen.length === 3);
      expect(seen).toEqual([NOT_SERVING, SERVING, NOT_SERVING]);
    } finally {
      stream.cancel();
      health.close();
      await gated.close();
    }
  });

  it('lists OrderService, AdminService and Health through server reflection', async () => {
    const reflectionProto = join(
      require.resolve('@grpc/reflection/package.json'),
      '..',
      'build',
      'proto',
    );
    const definition = loadSync('grpc/reflection/v1/reflection.proto', {
      includeDirs: [reflectionProto],
      keepCase: true,
    });
    const loaded = loadPackageDefinition(definition) as unknown as {
      grpc: {
        reflection: {
          v1: {
            ServerReflection: new (
              address: string,
              creds: ReturnType<typeof credentials.createInsecure>,
            ) => {
              ServerReflectionInfo(): NodeJS.ReadWriteStream & {
                write(request: unknown): boolean;
                end(): void;
              };
              close(): void;
            };
          };
        };
      };
    };
    const client = new loaded.grpc.reflection.v1.ServerReflection(
      gw.address,
      credentials.createInsecure(),
    );
    const response = await new Promise<unknown>((resolve, reject) => {
      const stream = client.ServerReflectionInfo();
      stream.on('data', resolve);
      stream.on('error', reject);
      stream.write({ list_services: '' });
      stream.end();
    });
    client.close();
    const parsed = z
      .object({
        list_services_response: z.object({ service: z.array(z.object({ name: z.string() })) }),
      })
      .parse(response);
    expect(parsed.list_services_response.service.map((s) => s.name).sort()).toEqual([
      'grpc.health.v1.Health',
      'meridian.admin.v1.AdminService',
      'meridian.orders.v1.OrderService',
    ]);
  });
});
