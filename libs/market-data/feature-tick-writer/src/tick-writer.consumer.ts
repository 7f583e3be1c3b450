import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { TickBatchHooks } from '@meridian/market-data-data-access';
import {
  DecodedTickBatch,
  type TickBatchOutcome,
  type WriteTickBatchUseCase,
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
  /**
   * Partitions written concurrently (one database transaction, so one connection, each); also
   * kafkajs' eachBatch concurrency. Default 2: one batch is copied while another commits.
   */
  readonly partitionsConsumedConcurrently?: number;
  /** Default true: a new group starts at the oldest tick Kafka still has. */
  readonly fromBeginning?: boolean;
  /**
   * Records buffered (decoded, not yet committed) over all partitions before fetching waits
   * for writes to finish (back-pressure). Default 4 x maxBatchTicks.
   */
  readonly maxBufferedTicks?: number;
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
  /** Decoded records in offset order: full batches, then the one being filled. */
  batches: DecodedTickBatch[];
  /** Records buffered (in `batches` or being written), not yet committed. */
  pending: number;
  /** When the oldest pending record arrived (ms), 0 when none. */
  since: number;
  /** Serialises the partition's writes (fetch path, timer, stop) so offsets commit in order. */
  chain: Promise<void>;
  /** A drain is queued on `chain` and has not started yet. */
  scheduled: boolean;
}

type State = 'idle' | 'running' | 'stopping' | 'stopped' | 'killed';

const SILENT: TickWriterLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * The tick-writer's Kafka side. Records of each partition are decoded as they arrive and
 * buffered until `maxBatchTicks` are waiting or the oldest waited `maxBatchDelayMs`, then
 * written by the use case in one database transaction; the partition's offset is committed only
 * after that COMMIT. Writes run in the background, one at a time per partition, so kafkajs keeps
 * fetching (and this process decoding) while a batch is copied; fetching waits once
 * `maxBufferedTicks` are buffered. A crash
 * between the two commits replays the batch, which the natural key turns into duplicates that
 * are skipped (no double-counted bars); a crash before the database COMMIT loses nothing
 * because no offset moved. Failed batches are retried (with backoff) rather than skipped.
 */
