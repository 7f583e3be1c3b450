import { type marketdata, type orders, Topics } from '@meridian/contracts';
import type { Clock, FeeSchedule } from '@meridian/portfolio-domain';
import { PortfolioRedisView, PortfolioRepository } from '@meridian/portfolio-data-access';
import {
  KafkaProducer,
  type MessagingLogger,
  protobufCodec,
  topicOf,
} from '@meridian/shared-messaging';
import type { MetricsRegistry } from '@meridian/shared-observability';
import type { Database } from '@meridian/shared-persistence';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { GrpcServerMetrics } from '@meridian/shared-observability';
import { KafkaBatchConsumer } from './kafka-batch.consumer';
import { type EngineLogger, PortfolioEngine } from './portfolio.engine';
import { PortfolioGrpcServer } from './portfolio.grpc-server';
import { PortfolioMetrics } from './portfolio.metrics';
import { PositionUpdateHub } from './position-update.hub';
import { KafkaPositionUpdateSink } from './position-update.publisher';

export interface PortfolioServiceOptions {
  readonly kafka: Kafka;
  readonly db: Database;
  readonly redis: Redis;
  /** Key prefix of the Redis hot view. Default `portfolio`. */
  readonly redisPrefix?: string;
  readonly eventsTopic?: string;
  readonly ticksTopic?: string;
  readonly updatesTopic?: string;
  readonly fillsGroupId: string;
  readonly marksGroupId: string;
  readonly clock: Clock;
  readonly fees: FeeSchedule;
  readonly defaultStartingCash: bigint;
  readonly defaultCurrency: string;
  readonly markThrottleMs: number;
  readonly metrics: MetricsRegistry;
  readonly logger: EngineLogger & MessagingLogger;
  /** Serve PortfolioService here; omit for no gRPC server. */
  readonly grpc?: { readonly host: string; readonly port: number; readonly graceMs?: number };
  /** Largest fetch per partition (bounds a batch). */
  readonly maxBytesPerPartition?: number;
  /**
   * Partitions of the events topic consumed at once; their batches are merged into one write.
   * Default 12 (the topic's partition count).
   */
  readonly fillPartitionsConcurrently?: number;
  /** PositionUpdates per position changed in a batch (default) or per fill (ADR 0015). */
  readonly updateGranularity?: 'position' | 'fill';
  /** Fill batches in flight at once (applied while earlier ones are written). Default 2. */
  readonly pipelineDepth?: number;
  /** Consumer group timing (tests shorten it). */
  readonly consumerTuning?: {
    readonly sessionTimeoutMs: number;
    readonly heartbeatIntervalMs: number;
    readonly maxWaitTimeInMs: number;
  };
}

/**
 * The portfolio service, wired: engine (state loaded from PostgreSQL), fill consumer of
 * orders.events.v1 (from the beginning for a new group), mark consumer of marketdata.ticks.v1
 * (latest), PositionUpdate producer and the gRPC server. The app's main.ts and the integration
 * tests both start it through this class.
 */
export class PortfolioService {
  readonly engine: PortfolioEngine;
  readonly hub = new PositionUpdateHub();
  readonly metrics: PortfolioMetrics;
  private readonly producer: KafkaProducer;
  private readonly fills: KafkaBatchConsumer<orders.OrderEvent>;
  private readonly marks: KafkaBatchConsumer<marketdata.Tick>;
  private grpcServer: PortfolioGrpcServer | undefined;
  private port: number | undefined;

  constructor(private readonly options: PortfolioServiceOptions) {
    this.metrics = new PortfolioMetrics(options.metrics);
    this.producer = new KafkaProducer({
      kafka: options.kafka,
      logger: options.logger,
      metrics: options.metrics,
    });
    this.engine = new PortfolioEngine({
      repository: new PortfolioRepository(options.db),
      view: new PortfolioRedisView(options.redis, options.redisPrefix),
      sink: new KafkaPositionUpdateSink(this.producer, options.updatesTopic),
      hub: this.hub,
      metrics: this.metrics,
      logger: options.logger,
      clock: options.clock,
      fees: options.fees,
      defaultStartingCash: options.defaultStartingCash,
      defaultCurrency: options.defaultCurrency,
      markThrottleMs: options.markThrottleMs,
      ...(options.updateGranularity === undefined
        ? {}
        : { updateGranularity: options.updateGranularity }),
      ...(options.pipelineDepth === undefined ? {} : { pipelineDepth: options.pipelineDepth }),
    });
    const events = Topics.ordersEvents;
    this.fills = new KafkaBatchConsumer({
      kafka: options.kafka,
      groupId: options.fillsGroupId,
      topic: topicOf(
        options.eventsTopic ?? events.name,
        protobufCodec(events.schema.typeName, events.schema.codec),
      ),
      handler: (records) => this.engine.applyOrderEvents(records),
      fromBeginning: true,
      partitionsConsumedConcurrently: options.fillPartitionsConcurrently ?? 12,
      dlqProducer: this.producer,
      logger: options.logger,
      ...options.consumerTuning,
      ...(options.maxBytesPerPartition === undefined
        ? {}
        : { maxBytesPerPartition: options.maxBytesPerPartition }),
    });
    const ticks = Topics.marketdataTicks;
    this.marks = new KafkaBatchConsumer({
      kafka: options.kafka,
      groupId: options.marksGroupId,
      topic: topicOf(
        options.ticksTopic ?? ticks.name,
        protobufCodec(ticks.schema.typeName, ticks.schema.codec),
      ),
      handler: (records) => this.engine.applyTicks(records),
      fromBeginning: false,
      dlqProducer: this.producer,
      logger: options.logger,
      ...options.consumerTuning,
    });
  }

  /** The bound gRPC port (after start). */
  get grpcPort(): number | undefined {
    return this.port;
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.engine.start();
    if (this.options.grpc !== undefined) {
      this.grpcServer = new PortfolioGrpcServer(this.engine, this.hub, {
        logger: this.options.logger,
        metrics: new GrpcServerMetrics(this.options.metrics),
        ready: () => Promise.resolve(this.isReady()),
      });
      this.port = await this.grpcServer.listen(this.options.grpc.host, this.options.grpc.port);
    }
    await this.fills.start();
    await this.marks.start();
  }

  /** Both consumers joined their groups. */
  isReady(): boolean {
    return this.fills.isReady() && this.marks.isReady();
  }

  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    await this.fills.waitUntilReady(timeoutMs);
    await this.marks.waitUntilReady(timeoutMs);
  }

  /**
   * Graceful: gRPC stops taking calls, each consumer finishes and commits the batch in flight,
   * held-back marks are flushed, then the producer disconnects.
   */
  async stop(): Promise<void> {
    await this.grpcServer?.close(this.options.grpc?.graceMs);
    await this.fills.stop();
    await this.marks.stop();
    await this.engine.close();
    await this.producer.close();
  }
}
