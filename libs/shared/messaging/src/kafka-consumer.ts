import {
  type Context,
  context as otelContext,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { dlqTopicOf } from '@meridian/contracts';
import { isMeridianError } from '@meridian/shared-errors';
import type { MetricsRegistry } from '@meridian/shared-observability';
import type {
  Consumer,
  EachBatchPayload,
  IHeaders,
  Kafka,
  KafkaMessage,
  RetryOptions,
} from 'kafkajs';
import { decodeWith } from './codec';
import { extractTraceContext, headersToStrings, headerValue, MessageHeader } from './headers';
import { InFlightGate } from './in-flight-gate';
import { type MessagingLogger, silentLogger } from './kafka-client';
import { KafkaProducer, type TopicBinding } from './kafka-producer';
import { ConsumerMetrics } from './messaging.metrics';
import {
  describeCause,
  DlqPublishError,
  MessageDecodeError,
  MessageHandlerError,
  MessagingConfigError,
  MessagingNotConnectedError,
} from './messaging.error';
import { OffsetTracker } from './offset-tracker';
import {
  assertRetryPolicy,
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
} from './retry-policy';

/** Where a record came from, handed to the handler beside the decoded value. */
export interface MessageMeta {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record key as UTF-8, or null. */
  readonly key: string | null;
  /** Headers as strings (first value of repeated keys). */
  readonly headers: Readonly<Record<string, string>>;
  /** Kafka record timestamp, ms since epoch, as a string. */
  readonly timestamp: string;
  /** 1 on first delivery to the handler, 2 on the first retry, ... */
  readonly attempt: number;
  /** Context with the consumer span active (its parent is the producer's span). */
  readonly traceContext: Context;
}

/** Must be idempotent: a record can be delivered again after a crash or rebalance. */
export type MessageHandler<T> = (message: T, meta: MessageMeta) => Promise<void>;

export interface KafkaConsumerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topic: TopicBinding<T>;
  handler: MessageHandler<T>;
  logger?: MessagingLogger;
  /** Where a group with no committed offset starts. Default false (latest). */
  fromBeginning?: boolean;
  /**
   * Batch mode: each fetched batch of a partition is handed over in chunks of up to `maxRecords`,
   * in offset order, and committed after the chunk. If the chunk fails (or a record in it does not
   * decode) its records go through `handler` one by one with the usual retries and DLQ, so
   * `handle` must be idempotent, like `handler`. For consumers whose cost is per round trip
   * (one multi-row INSERT, one Redis pipeline) rather than per record. `maxInFlight` and the
   * per-key chains do not apply: a partition's records are handled strictly in order.
   */
  batch?: { handle: (values: T[]) => Promise<void>; maxRecords: number };
  /** Handler retries before the DLQ. Default 5 attempts, 100 ms doubling to 5 s, jittered. */
  retry?: Partial<RetryPolicy>;
  /** Errors for which retrying is pointless go straight to the DLQ. Default: everything is retried. */
  isRetriable?: (error: unknown) => boolean;
  /**
   * Records handed to handlers at once, across partitions (the high-water mark). At the limit the
   * consumer pauses fetching; it resumes at `lowWaterMark`. Records with the same key never run
   * concurrently, so per-key order holds. Default 1 (strict per-partition order).
   */
  maxInFlight?: number;
  /** Default floor(maxInFlight / 2). */
  lowWaterMark?: number;
  /** Partitions whose batches are processed concurrently (kafkajs). Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Producer for DLQ records; default: an idempotent producer of its own on `kafka`. */
  dlqProducer?: KafkaProducer;
  /**
   * Name of the DLQ for a topic. Default contracts' `dlqTopicOf` (`<topic>.dlq`), which refuses a
   * topic that is a DLQ already: a consumer of a `.dlq` topic (a replay tool) has no DLQ of its
   * own, so a record it cannot handle stops its partition like a failed DLQ write.
   */
  dlqTopic?: (topic: string) => string;
  /** How long `stop()` waits for in-flight handlers before disconnecting anyway. Default 30 s. */
  drainTimeoutMs?: number;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Broker-side long-poll wait of a fetch. Default 500 ms (kafkajs: 5 s). */
  maxWaitTimeInMs?: number;
  maxBytesPerPartition?: number;
  /**
   * How old cluster metadata may get. kafkajs drops a broker whose connection closed and only
   * fetches from it again after a metadata refresh, so this bounds how long partitions led by a
   * restarted broker go unconsumed. Default 30 s (kafkajs: 5 min).
   */
  metadataMaxAgeMs?: number;
  /** kafkajs retry of the consumer's own requests (join, fetch, commit). */
  kafkaRetry?: RetryOptions;
  tracer?: Tracer;
  /**
   * Called once when a record could not be written to the DLQ. The consumer then stops that
   * partition without committing and reports not ready; restart it (a new pod) to retry.
   */
  onFatalError?: (error: DlqPublishError) => void;
  /**
   * Registry to report `stats()` to, as `messaging_consumer_*{topic,group}` series (handled,
   * retries, dead-lettered, back-pressure pauses, in-flight); the consumer's own DLQ producer
   * reports its send latency there too. Default: no metrics.
   */
  metrics?: MetricsRegistry;
}

