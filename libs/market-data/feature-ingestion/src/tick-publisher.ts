import { marketdata, Topics } from '@meridian/contracts';
import {
  type KafkaProducer,
  type MessagingLogger,
  type OutgoingMessage,
  protobufCodec,
  type TopicBinding,
  topicOf,
} from '@meridian/shared-messaging';
import { DropReason, type IngestionMetrics } from './ingestion.metrics';
import { LastPriceThrottle } from './last-price-throttle';
import { type Scheduler, systemScheduler } from './scheduler';
import { TickBuffer } from './tick-buffer';

/** marketdata.ticks.v1 (or a test topic) bound to the Tick codec. */
export function ticksTopic(
  name: string = Topics.marketdataTicks.name,
): TopicBinding<marketdata.Tick> {
  return topicOf(name, protobufCodec(Topics.marketdataTicks.schema.typeName, marketdata.Tick));
}

/** marketdata.last-price.v1 (or a test topic) bound to the LastPrice codec. */
export function lastPriceTopic(
  name: string = Topics.marketdataLastPrice.name,
): TopicBinding<marketdata.LastPrice> {
  return topicOf(
    name,
    protobufCodec(Topics.marketdataLastPrice.schema.typeName, marketdata.LastPrice),
  );
}

export interface TickPublisherOptions {
  readonly producer: KafkaProducer;
  readonly ticksTopic: string;
  readonly lastPriceTopic: string;
  /** Most ticks per Kafka request; a full batch is sent at once. */
  readonly batchSize: number;
  /** Longest a tick waits for a batch to fill. */
  readonly lingerMs: number;
  /** Ticks buffered at most (drop-oldest-per-symbol beyond, see TickBuffer). */
  readonly bufferCapacity: number;
  /** At most one last price per symbol per this many ms (0: every trade). */
  readonly lastPriceIntervalMs: number;
  readonly metrics: IngestionMetrics;
  readonly logger?: MessagingLogger;
  readonly scheduler?: Scheduler;
}

/**
 * Batches accepted ticks to the ticks topic (key: symbol) and throttled last prices to the
 * compacted last-price topic, both in one request per round through the idempotent producer.
 * One request is in flight at a time: while it is, ticks queue in the bounded buffer, which is
 * the back-pressure (and the only place ticks are dropped, counted by reason).
 */
export class TickPublisher {
  private readonly buffer: TickBuffer;
  private readonly throttle: LastPriceThrottle;
  private readonly ticks: TopicBinding<marketdata.Tick>;
  private readonly lastPrices: TopicBinding<marketdata.LastPrice>;
  private readonly scheduler: Scheduler;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private published = 0;

  constructor(private readonly options: TickPublisherOptions) {
    if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1)
      throw new RangeError('batchSize must be an integer >= 1');
    this.buffer = new TickBuffer(options.bufferCapacity, () =>
      options.metrics.dropped.inc({ reason: DropReason.bufferFull }),
    );
    this.throttle = new LastPriceThrottle(options.lastPriceIntervalMs);
    this.ticks = ticksTopic(options.ticksTopic);
    this.lastPrices = lastPriceTopic(options.lastPriceTopic);
    this.scheduler = options.scheduler ?? systemScheduler;
  }

  /** Ticks waiting in the buffer. */
  get buffered(): number {
    return this.buffer.size;
  }

  /** Ticks acknowledged by Kafka so far. */
  get publishedCount(): number {
    return this.published;
  }

  /** Sends whatever is waiting every `lingerMs`. */
  start(): void {
    this.timer ??= setInterval(() => this.pump(), Math.max(1, this.options.lingerMs));
  }

  /** Queues an accepted tick (and its trade price, if any). Never blocks. */
  enqueue(tick: marketdata.Tick): void {
    this.buffer.push(tick);
    if (tick.lastPrice !== undefined)
      this.throttle.offer({
        symbol: tick.symbol,
        price: tick.lastPrice,
        exchangeTimeUnixNanos: tick.exchangeTimeUnixNanos,
        sequence: tick.sequence,
        source: tick.source,
      });
    if (this.buffer.size >= this.options.batchSize) this.pump();
  }

  /** Sends everything buffered and every held last price; resolves when Kafka acked it all. */
  async flush(): Promise<void> {
    await this.inFlight;
    while (this.buffer.size > 0 || this.throttle.heldCount > 0) {
      const ticks = this.buffer.drain(this.options.batchSize);
      const prices = this.buffer.size === 0 ? this.throttle.drainAll(this.scheduler.now()) : [];
      await this.send(ticks, prices);
    }
  }

  /** Stops the timer and flushes (graceful shutdown; the producer is closed by its owner). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** One request if none is in flight; chains the next while full batches are waiting. */
  private pump(): void {
    if (this.inFlight !== undefined) return;
    const ticks = this.buffer.drain(this.options.batchSize);
    const prices = this.throttle.due(this.scheduler.now());
    if (ticks.length === 0 && prices.length === 0) return;
    this.inFlight = this.send(ticks, prices).finally(() => {
      this.inFlight = undefined;
      if (this.buffer.size >= this.options.batchSize) this.pump();
    });
  }

  private async send(
    ticks: readonly marketdata.Tick[],
    prices: readonly marketdata.LastPrice[],
  ): Promise<void> {
    if (ticks.length === 0 && prices.length === 0) return;
    const tickMessages: OutgoingMessage<marketdata.Tick>[] = ticks.map((tick) => ({
      key: tick.symbol,
      value: tick,
    }));
    const priceMessages: OutgoingMessage<marketdata.LastPrice>[] = prices.map((price) => ({
      key: price.symbol,
      value: price,
    }));
    const batches: { topic: TopicBinding<unknown>; messages: OutgoingMessage<unknown>[] }[] = [];
    if (tickMessages.length > 0)
      batches.push({ topic: this.ticks as TopicBinding<unknown>, messages: tickMessages });
    if (priceMessages.length > 0)
      batches.push({ topic: this.lastPrices as TopicBinding<unknown>, messages: priceMessages });
    try {
      await this.options.producer.sendBatch(batches);
      this.published += ticks.length;
      if (ticks.length > 0) this.options.metrics.batchSize.observe(ticks.length);
    } catch (error) {
      // The producer already retried (idempotently); holding the batch would grow memory
      // without bound while Kafka is down, so it is dropped and counted.
      this.options.metrics.dropped.inc({ reason: DropReason.publishFailed }, ticks.length);
      this.options.logger?.error(
        { err: error, ticks: ticks.length, lastPrices: prices.length },
        'market-data publish failed',
      );
    }
  }
}
