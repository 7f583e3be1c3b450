import { type FakeGateway, startFakeGateway } from '@meridian/orders-client/testing';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { LatencyHistogram } from './latency.histogram';
import { runLoadGenerator } from './load.generator';
import { type SimInstrument } from './sim-instrument';

const ACME: SimInstrument = {
  symbol: 'ACME',
  tickSize: '0.01',
  lotSize: '1',
  referencePrice: '100.004',
};

describe('runLoadGenerator against a scripted gateway (reports for every order)', () => {
  let gateway: FakeGateway;

  beforeEach(async () => {
    gateway = await startFakeGateway(undefined, { autoReports: true });
  });

  afterEach(async () => {
    await gateway.close();
  });

  it('sends the scheduled orders round-robin, measures ack and first report, counts errors by reason', async () => {
    gateway.fail(
      'SubmitOrder',
      // The warm-up orders of both agents succeed first; then two measured orders are refused.
      { code: GrpcStatus.OK },
      { code: GrpcStatus.OK },
      { code: GrpcStatus.RESOURCE_EXHAUSTED, reason: 'GATEWAY_RATE_LIMITED' },
      { code: GrpcStatus.FAILED_PRECONDITION, reason: 'GATEWAY_RISK_MAX_POSITION' },
    );
    const report = await runLoadGenerator({
      address: gateway.address,
      apiKeys: [gateway.apiKey, gateway.apiKey],
      channels: 2,
      ratePerSecond: 400,
      durationMs: 250,
      instrument: ACME,
      runId: 'unit',
      cancelLeftovers: false,
      // Completeness, not speed, is tested: no deadline a busy machine could miss.
      deadlineMs: 60_000,
      drainTimeoutMs: 60_000,
      includeHistograms: true,
    });
    expect(report).toMatchObject({
      scheduled: 100,
      sent: 100,
      acknowledged: 98,
      errors: { GATEWAY_RATE_LIMITED: 1, GATEWAY_RISK_MAX_POSITION: 1 },
      missingReports: 0,
      agents: 2,
      channels: 2,
    });
    expect(report.submitToAck.count).toBe(98);
    expect(LatencyHistogram.decode(report.histograms?.submitToAck ?? '').count).toBe(98);
    expect(report.submitToFirstReport.count).toBe(98);
    expect(report.submitToAck.p50Ms).toBeGreaterThan(0);
    expect(report.submitToFirstReport.maxMs).toBeGreaterThanOrEqual(
      report.submitToFirstReport.p99Ms,
    );

    const sent = (gateway.received.get('SubmitOrder') ?? []) as {
      clientOrderId: string;
      order?: { side: number; limitPrice?: { value: string } };
    }[];
    const measured = sent.filter((r) => /^unit-[0-9]+$/.test(r.clientOrderId));
    expect(measured).toHaveLength(100);
    // Prices rounded onto the tick grid; rounds of BUYs then SELLs (cross mix, 2 agents).
    expect(new Set(measured.map((r) => r.order?.limitPrice?.value))).toEqual(new Set(['100.00']));
    const sideOf = (n: number) =>
      measured.find((r) => r.clientOrderId === `unit-${n}`)?.order?.side;
    expect([0, 1, 2, 3, 4, 5].map(sideOf)).toEqual([1, 1, 2, 2, 1, 1]);
  });

  it('refuses to run without keys or with a non-positive rate', async () => {
    await expect(
      runLoadGenerator({
        address: gateway.address,
        apiKeys: [],
        ratePerSecond: 1,
        durationMs: 1,
        instrument: ACME,
      }),
    ).rejects.toThrow(RangeError);
    await expect(
      runLoadGenerator({
        address: gateway.address,
        apiKeys: [gateway.apiKey],
        ratePerSecond: 0,
        durationMs: 1,
        instrument: ACME,
      }),
    ).rejects.toThrow(RangeError);
  });
});