export interface ConsumerStats {
  /** Records whose handler succeeded. */
  handled: number;
  /** Handler failures that were retried. */
  retries: number;
  deadLettered: number;
  inFlight: number;
  peakInFlight: number;
  /** Times fetching was paused because in-flight hit maxInFlight. */
  backpressurePauses: number;
}

/** handled / dead-lettered records are finished (committable); the others are not. */
type Outcome = 'handled' | 'dead-lettered' | 'abandoned' | 'fatal';

const TRACER_NAME = '@meridian/shared-messaging';
const MAX_ERROR_HEADER = 1024;

/**
 * Consumer-group member for one topic: decode, handle with bounded retries, dead-letter what
 * cannot be handled, commit only what is finished (at-least-once), with back-pressure and a
 * draining `stop()`.
 */
export class KafkaConsumer<T> {
  private readonly consumer: Consumer;
  private readonly logger: MessagingLogger;
  private readonly retry: RetryPolicy;
  private readonly gate: InFlightGate;
  private readonly dlqProducer: KafkaProducer;
  private readonly ownsDlqProducer: boolean;
  private readonly tracer: Tracer;
  private readonly heartbeatIntervalMs: number;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private joined = false;
  private appPaused = false;
  private fetchPaused = false;
  private fatalError: DlqPublishError | undefined;
  private stopping: Promise<void> | undefined;
  private readonly wakeSleepers = new Set<() => void>();
  private readonly counters = { handled: 0, retries: 0, deadLettered: 0, backpressurePauses: 0 };
  private readonly metrics: ConsumerMetrics | undefined;
  /**
   * One committer per partition, kept across batches: a batch returns without waiting for its
   * OffsetCommit, so the next fetch is not held behind it (kafkajs sends the commit on the
   * coordinator's connection, which a broker mutes while a long-poll Fetch of ours waits there).
   */
  private readonly committers = new Map<number, SerialCommitter>();
  /** eachBatch calls still running (a drain waits for them before its last commits). */
  private readonly activeBatches = new Set<Promise<void>>();

