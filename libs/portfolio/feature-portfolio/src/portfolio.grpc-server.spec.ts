import { portfolio } from '@meridian/contracts';
import { MONEY_SCALE, parseFixed } from '@meridian/portfolio-domain';
import { PortfolioRedisView, PortfolioRepository } from '@meridian/portfolio-data-access';
import {
  createPortfolioTestStores,
  type PortfolioTestStores,
} from '@meridian/portfolio-data-access/testing';
import { MetricsRegistry } from '@meridian/shared-observability';
import { metricSample, waitFor } from '@meridian/shared-testing';
import { Client, credentials, type Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { GrpcServerMetrics } from '@meridian/shared-observability';
import { PortfolioEngine } from './portfolio.engine';
import { PortfolioGrpcServer, portfolioErrorInfoOf } from './portfolio.grpc-server';
import { PortfolioMetrics } from './portfolio.metrics';
import { PositionUpdateHub } from './position-update.hub';
import { acceptedEvent, fillEvent, ListUpdateSink } from './testing';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const SERVICE = 'meridian.portfolio.v1.PortfolioService';

function records<T>(values: readonly T[]) {
  return values.map((value, i) => ({ value, partition: 0, offset: String(i) }));
}

interface Failure {
  code: number;
  reason: string | undefined;
}

function failure(error: ServiceError | null): Failure | null {
  return error === null
    ? null
    : {
        code: error.code,
        reason: portfolioErrorInfoOf(error.metadata as Metadata | undefined)?.reason,
      };
}

describe('PortfolioService over gRPC (real socket on 127.0.0.1)', () => {
  let stores: PortfolioTestStores;
  let engine: PortfolioEngine;
  let server: PortfolioGrpcServer;
  let client: portfolio.PortfolioServiceClient;
  let raw: Client;
  let registry: MetricsRegistry;
  let hub: PositionUpdateHub;
  let address: string;

  beforeAll(async () => {
    stores = await createPortfolioTestStores('pf_grpc');
    registry = new MetricsRegistry({ defaultMetrics: false });
    hub = new PositionUpdateHub();
    engine = new PortfolioEngine({
      repository: new PortfolioRepository(stores.pg.db),
      view: new PortfolioRedisView(stores.redis, stores.redisPrefix),
      sink: new ListUpdateSink(),
      hub,
      metrics: new PortfolioMetrics(registry),
      logger: silent,
      clock: () => 1_767_225_600_000_000_000n,
      fees: { makerBps: 0, takerBps: 0 },
      defaultStartingCash: parseFixed('5000', MONEY_SCALE),
      defaultCurrency: 'EUR',
      markThrottleMs: 0,
    });
    await engine.start();
    await engine.applyOrderEvents(
      records([
        acceptedEvent({
          orderId: 'o1',
          accountId: 'ACC-1',
          symbol: 'AAA',
          side: 'buy',
          quantity: '5',
          sequence: 1n,
        }),
        fillEvent({
          orderId: 'o1',
          accountId: 'ACC-1',
          symbol: 'AAA',
          executionId: 'x1',
          quantity: '5',
          price: '20',
          sequence: 2n,
          final: true,
        }),
        acceptedEvent({
          orderId: 'o2',
          accountId: 'ACC-1',
          symbol: 'BBB',
          side: 'sell',
          quantity: '2',
          sequence: 1n,
        }),
        fillEvent({
          orderId: 'o2',
          accountId: 'ACC-1',
          symbol: 'BBB',
          executionId: 'x2',
          quantity: '2',
          price: '7.5',
          sequence: 2n,
          final: false,
        }),
      ]),
    );
    server = new PortfolioGrpcServer(engine, hub, {
      logger: silent,
      metrics: new GrpcServerMetrics(registry),
    });
    const port = await server.listen('127.0.0.1', 0);
    address = `127.0.0.1:${port}`;
    client = new portfolio.PortfolioServiceClient(address, credentials.createInsecure());
    raw = new Client(address, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    raw.close();
    await server.close(100);
    await stores.cleanup();
  });

  const getPositions = (request: Partial<portfolio.GetPositionsRequest>) =>
    new Promise<{ res?: portfolio.GetPositionsResponse; err: Failure | null }>((resolve) => {
      client.getPositions(portfolio.GetPositionsRequest.fromPartial(request), (err, res) =>
        resolve({ res, err: failure(err) }),
      );
    });
  const getAccount = (request: Partial<portfolio.GetAccountRequest>) =>
    new Promise<{ res?: portfolio.GetAccountResponse; err: Failure | null }>((resolve) => {
      client.getAccount(portfolio.GetAccountRequest.fromPartial(request), (err, res) =>
        resolve({ res, err: failure(err) }),
      );
    });

  it('GetPositions returns the account positions, or one symbol', async () => {
    const all = await getPositions({ accountId: 'ACC-1' });
    expect(all.err).toBeNull();
    expect(
      all.res?.positions.map((p) => [p.symbol, p.quantity?.value, p.averageCost?.value]),
    ).toEqual([
      ['AAA', '5', '20'],
      ['BBB', '-2', '7.5'],
    ]);
    const one = await getPositions({ accountId: 'ACC-1', symbol: 'BBB' });
    expect(one.res?.positions.map((p) => p.symbol)).toEqual(['BBB']);
  });

  it('GetPositions: unknown account is NOT_FOUND, empty or malformed id is INVALID_ARGUMENT', async () => {
    expect((await getPositions({ accountId: 'nobody' })).err).toEqual({
      code: status.NOT_FOUND,
      reason: 'PORTFOLIO_ACCOUNT_NOT_FOUND',
    });
    expect((await getPositions({ accountId: '' })).err).toEqual({
      code: status.INVALID_ARGUMENT,
      reason: 'PORTFOLIO_REQUEST_INVALID',
    });
    expect((await getPositions({ accountId: 'a b' })).err).toEqual({
      code: status.INVALID_ARGUMENT,
      reason: 'PORTFOLIO_REQUEST_INVALID',
    });
  });

  it('GetAccount returns the valuation with the account currency', async () => {
    const { res, err } = await getAccount({ accountId: 'ACC-1' });
    expect(err).toBeNull();
    // Cash 5000 - 100 + 15 = 4915; unmarked positions at cost: 100 and -15; equity 5000.
    expect(res?.account).toMatchObject({
      accountId: 'ACC-1',
      currency: 'EUR',
      cashBalance: { value: '4915' },
      equity: { value: '5000' },
      grossExposure: { value: '115' },
      netExposure: { value: '85' },
      version: 2n,
    });
    expect(res?.account?.positions).toHaveLength(2);
  });

  it('GetAccount: unknown account is NOT_FOUND, empty id is INVALID_ARGUMENT', async () => {
    expect((await getAccount({ accountId: 'nobody' })).err).toEqual({
      code: status.NOT_FOUND,
      reason: 'PORTFOLIO_ACCOUNT_NOT_FOUND',
    });
    expect((await getAccount({})).err).toEqual({
      code: status.INVALID_ARGUMENT,
      reason: 'PORTFOLIO_REQUEST_INVALID',
    });
  });

  it('answers undecodable request bytes with INVALID_ARGUMENT', async () => {
    const err = await new Promise<Failure | null>((resolve) => {
      raw.makeUnaryRequest(
        `/${SERVICE}/GetAccount`,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0xff, 0xff, 0xff]),
        (error) => resolve(failure(error)),
      );
    });
    expect(err).toEqual({ code: status.INVALID_ARGUMENT, reason: 'PORTFOLIO_REQUEST_MALFORMED' });
  });

  it('StreamPositions delivers the account updates as they happen', async () => {
    const call = client.streamPositions(
      portfolio.StreamPositionsRequest.fromPartial({ accountId: 'ACC-1' }),
    );
    const received: portfolio.PositionUpdate[] = [];
    call.on('data', (r: portfolio.StreamPositionsResponse) => {
      if (r.update !== undefined) received.push(r.update);
    });
    call.on('error', () => undefined);
    await waitFor('the stream to subscribe', () => hub.subscribers() === 1);
    await engine.applyOrderEvents(
      records([
        fillEvent({
          orderId: 'o2',
          accountId: 'ACC-1',
          symbol: 'BBB',
          executionId: 'x3',
          quantity: '1',
          price: '8',
          sequence: 3n,
          final: true,
        }),
      ]),
    );
    await waitFor('the update', () => received.length === 1);
    expect(received[0]).toMatchObject({
      version: 3n,
      executionId: 'x3',
      position: { symbol: 'BBB', quantity: { value: '-3' } },
    });
    call.cancel();
    await waitFor('the stream to unsubscribe', () => hub.subscribers() === 0);
  });

  it.each([
    ['nobody', status.NOT_FOUND, 'PORTFOLIO_ACCOUNT_NOT_FOUND'],
    ['', status.INVALID_ARGUMENT, 'PORTFOLIO_REQUEST_INVALID'],
  ])('StreamPositions for %p fails with %p', async (accountId, code, reason) => {
    const call = client.streamPositions(
      portfolio.StreamPositionsRequest.fromPartial({ accountId }),
    );
    const err = await new Promise<Failure | null>((resolve) => {
      call.on('error', (e: ServiceError) => resolve(failure(e)));
      call.on('data', () => resolve(null));
    });
    expect(err).toEqual({ code, reason });
  });

  it('counts calls with the go-grpc-prometheus series', async () => {
    const text = await registry.metricsText();
    const s = (method: string, code: string) =>
      metricSample(
        text,
        `grpc_server_handled_total{grpc_service="${SERVICE}",grpc_method="${method}",grpc_type="${method === 'StreamPositions' ? 'server_stream' : 'unary'}",grpc_code="${code}"}`,
      );
    expect(s('GetPositions', 'OK')).toBe(2);
    expect(s('GetPositions', 'NotFound')).toBe(1);
    expect(s('GetPositions', 'InvalidArgument')).toBe(2);
    expect(s('GetAccount', 'InvalidArgument')).toBe(2);
    expect(s('StreamPositions', 'Canceled')).toBe(1);
    expect(s('StreamPositions', 'NotFound')).toBe(1);
    expect(
      metricSample(
        text,
        `grpc_server_handling_seconds_count{grpc_service="${SERVICE}",grpc_method="GetAccount",grpc_type="unary"}`,
      ),
    ).toBe(4);
  });
});
