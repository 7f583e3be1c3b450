import type { portfolio, risk } from '@meridian/contracts';
import {
  PostTradeLimitsRepository,
  RiskOutboxRepository,
  RiskStateStore,
} from '@meridian/risk-data-access';
import { type Ratio } from '@meridian/risk-domain';
import { isMeridianError } from '@meridian/shared-errors';
import {
  KafkaConsumer,
  KafkaProducer,
  type MessagingLogger,
  silentLogger,
} from '@meridian/shared-messaging';
import type { MetricsRegistry } from '@meridian/shared-observability';
import type { Database } from '@meridian/shared-persistence';
import type { Kafka } from 'kafkajs';
import { AccountStateCache } from './account-state.cache';
import { ApplyRiskControlUseCase } from './apply-risk-control.usecase';
import { EvaluatePositionUpdateUseCase } from './evaluate-position-update.usecase';
import { LimitsCache } from './limits.cache';
import { RiskMonitorMetrics } from './risk-monitor.metrics';
import { RiskOutboxRelay } from './risk-outbox.relay';
import {
  DEFAULT_RISK_MONITOR_TOPICS,
  positionUpdatesTopic,
  type RiskMonitorTopics,
  riskControlsTopic,
} from './risk-monitor.topics';

export interface RiskMonitorOptions {
  readonly db: Database;
  readonly kafka: Kafka;
  readonly metrics: MetricsRegistry;
  readonly logger?: MessagingLogger;
  readonly topics?: Partial<RiskMonitorTopics>;
  /** Consumer group of portfolio.updates.v1 (shared by replicas: each account is one replica's). */
  readonly groupId: string;
  /**
   * Consumer group of risk.controls.v1, one per instance: every replica must see every human
   * reset to keep its in-memory states right.
   */
  readonly controlsGroupId: string;
  /** Early-warning point as a fraction of each limit. Default 0.8. */
  readonly warningFraction?: Ratio;
  /** How often limits are reloaded and the outbox retried. Default 5000 ms. */
  readonly refreshIntervalMs?: number;
  /** Position updates handled at once (different accounts). Default 16. */
  readonly maxInFlight?: number;
  /** Partitions of portfolio.updates.v1 whose batches are handled at once. Default 4. */
  readonly partitionsConsumedConcurrently?: number;
  /** Cap on accounts with utilisation series. Default 1000. */
  readonly maxUtilizationAccounts?: number;
  /** Extra consumer settings (tests use short sessions). */
  readonly consumerTuning?: {
    sessionTimeoutMs?: number;
    rebalanceTimeoutMs?: number;
    heartbeatIntervalMs?: number;
    maxWaitTimeInMs?: number;
    metadataMaxAgeMs?: number;
  };
  /** Handler retry policy before the DLQ (tests shorten it). */
  readonly retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

/** Invalid input goes to the DLQ at once; database or Kafka trouble is retried. */
function isRetriable(error: unknown): boolean {
  return !(isMeridianError(error) && error.category === 'invalid-argument');
}

/**
 * The risk-monitor: consumes portfolio.updates.v1 and risk.controls.v1, decides, and publishes
 * through the outbox. `start()` loads limits and states, publishes what a crash left in the
 * outbox, then starts consuming.
 */
export class RiskMonitor {
  readonly metrics: RiskMonitorMetrics;
  readonly limits: LimitsCache;
  readonly states: AccountStateCache;
  readonly store: RiskStateStore;
  readonly relay: RiskOutboxRelay;
  readonly evaluate: EvaluatePositionUpdateUseCase;
  readonly applyControl: ApplyRiskControlUseCase;
  private readonly producer: KafkaProducer;
  private readonly updatesConsumer: KafkaConsumer<portfolio.PositionUpdate>;
  private readonly controlsConsumer: KafkaConsumer<risk.RiskControl>;
  private readonly logger: MessagingLogger;
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly options: RiskMonitorOptions) {
    const topics = { ...DEFAULT_RISK_MONITOR_TOPICS, ...options.topics };
    this.logger = options.logger ?? silentLogger;
    this.metrics = new RiskMonitorMetrics(options.metrics, options.maxUtilizationAccounts);
    this.store = new RiskStateStore(options.db);
    this.limits = new LimitsCache(new PostTradeLimitsRepository(options.db));
    this.states = new AccountStateCache(this.store, (counts) =>
      this.metrics.setAccountsByState(counts),
    );
    this.producer = new KafkaProducer({
      kafka: options.kafka,
      logger: this.logger,
      metrics: options.metrics,
    });
    this.relay = new RiskOutboxRelay(
      new RiskOutboxRepository(options.db),
      this.producer,
      topics,
      this.metrics,
      this.logger,
    );
    this.evaluate = new EvaluatePositionUpdateUseCase({
      store: this.store,
      limits: this.limits,
      states: this.states,
      metrics: this.metrics,
      topics,
      warningFraction: options.warningFraction ?? { n: 8n, d: 10n },
      onOutbox: () => this.publishOutbox(),
    });
    this.applyControl = new ApplyRiskControlUseCase(this.store, this.states);
    const common = {
      kafka: options.kafka,
      logger: this.logger,
      fromBeginning: true,
      isRetriable,
      metrics: options.metrics,
      dlqProducer: this.producer,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...options.consumerTuning,
    };
    this.updatesConsumer = new KafkaConsumer({
      ...common,
      groupId: options.groupId,
      topic: positionUpdatesTopic(topics.positionUpdates),
      maxInFlight: options.maxInFlight ?? 16,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
      handler: async (update) => {
        await this.evaluate.execute(update);
      },
    });
    this.controlsConsumer = new KafkaConsumer({
      ...common,
      groupId: options.controlsGroupId,
      topic: riskControlsTopic(topics.riskControls),
      handler: async (control) => {
        const outcome = await this.applyControl.execute(control);
        if (outcome === 'applied') {
          this.logger.info(
            { account: control.targetId, actor: control.actor, controlId: control.controlId },
            'trading state changed by someone else; limits re-armed where stricter',
          );
        }
      },
    });
  }

