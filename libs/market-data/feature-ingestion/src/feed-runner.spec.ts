import { type marketdata } from '@meridian/contracts';
import { compileInstrument } from '@meridian/market-data-feed';
import { MetricsRegistry } from '@meridian/shared-observability';
import { metricSample } from '@meridian/shared-testing';
import { type FeedAdapter, type FeedSink } from './feed-adapter';
import { FEEDS_READINESS_CHECK, isHealthy, isServing } from './feed-health';
import { IngestionMetrics } from './ingestion.metrics';
import { MarketDataIngestor } from './marketdata-ingestor';
import { ManualScheduler } from './testing';

const instruments = ['AAPL', 'MSFT'].map((symbol) =>
  compileInstrument({ symbol, tickSize: '0.01', lotSize: '1' }),
);

/** An adapter driven by the test. */
class ScriptedAdapter implements FeedAdapter {
  sink: FeedSink | undefined;
  constructor(readonly source: string) {}
  start(sink: FeedSink): void {
    this.sink = sink;
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  isConnected(): boolean {
    return true;
  }
  connect(connected = true): void {
    this.sink?.connection(connected);
  }
  send(symbol: string, sequence: number, last: string, over: Partial<marketdata.Tick> = {}): void {
    const [whole = '0', cents = '00'] = last.split('.');
    const bid = `${whole}.${cents}`;
    const ask = `${whole}.${String(Number(cents) + 1).padStart(2, '0')}`;
    this.sink?.tick({
      symbol,
      bidPrice: { value: bid },
      bidSize: { value: '1' },
      askPrice: { value: ask },
      askSize: { value: '1' },
      lastPrice: { value: last },
      lastSize: { value: '1' },
      exchangeTimeUnixNanos: 0n,
      receivedTimeUnixNanos: 0n,
      sequence: BigInt(sequence),
      source: this.source,
      ...over,
    });
  }
}

const running: MarketDataIngestor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((ingestor) => ingestor.stop()));
});

function setup(withBackup = true) {
  const scheduler = new ManualScheduler();
  const registry = new MetricsRegistry({ defaultMetrics: false });
  const published: marketdata.Tick[] = [];
  const primary = new ScriptedAdapter('p');
  const backup = new ScriptedAdapter('b');
  const ingestor = new MarketDataIngestor({
    feeds: [{ name: 'eq', primary, backup: withBackup ? backup : undefined, instruments }],
    publisher: {
      start: () => undefined,
      stop: () => Promise.resolve(),
      enqueue: (tick) => published.push(tick),
    },
    metrics: new IngestionMetrics(registry),
    bandBps: 1000,
    staleAfterMs: 1_000,
    switchBackAfterMs: 0,
    refreshIntervalMs: 60_000,
    scheduler,
  });
  ingestor.start();
  running.push(ingestor);
  const metric = async (series: string) => metricSample(await registry.metricsText(), series) ?? 0;
  return { scheduler, registry, published, primary, backup, ingestor, metric };
}

