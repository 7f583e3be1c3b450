import { type MessagingLogger, silentLogger } from '@meridian/shared-messaging';
import { type ReadinessRegistrar } from '@meridian/shared-observability';
import { type FeedDefinition } from './feeds.config';
import { FEEDS_READINESS_CHECK, type IngestorHealth, isServing, worstStatus } from './feed-health';
import { type AcceptedTickSink, FeedRunner } from './feed-runner';
import { type IngestionMetrics } from './ingestion.metrics';
import { type Scheduler, systemScheduler } from './scheduler';

/** The publisher side as the ingestor drives it (TickPublisher, or a test double). */
export interface IngestorPublisher extends AcceptedTickSink {
  start(): void;
  /** Flushes everything buffered and stops. */
  stop(): Promise<void>;
}

export interface MarketDataIngestorOptions {
  readonly feeds: readonly FeedDefinition[];
  readonly publisher: IngestorPublisher;
  readonly metrics: IngestionMetrics;
  /** Price band, basis points of the last accepted price (0: off). */
  readonly bandBps: number;
  /** A symbol (and a source) without an accepted tick this long is stale. */
  readonly staleAfterMs: number;
  /** How long a recovered primary must be healthy before the feed switches back. */
  readonly switchBackAfterMs: number;
  /** Period of the tick-age gauges and staleness-driven failover. Default 1 s. */
  readonly refreshIntervalMs?: number;
  readonly scheduler?: Scheduler;
  readonly logger?: MessagingLogger;
}

/**
 * The ingestion service minus its process wiring: runs every feed into the publisher, keeps the
 * per-symbol tick-age gauges fresh, re-evaluates failover every second, reports health.
 */
export class MarketDataIngestor {
  private readonly runners: FeedRunner[];
  private readonly scheduler: Scheduler;
  private readonly lastAccepted = new Map<string, number>();
  private readonly symbols: string[];
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(private readonly options: MarketDataIngestorOptions) {
    this.scheduler = options.scheduler ?? systemScheduler;
    const logger = options.logger ?? silentLogger;
    this.symbols = [...new Set(options.feeds.flatMap((f) => f.instruments.map((i) => i.symbol)))];
    this.runners = options.feeds.map(
      (feed) =>
        new FeedRunner({
          name: feed.name,
          primary: feed.primary,
          backup: feed.backup,
          instruments: feed.instruments,
          bandBps: options.bandBps,
          staleAfterMs: options.staleAfterMs,
          switchBackAfterMs: options.switchBackAfterMs,
          sink: options.publisher,
          metrics: options.metrics,
          scheduler: this.scheduler,
          logger,
          onAccepted: (symbol, now) => this.lastAccepted.set(symbol, now),
        }),
    );
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.startedAt = this.scheduler.now();
    this.options.publisher.start();
    for (const runner of this.runners) runner.start();
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.options.refreshIntervalMs ?? 1_000);
  }

  /** Stops the feeds, then flushes the publisher (every accepted tick is sent or counted). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.runners.map((runner) => runner.stop()));
    await this.options.publisher.stop();
  }

  /** Feed by name (tests, logs). */
  feed(name: string): FeedRunner | undefined {
    return this.runners.find((runner) => runner.name === name);
  }

  health(): IngestorHealth {
    const feeds = this.runners.map((runner) => runner.health());
    return {
      overall: worstStatus(feeds.map((feed) => feed.status)),
      staleAfterMs: this.options.staleAfterMs,
      feeds,
    };
  }

  /** Registers `market-data-feeds` on /health/ready: up while no feed is down or fully stale. */
  registerReadiness(readiness: ReadinessRegistrar): void {
    readiness.register(FEEDS_READINESS_CHECK, () => {
      const health = this.health();
      return { up: isServing(health), details: { ...health } };
    });
  }

  /** Tick-age gauges and staleness-driven failover. */
  refresh(): void {
    const now = this.scheduler.now();
    for (const runner of this.runners) runner.evaluate();
    for (const symbol of this.symbols) {
      const last = this.lastAccepted.get(symbol) ?? this.startedAt;
      this.options.metrics.tickAge.set({ symbol }, Math.max(0, (now - last) / 1_000));
    }
  }
}
