import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { TickBatchHooks } from '@meridian/market-data-data-access';
import type {
  TickBatchOutcome,
  TickRecord,
  WriteTickBatchUseCase,
} from './write-tick-batch.usecase';

/** pino-compatible subset. */
export interface TickWriterLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Test seams for crash injection around the two commits. */
export interface TickWriterHooks extends TickBatchHooks {
  /** After the database COMMIT, before the Kafka offset commit. */
  afterDbCommit?(outcome: TickBatchOutcome): Promise<void>;
}

export interface TickWriterConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  readonly useCase: WriteTickBatchUseCase;
  /** Largest batch (records per database transaction). */
  readonly maxBatchTicks: number;
  /** A partition's records wait at most this long for a fuller batch. */
  readonly maxBatchDelayMs: number;
  /** Partitions written concurrently (one connection each). Default 2. */
  readonly partitionsConsumedConcurrently?: number;
  /** Default true: a new group starts at the oldest tick Kafka still has. */
  readonly fromBeginning?: boolean;
  /** Fetch size per partition. Default 8 MiB (~80k ticks): big batches are the point. */
  readonly maxBytesPerPartition?: number;
  /** Broker long-poll. Default min(maxBatchDelayMs, 100). */
  readonly maxWaitTimeInMs?: number;
  /** Pause between retries of a failed batch; doubles up to 5 s. Default 100 ms. */
  readonly retryBackoffMs?: number;
  readonly sessionTimeoutMs?: number;
  /** How long a rebalance waits for members to rejoin. Default 60 s (kafkajs). */
  readonly rebalanceTimeoutMs?: number;
  readonly logger?: TickWriterLogger;
  readonly hooks?: TickWriterHooks;
}

export interface TickWriterStats {
  readonly batches: number;
  readonly records: number;
  readonly inserted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly failures: number;
  /** Records buffered, not yet written. */
  readonly pending: number;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  pending: TickRecord[];
  /** When the oldest pending record arrived (ms), 0 when none. */
  since: number;
  /** Serialises the partition's appends and flushes (fetch path and timer). */
  chain: Promise<void>;
}

type State = 'idle' | 'running' | 'stopping' | 'stopped' | 'killed';

const SILENT: TickWriterLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * The tick-writer's Kafka side. Records of each partition are buffered until `maxBatchTicks`
 * are waiting or the oldest waited `maxBatchDelayMs`, then written by the use case in one
 * database transaction; the partition's offset is committed only after that COMMIT. A crash
 * between the two commits replays the batch, which the natural key turns into duplicates that
 * are skipped (no double-counted bars); a crash before the database COMMIT loses nothing
 * because no offset moved. Failed batches are retried (with backoff) rather than skipped.
 */
export class TickWriterConsumer {
  private readonly consumer: Consumer;
  private readonly logger: TickWriterLogger;
  private readonly partitions = new Map<string, PartitionState>();
  private state: State = 'idle';
  private joined = false;
  private timer: NodeJS.Timeout | undefined;
  private consecutiveFailures = 0;
  private disconnecting: Promise<void> | undefined;
  private readonly counters = {
    batches: 0,
    records: 0,
    inserted: 0,
    duplicates: 0,
    rejected: 0,
    failures: 0,
  };

