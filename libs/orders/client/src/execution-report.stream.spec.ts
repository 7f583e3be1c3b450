import { type orders } from '@meridian/contracts';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { type ExecutionReportStream } from './execution-report.stream';
import { MeridianClientError } from './meridian-client.error';
import { OrderClient } from './order.client';
import { fakeReport, type FakeGateway, startFakeGateway } from './testing';
import { waitFor } from '@meridian/shared-testing';

async function take(stream: ExecutionReportStream, count: number): Promise<orders.OrderEvent[]> {
  const got: orders.OrderEvent[] = [];
  while (got.length < count) {
    const next = await stream.next();
    if (next.done === true) break;
    got.push(next.value);
  }
  return got;
}

describe('ExecutionReportStream', () => {
  let gateway: FakeGateway;
  let client: OrderClient;

  beforeEach(async () => {
    gateway = await startFakeGateway();
    client = new OrderClient({ address: gateway.address, apiKey: gateway.apiKey });
  });

  afterEach(async () => {
    client.close();
    await gateway.close();
  });

  const seqs = (events: orders.OrderEvent[]) => events.map((e) => Number(e.sequence));

  it('replays from a sequence, then resumes after the gateway drops it, without gap or duplicate', async () => {
    for (const s of [1n, 2n, 3n]) gateway.emit(fakeReport('ACME', s));
    const stream = client.executionReports({ symbol: 'ACME', startAt: 1n, reconnectBackoffMs: 5 });
    expect(seqs(await take(stream, 3))).toEqual([1, 2, 3]);
    await waitFor('the stream to be open', () => gateway.openStreams() === 1, 5000, 10);
    gateway.emit(fakeReport('ACME', 5n));
    expect(seqs(await take(stream, 1))).toEqual([5]);

    gateway.dropStreams();
    // Reports logged while the client is away (sequences have holes: other agents' events).
    for (const s of [7n, 8n, 10n]) gateway.emit(fakeReport('ACME', s));
    expect(seqs(await take(stream, 3))).toEqual([7, 8, 10]);
    await waitFor('the stream to be open again', () => gateway.openStreams() === 1, 5000, 10);
    gateway.emit(fakeReport('ACME', 11n));
    expect(seqs(await take(stream, 1))).toEqual([11]);

    expect(gateway.streamRequests.map((r) => [r.symbol, Number(r.fromSequence)])).toEqual([
      ['ACME', 1],
      ['ACME', 6],
    ]);
    expect(stream.connections).toBe(2);
    expect(stream.lastDisconnect).toMatchObject({
      code: GrpcStatus.UNAVAILABLE,
      reason: 'GATEWAY_SHUTTING_DOWN',
    });
    stream.close();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('resumes after the client drops the call itself (reconnectNow) from last + 1', async () => {
    const stream = client.executionReports({ symbol: 'ACME' });
    await waitFor('the stream to be open', () => gateway.openStreams() === 1, 5000, 10);
    gateway.emit(fakeReport('ACME', 4n));
    expect(seqs(await take(stream, 1))).toEqual([4]);
    stream.reconnectNow();
    gateway.emit(fakeReport('ACME', 6n));
    expect(seqs(await take(stream, 1))).toEqual([6]);
    expect(gateway.streamRequests.map((r) => Number(r.fromSequence))).toEqual([0, 5]);
    stream.close();
  });

  it('drops reports at or below the last sequence', async () => {
    const stream = client.executionReports({ symbol: 'ACME' });
    await waitFor('the stream to be open', () => gateway.openStreams() === 1, 5000, 10);
    for (const s of [3n, 2n, 3n, 4n]) gateway.emit(fakeReport('ACME', s));
    expect(seqs(await take(stream, 2))).toEqual([3, 4]);
    expect(stream.duplicatesDropped).toBe(2);
    stream.close();
  });

  it('works as an async iterator and ends when closed', async () => {
    const stream = client.executionReports({ symbol: 'ACME', startAt: 1n });
    for (const s of [1n, 2n]) gateway.emit(fakeReport('ACME', s));
    const got: number[] = [];
    for await (const event of stream) {
      got.push(Number(event.sequence));
      if (got.length === 2) break; // `break` calls return(), which closes the stream
    }
    expect(got).toEqual([1, 2]);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('ends with a typed error when the key is refused, without reconnecting', async () => {
    const stranger = new OrderClient({
      address: gateway.address,
      apiKey: 'mrd_ffffffffffffffff.nope',
    });
    const stream = stranger.executionReports({ symbol: 'ACME', reconnectBackoffMs: 1 });
    try {
      const error = await stream.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MeridianClientError);
      expect(error).toMatchObject({
        code: GrpcStatus.UNAUTHENTICATED,
        reason: 'GATEWAY_UNAUTHENTICATED',
      });
      expect(stream.connections).toBe(1);
    } finally {
      stranger.close();
    }
  });

  it('needs a symbol (sequences are per symbol)', () => {
    expect(() => client.executionReports({ symbol: '' })).toThrow(RangeError);
  });
});