  constructor(private readonly options: KafkaConsumerOptions<T>) {
    this.logger = options.logger ?? silentLogger;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    assertRetryPolicy(this.retry);
    const maxInFlight = options.maxInFlight ?? 1;
    this.gate = new InFlightGate(maxInFlight, options.lowWaterMark ?? Math.floor(maxInFlight / 2), {
      onSaturated: () => {
        this.counters.backpressurePauses += 1;
        this.metrics?.backpressurePaused();
        this.applyFetchState();
      },
      onDrained: () => this.applyFetchState(),
    });
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3000;
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    if (this.heartbeatIntervalMs >= sessionTimeout) {
      throw new MessagingConfigError('heartbeatIntervalMs must be below sessionTimeoutMs');
    }
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: this.heartbeatIntervalMs,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
      metadataMaxAge: options.metadataMaxAgeMs ?? 30_000,
      allowAutoTopicCreation: false,
      ...(options.maxBytesPerPartition === undefined
        ? {}
        : { maxBytesPerPartition: options.maxBytesPerPartition }),
      ...(options.kafkaRetry === undefined ? {} : { retry: options.kafkaRetry }),
    });
    this.metrics =
      options.metrics === undefined
        ? undefined
        : new ConsumerMetrics(options.metrics, {
            topic: options.topic.name,
            group: options.groupId,
          });
    this.ownsDlqProducer = options.dlqProducer === undefined;
    this.dlqProducer =
      options.dlqProducer ??
      new KafkaProducer({
        kafka: options.kafka,
        logger: this.logger,
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      });
    this.tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
  }

  /** Connects, joins the group and starts consuming. Resolves once the run loop started, not joined. */
  async start(): Promise<void> {
    if (this.state !== 'idle')
      throw new MessagingNotConnectedError(
        `KafkaConsumer(${this.options.groupId}) in state ${this.state}`,
      );
    this.state = 'running';
    const { GROUP_JOIN, CRASH, STOP } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (event) => {
      this.joined = true;
      // A new generation: offsets are tracked afresh (a commit of the old one fails and is moot).
      this.committers.clear();
      // kafkajs keeps pauses across rebalances but not across a crash-restart (new group state):
      // state ours explicitly on every join.
      this.applyFetchState(true);
      this.logger.info(
        { groupId: this.options.groupId, memberId: event.payload.memberId },
        'joined consumer group',
      );
    });
    this.consumer.on(CRASH, (event) => {
      this.joined = false;
      this.logger.error(
        { groupId: this.options.groupId, err: event.payload.error, restart: event.payload.restart },
        'consumer crashed',
      );
    });
    this.consumer.on(STOP, () => {
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
      eachBatch: (payload) => {
        const running = this.onBatch(payload);
        this.activeBatches.add(running);
        void running.then(
          () => this.activeBatches.delete(running),
          () => this.activeBatches.delete(running),
        );
        return running;
      },
    });
  }

  /** Resolves when the consumer has joined its group (rejects after `timeoutMs`). */
  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isReady()) {
      if (this.fatalError !== undefined || this.state !== 'running' || Date.now() > deadline) {
        throw new MessagingNotConnectedError(
          `KafkaConsumer(${this.options.groupId}) not ready after ${timeoutMs} ms`,
        );
      }
      await sleep(50);
    }
  }

  /** Joined to the group, not stopping, and no DLQ failure pending (readiness probe). */
  isReady(): boolean {
    return this.state === 'running' && this.joined && this.fatalError === undefined;
  }

  /** The DLQ failure that stopped a partition, if any (liveness / health detail). */
  failure(): DlqPublishError | undefined {
    return this.fatalError;
  }

  stats(): ConsumerStats {
    return {
      ...this.counters,
      inFlight: this.gate.current(),
      peakInFlight: this.gate.peakInFlight(),
    };
  }

  /**
   * The application is saturated: stop fetching and stop starting new records (those in flight
   * finish). Undispatched records of the current batch are fetched again after `resume()`.
   */
  pause(): void {
    this.appPaused = true;
    this.gate.interrupt();
    this.applyFetchState();
  }

  resume(): void {
    this.appPaused = false;
    this.applyFetchState();
  }

  /**
   * Graceful drain: stops fetching and starting records, waits for in-flight handlers (records in
   * retry back-off are abandoned, to be redelivered), commits what finished, leaves the group and
   * disconnects. After `drainTimeoutMs` it stops waiting; unfinished records are redelivered.
   */
  stop(): Promise<void> {
    this.stopping ??= this.drainAndDisconnect();
    return this.stopping;
  }

  private async drainAndDisconnect(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.gate.interrupt();
    this.wakeSleepers.forEach((wake) => wake());
    const drainTimeoutMs = this.options.drainTimeoutMs ?? 30_000;
    // Finish the running batches and the commits still in flight while the group is ours; then
    // kafkajs' disconnect() stops the run loop (a batch started meanwhile dispatches nothing and
    // flushes its own commit) and leaves the group.
    await raceTimeout(
      (async () => {
        while (this.activeBatches.size > 0) await Promise.allSettled([...this.activeBatches]);
        await Promise.all([...this.committers.values()].map((c) => c.flush()));
      })(),
      drainTimeoutMs,
    );
    const disconnected = this.consumer.disconnect();
    const finished = await raceTimeout(disconnected, drainTimeoutMs);
    if (!finished) {
      this.logger.warn(
        { groupId: this.options.groupId, drainTimeoutMs, inFlight: this.gate.current() },
        'drain timed out; unfinished records will be redelivered to the group',
      );
      disconnected.catch((error: unknown) =>
        this.logger.warn({ err: error }, 'late consumer disconnect failed'),
      );
    }
    if (this.ownsDlqProducer) await this.dlqProducer.close();
    this.state = 'stopped';
  }

  private applyFetchState(force = false): void {
    if (this.state !== 'running') return;
    const shouldPause = this.appPaused || this.gate.isSaturated() || this.fatalError !== undefined;
    if (shouldPause === this.fetchPaused && !force) return;
    const topics = [{ topic: this.options.topic.name }];
    try {
      if (shouldPause) this.consumer.pause(topics);
      else this.consumer.resume(topics);
      this.fetchPaused = shouldPause;
    } catch (error) {
      // Before run() initialised the group there is nothing to pause; the next batch re-applies.
      this.logger.debug({ err: error }, 'pause/resume not applied');
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const tracker = new OffsetTracker();
    let groupError: unknown;
    const onGroupError = (error: unknown): void => {
      groupError ??= error;
      this.gate.interrupt();
    };
    // While running, a batch leaves its commit in flight (the next batch's commit collapses into
    // it); a batch that ends because we stop, pause, failed or lost the group (whatever stops
    // dispatching) waits for it, so a drain or a rebalance commits everything that finished.
    const committer = this.committerFor(payload, onGroupError);
    // Per-key chains keep records with one key in order while other keys run concurrently.
    const chains = new Map<string, Promise<Outcome>>();
    const tasks: Promise<unknown>[] = [];
    let partitionFailed = false;
    // A failed heartbeat or commit (typically: the group is rebalancing) stops dispatching at once,
    // so little is finished that cannot be committed any more and would be redelivered.
    const heartbeat = setInterval(
      () => {
        payload.heartbeat().catch(onGroupError);
      },
      Math.max(100, Math.floor(this.heartbeatIntervalMs / 2)),
    );
    const mustStopDispatching = (): boolean =>
      this.state !== 'running' ||
      this.appPaused ||
      partitionFailed ||
      this.fatalError !== undefined ||
      groupError !== undefined ||
      !payload.isRunning() ||
      payload.isStale();

    this.applyFetchState();
    if (this.options.batch !== undefined) {
      try {
        await this.onBatchInChunks(payload, this.options.batch, committer, mustStopDispatching);
        if (mustStopDispatching()) await committer.flush();
      } finally {
        clearInterval(heartbeat);
      }
      if (groupError !== undefined) throw groupError;
      return;
    }
    try {
      for (const message of batch.messages) {
        if (mustStopDispatching() || !(await this.gate.acquire(mustStopDispatching))) break;
        tracker.dispatched(message.offset);
        this.metrics?.inFlight(1);
        const chainKey = message.key === null ? '' : message.key.toString('latin1');
        const previous = chains.get(chainKey) ?? Promise.resolve<Outcome>('handled');
        const task = previous.then(async (before): Promise<Outcome> => {
          try {
            // A record whose predecessor (same key) did not finish must not overtake it.
            const outcome =
              isFinished(before) && this.state === 'running'
                ? await this.process(batch.topic, batch.partition, message)
                : 'abandoned';
            if (isFinished(outcome) && tracker.complete(message.offset)) {
              const last = tracker.lastCompleted();
              if (last !== undefined) payload.resolveOffset(last);
              committer.request(tracker.commitOffset());
            }
            if (outcome === 'fatal') {
              partitionFailed = true;
              payload.pause();
            }
            return outcome;
          } finally {
            this.gate.release();
            this.metrics?.inFlight(-1);
          }
        });
        chains.set(chainKey, task);
        tasks.push(task);
      }
      await Promise.all(tasks);
      if (mustStopDispatching()) await committer.flush();
    } finally {
      clearInterval(heartbeat);
    }
    // Hand the error to kafkajs so it rejoins the group (or restarts); finished work was committed
    // above where the group still allowed it.
    if (groupError !== undefined) throw groupError;
  }

  /** The partition's committer, bound to this batch's payload and group-error handler. */
  private committerFor(
    payload: EachBatchPayload,
    onGroupError: (error: unknown) => void,
  ): SerialCommitter {
    const { topic, partition } = payload.batch;
    let committer = this.committers.get(partition);
    if (committer === undefined) {
      committer = new SerialCommitter(payload, topic, partition, this.logger, onGroupError);
      this.committers.set(partition, committer);
    } else {
      committer.bind(payload, onGroupError);
    }
    return committer;
  }

  private async onBatchInChunks(
    payload: EachBatchPayload,
    mode: { handle: (values: T[]) => Promise<void>; maxRecords: number },
    committer: SerialCommitter,
    mustStop: () => boolean,
  ): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    for (let start = 0; start < messages.length; start += mode.maxRecords) {
      if (mustStop()) return;
      const chunk = messages.slice(start, start + mode.maxRecords);
      const last = chunk[chunk.length - 1];
      if (last === undefined) return;
      let whole = false;
      try {
        const values = chunk.map((message) => this.decode(message));
        await mode.handle(values);
        whole = true;
        this.counters.handled += chunk.length;
        for (let i = 0; i < chunk.length; i++) this.metrics?.handled();
      } catch (error) {
        this.logger.warn(
          { topic, partition, records: chunk.length, err: error },
          'batch failed; handling its records one by one',
        );
      }
      if (!whole) {
        for (const message of chunk) {
          const outcome = await this.process(topic, partition, message);
          if (outcome === 'fatal') {
            payload.pause();
            return;
          }
          if (!isFinished(outcome)) return; // stopping: the rest is redelivered
          payload.resolveOffset(message.offset);
          committer.request((BigInt(message.offset) + 1n).toString());
        }
        continue;
      }
      payload.resolveOffset(last.offset);
      committer.request((BigInt(last.offset) + 1n).toString());
    }
  }

  private process(topic: string, partition: number, message: KafkaMessage): Promise<Outcome> {
    const parent = extractTraceContext(message.headers, ROOT_CONTEXT);
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(partition),
      'messaging.kafka.offset': Number(message.offset),
      'messaging.consumer.group.name': this.options.groupId,
    };
    return this.tracer.startActiveSpan(
      `process ${topic}`,
      { kind: SpanKind.CONSUMER, attributes },
      parent,
      async (span) => {
        try {
          const outcome = await this.decodeAndHandle(topic, partition, message);
          span.setAttribute('meridian.messaging.outcome', outcome);
          return outcome;
        } catch (error) {
          span.recordException(error instanceof Error ? error : new Error(describeCause(error)));
          span.setStatus({ code: SpanStatusCode.ERROR, message: describeCause(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  private async decodeAndHandle(
    topic: string,
    partition: number,
    message: KafkaMessage,
  ): Promise<Outcome> {
    let value: T;
    try {
      value = this.decode(message);
    } catch (error) {
      trace
        .getActiveSpan()
        ?.setStatus({ code: SpanStatusCode.ERROR, message: describeCause(error) });
      this.logger.warn(
        { topic, partition, offset: message.offset, err: error },
        'undecodable record; dead-lettering',
      );
      return this.deadLetter(topic, partition, message, error, 0);
    }
    const meta = {
      topic,
      partition,
      offset: message.offset,
      key: message.key === null ? null : message.key.toString('utf8'),
      headers: headersToStrings(message.headers),
      timestamp: message.timestamp,
      traceContext: otelContext.active(),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.handler(value, { ...meta, attempt });
        this.counters.handled += 1;
        this.metrics?.handled();
        return 'handled';
      } catch (error) {
        const retriable = this.options.isRetriable?.(error) ?? true;
        if (!retriable || attempt >= this.retry.attempts) {
          trace
            .getActiveSpan()
            ?.setStatus({ code: SpanStatusCode.ERROR, message: describeCause(error) });
          return this.deadLetter(
            topic,
            partition,
            message,
            new MessageHandlerError(topic, attempt, error),
            attempt,
          );
        }
        this.counters.retries += 1;
        this.metrics?.retried();
        const delayMs = backoffDelayMs(this.retry, attempt);
        this.logger.warn(
          { topic, partition, offset: message.offset, attempt, delayMs, err: error },
          'handler failed; retrying',
        );
        await this.interruptibleSleep(delayMs);
        if (this.state !== 'running') return 'abandoned';
      }
    }
  }

  private decode(message: KafkaMessage): T {
    const { codec } = this.options.topic;
    if (message.value === null)
      throw new MessageDecodeError(codec.typeName, 'record has no value (tombstone)');
    const declared = headerValue(message.headers, MessageHeader.messageType);
    const accepted =
      declared === undefined ||
      (codec.acceptsMessageType?.(declared) ?? declared === codec.typeName);
    if (!accepted) {
      throw new MessageDecodeError(codec.typeName, `record declares message-type ${declared}`);
    }
    return decodeWith(codec, message.value);
  }

  /**
   * Writes the original record (bytes, key, headers) plus the failure to the DLQ. Returns 'fatal'
   * if even that fails: the record then stays uncommitted.
   */
  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): Promise<Outcome> {
    let dlqTopic: string | undefined;
    const root =
      error instanceof MessageHandlerError && isMeridianError(error.cause) ? error.cause : error;
    const headers: IHeaders = {
      ...message.headers,
      [MessageHeader.dlqError]: describeCause(error).slice(0, MAX_ERROR_HEADER),
      [MessageHeader.dlqErrorCode]: isMeridianError(root) ? root.code : 'UNKNOWN',
      [MessageHeader.dlqOriginalTopic]: topic,
      [MessageHeader.dlqOriginalPartition]: String(partition),
      [MessageHeader.dlqOriginalOffset]: message.offset,
      [MessageHeader.dlqAttempts]: String(attempts),
      [MessageHeader.dlqFailedAt]: new Date().toISOString(),
    };
    try {
      dlqTopic = (this.options.dlqTopic ?? dlqTopicOf)(topic);
      await this.dlqProducer.sendRaw([
        {
          topic: dlqTopic,
          messages: [
            { key: message.key, value: message.value, headers, timestamp: message.timestamp },
          ],
        },
      ]);
      this.counters.deadLettered += 1;
      this.metrics?.deadLettered();
      this.logger.warn(
        { topic, partition, offset: message.offset, dlqTopic, attempts, err: error },
        'record dead-lettered',
      );
      return 'dead-lettered';
    } catch (publishError) {
      const fatal = new DlqPublishError(
        dlqTopic ?? `(no dead-letter topic for ${topic})`,
        { topic, partition, offset: message.offset },
        publishError,
      );
      if (this.fatalError === undefined) {
        this.fatalError = fatal;
        this.logger.error(
          { err: fatal, cause: error },
          'DLQ publish failed; partition stopped, record left uncommitted',
        );
        this.options.onFatalError?.(fatal);
      }
      this.gate.interrupt();
      this.applyFetchState();
      return 'fatal';
    }
  }

  private interruptibleSleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeSleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeSleepers.add(wake);
    });
  }
}

