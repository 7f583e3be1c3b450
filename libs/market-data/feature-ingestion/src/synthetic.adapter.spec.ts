import { parseFeedInstruments } from '@meridian/market-data-feed';
import { defaultStartPrice, SyntheticFeedAdapter } from './synthetic.adapter';
import { ManualScheduler, RecordingSink } from './testing';

const instruments = parseFeedInstruments(
  JSON.stringify([
    { symbol: 'AAPL', tickSize: '0.01' },
    { symbol: 'BTC-USD', tickSize: '0.5', lotSize: '0.0001' },
    { symbol: 'EUR-USD', tickSize: '0.00001', lotSize: '1000' },
  ]),
);

describe('SyntheticFeedAdapter', () => {
  afterEach(() => jest.useRealTimers());

  it('repeats runs for a seed: same ticks, round-robin over symbols', () => {
    const run = (seed: number) => {
      const sink = new RecordingSink();
      const scheduler = new ManualScheduler(0);
      new SyntheticFeedAdapter({
        source: 's',
        instruments,
        seed,
        ratePerSecond: 100,
        scheduler,
      }).generate(30, sink);
      return sink.ticks;
    };
    expect(run(9)).toEqual(run(9));
    expect(run(9)).not.toEqual(run(10));
    expect(
      run(9)
        .slice(0, 4)
        .map((t) => `${t.symbol}#${t.sequence}`),
    ).toEqual(['AAPL#1', 'BTC-USD#1', 'EUR-USD#1', 'AAPL#2']);
  });

  it('starts at the first grid price at or above 100', () => {
    expect(instruments.map(defaultStartPrice)).toEqual(['100.00', '100.0', '100.00000']);
  });

  it('emits at the configured rate as time passes, and never bursts more than a second after a stall', () => {
    jest.useFakeTimers();
    const scheduler = new ManualScheduler(0);
    const sink = new RecordingSink();
    const adapter = new SyntheticFeedAdapter({
      source: 's',
      instruments,
      seed: 1,
      ratePerSecond: 200,
      intervalMs: 10,
      scheduler,
    });
    adapter.start(sink);
    expect(sink.connections).toEqual([{ connected: true, detail: undefined }]);
    for (let i = 0; i < 100; i++) {
      scheduler.advance(10);
      jest.advanceTimersByTime(10);
    }
    expect(sink.ticks).toHaveLength(200);
    scheduler.advance(10_000); // a 10 s stall
    jest.advanceTimersByTime(10);
    expect(sink.ticks).toHaveLength(400);
    expect(adapter.isConnected()).toBe(true);
    void adapter.stop();
    expect(adapter.isConnected()).toBe(false);
  });
});