  constructor(private readonly options: TickWriterConsumerOptions) {
    if (!Number.isSafeInteger(options.maxBatchTicks) || options.maxBatchTicks < 1)
      throw new RangeError(
        `maxBatchTicks must be a positive integer, got ${options.maxBatchTicks}`,
      );
    if (!(options.maxBatchDelayMs >= 0))
      throw new RangeError(`maxBatchDelayMs must be >= 0, got ${options.maxBatchDelayMs}`);
    this.logger = options.logger ?? SILENT;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 8 * 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
      maxWaitTimeInMs:
        options.maxWaitTimeInMs ?? Math.max(1, Math.min(options.maxBatchDelayMs, 100)),
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.joined = true;
      this.dropUnassigned(event.payload.memberAssignment);
    });
  }

  async start(): Promise<void> {
    if (this.state !== 'idle')
      throw new Error(`tick writer consumer cannot start from ${this.state}`);
    this.state = 'running';
    await this.consumer.connect();
    await this.consumer.subscribe({
      topic: this.options.topic,
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 2,
      eachBatch: (payload) => this.onBatch(payload),
    });
    const tick = Math.max(5, Math.min(this.options.maxBatchDelayMs, 50));
    this.timer = setInterval(() => this.flushAged(), tick);
    this.timer.unref();
  }

  /** Joined the group and the last batch did not fail. */
  isReady(): boolean {
    return this.state === 'running' && this.joined && this.consecutiveFailures === 0;
  }

  stats(): TickWriterStats {
    let pending = 0;
    for (const state of this.partitions.values()) pending += state.pending.length;
    return { ...this.counters, pending };
  }

  /**
   * Graceful stop: writes and commits everything buffered (and whatever batch is in flight),
   * then leaves the group. Records that cannot be written in 3 attempts stay uncommitted.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'killed') return this.disconnecting;
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    clearInterval(this.timer);
    await Promise.all(
      [...this.partitions.values()].map((state) =>
        this.serial(state, () => this.drain(state, true)),
      ),
    );
    this.disconnecting = this.consumer.disconnect();
    await this.disconnecting;
    this.state = 'stopped';
  }

  /**
   * Simulates a crash (tests): from now on nothing is written or committed, buffers are
   * dropped, and the consumer disconnects without draining. Callable from a hook.
   */
  kill(): Promise<void> {
    if (this.state === 'killed') return this.disconnecting ?? Promise.resolve();
    this.state = 'killed';
    clearInterval(this.timer);
    for (const state of this.partitions.values()) state.pending = [];
    this.disconnecting = this.consumer.disconnect().catch(() => undefined);
    return this.disconnecting;
  }

  private alive(): boolean {
    return this.state === 'running' || this.state === 'stopping';
  }

  private stateOf(topic: string, partition: number): PartitionState {
    const key = `${topic}:${partition}`;
    let state = this.partitions.get(key);
    if (state === undefined) {
      state = { topic, partition, pending: [], since: 0, chain: Promise.resolve() };
      this.partitions.set(key, state);
    }
    return state;
  }

  private serial(state: PartitionState, work: () => Promise<void>): Promise<void> {
    const next = state.chain.then(work);
    state.chain = next.catch(() => undefined);
    return next;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (!this.alive() || batch.messages.length === 0) return;
    const state = this.stateOf(batch.topic, batch.partition);
    await this.serial(state, async () => {
      if (!this.alive() || payload.isStale()) return;
      for (const message of batch.messages)
        state.pending.push(toRecord(batch.topic, batch.partition, message));
      if (state.since === 0) state.since = Date.now();
      // Fetching continues past these records; only the offset commit (after COMMIT) is durable.
      const last = batch.messages[batch.messages.length - 1];
      if (last !== undefined) payload.resolveOffset(last.offset);
      await this.drain(state, this.state === 'stopping', () => payload.heartbeat());
    });
  }

  private flushAged(): void {
    const now = Date.now();
    for (const state of this.partitions.values()) {
      if (state.since !== 0 && now - state.since >= this.options.maxBatchDelayMs) {
        this.serial(state, () => this.drain(state, false)).catch((error: unknown) => {
          this.logger.error({ err: error, partition: state.partition }, 'timed flush failed');
        });
      }
    }
  }

  /** Writes full batches, and the rest too when it is old enough or `all`. */
  private async drain(
    state: PartitionState,
    all: boolean,
    heartbeat?: () => Promise<void>,
  ): Promise<void> {
    const { maxBatchTicks, maxBatchDelayMs } = this.options;
    while (this.alive() && state.pending.length > 0) {
      const due =
        all || state.pending.length >= maxBatchTicks || Date.now() - state.since >= maxBatchDelayMs;
      if (!due) return;
      await this.flushOne(state, all);
      await heartbeat?.().catch(() => undefined);
    }
  }

  private async flushOne(state: PartitionState, stopping: boolean): Promise<void> {
    const chunk = state.pending.slice(0, this.options.maxBatchTicks);
    const last = chunk[chunk.length - 1];
    if (last === undefined) return;
    let backoff = this.options.retryBackoffMs ?? 100;
    let outcome: TickBatchOutcome | undefined;
    for (let attempt = 1; outcome === undefined; attempt += 1) {
      try {
        outcome = await this.options.useCase.execute(chunk, this.options.hooks);
      } catch (error) {
        if (!this.alive()) throw error;
        this.counters.failures += 1;
        this.consecutiveFailures += 1;
        this.logger.error(
          {
            err: error,
            topic: state.topic,
            partition: state.partition,
            records: chunk.length,
            attempt,
          },
          'tick batch failed; retrying (offsets not committed)',
        );
        if (stopping && attempt >= 3) return;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
        if (!this.alive()) return;
      }
    }
    this.consecutiveFailures = 0;
    await this.options.hooks?.afterDbCommit?.(outcome);
    if (!this.alive()) return;
    try {
      await this.consumer.commitOffsets([
        {
          topic: state.topic,
          partition: state.partition,
          offset: (BigInt(last.offset) + 1n).toString(),
        },
      ]);
    } catch (error) {
      // Typically a rebalance: the records are stored; whoever owns the partition next re-reads
      // them from the last committed offset and skips them as duplicates.
      this.logger.warn(
        { err: error, partition: state.partition },
        'offset commit failed after the batch was stored',
      );
    }
    state.pending.splice(0, chunk.length);
    state.since = state.pending.length === 0 ? 0 : Date.now();
    this.counters.batches += 1;
    this.counters.records += outcome.records;
    this.counters.inserted += outcome.inserted;
    this.counters.duplicates += outcome.duplicates;
    this.counters.rejected += outcome.rejected;
  }

  private dropUnassigned(assignment: Record<string, number[]>): void {
    for (const state of this.partitions.values()) {
      const owned = assignment[state.topic]?.includes(state.partition) ?? false;
      if (!owned && state.pending.length > 0) {
        this.logger.info(
          { partition: state.partition, dropped: state.pending.length },
          'partition revoked; buffer dropped',
        );
        void this.serial(state, () => {
          state.pending = [];
          state.since = 0;
          return Promise.resolve();
        });
      }
    }
  }
}

function toRecord(topic: string, partition: number, message: KafkaMessage): TickRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers,
    timestamp: message.timestamp,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
