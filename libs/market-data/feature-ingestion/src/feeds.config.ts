import { type FeedInstrument } from '@meridian/market-data-feed';
import { z } from 'zod';
import { type FeedAdapter } from './feed-adapter';
import { fieldMappingSchema } from './field-mapping';
import { FeedsConfigError } from './ingestion.error';
import { ReplayFeedAdapter } from './replay.adapter';
import { type Scheduler, systemScheduler } from './scheduler';
import { SyntheticFeedAdapter } from './synthetic.adapter';
import { WsFeedAdapter } from './ws.adapter';

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const name = z.string().regex(NAME, 'lower-case name: a-z 0-9 . _ -');

const syntheticSchema = z.strictObject({
  type: z.literal('synthetic'),
  name: name.optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(1),
  ratePerSecond: z.number().positive().max(1_000_000).default(100),
  volatility: z.number().min(0).max(10).default(0.3),
  drift: z.number().min(-10).max(10).default(0),
  startPrices: z.record(z.string(), z.string()).optional(),
});

const replaySchema = z.strictObject({
  type: z.literal('replay'),
  name: name.optional(),
  path: z.string().min(1),
  format: z.enum(['csv', 'jsonl']).optional(),
  speed: z.number().min(0).default(1),
  retime: z.boolean().default(false),
  mapping: fieldMappingSchema.optional(),
});

const websocketSchema = z.strictObject({
  type: z.literal('websocket'),
  name: name.optional(),
  url: z.string().regex(/^wss?:\/\/\S+$/, 'a ws:// or wss:// URL'),
  mapping: fieldMappingSchema,
  recordsPath: z.string().min(1).optional(),
  filter: z.strictObject({ path: z.string().min(1), equals: z.string() }).optional(),
  subscribe: z.array(z.unknown()).optional(),
  backoff: z
    .strictObject({
      initialMs: z.number().min(0).optional(),
      maxMs: z.number().min(0).optional(),
      multiplier: z.number().min(1).optional(),
      jitter: z.number().min(0).max(1).optional(),
    })
    .optional(),
  rateLimit: z
    .strictObject({ capacity: z.number().int().min(1), refillPerSecond: z.number().positive() })
    .optional(),
  connectTimeoutMs: z.number().int().positive().optional(),
});

const sourceSchema = z.discriminatedUnion('type', [syntheticSchema, replaySchema, websocketSchema]);
export type FeedSourceConfig = z.output<typeof sourceSchema>;

const feedSchema = z.strictObject({
  name,
  primary: sourceSchema,
  backup: sourceSchema.optional(),
  /** Symbols of this feed (a subset of the instruments); default all. */
  symbols: z.array(z.string().min(1)).min(1).optional(),
});
export type FeedConfig = z.output<typeof feedSchema>;

/** A feed ready to run: its adapters and the instruments it covers. */
export interface FeedDefinition {
  readonly name: string;
  readonly primary: FeedAdapter;
  readonly backup?: FeedAdapter | undefined;
  readonly instruments: readonly FeedInstrument[];
}

/** The default: one synthetic feed over every instrument. */
export const DEFAULT_FEEDS_JSON = JSON.stringify([
  { name: 'synthetic', primary: { type: 'synthetic', seed: 1, ratePerSecond: 100 } },
]);

/** Parses MARKETDATA_FEEDS (a JSON array of feeds), naming every problem. */
export function parseFeedsConfig(json: string): FeedConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new FeedsConfigError('not valid JSON', error);
  }
  const parsed = z.array(feedSchema).min(1, 'at least one feed').safeParse(raw);
  if (!parsed.success)
    throw new FeedsConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  const feeds = new Set<string>();
  const sources = new Set<string>();
  for (const feed of parsed.data) {
    if (feeds.has(feed.name)) throw new FeedsConfigError(`feed ${feed.name} is defined twice`);
    feeds.add(feed.name);
    for (const source of [
      sourceName(feed, 'primary'),
      ...(feed.backup ? [sourceName(feed, 'backup')] : []),
    ]) {
      if (sources.has(source)) throw new FeedsConfigError(`source name ${source} is used twice`);
      sources.add(source);
    }
  }
  return parsed.data;
}

/** A source's name: its own `name`, or `<feed>-primary` / `<feed>-backup`. */
export function sourceName(feed: FeedConfig, role: 'primary' | 'backup'): string {
  return feed[role]?.name ?? `${feed.name}-${role}`;
}

/** Builds the adapters of every feed over `instruments` (throws FeedsConfigError on a bad symbol). */
export function buildFeeds(
  configs: readonly FeedConfig[],
  instruments: readonly FeedInstrument[],
  scheduler: Scheduler = systemScheduler,
): FeedDefinition[] {
  const bySymbol = new Map(instruments.map((i) => [i.symbol, i]));
  return configs.map((feed) => {
    const covered = (feed.symbols ?? instruments.map((i) => i.symbol)).map((symbol) => {
      const instrument = bySymbol.get(symbol);
      if (instrument === undefined)
        throw new FeedsConfigError(`feed ${feed.name}: symbol ${symbol} is not an instrument`);
      return instrument;
    });
    const build = (config: FeedSourceConfig, source: string): FeedAdapter =>
      createAdapter(config, source, covered, scheduler);
    return {
      name: feed.name,
      primary: build(feed.primary, sourceName(feed, 'primary')),
      backup:
        feed.backup === undefined ? undefined : build(feed.backup, sourceName(feed, 'backup')),
      instruments: covered,
    };
  });
}

function createAdapter(
  config: FeedSourceConfig,
  source: string,
  instruments: readonly FeedInstrument[],
  scheduler: Scheduler,
): FeedAdapter {
  switch (config.type) {
    case 'synthetic':
      return new SyntheticFeedAdapter({
        source,
        instruments,
        seed: config.seed,
        ratePerSecond: config.ratePerSecond,
        volatility: config.volatility,
        drift: config.drift,
        ...(config.startPrices === undefined ? {} : { startPrices: config.startPrices }),
        scheduler,
      });
    case 'replay':
      return new ReplayFeedAdapter({
        source,
        path: config.path,
        speed: config.speed,
        retime: config.retime,
        ...(config.format === undefined ? {} : { format: config.format }),
        ...(config.mapping === undefined ? {} : { mapping: config.mapping }),
        scheduler,
      });
    case 'websocket':
      return new WsFeedAdapter({
        source,
        url: config.url,
        mapping: config.mapping,
        ...(config.recordsPath === undefined ? {} : { recordsPath: config.recordsPath }),
        ...(config.filter === undefined ? {} : { filter: config.filter }),
        ...(config.subscribe === undefined ? {} : { subscribe: config.subscribe }),
        ...(config.backoff === undefined ? {} : { backoff: config.backoff }),
        ...(config.rateLimit === undefined ? {} : { rateLimit: config.rateLimit }),
        ...(config.connectTimeoutMs === undefined
          ? {}
          : { connectTimeoutMs: config.connectTimeoutMs }),
        scheduler,
      });
  }
}
