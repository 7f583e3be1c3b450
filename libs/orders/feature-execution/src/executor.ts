import { performance } from 'node:perf_hooks';

import { decodeStrict, type orders, risk, Topics } from '@meridian/contracts';
import { type BookSnapshot, type InstrumentSpec } from '@meridian/orders-domain';
import { type MessagingLogger, silentLogger } from '@meridian/shared-messaging';
import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type Message,
  type Producer,
} from 'kafkajs';

import { ExecutionState } from './execution-state';
import {
  type CommandContext,
  ExecutionTranslator,
  type OutgoingRecord,
} from './execution-translator';
import { WorkerCrashedError } from './execution.error';
import { type ExecutorMetrics } from './executor-metrics';
import { CMD_SLOTS, ES, EVT_SLOTS, RecordBuffer } from './record-layout';
import { type ExecutorSnapshot, type SnapshotStore } from './snapshot-store';
import { DEFAULT_TRADING_DAY_END_UTC, parseTradingDayEnd } from './trading-day';
import { WorkerPool } from './worker-pool';
import { type WorkerTransportKind } from './worker-protocol';

export interface ExecutorOptions {
  readonly kafka: Kafka;
  /** Consumer group of orders.commands.v1; also names the transactional id and the snapshot. */
  readonly groupId: string;
  readonly instruments: readonly InstrumentSpec[];
  readonly workers: number;
  readonly transport?: WorkerTransportKind;
  /**
   * End of the trading day, UTC `HH:MM[:SS]` (EXECUTOR_TRADING_DAY_END_UTC), default 21:00: the
   * first command of a book at or after it expires the book's DAY orders. Validated here.
   */
  readonly tradingDayEndUtc?: string;
  readonly snapshots: SnapshotStore;
  /** Take a snapshot after this many applied commands (default 50,000) ... */
  readonly snapshotEveryCommands?: number;
  /** ... or this long after the last one, whichever first (default 30 s). */
  readonly snapshotEveryMs?: number;
  /** Command ids remembered per partition for duplicate detection (default 100,000). */
  readonly dedupWindow?: number;
  /** Topic names (tests use their own); default: the registry's. */
  readonly topics?: Partial<ExecutorTopics>;
  readonly logger?: MessagingLogger;
  readonly metrics?: ExecutorMetrics;
  /** Called when the executor cannot continue consistently; the process should exit and recover. */
  readonly onFatal?: (error: Error) => void;
  /** kafkajs consumer timings (tests shorten them). */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly maxWaitTimeMs?: number;
  /** Largest fetch per partition in bytes (bounds a batch). Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
  /**
   * Fetched commands buffered ahead of the round being processed (default 20,000). Below it,
   * kafkajs keeps fetching while a transaction commits; above it, fetching waits for the rounds.
   */
  readonly maxBufferedCommands?: number;
}

export interface ExecutorTopics {
  commands: string;
  events: string;
  trades: string;
  riskControls: string;
  commandsDlq: string;
}

interface BatchRecord {
  readonly tag: number;
  readonly silent: boolean;
}