  async start(): Promise<void> {
    this.started = true;
    await this.producer.connect();
    await this.limits.refresh();
    await this.states.loadAll();
    // What a crash left between commit and publish goes out first.
    await this.relay.flush();
    // Controls first: a reset made while we were down must be known before updates are judged.
    await this.controlsConsumer.start();
    await this.updatesConsumer.start();
    this.timer = setInterval(() => {
      void this.tick();
    }, this.options.refreshIntervalMs ?? 5000);
    this.timer.unref();
  }

  /**
   * Reloads limits (judging again the latest valuation of every account whose limits changed)
   * and retries the outbox. The timer calls it; tests may too.
   */
  async tick(): Promise<void> {
    try {
      const changed = await this.limits.refresh();
      if (changed === 'all' || changed.size > 0) await this.evaluate.recheck(changed);
      this.metrics.retainUtilizationAccounts(this.limits.accountsWithOwnLimits());
      // New accounts are counted as ACTIVE here rather than on every update.
      this.states.changed();
      await this.relay.flush();
    } catch (error) {
      this.logger.warn({ err: error }, 'periodic refresh failed; retrying at the next tick');
    }
  }

  /** Both consumers joined, limits loaded, and the last outbox flush did not fail. */
  isReady(): boolean {
    return (
      this.updatesConsumer.isReady() &&
      this.controlsConsumer.isReady() &&
      this.limits.isLoaded() &&
      this.relay.failure() === undefined
    );
  }

  readiness(): { up: boolean; details: Record<string, unknown> } {
    const failure = this.relay.failure();
    return {
      up: this.isReady(),
      details: {
        updatesConsumer: this.updatesConsumer.isReady(),
        controlsConsumer: this.controlsConsumer.isReady(),
        limitsLoaded: this.limits.isLoaded(),
        outbox: failure === undefined ? 'ok' : String(failure),
      },
    };
  }

  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    await this.controlsConsumer.waitUntilReady(timeoutMs);
    await this.updatesConsumer.waitUntilReady(timeoutMs);
  }

  /** Drains both consumers, publishes what is left in the outbox, closes the producer. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await Promise.all([this.updatesConsumer.stop(), this.controlsConsumer.stop()]);
    if (this.started) {
      await this.relay
        .flush()
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'outbox left pending at shutdown; sent at next start'),
        );
      await this.producer.close();
    }
  }

  private publishOutbox(): Promise<void> {
    // Not awaited: the decision is durable in the outbox already, and the relay coalesces what
    // several decisions wrote into one send. A failed publish leaves the rows for the timer.
    void this.relay.flush().catch(() => undefined);
    return Promise.resolve();
  }
}
