import { z } from 'zod';

/**
 * One feed's health, as /health/ready reports it (details of the `market-data-feeds` check) and
 * `check-feed-health` reads it:
 * - `down`: the active source is not connected;
 * - `stale`: some symbols had no accepted tick for the stale threshold;
 * - `degraded`: publishing from the backup, otherwise fine;
 * - `ok`.
 */
export const FEED_STATUSES = ['ok', 'degraded', 'stale', 'down'] as const;
export type FeedStatus = (typeof FEED_STATUSES)[number];

const sourceHealthSchema = z.object({
  role: z.enum(['primary', 'backup']),
  source: z.string(),
  connected: z.boolean(),
  active: z.boolean(),
  /** Milliseconds since the source's last tick (active or standby); null before the first. */
  lastTickAgeMs: z.number().nullable(),
});

const symbolHealthSchema = z.object({
  symbol: z.string(),
  /** Milliseconds since the last accepted tick (since start when none yet). */
  ageMs: z.number(),
  seen: z.boolean(),
  stale: z.boolean(),
  gaps: z.number(),
  rejects: z.number(),
});

export const feedHealthSchema = z.object({
  feed: z.string(),
  status: z.enum(FEED_STATUSES),
  activeSource: z.string(),
  failovers: z.number(),
  accepted: z.number(),
  rejects: z.record(z.string(), z.number()),
  sources: z.array(sourceHealthSchema),
  symbols: z.array(symbolHealthSchema),
});
export type FeedHealth = z.output<typeof feedHealthSchema>;

/** The readiness check's name in /health/ready. */
export const FEEDS_READINESS_CHECK = 'market-data-feeds';

export const ingestorHealthSchema = z.object({
  /** Worst status over the feeds. */
  overall: z.enum(FEED_STATUSES),
  staleAfterMs: z.number(),
  feeds: z.array(feedHealthSchema),
});
export type IngestorHealth = z.output<typeof ingestorHealthSchema>;

/** Serving is fine while no feed is down and no feed is stale on every symbol. */
export function isServing(health: IngestorHealth): boolean {
  return health.feeds.every(
    (feed) => feed.status !== 'down' && !feed.symbols.every((symbol) => symbol.stale),
  );
}

/** Healthy for runbooks and smoke tests: every feed ok or merely on its backup. */
export function isHealthy(health: IngestorHealth): boolean {
  return (
    health.feeds.length > 0 &&
    health.feeds.every((feed) => feed.status === 'ok' || feed.status === 'degraded')
  );
}

const SEVERITY: Record<FeedStatus, number> = { ok: 0, degraded: 1, stale: 2, down: 3 };

/** The worse of two statuses. */
export function worstStatus(statuses: readonly FeedStatus[]): FeedStatus {
  return statuses.reduce<FeedStatus>(
    (worst, s) => (SEVERITY[s] > SEVERITY[worst] ? s : worst),
    'ok',
  );
}