describe('MarketDataIngestor pipeline', () => {
  it('publishes valid ticks stamped with receive time; rejects malformed ones, counted and not published', async () => {
    const { primary, published, metric, scheduler, ingestor } = setup(false);
    primary.connect();
    primary.send('AAPL', 1, '100.00');
    primary.send('AAPL', 2, '100.01', { bidPrice: { value: '100.05' } }); // crossed
    primary.send('AAPL', 3, '-1.00'); // negative
    primary.send('AAPL', 4, '200.00'); // out of band (10%)
    primary.send('AAPL', 5, '100.02', { lastSize: { value: '0' } });
    primary.send('ZZZ', 1, '1.00');
    primary.send('MSFT', 1, '400.001'); // off tick
    primary.sink?.undecodable('bad json');
    primary.send('MSFT', 2, '400.00');
    primary.send('MSFT', 2, '400.00'); // duplicate
    expect(published.map((t) => `${t.symbol}#${t.sequence}`)).toEqual(['AAPL#1', 'MSFT#2']);
    expect(published[0]?.receivedTimeUnixNanos).toBe(BigInt(scheduler.now()) * 1_000_000n);
    for (const [reason, count] of [
      ['crossed_book', 1],
      ['non_positive_price', 1],
      ['out_of_band', 1],
      ['non_positive_size', 1],
      ['unknown_symbol', 1],
      ['off_tick', 1],
      ['undecodable', 1],
      ['duplicate_sequence', 1],
    ] as const)
      expect(await metric(`marketdata_ticks_rejected_total{feed="eq",reason="${reason}"}`)).toBe(
        count,
      );
    expect(await metric('marketdata_ticks_total{feed="eq",source="p"}')).toBe(2);
    const health = ingestor.health().feeds[0];
    expect(health?.accepted).toBe(2);
    expect(health?.symbols.find((s) => s.symbol === 'AAPL')?.rejects).toBe(4);
    expect(health?.rejects['unknown_symbol']).toBe(1);
  });

  it('counts sequence gaps per symbol (a rejected tick is not a gap) and still publishes the tick', async () => {
    const { primary, published, metric, ingestor } = setup(false);
    primary.connect();
    primary.send('AAPL', 1, '100.00');
    primary.send('AAPL', 2, '-1.00'); // rejected but received: no gap
    primary.send('AAPL', 3, '100.01');
    primary.send('AAPL', 7, '100.02'); // 4, 5, 6 never came
    primary.send('MSFT', 10, '50.00');
    primary.send('MSFT', 12, '50.01');
    expect(published.map((t) => t.sequence)).toEqual([1n, 3n, 7n, 10n, 12n]);
    expect(await metric('marketdata_sequence_gaps_total{feed="eq",symbol="AAPL"}')).toBe(1);
    expect(await metric('marketdata_sequence_gaps_total{feed="eq",symbol="MSFT"}')).toBe(1);
    expect(ingestor.health().feeds[0]?.symbols.map((s) => s.gaps)).toEqual([1, 1]);
  });

  it('restarts sequences when a source reconnects (a new provider session)', () => {
    const { primary, published } = setup(false);
    primary.connect();
    primary.send('AAPL', 5, '100.00');
    primary.connect(false);
    primary.connect(true);
    primary.send('AAPL', 1, '100.00');
    expect(published.map((t) => t.sequence)).toEqual([5n, 1n]);
  });

  it('fails over to the backup when the primary is stale, publishes only the active source, and comes back', async () => {
    const { primary, backup, published, metric, scheduler, ingestor } = setup();
    primary.connect();
    backup.connect();
    primary.send('AAPL', 1, '100.00');
    backup.send('AAPL', 101, '100.00');
    expect(published.map((t) => t.source)).toEqual(['p']);
    expect(await metric('marketdata_feed_active_source{feed="eq",source="p"}')).toBe(1);
    scheduler.advance(600);
    backup.send('AAPL', 102, '100.01');
    scheduler.advance(600);
    ingestor.refresh(); // the once-a-second check: primary silent for 1.2 s
    expect(ingestor.feed('eq')?.activeSource).toBe('b');
    expect(await metric('marketdata_feed_active_source{feed="eq",source="p"}')).toBe(0);
    expect(await metric('marketdata_feed_active_source{feed="eq",source="b"}')).toBe(1);
    backup.send('AAPL', 103, '100.02');
    backup.send('MSFT', 1, '50.00');
    expect(ingestor.health().feeds[0]?.status).toBe('degraded');
    primary.send('AAPL', 2, '100.02'); // recovered: back at once (switchBackAfterMs 0)
    backup.send('AAPL', 104, '100.03');
    expect(published.map((t) => `${t.source}#${t.sequence}`)).toEqual([
      'p#1',
      'b#103',
      'b#1',
      'p#2',
    ]);
    expect(await metric('marketdata_feed_failovers_total{feed="eq"}')).toBe(2);
    expect(ingestor.health().feeds[0]?.status).toBe('ok');
  });

  it('reports health: stale symbols, down sources, and readiness from it', async () => {
    const { primary, scheduler, ingestor, metric } = setup(false);
    primary.connect();
    primary.send('AAPL', 1, '100.00');
    primary.send('MSFT', 1, '50.00');
    let health = ingestor.health();
    expect(health.overall).toBe('ok');
    expect(isHealthy(health)).toBe(true);
    scheduler.advance(700);
    primary.send('AAPL', 2, '100.00');
    scheduler.advance(500);
    ingestor.refresh();
    expect(await metric('marketdata_tick_age_seconds{symbol="AAPL"}')).toBe(0.5);
    expect(await metric('marketdata_tick_age_seconds{symbol="MSFT"}')).toBe(1.2);
    health = ingestor.health();
    expect(health.feeds[0]?.status).toBe('stale');
    expect(health.feeds[0]?.symbols.map((s) => [s.symbol, s.ageMs, s.stale])).toEqual([
      ['AAPL', 500, false],
      ['MSFT', 1200, true],
    ]);
    expect(isHealthy(health)).toBe(false);
    // One fresh symbol left: still serving (ready), not healthy.
    expect(isServing(health)).toBe(true);
    scheduler.advance(600);
    expect(isServing(ingestor.health())).toBe(false);
    primary.send('AAPL', 3, '100.00');
    primary.send('MSFT', 2, '50.00');
    primary.connect(false);
    health = ingestor.health();
    expect(health.overall).toBe('down');
    expect(health.feeds[0]?.sources[0]).toMatchObject({
      source: 'p',
      connected: false,
      active: true,
    });
    expect(isServing(health)).toBe(false);
    expect(await metric('marketdata_feed_connected{feed="eq",source="p"}')).toBe(0);
    expect(FEEDS_READINESS_CHECK).toBe('market-data-feeds');
  });
});
