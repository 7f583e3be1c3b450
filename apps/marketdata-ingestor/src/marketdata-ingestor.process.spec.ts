import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  createMarketDataTestTopics,
  FIXTURES_DIR,
  readLastPrices,
  readTicks,
} from '@meridian/market-data-feature-ingestion/testing';
import { createKafka } from '@meridian/shared-messaging';
import {
  freePort,
  isReady,
  kafkaBrokers,
  metricSample,
  REPO_ROOT,
  type ServiceProcess,
  startService,
  stopService,
  waitFor,
} from '@meridian/shared-testing';

const INSTRUMENTS = JSON.stringify([
  { symbol: 'AAPL', tickSize: '0.01', lotSize: '1' },
  { symbol: 'MSFT', tickSize: '0.01', lotSize: '1' },
]);

/** Runs check-feed-health the way the docs say, returning its exit code and output. */
function checkFeedHealth(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        'apps/marketdata-ingestor/src/check-feed-health.cli.ts',
        ...args,
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_OPTIONS: '', SWC_NODE_PROJECT: 'tsconfig.base.json' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function metrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

describe('marketdata-ingestor process', () => {
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'md-process-test' });
  const services: ServiceProcess[] = [];

  afterAll(async () => {
    for (const service of services) await stopService(service, 5_000);
  });

  async function start(
    env: Record<string, string>,
  ): Promise<{ service: ServiceProcess; port: number }> {
    const port = await freePort();
    const service = startService('marketdata-ingestor', {
      METRICS_PORT: String(port),
      KAFKA_BROKERS: kafkaBrokers().join(','),
      MARKETDATA_INSTRUMENTS: INSTRUMENTS,
      MARKETDATA_DRAIN_DELAY: '0s',
      LOG_LEVEL: 'warn',
      ...env,
    });
    services.push(service);
    try {
      await waitFor(
        'the ingestor to serve /metrics',
        async () =>
          (await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => null))?.status === 200,
        60_000,
        200,
      );
    } catch (error) {
      process.stderr.write(service.output());
      throw error;
    }
    return { service, port };
  }

  it('publishes synthetic ticks keyed by symbol and last prices, and check-feed-health says healthy (exit 0)', async () => {
    const topics = await createMarketDataTestTopics('md-proc');
    const { service, port } = await start({
      MARKETDATA_FEEDS: JSON.stringify([
        { name: 'synthetic', primary: { type: 'synthetic', seed: 3, ratePerSecond: 200 } },
      ]),
      MARKETDATA_TICKS_TOPIC: topics.ticks,
      MARKETDATA_LAST_PRICE_TOPIC: topics.lastPrice,
      MARKETDATA_STALE_AFTER: '10s',
    });
    await waitFor('readiness', () => isReady(port), 30_000, 100);
    const ticks = await readTicks(kafka, topics.ticks, (r) => r.length >= 100);
    expect(ticks.length).toBeGreaterThanOrEqual(100);
    for (const { key, value } of ticks) {
      expect(key).toBe(value.symbol);
      expect(['AAPL', 'MSFT']).toContain(value.symbol);
      expect(value.source).toBe('synthetic-primary');
    }
    const prices = await readLastPrices(
      kafka,
      topics.lastPrice,
      (r) => new Set(r.map((p) => p.key)).size === 2,
    );
    expect(new Set(prices.map((p) => p.key))).toEqual(new Set(['AAPL', 'MSFT']));

    const text = await metrics(port);
    expect(
      metricSample(text, 'marketdata_ticks_total{feed="synthetic",source="synthetic-primary"}'),
    ).toBeGreaterThan(0);
    expect(
      metricSample(
        text,
        'marketdata_feed_active_source{feed="synthetic",source="synthetic-primary"}',
      ),
    ).toBe(1);
    expect(
      metricSample(text, 'marketdata_feed_connected{feed="synthetic",source="synthetic-primary"}'),
    ).toBe(1);
    expect(metricSample(text, 'marketdata_tick_age_seconds{symbol="AAPL"}')).toBeLessThan(10);
    expect(text).toContain('marketdata_tick_freshness_seconds_bucket{le="0.01"}');
    expect(text).toContain('marketdata_publish_batch_size_count');

    const healthy = await checkFeedHealth(['--url', `http://127.0.0.1:${port}`]);
    expect(healthy.stderr).toBe('');
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain('feed synthetic: OK  active=synthetic-primary');
    expect(healthy.stdout).toMatch(/ {2}AAPL\s+synthetic-primary\s+\d+\.\ds\s+0\s+0\s+ok/);
    expect(healthy.stdout).toContain('HEALTHY');
    const fromMetrics = await checkFeedHealth(['--url', `http://127.0.0.1:${port}`, '--metrics']);
    expect(fromMetrics.code).toBe(0);
    expect(fromMetrics.stdout).toContain('feed synthetic: OK');

    expect(await stopService(service)).toBe(0);
  });

  it('goes stale after a finished replay (check-feed-health exit 1) and flushes the whole batch at shutdown', async () => {
    const topics = await createMarketDataTestTopics('md-proc-replay');
    const { service, port } = await start({
      MARKETDATA_FEEDS: JSON.stringify([
        {
          name: 'recorded',
          primary: { type: 'replay', path: join(FIXTURES_DIR, 'ticks.csv'), speed: 0 },
        },
      ]),
      MARKETDATA_TICKS_TOPIC: topics.ticks,
      MARKETDATA_LAST_PRICE_TOPIC: topics.lastPrice,
      MARKETDATA_STALE_AFTER: '1s',
      // Nothing leaves before shutdown: the flush is the only way these ticks reach Kafka.
      MARKETDATA_BATCH_SIZE: '10000',
      MARKETDATA_LINGER: '1h',
      MARKETDATA_LAST_PRICE_INTERVAL: '1h',
    });
    await waitFor(
      'the replay to be ingested',
      async () =>
        metricSample(
          await metrics(port),
          'marketdata_ticks_total{feed="recorded",source="recorded-primary"}',
        ) === 5,
    );
    const text = await metrics(port);
    expect(
      metricSample(text, 'marketdata_ticks_rejected_total{feed="recorded",reason="undecodable"}'),
    ).toBe(1);
    await waitFor('the feed to go stale', async () => !(await isReady(port)), 20_000, 100);

    const stale = await checkFeedHealth(['--url', `http://127.0.0.1:${port}`]);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('feed recorded: STALE  active=recorded-primary');
    expect(stale.stdout).toMatch(/ {2}MSFT\s+recorded-primary\s+\d+\.\ds\s+0\s+0\s+STALE/);
    expect(stale.stdout).toContain('rejects: undecodable=1');
    expect(stale.stdout).toContain('UNHEALTHY');
    expect(
      (
        await checkFeedHealth([
          '--url',
          `http://127.0.0.1:${port}`,
          '--metrics',
          '--stale-after',
          '1000',
        ])
      ).code,
    ).toBe(1);

    expect(await stopService(service)).toBe(0);
    const ticks = await readTicks(kafka, topics.ticks, (r) => r.length >= 5);
    expect(ticks.map((t) => `${t.key}#${t.value.sequence}`)).toEqual(
      expect.arrayContaining(['AAPL#1', 'AAPL#2', 'AAPL#3', 'MSFT#1', 'MSFT#2']),
    );
    expect(ticks).toHaveLength(5);
    const prices = await readLastPrices(kafka, topics.lastPrice, (r) => r.length >= 2);
    expect(prices.map((p) => [p.key, p.value.price?.value]).sort()).toEqual([
      ['AAPL', '100.02'],
      ['MSFT', '400.13'],
    ]);
  });

  it('check-feed-health exits 2 when nothing answers, and on bad arguments', async () => {
    const port = await freePort();
    const unreachable = await checkFeedHealth([
      '--url',
      `http://127.0.0.1:${port}`,
      '--timeout',
      '2000',
    ]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('UNREACHABLE');
    expect((await checkFeedHealth(['--bogus'])).code).toBe(2);
  });
});
