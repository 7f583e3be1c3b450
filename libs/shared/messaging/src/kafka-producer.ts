import {
  context as otelContext,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import {
  CompressionTypes,
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
  type RecordMetadata,
  type RetryOptions,
  type TopicMessages,
} from 'kafkajs';
import type { MetricsRegistry } from '@meridian/shared-observability';
import { type Codec, encodeWith } from './codec';
import {
  injectTraceContext,
  MessageHeader,
  type OutgoingHeaders,
  PROTOBUF_CONTENT_TYPE,
} from './headers';
import { type MessagingLogger, silentLogger } from './kafka-client';
import {
  MessagePublishError,
  MessagingConfigError,
  MessagingNotConnectedError,
} from './messaging.error';
import { ProducerMetrics } from './messaging.metrics';

/** A topic name bound to the codec of its messages (one schema per topic). */
export interface TopicBinding<T> {
  readonly name: string;
  readonly codec: Codec<T>;
}

/** Binds a topic name to its codec: `topicOf(Topics.ordersCommands.name, protobufCodec(...))`. */
export function topicOf<T>(name: string, codec: Codec<T>): TopicBinding<T> {
  return { name, codec };
}

export interface OutgoingMessage<T> {
  /** Partitioning key: everything with one key lands on one partition, in order. */
  key?: string | Buffer | null;
  value: T;
  /** Written as the `command-id` header: lets consumers deduplicate retried commands. */
  commandId?: string;
  /** Extra headers (strings). The lib's own headers win on a name clash. */
  headers?: Record<string, string>;
  partition?: number;
  /** Milliseconds since epoch as a string (Kafka's record timestamp); default: now. */
  timestamp?: string;
}

export type CompressionCodec = 'none' | 'gzip';

export interface KafkaProducerOptions {
  kafka: Kafka;
  logger?: MessagingLogger;
  /**
   * Idempotent producer (default true): the broker drops duplicates the client's retries create,
   * so a retried send never appears twice in the log. Requires acks=all, set by the lib.
   */
  idempotent?: boolean;
  /**
   * Connection-level cap on unacknowledged requests. Kafka's idempotence needs <= 5; kafkajs's
   * idempotent producer additionally holds one Produce request per broker at a time (a per-broker
   * lock around sequence numbers), so this mostly bounds metadata/other requests. Default 5.
   */
  maxInFlightRequests?: number;
  /** GZIP ships with kafkajs; snappy/lz4/zstd need extra codecs and are deliberately not offered. */
  compression?: CompressionCodec;
  /**
   * kafkajs retry of a send (metadata refresh, leader moves, broker restarts). Bounded by default
   * so a caller gets an error instead of waiting forever; kafkajs warns that limited retries "may
   * invalidate EoS guarantees": a send that finally fails may or may not have been written.
   */
  retry?: RetryOptions;
  tracer?: Tracer;
  /** How old cluster metadata may get before a refresh (kafkajs default 5 min). Default 30 s. */
  metadataMaxAgeMs?: number;
  /** Broker-side wait for acks=all, per request. Default 30 s. */
  ackTimeoutMs?: number;
  /**
   * Linger accumulator for `publish()`: collect messages until `maxMessages` are waiting or
   * `maxDelayMs` passed since the first, then send them in one request. Off by default.
   */
  linger?: { maxMessages: number; maxDelayMs: number };
  /**
   * Registry for `messaging_producer_send_{requests_total,duration_seconds}{topic,outcome}`: the
   * time from handing a request to kafkajs to every broker's ack (retries included). Default: none.
   */
  metrics?: MetricsRegistry;
}

const DEFAULT_RETRY: RetryOptions = { retries: 10, initialRetryTime: 100, maxRetryTime: 3000 };

interface Pending {
  topic: string;
  message: Message;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Producer with acks=all, idempotence, codec-encoded values and the lib's headers
 * (`content-type`, `message-type`, trace context, optional `command-id`).
 */
export class KafkaProducer {
  private readonly producer: Producer;
  private readonly logger: MessagingLogger;
  private readonly compression: CompressionTypes;
  private readonly ackTimeoutMs: number;
  private readonly linger: { maxMessages: number; maxDelayMs: number } | undefined;
  private connected = false;
  private closing: Promise<void> | undefined;
  private pending: Pending[] = [];
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly flushing = new Set<Promise<void>>();
  /** The linger request on the wire, if any (at most one at a time). */
  private inFlight: Promise<void> | undefined;
  private readonly tracer: Tracer;
  private readonly metrics: ProducerMetrics | undefined;

  constructor(options: KafkaProducerOptions) {
    const idempotent = options.idempotent ?? true;
    const maxInFlightRequests = options.maxInFlightRequests ?? 5;
    if (idempotent && (maxInFlightRequests < 1 || maxInFlightRequests > 5)) {
      throw new MessagingConfigError(
        `idempotent producer needs 1 <= maxInFlightRequests <= 5, got ${maxInFlightRequests}`,
      );
    }
    if (
      options.linger !== undefined &&
      (options.linger.maxMessages < 1 || options.linger.maxDelayMs < 0)
    ) {
      throw new MessagingConfigError('linger needs maxMessages >= 1 and maxDelayMs >= 0');
    }
    this.logger = options.logger ?? silentLogger;
    this.compression =
      options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.linger = options.linger;
    this.tracer = options.tracer ?? trace.getTracer('@meridian/shared-messaging');
    this.metrics = options.metrics === undefined ? undefined : new ProducerMetrics(options.metrics);
    this.producer = options.kafka.producer({
      idempotent,
      maxInFlightRequests,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      createPartitioner: Partitioners.DefaultPartitioner,
      metadataMaxAge: options.metadataMaxAgeMs ?? 30_000,
      // Topics are declared (Strimzi KafkaTopic, dev broker launcher), never created by accident.
      allowAutoTopicCreation: false,
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  isConnected(): boolean {
    return this.connected && this.closing === undefined;
  }

  /** Encodes and sends `messages` to one topic in one request; resolves when all are acked. */
  async send<T>(
    topic: TopicBinding<T>,
    messages: readonly OutgoingMessage<T>[],
  ): Promise<RecordMetadata[]> {
    return this.sendBatch([{ topic, messages }]);
  }

  /**
   * Several topics in one call (one request per broker). Resolves when every message is acked.
   * Runs in a PRODUCER span whose context travels in the records' headers.
   */
  async sendBatch(
    batches: readonly {
      topic: TopicBinding<unknown>;
      messages: readonly OutgoingMessage<unknown>[];
    }[],
  ): Promise<RecordMetadata[]> {
    this.assertConnected();
    const names = batches.map((batch) => batch.topic.name).join(',');
    const count = batches.reduce((sum, batch) => sum + batch.messages.length, 0);
    return this.inProducerSpan(names, count, async () => {
      const topicMessages = batches.map((batch) => ({
        topic: batch.topic.name,
        messages: batch.messages.map((message) => this.toKafkaMessage(batch.topic.codec, message)),
      }));
      return this.sendRaw(topicMessages);
    });
  }

  /**
   * One message through the linger accumulator (or sent directly when linger is off). Resolves
   * when the batch that carried it is acked; rejects with the batch's error.
   */
  async publish<T>(topic: TopicBinding<T>, message: OutgoingMessage<T>): Promise<void> {
    this.assertConnected();
    return this.inProducerSpan(topic.name, 1, async () => {
      // Encoded and traced now, in the caller's context, not at flush time.
      const kafkaMessage = this.toKafkaMessage(topic.codec, message);
      if (this.linger === undefined) {
        await this.sendRaw([{ topic: topic.name, messages: [kafkaMessage] }]);
        return;
      }
      await new Promise<void>((resolve, reject) => {
        this.pending.push({ topic: topic.name, message: kafkaMessage, resolve, reject });
        if (this.pending.length >= (this.linger?.maxMessages ?? 1)) this.flushPending();
        else
          this.lingerTimer ??= setTimeout(() => this.flushPending(), this.linger?.maxDelayMs ?? 0);
      });
    });
  }

  /**
   * Sends already-encoded records untouched (the DLQ path: original bytes and headers). The caller
   * owns the headers; nothing is added.
   */
  async sendRaw(topicMessages: TopicMessages[]): Promise<RecordMetadata[]> {
    this.assertConnected();
    const topics = topicMessages.map((t) => t.topic).join(',');
    const sent = this.metrics?.startSend(topics);
    try {
      const metadata = await this.producer.sendBatch({
        topicMessages,
        acks: -1,
        timeout: this.ackTimeoutMs,
        compression: this.compression,
      });
      sent?.('ok');
      return metadata;
    } catch (error) {
      sent?.('error');
      throw new MessagePublishError(topics, error);
    }
  }

  /** Waits until everything accumulated so far is acked (or failed). */
  async flush(): Promise<void> {
    this.flushPending();
    while (this.flushing.size > 0 || this.pending.length > 0) {
      await Promise.allSettled([...this.flushing]);
      this.flushPending();
    }
  }

  /** Flushes the accumulator, then disconnects. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      this.connected = false;
      await this.producer.disconnect();
    })();
    return this.closing;
  }

  /**
   * Sends what accumulated as one request, unless a request is already in flight: then the
   * records wait and go out together when it completes. One request at a time is what keeps the
   * idempotent producer fast: kafkajs numbers a request's records when it builds the request and
   * advances the partition's sequence only on the response, so two concurrent requests to one
   * partition carry the same sequence and the broker refuses the second (retried with back-off:
   * produce latencies of about a second under load, measured with the gateway bench).
   */
  private flushPending(): void {
    if (this.lingerTimer !== undefined) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    if (this.pending.length === 0 || this.inFlight !== undefined) return;
    // At most maxMessages per request; the rest goes with the next one.
    const batch = this.pending.splice(0, this.linger?.maxMessages ?? this.pending.length);
    const byTopic = new Map<string, Message[]>();
    for (const entry of batch) {
      const list = byTopic.get(entry.topic) ?? [];
      list.push(entry.message);
      byTopic.set(entry.topic, list);
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const flight = this.sendRaw(topicMessages).then(
      () => batch.forEach((entry) => entry.resolve()),
      (error: unknown) => {
        this.logger.error({ err: error, messages: batch.length }, 'linger batch failed');
        batch.forEach((entry) => entry.reject(error));
      },
    );
    this.inFlight = flight;
    this.flushing.add(flight);
    void flight.finally(() => {
      this.flushing.delete(flight);
      this.inFlight = undefined;
      // What arrived meanwhile goes out now, as one request.
      this.flushPending();
    });
  }

  private inProducerSpan<R>(destination: string, count: number, fn: () => Promise<R>): Promise<R> {
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': destination,
      'messaging.batch.message_count': count,
    };
    return this.tracer.startActiveSpan(
      `send ${destination}`,
      { kind: SpanKind.PRODUCER, attributes },
      async (span) => {
        try {
          return await fn();
        } catch (error) {
          span.recordException(error instanceof Error ? error : new Error(String(error)));
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  private toKafkaMessage<T>(codec: Codec<T>, message: OutgoingMessage<T>): Message {
    const headers: OutgoingHeaders = {
      ...message.headers,
      [MessageHeader.contentType]: PROTOBUF_CONTENT_TYPE,
      [MessageHeader.messageType]: codec.typeName,
    };
    if (message.commandId !== undefined) headers[MessageHeader.commandId] = message.commandId;
    injectTraceContext(headers, otelContext.active());
    return {
      key: message.key ?? null,
      value: toBuffer(encodeWith(codec, message.value)),
      headers,
      ...(message.partition === undefined ? {} : { partition: message.partition }),
      ...(message.timestamp === undefined ? {} : { timestamp: message.timestamp }),
    };
  }

  private assertConnected(): void {
    if (!this.isConnected()) throw new MessagingNotConnectedError('KafkaProducer');
  }
}

/** Views the encoded bytes as a Buffer without copying them. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
