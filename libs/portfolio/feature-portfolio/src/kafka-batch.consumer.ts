import { dlqTopicOf } from '@meridian/contracts';
import { isMeridianError } from '@meridian/shared-errors';
import {
  type Codec,
  decodeWith,
  headerValue,
  KafkaProducer,
  MessageHeader,
  type MessagingLogger,
  silentLogger,
  type TopicBinding,
} from '@meridian/shared-messaging';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';

/** One decoded record of a batch. */
export interface BatchRecord<T> {
  readonly value: T;
  readonly partition: number;
  readonly offset: string;
}

/** Records of the batch the handler refuses for good (they go to the DLQ, by index). */
export interface BatchOutcome {
  readonly rejected: readonly { readonly index: number; readonly error: unknown }[];
}

export type BatchHandler<T> = (records: readonly BatchRecord<T>[]) => Promise<BatchOutcome>;

export interface KafkaBatchConsumerOptions<T> {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: TopicBinding<T>;
  readonly handler: BatchHandler<T>;
  readonly logger?: MessagingLogger;
  readonly fromBeginning?: boolean;
  /** Producer for DLQ records; default: an idempotent one of its own. */
  readonly dlqProducer?: KafkaProducer;
  /** Back-off between attempts of a failing batch: doubles from this, capped at 5 s. Default 100 ms. */
  readonly retryInitialMs?: number;
  /** Largest fetch per partition (bytes): bounds the batch size. Default 1 MiB (kafkajs). */
  readonly maxBytesPerPartition?: number;
  readonly maxWaitTimeInMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /**
   * Partitions whose batches are handed over at once (kafkajs). Each partition still has one
   * batch in flight, so per-key order holds; the handler may merge concurrent batches. Default 1.
   */
  readonly partitionsConsumedConcurrently?: number;
}

/**
 * Consumer-group member that hands whole fetched batches (one partition at a time) to a handler,
 * so the handler can persist them with one database round trip; the offset is committed only
 * after the handler resolved (at-least-once; the handler is idempotent). A failing batch is
 * retried with back-off until it succeeds or the consumer stops (then it is redelivered); records
 * that cannot be decoded, or that the handler rejects, go to `<topic>.dlq` with the error.
 *
 * Why not KafkaConsumer from shared-messaging: it calls a handler per record and runs records of
 * one key one at a time, which caps a batch at one record per symbol.
 */
export class KafkaBatchConsumer<T> {
  private readonly consumer: Consumer;
  private readonly logger: MessagingLogger;
  private readonly dlqProducer: KafkaProducer;
  private readonly ownsDlqProducer: boolean;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private joined = false;
  private stopping: Promise<void> | undefined;
  private readonly wake = new Set<() => void>();