export class TickWriterConsumer {
  private readonly consumer: Consumer;
  private readonly logger: TickWriterLogger;
  private readonly maxBufferedTicks: number;
  /** Free write slots (partitionsConsumedConcurrently) and the writes waiting for one. */
  private writeSlots: number;
  private readonly writeQueue: (() => void)[] = [];
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
    this.maxBufferedTicks = options.maxBufferedTicks ?? 4 * options.maxBatchTicks;
    if (!(this.maxBufferedTicks >= options.maxBatchTicks))
      throw new RangeError(
        `maxBufferedTicks must be >= maxBatchTicks, got ${this.maxBufferedTicks}`,
      );
    this.writeSlots = options.partitionsConsumedConcurrently ?? 2;
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
    return { ...this.counters, pending: this.buffered() };
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
    for (const state of this.partitions.values()) {
      state.batches = [];
      state.pending = 0;
    }
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
      state = {
        topic,
        partition,
        batches: [],
        pending: 0,
        since: 0,
        chain: Promise.resolve(),
        scheduled: false,
      };
      this.partitions.set(key, state);
    }
    return state;
  }

  private serial(state: PartitionState, work: () => Promise<void>): Promise<void> {
    const next = state.chain.then(work);
    state.chain = next.catch(() => undefined);
    return next;
  }

  private buffered(): number {
    let pending = 0;
    for (const state of this.partitions.values()) pending += state.pending;
    return pending;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    // Once stopping, new records are left to the next owner: stop() writes what was buffered.
    if (this.state !== 'running' || batch.messages.length === 0 || payload.isStale()) return;
    const { topic, partition, messages } = batch;
    const state = this.stateOf(topic, partition);
    const { maxBatchTicks, useCase } = this.options;
    let open = state.batches[state.batches.length - 1];
    for (const message of messages) {
      if (open === undefined || open.records >= maxBatchTicks) {
        open = new DecodedTickBatch();
        state.batches.push(open);
      }
      useCase.append(open, topic, partition, message);
    }
    state.pending += messages.length;
    if (state.since === 0) state.since = Date.now();
    // Fetching continues past these records; only the offset commit (after COMMIT) is durable.
    const last = messages[messages.length - 1];
    if (last !== undefined) payload.resolveOffset(last.offset);
    if (state.pending >= maxBatchTicks) this.schedule(state, false);
    // Back-pressure: past the buffer limit, this partition writes what it has (even a partial
    // batch) before kafkajs may fetch more; the wait ends when those records are committed.
    while (this.alive() && state.pending > 0 && this.buffered() > this.maxBufferedTicks) {
      if (payload.isStale()) return;
      const before = state.pending;
      this.schedule(state, true);
      await state.chain;
      await payload.heartbeat().catch(() => undefined);
      if (state.pending >= before) return; // the write failed for good (stopping): give up
    }
  }

  /** Queues a drain of the partition's due batches (or all of them) on its chain. */
  private schedule(state: PartitionState, all: boolean): void {
    if (state.scheduled && !all) return;
    state.scheduled = true;
    this.serial(state, () => {
      state.scheduled = false;
      return this.drain(state, all || this.state === 'stopping');
    }).catch((error: unknown) => {
      this.logger.error({ err: error, partition: state.partition }, 'tick batch write failed');
    });
  }

  private flushAged(): void {
    const now = Date.now();
    for (const state of this.partitions.values()) {
      if (state.since !== 0 && now - state.since >= this.options.maxBatchDelayMs)
        this.schedule(state, false);
    }
  }

  /** Writes full batches, and the rest too when it is old enough or `all`. */
  private async drain(state: PartitionState, all: boolean): Promise<void> {
    const { maxBatchTicks, maxBatchDelayMs } = this.options;
    for (;;) {
      const head = state.batches[0];
      if (!this.alive() || head === undefined) return;
      const due =
        all ||
        head.records >= maxBatchTicks ||
        state.batches.length > 1 ||
        Date.now() - state.since >= maxBatchDelayMs;
      if (!due) return;
      // Out of the buffer before the first await: records arriving meanwhile start a new batch.
      state.batches.shift();
      if (!(await this.flushOne(state, head, all))) {
        if (this.alive()) state.batches.unshift(head);
        return;
      }
    }
  }

  /** Writes one batch (retrying) and commits its offset; false if it gave up (stopping). */
  private async flushOne(
    state: PartitionState,
    batch: DecodedTickBatch,
    stopping: boolean,
  ): Promise<boolean> {
    let backoff = this.options.retryBackoffMs ?? 100;
    let outcome: TickBatchOutcome | undefined;
    for (let attempt = 1; outcome === undefined; attempt += 1) {
      try {
        outcome = await this.withWriteSlot(() =>
          this.options.useCase.write(batch, this.options.hooks),
        );
      } catch (error) {
        if (!this.alive()) throw error;
        this.counters.failures += 1;
        this.consecutiveFailures += 1;
        this.logger.error(
          {
            err: error,
            topic: state.topic,
            partition: state.partition,
            records: batch.records,
            attempt,
          },
          'tick batch failed; retrying (offsets not committed)',
        );
        if (stopping && attempt >= 3) return false;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
        if (!this.alive()) return false;
      }
    }
    this.consecutiveFailures = 0;
    await this.options.hooks?.afterDbCommit?.(outcome);
    if (!this.alive()) return false;
    try {
      await this.consumer.commitOffsets([
        {
          topic: state.topic,
          partition: state.partition,
          offset: (BigInt(batch.lastOffset) + 1n).toString(),
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
    state.pending = Math.max(0, state.pending - batch.records);
    state.since = state.pending === 0 ? 0 : Date.now();
    this.counters.batches += 1;
    this.counters.records += outcome.records;
    this.counters.inserted += outcome.inserted;
    this.counters.duplicates += outcome.duplicates;
    this.counters.rejected += outcome.rejected;
    return true;
  }

  /** Runs `work` once fewer than partitionsConsumedConcurrently writes are in progress. */
  private async withWriteSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.writeSlots > 0) this.writeSlots -= 1;
    else await new Promise<void>((resolve) => this.writeQueue.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.writeQueue.shift();
      if (next !== undefined) next();
      else this.writeSlots += 1;
    }
  }

  private dropUnassigned(assignment: Record<string, number[]>): void {
    for (const state of this.partitions.values()) {
      const owned = assignment[state.topic]?.includes(state.partition) ?? false;
      if (!owned && state.pending > 0) {
        this.logger.info(
          { partition: state.partition, dropped: state.pending },
          'partition revoked; buffer dropped',
        );
        void this.serial(state, () => {
          state.batches = [];
          state.pending = 0;
          state.since = 0;
          return Promise.resolve();
        });
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