/**
 * Commits one partition's offset with at most one OffsetCommit in flight; requests made meanwhile
 * collapse into the next commit (batching under load, per-record commits when idle). It lives
 * across batches and commits through the latest batch's payload.
 */
class SerialCommitter {
  private wanted: string | undefined;
  private committed: string | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private payload: EachBatchPayload,
    private readonly topic: string,
    private readonly partition: number,
    private readonly logger: MessagingLogger,
    private onFailure: (error: unknown) => void,
  ) {}

  bind(payload: EachBatchPayload, onFailure: (error: unknown) => void): void {
    this.payload = payload;
    this.onFailure = onFailure;
  }

  request(offset: string | undefined): void {
    if (offset === undefined) return;
    this.wanted = offset;
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
  }

  async flush(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.wanted !== undefined && this.wanted !== this.committed) {
      const offset = this.wanted;
      const payload = this.payload;
      try {
        // Through the batch payload, not consumer.commitOffsets(): kafkajs drops the latter silently
        // once stop() began, which is exactly when a drain must commit.
        await payload.commitOffsetsIfNecessary({
          topics: [{ topic: this.topic, partitions: [{ partition: this.partition, offset }] }],
        });
        this.committed = offset;
      } catch (error) {
        // Typically a rebalance: the new owner starts from the last committed offset, so the
        // finished records after it are delivered again (at-least-once, handlers are idempotent).
        this.logger.warn(
          { topic: this.topic, partition: this.partition, offset, err: error },
          'offset commit failed',
        );
        // Losing the group ends this batch; anything else (a coordinator hiccup) is retried by
        // the next commit request.
        if (isGroupMembershipError(error)) this.onFailure(error);
        return;
      }
    }
  }
}

function isFinished(outcome: Outcome): boolean {
  return outcome === 'handled' || outcome === 'dead-lettered';
}

const MEMBERSHIP_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);

/** kafkajs protocol errors carry the Kafka error name in `type`. */
function isGroupMembershipError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('type' in error)) return false;
  return typeof error.type === 'string' && MEMBERSHIP_ERRORS.has(error.type);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves true if `promise` settled within `ms` (its rejection is logged by the caller). */
async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