  constructor(private readonly options: KafkaBatchConsumerOptions<T>) {
    this.logger = options.logger ?? silentLogger;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3000,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 200,
      metadataMaxAge: 30_000,
      allowAutoTopicCreation: false,
      ...(options.maxBytesPerPartition === undefined
        ? {}
        : {
            maxBytesPerPartition: options.maxBytesPerPartition,
            maxBytes: options.maxBytesPerPartition * 4,
          }),
    });
    this.ownsDlqProducer = options.dlqProducer === undefined;
    this.dlqProducer =
      options.dlqProducer ?? new KafkaProducer({ kafka: options.kafka, logger: this.logger });
  }

  async start(): Promise<void> {
    if (this.state !== 'idle')
      throw new Error(`KafkaBatchConsumer(${this.options.groupId}) already started`);
    this.state = 'running';
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.joined = false;
      this.logger.error(
        { err: event.payload.error, groupId: this.options.groupId },
        'batch consumer crashed',
      );
    });
    this.consumer.on(this.consumer.events.STOP, () => {
      this.joined = false;
    });
    if (this.ownsDlqProducer) await this.dlqProducer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [this.options.topic.name],
      fromBeginning: this.options.fromBeginning ?? false,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Joined to the group and not stopping (readiness). */
  isReady(): boolean {
    return this.state === 'running' && this.joined;
  }

  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isReady()) {
      if (Date.now() > deadline || this.state !== 'running')
        throw new Error(
          `KafkaBatchConsumer(${this.options.groupId}) not ready after ${timeoutMs} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Graceful drain: the batch being handled finishes and is committed (a batch waiting for a
   * retry is abandoned and redelivered), then the member leaves the group.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.state === 'idle') {
        this.state = 'stopped';
        return;
      }
      this.state = 'stopping';
      this.wake.forEach((w) => w());
      await this.consumer.disconnect();
      if (this.ownsDlqProducer) await this.dlqProducer.close();
      this.state = 'stopped';
    })();
    return this.stopping;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || this.state !== 'running') return;
    const records: BatchRecord<T>[] = [];
    const sources: KafkaMessage[] = [];
    const poison: { message: KafkaMessage; error: unknown }[] = [];
    for (const message of batch.messages) {
      try {
        records.push({
          value: this.decode(message),
          partition: batch.partition,
          offset: message.offset,
        });
        sources.push(message);
      } catch (error) {
        poison.push({ message, error });
      }
    }
    const heartbeat = setInterval(() => {
      payload
        .heartbeat()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'heartbeat failed'));
    }, 1000);
    try {
      let outcome: BatchOutcome | undefined;
      for (let attempt = 1; outcome === undefined; attempt++) {
        try {
          outcome = records.length === 0 ? { rejected: [] } : await this.options.handler(records);
        } catch (error) {
          if (this.state !== 'running' || !payload.isRunning() || payload.isStale()) return;
          const delay = Math.min(5000, (this.options.retryInitialMs ?? 100) * 2 ** (attempt - 1));
          this.logger.warn(
            { err: error, topic: batch.topic, partition: batch.partition, attempt, delayMs: delay },
            'batch failed; retrying',
          );
          await this.sleep(delay);
          if (this.state !== 'running') return;
        }
      }
      for (const r of outcome.rejected) {
        const message = sources[r.index];
        if (message !== undefined) poison.push({ message, error: r.error });
      }
      for (const p of poison)
        await this.deadLetter(batch.topic, batch.partition, p.message, p.error);
      const last = batch.messages[batch.messages.length - 1];
      if (last === undefined) return;
      payload.resolveOffset(last.offset);
      await payload.commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [
              { partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
            ],
          },
        ],
      });
    } finally {
      clearInterval(heartbeat);
    }
  }

  private decode(message: KafkaMessage): T {
    const codec: Codec<T> = this.options.topic.codec;
    if (message.value === null) throw new Error('record has no value (tombstone)');
    const declared = headerValue(message.headers, MessageHeader.messageType);
    if (declared !== undefined && declared !== codec.typeName)
      throw new Error(`record declares message-type ${declared}, expected ${codec.typeName}`);
    return decodeWith(codec, message.value);
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
  ): Promise<void> {
    const text = error instanceof Error ? error.message : String(error);
    const headers: IHeaders = {
      ...message.headers,
      [MessageHeader.dlqError]: text.slice(0, 1024),
      [MessageHeader.dlqErrorCode]: isMeridianError(error) ? error.code : 'UNKNOWN',
      [MessageHeader.dlqOriginalTopic]: topic,
      [MessageHeader.dlqOriginalPartition]: String(partition),
      [MessageHeader.dlqOriginalOffset]: message.offset,
      [MessageHeader.dlqAttempts]: '1',
      [MessageHeader.dlqFailedAt]: new Date().toISOString(),
    };
    await this.dlqProducer.sendRaw([
      {
        topic: dlqTopicOf(topic),
        messages: [
          { key: message.key, value: message.value, headers, timestamp: message.timestamp },
        ],
      },
    ]);
    this.logger.warn(
      { topic, partition, offset: message.offset, err: error },
      'record dead-lettered',
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.add(done);
    });
  }
}
