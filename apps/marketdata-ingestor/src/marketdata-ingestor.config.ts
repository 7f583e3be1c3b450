import { hostname } from 'node:os';
import { Topics } from '@meridian/contracts';
import { DEFAULT_FEEDS_JSON } from '@meridian/market-data-feature-ingestion';
import { DEFAULT_FEED_INSTRUMENTS_JSON } from '@meridian/market-data-feed';
import {
  duration,
  field,
  kafkaConfig,
  loadConfig,
  observabilityConfig,
  port,
  positiveInt,
  text,
} from '@meridian/shared-config';
import { z } from 'zod';

const observability = observabilityConfig({ serviceName: 'marketdata-ingestor' });

/** The market-data ingestor's configuration, validated at boot. */
export const marketdataIngestorConfigSchema = {
  kafka: kafkaConfig({ clientId: 'marketdata-ingestor' }),
  observability: {
    ...observability,
    metricsPort: port('METRICS_PORT')
      .default('9468')
      .describe('Port of the ops endpoints (/metrics, /health/live, /health/ready).'),
  },
  instruments: text('MARKETDATA_INSTRUMENTS')
    .default(DEFAULT_FEED_INSTRUMENTS_JSON)
    .describe(
      "JSON array of instruments ({symbol, tickSize, lotSize}); the executor's EXECUTOR_INSTRUMENTS format is accepted as is.",
    ),
  feeds: text('MARKETDATA_FEEDS')
    .default(DEFAULT_FEEDS_JSON)
    .describe(
      'JSON array of feeds: {name, primary, backup?, symbols?}; sources are synthetic, replay or websocket (docs/market-data-ingestor.md).',
    ),
  ticksTopic: text('MARKETDATA_TICKS_TOPIC')
    .default(Topics.marketdataTicks.name)
    .describe('Topic of accepted ticks (key: symbol).'),
  lastPriceTopic: text('MARKETDATA_LAST_PRICE_TOPIC')
    .default(Topics.marketdataLastPrice.name)
    .describe('Compacted topic of the latest trade price per symbol.'),
  bandBps: field(
    'MARKETDATA_PRICE_BAND_BPS',
    z
      .string()
      .regex(/^(0|[1-9][0-9]{0,5})$/)
      .transform(Number),
    'an integer 0..999999',
  )
    .default('1000')
    .describe(
      'Reject prices further than this from the last accepted price (basis points; 0 = off).',
    ),
  staleAfterMs: duration('MARKETDATA_STALE_AFTER')
    .default('5s')
    .describe('A symbol or source without an accepted tick this long is stale.'),
  switchBackAfterMs: duration('MARKETDATA_SWITCH_BACK_AFTER')
    .default('10s')
    .describe('A recovered primary must be healthy this long before the feed switches back to it.'),
  batchSize: positiveInt('MARKETDATA_BATCH_SIZE')
    .default('1000')
    .describe('Most ticks per Kafka request.'),
  lingerMs: duration('MARKETDATA_LINGER')
    .default('20ms')
    .describe('Longest a tick waits for its batch to fill.'),
  bufferCapacity: positiveInt('MARKETDATA_BUFFER_CAPACITY')
    .default('100000')
    .describe(
      'Ticks buffered at most while Kafka is slow; beyond, the oldest of the symbol is dropped.',
    ),
  lastPriceIntervalMs: duration('MARKETDATA_LAST_PRICE_INTERVAL')
    .default('250ms')
    .describe('At most one last price per symbol per this interval.'),
  drainDelayMs: duration('MARKETDATA_DRAIN_DELAY')
    .default('2s')
    .describe('Pause between turning unready and stopping the feeds at shutdown.'),
  instance: text('MARKETDATA_INSTANCE')
    .optional()
    .describe('Shown in logs. Default: the host name.'),
};

export type MarketdataIngestorConfig = ReturnType<typeof loadMarketdataIngestorConfig>;

export function loadMarketdataIngestorConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(marketdataIngestorConfigSchema, {
    appName: 'marketdata-ingestor',
    env,
  });
  return { ...config, instance: config.instance ?? hostname() };
}