function bytesOf(value: Buffer | string | null | undefined): Uint8Array {
  if (value === null || value === undefined) return new Uint8Array();
  return typeof value === 'string' ? Buffer.from(value) : value;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The executor: consumes orders.commands.v1, matches through the worker pool and publishes
 * execution reports and trades, exactly once in effect.
 *
 * Per consumed batch (one partition's records): decode and translate every command to a record
 * (undecodable ones go to the DLQ), send them to the workers that own their symbols, wait for the
 * barrier, translate the events, then ONE Kafka transaction carries the events, the trades, the
 * DLQ records and the consumer offset. A crash before the commit leaves the offset where it was;
 * events are keyed `<symbol>-<sequence>` (deterministic), so a re-run after an abort produces
 * the same ids and consumers dedup anything a broker without transaction isolation shows twice.
 *
 * Recovery: restore the latest snapshot, seek every partition to its snapshot offset, replay
 * silently (no publish) up to the offset committed before the start, then go live. Readiness is
 * up only once that replay is done. A crashed worker is restarted, its books restored from the
 * latest snapshot and the commands since then (kept in memory) replayed into it.
 */
export class Executor {
  private readonly topics: ExecutorTopics;
  private readonly logger: MessagingLogger;
  private readonly translator: ExecutionTranslator;
  private readonly state: ExecutionState;
  private pool: WorkerPool | undefined;
  private producer: Producer | undefined;
  private consumer: Consumer | undefined;
  private riskConsumer: Consumer | undefined;
  private admin: Admin | undefined;
  /** Partition -> next command offset the books have applied. */
  private readonly next = new Map<number, bigint>();
  /** Partition -> offset committed when this process started: below it, replay silently. */
  private readonly committedAtStart = new Map<number, bigint>();
  private readonly riskNext = new Map<number, bigint>();
  /** Per worker: the current batch's commands, and its events as they come back. */
  private batchCommands: RecordBuffer[] = [];
  private batchEvents: RecordBuffer[] = [];
  /** Per worker: every command record applied since the last snapshot (rebuilds a crashed worker). */
  private journal: RecordBuffer[] = [];
  private discarding: boolean[] = [];
  private lastSnapshot: { books: BookSnapshot[] } = { books: [] };
  private commandsSinceSnapshot = 0;
  private lastSnapshotAt = Date.now();
  private serial: Promise<unknown> = Promise.resolve();
  private joined = false;
  private rebuildingWorkers = 0;
  private stopping = false;
  private failed: Error | undefined;
  private readonly dedupWindow: number;
  private readonly tradingDayEndMs: number;
  private restarts = 0;
  /** Fetched batches waiting for the next round, and how many commands they hold. */
  private readonly queue: { payload: EachBatchPayload; count: number; release: () => void }[] = [];
  private buffered = 0;
  private readonly maxBufferedCommands: number;
  private draining: Promise<void> | undefined;

  constructor(private readonly options: ExecutorOptions) {
    this.topics = {
      commands: Topics.ordersCommands.name,
      events: Topics.ordersEvents.name,
      trades: Topics.trades.name,
      riskControls: Topics.riskControls.name,
      commandsDlq: `${Topics.ordersCommands.name}.dlq`,
      ...options.topics,
    };
    this.logger = options.logger ?? silentLogger;
    this.dedupWindow = options.dedupWindow ?? 100_000;
    this.maxBufferedCommands = options.maxBufferedCommands ?? 20_000;
    this.tradingDayEndMs = parseTradingDayEnd(
      options.tradingDayEndUtc ?? DEFAULT_TRADING_DAY_END_UTC,
    );
    this.state = new ExecutionState(this.dedupWindow);
    this.translator = new ExecutionTranslator(options.instruments, this.state);
  }

  /** True once books are rebuilt (replay done, no worker being restored) and consumption is live. */
  isReady(): boolean {
    if (!this.joined || this.failed !== undefined || this.rebuildingWorkers > 0) return false;
    for (const [p, committed] of this.committedAtStart)
      if ((this.next.get(p) ?? 0n) < committed) return false;
    return true;
  }

  /** Worker threads rebuilt after a crash since start. */
  get workerRestarts(): number {
    return this.restarts;
  }

  /** Why the executor stopped working, if it did. */
  failure(): Error | undefined {
    return this.failed;
  }

  /** Loads the snapshot, starts the pool, publishes a pending outbox, then starts consuming. */
  async start(): Promise<void> {
    const { kafka, groupId } = this.options;
    this.options.metrics?.recovering.set(1);
    const snapshot = await this.options.snapshots.load();
    this.pool = await WorkerPool.start({
      instruments: this.options.instruments,
      workers: this.options.workers,
      transport: this.options.transport ?? 'ring',
      tradingDayEndMs: this.tradingDayEndMs,
      onEvent: (w, f64, _u8, base) => {
        if (!this.discarding[w]) this.batchEvents[w]?.appendFrom(f64, base / EVT_SLOTS, 1);
      },
      onWorkerExit: (w, error) =>
        this.logger.error({ worker: w, err: error.message }, 'executor worker died'),
    });
    const n = this.pool.workerCount;
    this.batchCommands = Array.from({ length: n }, () => new RecordBuffer(CMD_SLOTS, 1024));
    this.batchEvents = Array.from({ length: n }, () => new RecordBuffer(EVT_SLOTS, 4096));
    this.journal = Array.from({ length: n }, () => new RecordBuffer(CMD_SLOTS, 1024));
    this.discarding = Array.from({ length: n }, () => false);
    if (snapshot !== undefined) await this.restore(snapshot);

    this.admin = kafka.admin();
    await this.admin.connect();
    for (const { partition, offset } of await this.committedOffsets(
      groupId,
      this.topics.commands,
    )) {
      if (offset >= 0n) this.committedAtStart.set(partition, offset);
    }
    const low = await this.admin.fetchTopicOffsets(this.topics.commands);
    for (const { partition, low: earliest } of low) {
      if (!this.next.has(partition)) this.next.set(partition, BigInt(earliest));
    }

    this.producer = kafka.producer({
      transactionalId: `${groupId}.tx`,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    await this.producer.connect();
    if (snapshot?.outbox !== undefined) await this.publishOutbox(snapshot.outbox);

    this.consumer = kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 3_000,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 100,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1024 * 1024,
      readUncommitted: false,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topics.commands, fromBeginning: true });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment[this.topics.commands] ?? [];
      // Our books are exactly at `next`: that is where consumption must resume, whatever the
      // group committed (it is never ahead of `next`).
      for (const partition of assigned) {
        const offset = this.next.get(partition) ?? 0n;
        this.consumer?.seek({ topic: this.topics.commands, partition, offset: offset.toString() });
      }
      this.joined = true;
      this.updateRecovering();
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Several partitions' batches at once: they are coalesced into one transaction (enqueue).
      partitionsConsumedConcurrently: 16,
      eachBatch: (payload) => this.enqueue(payload),
    });

    this.riskConsumer = kafka.consumer({
      groupId: `${groupId}.risk`,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 3_000,
      maxWaitTimeInMs: 200,
    });
    await this.riskConsumer.connect();
    await this.riskConsumer.subscribe({ topic: this.topics.riskControls, fromBeginning: true });
    this.riskConsumer.on(this.riskConsumer.events.GROUP_JOIN, ({ payload }) => {
      for (const partition of payload.memberAssignment[this.topics.riskControls] ?? []) {
        const offset = this.riskNext.get(partition);
        if (offset !== undefined)
          this.riskConsumer?.seek({
            topic: this.topics.riskControls,
            partition,
            offset: offset.toString(),
          });
      }
    });
    await this.riskConsumer.run({
      autoCommit: false,
      eachMessage: ({ partition, message }) =>
        this.exclusive(() => this.onRiskControl(partition, message)),
    });
  }

  /** Stops consuming (the running batch finishes), then closes Kafka clients and the pool. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.riskConsumer?.disconnect();
    await this.consumer?.disconnect();
    await this.draining;
    await this.serial.catch(() => undefined);
    await this.producer?.disconnect();
    await this.admin?.disconnect();
    await this.pool?.close();
  }

  /** Chaos hook for tests: crash one worker thread. */
  crashWorker(worker: number): void {
    this.pool?.crash(worker);
  }

  /** Takes and saves a snapshot now (between batches). */
  snapshotNow(): Promise<void> {
    return this.exclusive(() => this.takeSnapshot());
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async committedOffsets(
    groupId: string,
    topic: string,
  ): Promise<{ partition: number; offset: bigint }[]> {
    const result = await this.admin?.fetchOffsets({ groupId, topics: [topic] });
    const out: { partition: number; offset: bigint }[] = [];
    for (const t of result ?? [])
      for (const p of t.partitions) out.push({ partition: p.partition, offset: BigInt(p.offset) });
    return out;
  }

  private async restore(snapshot: ExecutorSnapshot): Promise<void> {
    const symbols = this.options.instruments.map((i) => i.symbol);
    for (const book of snapshot.books) {
      if (!symbols.includes(book.symbol))
        throw new Error(`snapshot has a book for ${book.symbol}, which is not configured`);
    }
    this.state.load(snapshot.state);
    await this.restoreBooks(snapshot.books, undefined);
    for (const [p, offset] of Object.entries(snapshot.offsets))
      this.next.set(Number(p), BigInt(offset));
    for (const [p, offset] of Object.entries(snapshot.riskOffsets))
      this.riskNext.set(Number(p), BigInt(offset));
    this.lastSnapshot = { books: [...snapshot.books] };
    this.logger.info(
      { takenAt: snapshot.takenAt, books: snapshot.books.length, offsets: snapshot.offsets },
      'executor snapshot restored',
    );
  }

  private async restoreBooks(
    books: readonly BookSnapshot[],
    only: number | undefined,
  ): Promise<void> {
    const pool = this.requirePool();
    const byWorker = new Map<number, BookSnapshot[]>();
    for (const book of books) {
      const index = this.translator.indexOf(book.symbol);
      if (index === undefined) continue;
      const w = pool.ownerOf(index);
      if (only !== undefined && w !== only) continue;
      byWorker.set(w, [...(byWorker.get(w) ?? []), book]);
    }
    for (const [w, list] of byWorker) await pool.restore(w, list);
  }

  private requirePool(): WorkerPool {
    if (this.pool === undefined) throw new Error('executor not started');
    return this.pool;
  }

  private updateRecovering(): void {
    this.options.metrics?.recovering.set(this.isReady() ? 0 : 1);
  }

  // ---------------------------------------------------------------- the batch path

  /**
   * kafkajs hands over one partition's batch per call, several concurrently
   * (partitionsConsumedConcurrently), and fetches again from a broker only once every batch of
   * its previous fetch has been handed back. Handing them back only after their transaction
   * committed made the fetch loop wait a full round trip (fetch, match, transaction) per fetch:
   * kafkajs was idle while the transaction ran, and on a broker that returns one record batch
   * per partition per fetch (the dev broker) the backlog grew from 1,000 commands/s on. So a
   * batch is queued and handed back at once (up to `maxBufferedCommands` buffered), and
   * `resolveOffset` only moves kafkajs's in-memory fetch position: with autoCommit off, the
   * group offset still moves only in the transaction that carries the batch's events.
   * Everything queued while a round runs is coalesced into the next round: one pool round
   * trip and ONE transaction for all of it.
   */
  private enqueue(payload: EachBatchPayload): Promise<void> {
    const { messages } = payload.batch;
    const last = messages[messages.length - 1];
    if (last === undefined) return Promise.resolve();
    payload.resolveOffset(last.offset);
    this.buffered += messages.length;
    return new Promise<void>((release) => {
      this.queue.push({ payload, count: messages.length, release });
      if (this.buffered <= this.maxBufferedCommands) release();
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // Let the other partitions of the same fetch join this round.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const round = this.queue.splice(0);
      try {
        await this.exclusive(() => this.onBatches(round.map((r) => r.payload)));
      } catch (error) {
        // The books may be ahead of the committed offsets now: only a restart is consistent.
        this.fail(error instanceof Error ? error : new Error(String(error)));
      } finally {
        for (const r of round) {
          this.buffered -= r.count;
          r.release();
        }
      }
    }
  }

  private async onBatches(payloads: readonly EachBatchPayload[]): Promise<void> {
    if (this.stopping || this.failed !== undefined) return;
    const metrics = this.options.metrics;
    const pool = this.requirePool();
    const t0 = performance.now();
    const contexts: CommandContext[] = [];
    const records: BatchRecord[] = [];
    const outgoing: OutgoingRecord[] = [];
    const dlq: Message[] = [];
    const advanced: {
      payload: EachBatchPayload;
      partition: number;
      last: bigint;
      live: boolean;
    }[] = [];
    let tag = 0;
    let consumed = 0;
    for (const w of this.batchCommands) w.clear();
    for (const w of this.batchEvents) w.clear();

    // A partition can appear twice in a round (fetched again after a seek): offsets below the
    // next one to apply were applied already.
    const expectedOf = new Map<number, bigint>();
    for (const payload of payloads) {
      const { batch } = payload;
      const partition = batch.partition;
      const expected = expectedOf.get(partition) ?? this.next.get(partition) ?? 0n;
      const committed = this.committedAtStart.get(partition) ?? -1n;
      let lastOffset = -1n;
      let live = false;
      for (const message of batch.messages) {
        const offset = BigInt(message.offset);
        if (offset < expected) continue; // fetched before a seek took effect: already applied
        lastOffset = offset;
        consumed++;
        const silent = offset < committed;
        if (!silent) live = true;
        metrics?.commands.inc({ outcome: silent ? 'replayed' : 'applied' });
        let command: orders.OrderCommand;
        try {
          command = decodeStrict(
            Topics.ordersCommands.schema.codec,
            Topics.ordersCommands.schema.typeName,
            bytesOf(message.value),
          );
        } catch (error) {
          metrics?.commands.inc({ outcome: 'dead_lettered' });
          if (!silent) dlq.push(this.deadLetter(message, partition, error));
          continue;
        }
        const t = tag++;
        const symbolIndex = this.translator.indexOf(command.symbol);
        const target =
          symbolIndex === undefined ? undefined : this.batchCommands[pool.ownerOf(symbolIndex)];
        const result = this.translator.translate(
          command,
          partition,
          t,
          target ?? (this.batchCommands[0] as RecordBuffer),
          contexts,
        );
        if (result.kind === 'duplicate') metrics?.commands.inc({ outcome: 'duplicate' });
        else if (result.kind === 'no-book') {
          metrics?.commands.inc({ outcome: 'no_book' });
          if (!silent) outgoing.push(result.record);
        }
        records[t] = { tag: t, silent };
      }
      if (lastOffset >= 0n) {
        expectedOf.set(partition, lastOffset + 1n);
        const previous = advanced.find((a) => a.partition === partition);
        if (previous === undefined) advanced.push({ payload, partition, last: lastOffset, live });
        else {
          previous.last = lastOffset;
          previous.live ||= live;
        }
      }
    }
    if (advanced.length === 0) return;
    metrics?.batchSize.observe(consumed);
    metrics?.pending.set(consumed);
    const t1 = performance.now();
    metrics?.stage.observe({ stage: 'decode' }, (t1 - t0) / 1000);

    await this.match();
    const t2 = performance.now();
    metrics?.stage.observe({ stage: 'match' }, (t2 - t1) / 1000);

    for (const events of this.batchEvents) {
      for (let i = 0; i < events.count; i++) {
        const base = i * EVT_SLOTS;
        const t = events.f64[base + ES.TAG] ?? -1;
        const silent = records[t]?.silent ?? false;
        this.translator.translateEvent(events.f64, events.u8, base, contexts[t], (record) => {
          if (!silent) outgoing.push(record);
        });
      }
    }
    const t3 = performance.now();
    metrics?.stage.observe({ stage: 'encode' }, (t3 - t2) / 1000);

    for (let w = 0; w < this.batchCommands.length; w++) {
      const cmds = this.batchCommands[w] as RecordBuffer;
      this.journal[w]?.appendFrom(cmds.f64, 0, cmds.count);
    }
    const liveOffsets = advanced
      .filter((a) => a.live)
      .map((a) => ({ partition: a.partition, offset: a.last + 1n }));
    if (liveOffsets.length > 0) {
      const heartbeat = (advanced[0] as { payload: EachBatchPayload }).payload.heartbeat;
      await this.publish(
        outgoing,
        dlq,
        { group: this.options.groupId, topic: this.topics.commands, partitions: liveOffsets },
        heartbeat,
      );
      const t4 = performance.now();
      metrics?.stage.observe({ stage: 'publish' }, (t4 - t3) / 1000);
      const nowNs = BigInt(Date.now()) * 1_000_000n;
      for (let t = 0; t < contexts.length; t++) {
        const ctx = contexts[t];
        if (ctx !== undefined && ctx.eventTime > 0n && records[t]?.silent !== true)
          metrics?.commandLatency.observe(Number(nowNs - ctx.eventTime) / 1e9);
      }
    }
    for (const a of advanced) this.next.set(a.partition, a.last + 1n);
    metrics?.pending.set(0);
    this.commandsSinceSnapshot += consumed;
    this.updateRecovering();
    if (
      this.commandsSinceSnapshot >= (this.options.snapshotEveryCommands ?? 50_000) ||
      Date.now() - this.lastSnapshotAt >= (this.options.snapshotEveryMs ?? 30_000)
    ) {
      // The round is committed: a failed snapshot (a worker that crashed since the round) only
      // postpones the cut; the journal is kept and the next round rebuilds the worker.
      await this.takeSnapshot().catch((error: unknown) =>
        this.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'executor snapshot postponed',
        ),
      );
    }
    // kafkajs heartbeats on its own between fetches; a rebalance it reports is handled there.
    await (advanced[0] as { payload: EachBatchPayload }).payload.heartbeat().catch(() => undefined);
  }

  /** Sends the batch's records to their workers and waits for every event; rebuilds crashed workers. */
  private async match(): Promise<void> {
    const pool = this.requirePool();
    const metrics = this.options.metrics;
    let inFlight = 0;
    for (const b of this.batchCommands) inFlight += b.count;
    metrics?.inFlight.set(inFlight);
    let pending: number[] = [];
    for (let w = 0; w < pool.workerCount; w++)
      if ((this.batchCommands[w]?.count ?? 0) > 0) pending.push(w);
    for (let attempt = 0; ; attempt++) {
      const results = await Promise.allSettled(
        pending.map(async (w) => {
          if (!pool.isAlive(w)) throw new WorkerCrashedError(w, new Error('not running'));
          const cmds = this.batchCommands[w] as RecordBuffer;
          await pool.send(w, cmds.f64, 0, cmds.count);
          await pool.flush([w]);
        }),
      );
      const crashed = pending.filter((_, i) => results[i]?.status === 'rejected');
      if (crashed.length === 0) break;
      if (attempt >= 3) {
        const error = new Error(`workers ${crashed.join(',')} keep crashing on the same batch`);
        this.fail(error);
        throw error;
      }
      for (const w of crashed) await this.rebuildWorker(w);
      // Only the rebuilt workers get their share again: the others applied theirs (their events
      // are in batchEvents), and sending it twice would apply it twice. One that died after
      // answering is found dead by the next round and rebuilt from the journal, this batch included.
      pending = crashed;
    }
    metrics?.inFlight.set(0);
  }

  /** Restarts a worker from the last snapshot plus the journal (its events are discarded). */
  private async rebuildWorker(w: number): Promise<void> {
    const pool = this.requirePool();
    this.rebuildingWorkers++;
    this.updateRecovering();
    this.options.metrics?.workerRestarts.inc();
    this.restarts++;
    this.logger.warn({ worker: w }, 'rebuilding executor worker from snapshot + journal');
    try {
      await pool.restartWorker(w);
      await this.restoreBooks(this.lastSnapshot.books, w);
      const journal = this.journal[w] as RecordBuffer;
      this.discarding[w] = true;
      try {
        await pool.send(w, journal.f64, 0, journal.count);
        await pool.flush([w]);
      } finally {
        this.discarding[w] = false;
      }
      this.batchEvents[w]?.clear();
    } finally {
      this.rebuildingWorkers--;
      this.updateRecovering();
    }
  }

  /** One transaction: events, trades, DLQ records and the consumer offset; retried until it commits. */
  private async publish(
    outgoing: readonly OutgoingRecord[],
    dlq: readonly Message[],
    offsets: {
      group: string;
      topic: string;
      partitions: readonly { partition: number; offset: bigint }[];
    },
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const producer = this.producer;
    if (producer === undefined) throw new Error('executor not started');
    const headers = (typeName: string, id: string): Message['headers'] => ({
      'content-type': 'application/x-protobuf',
      'message-type': typeName,
      'event-id': id,
    });
    const events: Message[] = [];
    const trades: Message[] = [];
    for (const r of outgoing) {
      const value = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      if (r.topic === 'events')
        events.push({
          key: r.key,
          value,
          headers: headers(Topics.ordersEvents.schema.typeName, r.id),
        });
      else
        trades.push({ key: r.key, value, headers: headers(Topics.trades.schema.typeName, r.id) });
    }
    const topicMessages = [
      { topic: this.topics.events, messages: events },
      { topic: this.topics.trades, messages: trades },
      { topic: this.topics.commandsDlq, messages: [...dlq] },
    ].filter((t) => t.messages.length > 0);
    for (let attempt = 0; ; attempt++) {
      const tx = await producer.transaction();
      try {
        if (topicMessages.length > 0) await tx.sendBatch({ topicMessages });
        await tx.sendOffsets({
          consumerGroupId: offsets.group,
          topics: [
            {
              topic: offsets.topic,
              partitions: offsets.partitions.map((p) => ({
                partition: p.partition,
                offset: p.offset.toString(),
              })),
            },
          ],
        });
        await tx.commit();
        this.options.metrics?.events.inc({ topic: 'events' }, events.length);
        this.options.metrics?.events.inc({ topic: 'trades' }, trades.length);
        this.options.metrics?.events.inc({ topic: 'dlq' }, dlq.length);
        return;
      } catch (error) {
        this.options.metrics?.publishRetries.inc();
        this.logger.warn(
          { attempt, err: error instanceof Error ? error.message : String(error) },
          'executor transaction failed; retrying',
        );
        await tx.abort().catch(() => undefined);
        if (this.stopping) {
          // Our books are ahead of the committed offset now: only a restart (snapshot + replay) is consistent.
          const fatal = new Error('stopped while a transaction was failing', { cause: error });
          this.fail(fatal);
          throw fatal;
        }
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
        await heartbeat().catch(() => undefined);
      }
    }
  }

  private deadLetter(
    message: Message & { offset?: string },
    partition: number,
    error: unknown,
  ): Message {
    return {
      key: message.key ?? null,
      value: message.value ?? null,
      headers: {
        ...(message.headers ?? {}),
        'dlq-error': (error instanceof Error ? error.message : String(error)).slice(0, 1024),
        'dlq-error-code': 'MESSAGING_DECODE_FAILED',
        'dlq-original-topic': this.topics.commands,
        'dlq-original-partition': String(partition),
        'dlq-original-offset': String(message.offset ?? ''),
        'dlq-attempts': '0',
        'dlq-failed-at': new Date().toISOString(),
      },
    };
  }

  private fail(error: Error): void {
    if (this.failed !== undefined) return;
    this.failed = error;
    this.updateRecovering();
    this.logger.error(
      { err: error.message },
      'executor failed; restart it to recover from its snapshot',
    );
    this.options.onFatal?.(error);
  }

  // ---------------------------------------------------------------- snapshots

  private async takeSnapshot(outbox?: ExecutorSnapshot['outbox']): Promise<void> {
    const pool = this.requirePool();
    const books: BookSnapshot[] = [];
    for (let w = 0; w < pool.workerCount; w++) books.push(...(await pool.snapshot(w)));
    const snapshot: ExecutorSnapshot = {
      format: 'meridian.executor.v1',
      takenAt: new Date().toISOString(),
      symbols: this.options.instruments.map((i) => i.symbol),
      offsets: Object.fromEntries([...this.next].map(([p, o]) => [String(p), o.toString()])),
      riskOffsets: Object.fromEntries(
        [...this.riskNext].map(([p, o]) => [String(p), o.toString()]),
      ),
      books,
      state: this.state.toJSON(),
      ...(outbox === undefined ? {} : { outbox }),
    };
    // The journal restarts at this cut even if the write below fails: crashed workers are rebuilt
    // from the in-memory copy; the file only matters for a process restart.
    this.lastSnapshot = { books };
    for (const j of this.journal) j.clear();
    this.commandsSinceSnapshot = 0;
    this.lastSnapshotAt = Date.now();
    try {
      await this.options.snapshots.save(snapshot);
      this.options.metrics?.snapshots.inc({ outcome: 'ok' });
    } catch (error) {
      this.options.metrics?.snapshots.inc({ outcome: 'error' });
      if (outbox !== undefined) throw error;
      this.logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'executor snapshot not saved',
      );
    }
  }

  private async publishOutbox(outbox: NonNullable<ExecutorSnapshot['outbox']>): Promise<void> {
    const committed = new Map(
      (await this.committedOffsets(`${this.options.groupId}.risk`, this.topics.riskControls)).map(
        (c) => [c.partition, c.offset],
      ),
    );
    const pending = Object.entries(outbox.riskOffsets).some(
      ([p, o]) => (committed.get(Number(p)) ?? -1n) < BigInt(o),
    );
    if (!pending) return;
    this.logger.warn(
      { records: outbox.records.length },
      'publishing the outbox of a risk control interrupted by a crash',
    );
    await this.publish(
      outbox.records.map((r) => ({ ...r, value: Buffer.from(r.value, 'base64') })),
      [],
      {
        group: `${this.options.groupId}.risk`,
        topic: this.topics.riskControls,
        partitions: Object.entries(outbox.riskOffsets).map(([p, o]) => ({
          partition: Number(p),
          offset: BigInt(o),
        })),
      },
      () => Promise.resolve(),
    );
  }

  // ---------------------------------------------------------------- risk controls

  /**
   * Applies one risk control between command batches. A halt of an account or agent cancels its
   * open orders (reason RISK_HALT); a global halt makes every later command except cancels a
   * TRADING_HALTED rejection. The new state and the cancels' events are saved in a snapshot
   * (with the events as an outbox) BEFORE the transaction that publishes them and commits the
   * control's offset, so a replay never crosses a control and a crash in between loses nothing.
   */
  private async onRiskControl(
    partition: number,
    message: Message & { offset: string },
  ): Promise<void> {
    if (this.stopping || this.failed !== undefined) return;
    const offset = BigInt(message.offset);
    if (offset < (this.riskNext.get(partition) ?? 0n)) return;
    let control: risk.RiskControl;
    try {
      control = decodeStrict(
        Topics.riskControls.schema.codec,
        Topics.riskControls.schema.typeName,
        bytesOf(message.value),
      );
    } catch (error) {
      this.logger.error(
        {
          partition,
          offset: message.offset,
          err: error instanceof Error ? error.message : String(error),
        },
        'undecodable risk control skipped',
      );
      this.riskNext.set(partition, offset + 1n);
      return;
    }
    const halted = control.state === risk.TradingState.HALTED;
    const pool = this.requirePool();
    const contexts: CommandContext[] = [];
    for (const w of this.batchCommands) w.clear();
    for (const w of this.batchEvents) w.clear();
    let victims: { symbol: number; orderId: number }[] = [];
    switch (control.scope) {
      case risk.ControlScope.GLOBAL:
        this.state.globalHalt = halted;
        break;
      case risk.ControlScope.ACCOUNT:
        if (halted) this.state.haltedAccounts.add(control.targetId);
        else this.state.haltedAccounts.delete(control.targetId);
        if (halted) victims = this.state.ordersOf((o) => o.accountId === control.targetId);
        break;
      case risk.ControlScope.AGENT:
        if (halted) this.state.haltedAgents.add(control.targetId);
        else this.state.haltedAgents.delete(control.targetId);
        if (halted) victims = this.state.ordersOf((o) => o.agentId === control.targetId);
        break;
      default:
        break;
    }
    this.logger.info(
      {
        scope: control.scope,
        target: control.targetId,
        state: control.state,
        cancels: victims.length,
      },
      'risk control applied',
    );
    victims.forEach((v, tag) => {
      this.translator.haltCancel(
        v.symbol,
        v.orderId,
        tag,
        control.effectiveAtUnixNanos,
        this.batchCommands[pool.ownerOf(v.symbol)] as RecordBuffer,
        contexts,
      );
    });
    await this.match();
    const outgoing: OutgoingRecord[] = [];
    for (const events of this.batchEvents) {
      for (let i = 0; i < events.count; i++) {
        const base = i * EVT_SLOTS;
        this.translator.translateEvent(
          events.f64,
          events.u8,
          base,
          contexts[events.f64[base + ES.TAG] ?? -1],
          (r) => outgoing.push(r),
        );
      }
    }
    for (let w = 0; w < this.batchCommands.length; w++) {
      const cmds = this.batchCommands[w] as RecordBuffer;
      this.journal[w]?.appendFrom(cmds.f64, 0, cmds.count);
    }
    this.riskNext.set(partition, offset + 1n);
    const riskOffsets = { [String(partition)]: (offset + 1n).toString() };
    await this.takeSnapshot({
      riskOffsets,
      records: outgoing.map((r) => ({
        topic: r.topic,
        key: r.key,
        id: r.id,
        value: Buffer.from(r.value).toString('base64'),
      })),
    });
    await this.publish(
      outgoing,
      [],
      {
        group: `${this.options.groupId}.risk`,
        topic: this.topics.riskControls,
        partitions: [{ partition, offset: offset + 1n }],
      },
      () => Promise.resolve(),
    );
  }
}
