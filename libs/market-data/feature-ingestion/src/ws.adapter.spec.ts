import { join } from 'node:path';
import { freePort, waitFor } from '@meridian/shared-testing';
import {
  FIXTURES_DIR,
  ManualScheduler,
  RECORDED_WS_MAPPING as WS_MAPPING,
  RecordedWsServer,
  RecordingSink,
} from './testing';
import { WsFeedAdapter, type WsFeedOptions } from './ws.adapter';

const SUBSCRIBE = { op: 'subscribe', channels: ['ticker'], symbols: ['AAPL', 'MSFT'] };

function adapterFor(url: string, extra: Partial<WsFeedOptions> = {}): WsFeedAdapter {
  return new WsFeedAdapter({
    source: 'ws-primary',
    url,
    mapping: WS_MAPPING,
    recordsPath: 'data',
    filter: { path: 'type', equals: 'ticker' },
    subscribe: [SUBSCRIBE],
    backoff: { initialMs: 20, maxMs: 200 },
    rateLimit: { capacity: 10, refillPerSecond: 100 },
    ...extra,
  });
}

describe('WsFeedAdapter', () => {
  let server: RecordedWsServer | undefined;
  let adapter: WsFeedAdapter | undefined;

  afterEach(async () => {
    await adapter?.stop();
    await server?.close();
    adapter = undefined;
    server = undefined;
  });

  it('subscribes, maps recorded provider messages to ticks and skips heartbeats', async () => {
    server = await RecordedWsServer.start({ fixture: join(FIXTURES_DIR, 'ws-recorded.jsonl') });
    const sink = new RecordingSink();
    adapter = adapterFor(server.url);
    adapter.start(sink);
    await waitFor('the recording', () => sink.ticks.length >= 7 && sink.undecodables.length >= 1);
    expect(server.received.map((m) => JSON.parse(m) as unknown)).toEqual([SUBSCRIBE]);
    expect(sink.ticks.map((t) => `${t.symbol}#${t.sequence}`)).toEqual([
      'AAPL#1',
      'MSFT#1',
      'AAPL#2',
      'AAPL#3',
      'AAPL#6',
      'MSFT#2',
      'MSFT#3',
    ]);
    expect(sink.ticks[0]).toMatchObject({
      source: 'ws-primary',
      bidPrice: { value: '100.00' },
      bidSize: { value: '5' },
      askPrice: { value: '100.01' },
      askSize: { value: '3' },
      lastPrice: { value: '100.01' },
      lastSize: { value: '2' },
      exchangeTimeUnixNanos: 1767364200000n * 1_000_000n,
    });
    // The quote-only update has no trade fields at all.
    expect(sink.ticks[1]?.lastPrice).toBeUndefined();
    // Decoding is not validation: the crossed and negative ticks reach the sink as sent.
    expect(sink.ticks[3]?.bidPrice?.value).toBe('100.05');
    expect(sink.ticks[5]?.lastPrice?.value).toBe('-400.13');
    expect(sink.undecodables).toEqual(['message is not JSON']);
    expect(sink.connections).toEqual([{ connected: true, detail: undefined }]);
    expect(adapter.isConnected()).toBe(true);
  });

  it('reconnects with backoff after the provider drops, and subscribes again', async () => {
    server = await RecordedWsServer.start({ fixture: join(FIXTURES_DIR, 'ws-recorded.jsonl') });
    const sink = new RecordingSink();
    adapter = adapterFor(server.url);
    adapter.start(sink);
    await waitFor('the first session', () => sink.ticks.length >= 7);
    await server.close();
    await waitFor('the disconnect', () => sink.connections.length === 2);
    expect(sink.connections[1]?.connected).toBe(false);
    expect(adapter.isConnected()).toBe(false);
    await server.restart();
    await waitFor('the second session', () => sink.ticks.length >= 14);
    expect(sink.connections.map((c) => c.connected)).toEqual([true, false, true]);
    expect(server.received).toHaveLength(2);
    expect(adapter.connectionAttempts).toBeGreaterThanOrEqual(2);
  });

  it('respects the provider rate limit on reconnects (token bucket) while the provider is down', async () => {
    const scheduler = new ManualScheduler(0);
    const sink = new RecordingSink();
    adapter = adapterFor(`ws://127.0.0.1:${await freePort()}`, {
      scheduler,
      backoff: { initialMs: 10, maxMs: 40, jitter: 0 },
      rateLimit: { capacity: 2, refillPerSecond: 1 },
    });
    adapter.start(sink);
    await waitFor('five refused attempts', () => (adapter?.connectionAttempts ?? 0) >= 5);
    await adapter.stop();
    // 5 attempts with a burst of 2 and 1 per second cannot happen in less than 3 s of its time.
    const attempts = adapter.connectionAttempts;
    expect(scheduler.now()).toBeGreaterThanOrEqual((attempts - 2) * 1_000 - 1);
    // Backoff delays come first: 10, 20, 40 (capped), 40...
    expect(scheduler.sleeps.filter((ms) => ms < 100).slice(0, 4)).toEqual([10, 20, 40, 40]);
    expect(sink.connections).toEqual([]);
  });

  it('refuses a URL that is not ws://', () => {
    expect(() => adapterFor('http://127.0.0.1:1')).toThrow(RangeError);
  });
});
