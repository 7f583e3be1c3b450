import { type IngestorHealth } from '@meridian/market-data-feature-ingestion';
import {
  ExitCode,
  healthFromMetrics,
  healthFromReadyBody,
  renderHealth,
} from './feed-health-report';
import { loadMarketdataIngestorConfig } from './marketdata-ingestor.config';

const report = (over: Partial<IngestorHealth['feeds'][number]> = {}): IngestorHealth => ({
  overall: over.status ?? 'ok',
  staleAfterMs: 5000,
  feeds: [
    {
      feed: 'eq',
      status: 'ok',
      activeSource: 'ws-a',
      failovers: 0,
      accepted: 10,
      rejects: { crossed_book: 2 },
      sources: [
        { role: 'primary', source: 'ws-a', connected: true, active: true, lastTickAgeMs: 120 },
        { role: 'backup', source: 'ws-b', connected: false, active: false, lastTickAgeMs: null },
      ],
      symbols: [
        { symbol: 'AAPL', ageMs: 120, seen: true, stale: false, gaps: 3, rejects: 2 },
        { symbol: 'MSFT', ageMs: 900, seen: false, stale: false, gaps: 0, rejects: 0 },
      ],
      ...over,
    },
  ],
});

describe('feed health report', () => {
  it('renders a per-feed, per-symbol table and exits 0 when ok or merely on the backup', () => {
    const ok = renderHealth(report());
    expect(ok.exitCode).toBe(ExitCode.healthy);
    expect(ok.text).toContain('feed eq: OK  active=ws-a  failovers=0  accepted=10  rejected=2');
    expect(ok.text).toMatch(/ {2}ws-b\s+backup\s+NO\s+-/);
    expect(ok.text).toMatch(/ {2}AAPL\s+ws-a\s+0\.1s\s+3\s+2\s+ok/);
    expect(ok.text).toMatch(/ {2}MSFT\s+ws-a\s+never \(0\.9s\)/);
    expect(ok.text).toContain('rejects: crossed_book=2');
    expect(renderHealth(report({ status: 'degraded' })).exitCode).toBe(ExitCode.healthy);
  });

  it('exits 1 when a feed is stale or down', () => {
    expect(renderHealth(report({ status: 'stale' })).exitCode).toBe(ExitCode.unhealthy);
    const down = renderHealth(report({ status: 'down' }));
    expect(down.exitCode).toBe(ExitCode.unhealthy);
    expect(down.text).toContain('UNHEALTHY (overall down');
  });

  it('reads the report out of a /health/ready body and refuses anything else', () => {
    const health = report();
    expect(
      healthFromReadyBody({
        status: 'ok',
        details: { 'market-data-feeds': { status: 'up', ...health } },
      }),
    ).toEqual(health);
    expect(healthFromReadyBody({ status: 'shutting_down', details: {} })).toBeUndefined();
    expect(healthFromReadyBody('nope')).toBeUndefined();
    expect(
      healthFromReadyBody({ details: { 'market-data-feeds': { overall: 'fine' } } }),
    ).toBeUndefined();
  });

  it('rebuilds the report from /metrics', () => {
    const text = [
      '# HELP marketdata_feed_active_source x',
      'marketdata_feed_active_source{feed="eq",source="ws-a"} 0',
      'marketdata_feed_active_source{feed="eq",source="ws-b"} 1',
      'marketdata_feed_connected{feed="eq",source="ws-b"} 1',
      'marketdata_tick_age_seconds{symbol="AAPL"} 0.4',
      'marketdata_tick_age_seconds{symbol="MSFT"} 7',
      'marketdata_sequence_gaps_total{feed="eq",symbol="AAPL"} 2',
      'marketdata_ticks_rejected_total{feed="eq",reason="out_of_band"} 4',
      'marketdata_ticks_total{feed="eq",source="ws-b"} 12',
    ].join('\n');
    const health = healthFromMetrics(text, 5000);
    expect(health?.feeds[0]).toMatchObject({
      status: 'stale',
      activeSource: 'ws-b',
      accepted: 12,
      rejects: { out_of_band: 4 },
    });
    expect(health?.feeds[0]?.symbols.map((s) => [s.symbol, s.ageMs, s.stale, s.gaps])).toEqual([
      ['AAPL', 400, false, 2],
      ['MSFT', 7000, true, 0],
    ]);
    expect(healthFromMetrics(text, 10_000)?.feeds[0]?.status).toBe('degraded');
    expect(healthFromMetrics('up 1', 5000)).toBeUndefined();
  });
});

describe('marketdata-ingestor config', () => {
  const base = { KAFKA_BROKERS: '127.0.0.1:9092' };

  it('has working defaults: ops port 9468, the registry topics, one synthetic feed', () => {
    const config = loadMarketdataIngestorConfig(base);
    expect(config.observability.metricsPort).toBe(9468);
    expect(config.ticksTopic).toBe('marketdata.ticks.v1');
    expect(config.lastPriceTopic).toBe('marketdata.last-price.v1');
    expect(config.bandBps).toBe(1000);
    expect(config.staleAfterMs).toBe(5000);
    expect(JSON.parse(config.feeds)).toEqual([
      { name: 'synthetic', primary: { type: 'synthetic', seed: 1, ratePerSecond: 100 } },
    ]);
  });

  it('refuses bad values naming the variable', () => {
    expect(() =>
      loadMarketdataIngestorConfig({ ...base, MARKETDATA_PRICE_BAND_BPS: '-5' }),
    ).toThrow(/MARKETDATA_PRICE_BAND_BPS/);
    expect(() => loadMarketdataIngestorConfig({ ...base, MARKETDATA_STALE_AFTER: '5' })).toThrow(
      /MARKETDATA_STALE_AFTER/,
    );
    expect(() => loadMarketdataIngestorConfig({})).toThrow(/KAFKA_BROKERS/);
  });
});
