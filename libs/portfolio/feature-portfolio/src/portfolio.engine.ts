import { randomUUID } from 'node:crypto';
import { type marketdata, type orders, portfolio } from '@meridian/contracts';
import {
  type AccountBook,
  type AccountValuation,
  type Clock,
  type ExecutionDeduper,
  type FeeSchedule,
  type Fill,
  PortfolioBook,
  type PositionState,
  toFill,
  utcDayStart,
} from '@meridian/portfolio-domain';
import {
  type AppliedExecution,
  ConcurrentPortfolioWriteError,
  type HotViewUpdate,
  type OpenOrder,
  type PortfolioRedisView,
  type PortfolioRepository,
  type PortfolioWriteBatch,
  type StoredPortfolio,
} from '@meridian/portfolio-data-access';
import type { BatchOutcome, BatchRecord } from './kafka-batch.consumer';
import { markPriceOf, parseOrderEvent } from './order-event.parser';
import { AccountNotFoundError, OrderSideUnknownError } from './portfolio.error';
import type { PortfolioMetrics } from './portfolio.metrics';
import { toAccountSnapshot, toPositionProto } from './position-update.mapper';
import type { PositionUpdateHub } from './position-update.hub';
import type { PositionUpdateSink } from './position-update.publisher';

export interface EngineLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface PortfolioEngineOptions {
  readonly repository: PortfolioRepository;
  readonly view: PortfolioRedisView;
  readonly sink: PositionUpdateSink;
  readonly hub: PositionUpdateHub;
  readonly metrics: PortfolioMetrics;
  readonly logger: EngineLogger;
  /** Unix nanos; decides the UTC day of day PnL. */
  readonly clock: Clock;
  /** Monotonic milliseconds for the mark throttle. Default performance.now. */
  readonly monotonicMs?: () => number;
  readonly fees: FeeSchedule;
  /** For accounts first seen in a fill (scale 16) and their currency. */
  readonly defaultStartingCash: bigint;
  readonly defaultCurrency: string;
  /** At most one mark-driven update per account and symbol per this many ms; 0 = every tick. */
  readonly markThrottleMs: number;
  /**
   * 'position' (default): one PositionUpdate per (account, symbol) a fill batch changed, the one
   * its last fill in the batch would have had (ADR 0015). 'fill': one per fill.
   */
  readonly updateGranularity?: 'position' | 'fill';
  /**
   * Fill batches in flight at once: a batch is applied in memory while the ones before it are
   * still being written to PostgreSQL and Redis and published. Default 2; 1 = strictly one.
   */
  readonly pipelineDepth?: number;
  /**
   * Called after a fill batch's PostgreSQL commit, before its hot view write and its publish;
   * a throw fails the batch there (tests inject a crash between commit and publish with it).
   */
  readonly afterCommitHook?: () => void;
}

/** Idempotency within the live service: what the database said plus what this batch applied. */
class BatchDeduper implements ExecutionDeduper {
  known = new Set<string>();
  readonly appliedNow = new Set<string>();
  isApplied(id: string): boolean {
    return this.known.has(id) || this.appliedNow.has(id);
  }
  markApplied(id: string): void {
    this.appliedNow.add(id);
  }
  reset(known: Set<string>): void {
    this.known = known;
    this.appliedNow.clear();
  }
}

const key = (accountId: string, symbol: string): string => `${accountId}\u0000${symbol}`;

interface WaitingFills {
  readonly records: readonly BatchRecord<orders.OrderEvent>[];
  readonly resolve: (outcome: BatchOutcome) => void;
  readonly reject: (error: unknown) => void;
  /** Already retried after a concurrent write: the next failure goes to the consumer. */
  readonly retried: boolean;
  /** Hand-in order: batches applied again after a failure keep it. */
  readonly seq: number;
}

/** A fill batch applied in memory, waiting for (or in) its write, hot view update and publish. */
interface FillJob {
  readonly waiting: readonly WaitingFills[];
  readonly epoch: number;
  readonly touched: ReadonlySet<string>;
  readonly write: PortfolioWriteBatch | undefined;
  /** Positions for the hot view (changed, or re-published after a redelivery). */
  readonly hot: readonly PositionState[];
  readonly updates: readonly portfolio.PositionUpdate[];
  /** The positions whose current state `updates` publish. */
  readonly publishes: readonly string[];
  readonly outcome: BatchOutcome;
  readonly closed: readonly string[];
  readonly applied: number;
  readonly duplicates: number;
  readonly stopTimer: () => void;
}

/** The batch's write did not happen because an earlier batch's write failed (retried). */
class EarlierBatchFailedError extends Error {
  constructor() {
    super('an earlier fill batch failed to commit; this one was applied on top of it');
  }
}

/**
 * The portfolio service's state machine: per-account books in memory (loaded from PostgreSQL at
 * start), fills and marks applied in batches, each batch persisted with one PostgreSQL statement
 * (idempotency rows included), then mirrored to the Redis hot view and published as
 * PositionUpdates; a fill batch resolves (and its consumer commits the offset) only once its
 * updates are published. In-memory application is serial (a promise chain), so the state only
 * ever moves in one order; writes are serial in the same order. Up to `pipelineDepth` fill
 * batches are in flight: the next one is applied in memory while earlier ones are written. A
 * write that fails fails every later batch not yet written; their accounts are reloaded from
 * PostgreSQL before anything else is applied.
 */
export class PortfolioEngine {
  private readonly book: PortfolioBook;
  private readonly deduper = new BatchDeduper();
  private readonly openOrders = new Map<string, OpenOrder>();
  private chain: Promise<unknown> = Promise.resolve();
  /** PostgreSQL writes, one at a time, in the order the batches were applied. */
  private writes: Promise<unknown> = Promise.resolve();
  /** Fill jobs applied in memory and not yet written (oldest first). */
  private readonly unwritten: FillJob[] = [];
  /** Fill jobs applied and not yet resolved (written, mirrored and published). */
  private inFlight = 0;
  /** Bumped by a failed write: jobs of an older epoch are not written. */
  private epoch = 0;
  /** Accounts to reload from PostgreSQL before the next batch is applied. */
  private readonly reloadPending = new Set<string>();
  /** Committed updates not yet on Kafka, oldest first (the background publisher drains them). */
  private unpublished: portfolio.PositionUpdate[] = [];
  /** Updates handed to the publisher so far, and published so far (job resolution waits on it). */
  private enqueuedCount = 0;
  private publishedCount = 0;
  private readonly publishWaiters: { readonly upTo: number; readonly resolve: () => void }[] = [];
  private publishing: Promise<void> | undefined;
  private closed = false;
  /**
   * Hot-view writes owed after a commit: per account the symbols that changed, or 'all' (after
   * a failed Redis write, or for a whole account). Cleared once Redis took them.
   */
  private readonly redisDirty = new Map<string, Set<string> | 'all'>();
  private readonly pendingMarks = new Set<string>();
  /** Fill batches handed in and not yet applied; applied together next. */
  private waitingFills: WaitingFills[] = [];
  private handedIn = 0;
  /** Batches of failed writes, applied again (in hand-in order) once none is in flight. */
  private retrying: WaitingFills[] = [];
  private applying = false;
  private readonly lastMarkEmit = new Map<string, number>();
  /** The version at which each (account, symbol) last changed. */
  private readonly positionVersions = new Map<string, bigint>();
  /**
   * Positions whose current state this process handed to the publisher. A redelivered fill of
   * any other position re-publishes it: its update may have been lost in a crash between the
   * commit and the publish.
   */
  private readonly publishedHere = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly monotonicMs: () => number;
  private readonly perPosition: boolean;
  private readonly depth: number;

  constructor(private readonly options: PortfolioEngineOptions) {
    this.book = new PortfolioBook({
      clock: options.clock,
      defaultStartingCash: options.defaultStartingCash,
      defaultCurrency: options.defaultCurrency,
      deduper: this.deduper,
    });
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
    this.perPosition = (options.updateGranularity ?? 'position') === 'position';
    this.depth = Math.max(1, options.pipelineDepth ?? 2);
  }

  /** Loads every account, position and open order from PostgreSQL and rewrites the hot view. */
  async start(): Promise<void> {
    const stored = await this.options.repository.loadAll();
    this.restoreAccounts(stored);
    for (const order of await this.options.repository.openOrders())
      this.openOrders.set(order.orderId, order);
    const ids = this.book.accountIds();
    for (let i = 0; i < ids.length; i += 1000) {
      await this.options.view.write(ids.slice(i, i + 1000).map((id) => this.hotViewOf(id)));
    }
    if (this.options.markThrottleMs > 0) {
      this.flushTimer = setInterval(() => {
        if (this.pendingMarks.size > 0)
          this.serial(() => this.flushMarks(false)).catch((error: unknown) =>
            this.options.logger.warn({ err: error }, 'mark flush failed; retried on the next tick'),
          );
      }, this.options.markThrottleMs);
      this.flushTimer.unref();
    }
    this.options.logger.info(
      {
        accounts: ids.length,
        positions: stored.positions.length,
        openOrders: this.openOrders.size,
      },
      'portfolio state loaded',
    );
  }

  /**
   * Stops the mark flusher after emitting what it held back, waits for the running batch and
   * publishes every committed update (giving up after `publishTimeoutMs`).
   */
  async close(publishTimeoutMs = 10_000): Promise<void> {
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    await this.serial(() => this.flushMarks(true)).catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'final mark flush failed'),
    );
    const drained = this.flushUpdates().then(() => true);
    const timeout = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), publishTimeoutMs);
      timer.unref();
    });
    if (!(await Promise.race([drained, timeout])))
      this.options.logger.error(
        { unpublished: this.unpublished.length },
        'PositionUpdates left unpublished at shutdown',
      );
    this.closed = true;
  }

  /** Resolves once every committed update is published (tests, shutdown). */
  async flushUpdates(): Promise<void> {
    await this.writes;
    while (this.unpublished.length > 0 || this.publishing !== undefined) {
      this.kickPublisher();
      await this.publishing;
    }
  }

  /**
   * Applies one consumer batch of execution reports (the fill consumer's handler); resolves once
   * the batch is committed, mirrored to Redis and its updates are published. Batches that arrive
   * while the pipeline is full (several partitions consumed concurrently) are merged and applied
   * and written together: one PostgreSQL statement for all of them.
   */
  applyOrderEvents(records: readonly BatchRecord<orders.OrderEvent>[]): Promise<BatchOutcome> {
    return new Promise<BatchOutcome>((resolve, reject) => {
      this.handedIn += 1;
      this.waitingFills.push({ records, resolve, reject, retried: false, seq: this.handedIn });
      this.pump();
    });
  }

  /** Starts applying the waiting batches if the pipeline has room. */
  private pump(): void {
    if (
      this.applying ||
      this.waitingFills.length === 0 ||
      this.inFlight >= this.depth ||
      this.retrying.length > 0
    )
      return;
    this.applying = true;
    // Taken when the chain gets to it: batches handed in meanwhile are merged into this one.
    this.serial(() => {
      const waiting = this.waitingFills;
      this.waitingFills = [];
      return this.applyWaiting(waiting);
    })
      .catch(() => undefined)
      .finally(() => {
        this.applying = false;
        this.pump();
      });
  }

  private async applyWaiting(waiting: readonly WaitingFills[]): Promise<void> {
    if (waiting.length === 0) return;
    const merged =
      waiting.length === 1 ? (waiting[0]?.records ?? []) : waiting.flatMap((w) => w.records);
    const stopTimer = this.options.metrics.fillApplySeconds.startTimer();
    let job: FillJob;
    try {
      for (;;) {
        await this.reloadIfPending();
        const applied = await this.applyEvents(
          merged,
          waiting.some((w) => w.retried),
          waiting,
          stopTimer,
        );
        if (applied !== undefined) {
          job = applied;
          break;
        }
      }
    } catch (error) {
      stopTimer();
      for (const w of waiting) w.reject(error);
      return;
    }
    this.inFlight += 1;
    this.unwritten.push(job);
    const written = this.runWrite(() => this.writeJob(job));
    // The job resolves after its publish, outside the write chain: the next batch's write does
    // not wait for this one's publish.
    written
      .then((target) => (target === undefined ? undefined : this.publishedUpTo(target)))
      .then(
        () => this.settle(job, undefined),
        (error: unknown) => this.settle(job, error),
      );
  }

  /** Resolves or fails the job's callers; a concurrent write or an earlier failure retries once. */
  private settle(job: FillJob, error: unknown): void {
    this.inFlight -= 1;
    job.stopTimer();
    if (error === undefined) {
      this.options.metrics.fillsApplied.inc(job.applied);
      if (job.duplicates > 0) this.options.metrics.fillsDuplicate.inc(job.duplicates);
      let base = 0;
      for (const w of job.waiting) {
        const end = base + w.records.length;
        const from = base;
        w.resolve({
          rejected: job.outcome.rejected
            .filter((r) => r.index >= from && r.index < end)
            .map((r) => ({ index: r.index - from, error: r.error })),
        });
        base = end;
      }
    } else {
      const retry =
        error instanceof ConcurrentPortfolioWriteError || error instanceof EarlierBatchFailedError;
      const again = job.waiting.filter((w) => retry && !w.retried);
      for (const w of job.waiting) if (!again.includes(w)) w.reject(error);
      // Something else applied part of this batch (a replay racing a redelivery), or it sat on
      // top of one that failed: apply it again, looking every execution id up.
      for (const w of again) this.retrying.push({ ...w, retried: true });
    }
    if (this.inFlight === 0 && this.retrying.length > 0) {
      // Every batch applied on top of the failed one has failed too: all of them again, oldest
      // first, ahead of (or merged with) what was handed in since.
      this.waitingFills = [...this.retrying, ...this.waitingFills].sort((a, b) => a.seq - b.seq);
      this.retrying = [];
    }
    this.pump();
  }

  private runWrite<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.writes.then(fn, fn);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes one applied fill batch, then the hot view, then hands its updates to the publisher.
   * Returns the publish count to wait for (undefined: nothing to publish).
   */
  private async writeJob(job: FillJob): Promise<number | undefined> {
    this.unwritten.shift();
    if (job.epoch !== this.epoch) throw new EarlierBatchFailedError();
    if (job.write !== undefined) {
      try {
        await this.options.repository.writeBatch(job.write);
      } catch (error) {
        // Memory is ahead of PostgreSQL for this batch and every one applied after it.
        this.epoch += 1;
        for (const id of job.touched) this.reloadPending.add(id);
        for (const later of this.unwritten)
          for (const id of later.touched) this.reloadPending.add(id);
        throw error;
      }
    }
    this.options.afterCommitHook?.();
    for (const id of job.closed) this.openOrders.delete(id);
    for (const k of job.publishes) this.publishedHere.add(k);
    return this.afterCommit(job.hot, job.updates);
  }

  /**
   * Applies one consumer batch of ticks as marks (the mark consumer's handler). Within a batch
   * only each symbol's last price is applied: a burst of ticks costs one pass over the symbol's
   * holders, not one per tick.
   */
  applyTicks(records: readonly BatchRecord<marketdata.Tick>[]): Promise<BatchOutcome> {
    return this.serial(async () => {
      await this.reloadIfPending();
      const rejected: { index: number; error: unknown }[] = [];
      const last = new Map<string, bigint>();
      records.forEach((record, index) => {
        try {
          const price = markPriceOf(record.value);
          if (price !== null) last.set(record.value.symbol, price);
        } catch (error) {
          rejected.push({ index, error });
        }
      });
      for (const [symbol, price] of last) {
        const marked = this.book.applyMark(symbol, price);
        if (marked.length === 0) continue;
        this.options.metrics.marksApplied.inc();
        for (const m of marked) this.pendingMarks.add(key(m.account.accountId, m.position.symbol));
      }
      await this.flushMarks(false);
      return { rejected };
    });
  }

  /**
   * The account's positions: open ones, and flat ones changed since 00:00 UTC today (they carry
   * today's realized PnL). Throws AccountNotFoundError for an account with no fills yet.
   */
  positions(accountId: string, symbol = ''): portfolio.Position[] {
    const account = this.book.account(accountId);
    if (account === undefined) throw new AccountNotFoundError(accountId);
    return this.visiblePositions(account)
      .filter((p) => symbol === '' || p.symbol === symbol)
      .map(toPositionProto);
  }

  /** The account's valuation now, with its visible positions. */
  account(accountId: string): portfolio.AccountSnapshot {
    const account = this.book.account(accountId);
    if (account === undefined) throw new AccountNotFoundError(accountId);
    return toAccountSnapshot(
      account,
      account.valuation(),
      account.currentVersion,
      this.options.clock(),
      this.visiblePositions(account),
    );
  }

  /** Whether the account has a portfolio (StreamPositions refuses unknown ones). */
  hasAccount(accountId: string): boolean {
    return this.book.account(accountId) !== undefined;
  }

  /**
   * Replaces the in-memory state of the given accounts with what is stored (after a rebuild
   * from the ledger, or a failed batch).
   */
  reloadAccounts(accountIds: readonly string[]): Promise<void> {
    return this.serial(async () => {
      await this.writes;
      await this.reload(accountIds);
    });
  }

  private visiblePositions(account: AccountBook): PositionState[] {
    const today = utcDayStart(this.options.clock());
    return account
      .allPositions()
      .filter((p) => p.quantity !== 0n || p.updatedAtUnixNanos >= today)
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Reloads the accounts of failed batches once no write of theirs is outstanding. */
  private async reloadIfPending(): Promise<void> {
    if (this.reloadPending.size === 0) return;
    await this.writes;
    const ids = [...this.reloadPending];
    await this.reload(ids);
    for (const id of ids) this.reloadPending.delete(id);
  }

  /** Parses and applies a batch in memory; what to write and publish comes back as a job. */
  private async applyEvents(
    records: readonly BatchRecord<orders.OrderEvent>[],
    lookupAll: boolean,
    waiting: readonly WaitingFills[],
    stopTimer: () => void,
  ): Promise<FillJob | undefined> {
    const rejected: { index: number; error: unknown }[] = [];
    const opened = new Map<string, OpenOrder>();
    const closed = new Set<string>();
    const fills: Fill[] = [];
    const sideless: {
      index: number;
      orderId: string;
      executionId: string;
      accountId: string;
      symbol: string;
    }[] = [];
    records.forEach((record, index) => {
      try {
        const parsed = parseOrderEvent(record.value);
        if (parsed.kind === 'accepted') opened.set(parsed.order.orderId, parsed.order);
        else if (parsed.kind === 'terminal') closed.add(parsed.orderId);
        else if (parsed.kind === 'fill') {
          const order = opened.get(parsed.orderId) ?? this.openOrders.get(parsed.orderId);
          if (order === undefined) {
            // Either a redelivered fill of an order that completed since, or really unknown.
            sideless.push({
              index,
              orderId: parsed.orderId,
              executionId: parsed.fill.executionId,
              accountId: parsed.fill.accountId,
              symbol: parsed.fill.symbol,
            });
            return;
          }
          // Fields copied one by one (no spread): this runs once per fill.
          const f = parsed.fill;
          fills.push(
            toFill(
              {
                executionId: f.executionId,
                accountId: f.accountId,
                symbol: f.symbol,
                side: order.side === 1 ? 'buy' : 'sell',
                quantity: f.quantity,
                price: f.price,
                liquidity: f.liquidity,
                sequence: f.sequence,
                executedAtUnixNanos: f.executedAtUnixNanos,
                fee: f.fee,
              },
              this.options.fees,
            ),
          );
          if (parsed.terminal) closed.add(parsed.orderId);
        }
      } catch (error) {
        rejected.push({ index, error });
      }
    });

    let duplicates = 0;
    /** Positions of redelivered fills (their update may never have been published). */
    const redelivered = new Set<string>();
    if (sideless.length > 0) {
      const applied = await this.options.repository.appliedAmong(
        sideless.map((f) => f.executionId),
      );
      for (const f of sideless) {
        if (applied.has(f.executionId)) {
          duplicates += 1;
          redelivered.add(key(f.accountId, f.symbol));
        } else
          rejected.push({
            index: f.index,
            error: new OrderSideUnknownError(f.orderId, f.executionId),
          });
      }
    }

    // Only a fill at or below its position's last applied sequence can be a redelivery (per
    // symbol, fills arrive in sequence order), so only those cost a lookup.
    const candidates = new Set<string>();
    for (const f of fills) {
      const last = this.book.account(f.accountId)?.position(f.symbol)?.lastSequence ?? 0n;
      if (lookupAll || f.sequence <= last) candidates.add(f.executionId);
    }
    this.deduper.reset(
      candidates.size === 0
        ? new Set()
        : await this.options.repository.appliedAmong([...candidates]),
    );

    // A write failed while this batch was being looked up: reload first, then start over.
    if (this.reloadPending.size > 0) return undefined;
    // From here on nothing awaits: no write can fail while this batch is applied.
    const epoch = this.epoch;
    const touched = new Set<string>();
    const changed = new Map<string, PositionState>();
    const executions: AppliedExecution[] = [];
    const updates: portfolio.PositionUpdate[] = [];
    /** Per position, its last fill in the batch: the update it gets in 'position' mode. */
    const lastFill = new Map<string, LastFill>();
    const now = this.options.clock();
    try {
      for (const fill of fills) {
        const result = this.book.applyFill(fill);
        const k = key(fill.accountId, fill.symbol);
        if (!result.applied) {
          duplicates += 1;
          redelivered.add(k);
          continue;
        }
        touched.add(fill.accountId);
        changed.set(k, result.position);
        this.positionVersions.set(k, result.version);
        executions.push({
          executionId: fill.executionId,
          accountId: fill.accountId,
          symbol: fill.symbol,
          sequence: fill.sequence,
        });
        if (this.perPosition) {
          // Delete first: the map's order is then the order of each position's last fill, which
          // is version order per account.
          lastFill.delete(k);
          lastFill.set(k, {
            account: result.account,
            position: result.position,
            version: result.version,
            executionId: fill.executionId,
            valuation: result.account.valuation(),
          });
        } else
          updates.push(
            this.update(
              result.account,
              result.position,
              result.version,
              portfolio.PositionUpdateCause.FILL,
              fill.executionId,
              now,
            ),
          );
      }
    } catch (error) {
      // Corruption (the domain throws only then): forget what this batch did.
      for (const id of touched) this.reloadPending.add(id);
      throw error;
    }
    for (const l of lastFill.values())
      updates.push({
        updateId: randomUUID(),
        version: l.version,
        cause: portfolio.PositionUpdateCause.FILL,
        executionId: l.executionId,
        position: toPositionProto(l.position),
        account: toAccountSnapshot(l.account, l.valuation, l.version, now),
      });
    const hot = [...changed.values()];
    const publishes = [...changed.keys()];
    for (const k of redelivered) {
      if (changed.has(k) || this.publishedHere.has(k)) continue;
      publishes.push(k);
      const [accountId = '', symbol = ''] = k.split('\u0000');
      const account = this.book.account(accountId);
      const position = account?.position(symbol);
      if (account === undefined || position === undefined) continue;
      const stored = this.positionVersions.get(k) ?? 0n;
      const version = stored > 0n ? stored : account.currentVersion;
      hot.push(position);
      updates.push({
        ...this.update(account, position, version, portfolio.PositionUpdateCause.FILL, '', now),
        account: toAccountSnapshot(account, account.valuation(), account.currentVersion, now),
      });
    }
    // Sides are known at once (the next batch may fill these orders before this one is written);
    // completed orders are forgotten only once committed (a failed batch is applied again).
    for (const o of opened.values()) this.openOrders.set(o.orderId, o);
    const openedOrders = [...opened.values()].filter((o) => !closed.has(o.orderId));
    const closedOrderIds = [...closed].filter((id) => !opened.has(id));
    const positions = [...changed.values()];
    rejected.sort((a, b) => a.index - b.index);
    return {
      waiting,
      epoch,
      touched,
      write:
        executions.length > 0 || openedOrders.length > 0 || closedOrderIds.length > 0
          ? {
              executions,
              positions,
              positionVersions: positions.map(
                (p) => this.positionVersions.get(key(p.accountId, p.symbol)) ?? 0n,
              ),
              accounts: [...touched].map((id) => this.accountOrThrow(id).record()),
              openedOrders,
              closedOrderIds,
            }
          : undefined,
      hot,
      updates,
      publishes,
      outcome: { rejected },
      closed: [...closed],
      applied: executions.length,
      duplicates,
      stopTimer,
    };
  }

  /** Emits held-back marks whose throttle window passed (all of them when `force`). */
  private async flushMarks(force: boolean): Promise<void> {
    if (this.pendingMarks.size === 0) return;
    const throttle = this.options.markThrottleMs;
    const due = (k: string, nowMs: number): boolean => {
      const last = this.lastMarkEmit.get(k);
      return force || last === undefined || nowMs - last >= throttle;
    };
    // Only wait for the fill pipeline when a mark is due (ticks batches come often).
    const checkMs = this.monotonicMs();
    if (![...this.pendingMarks].some((k) => due(k, checkMs))) return;
    // Account versions must reach PostgreSQL in order: fill batches in flight go first.
    await this.writes;
    await this.reloadIfPending();
    const nowMs = this.monotonicMs();
    const now = this.options.clock();
    const touched = new Set<string>();
    const changed: PositionState[] = [];
    const versions: bigint[] = [];
    const updates: portfolio.PositionUpdate[] = [];
    try {
      for (const k of this.pendingMarks) {
        if (!due(k, nowMs)) continue;
        this.pendingMarks.delete(k);
        this.lastMarkEmit.set(k, nowMs);
        const [accountId = '', symbol = ''] = k.split('\u0000');
        const account = this.book.account(accountId);
        const position = account?.position(symbol);
        if (account === undefined || position === undefined) continue;
        const version = account.nextVersion();
        this.positionVersions.set(k, version);
        this.publishedHere.add(k);
        touched.add(accountId);
        changed.push(position);
        versions.push(version);
        updates.push(
          this.update(account, position, version, portfolio.PositionUpdateCause.MARK, '', now),
        );
      }
      if (updates.length === 0) return;
      await this.runWrite(() =>
        this.options.repository.writeBatch({
          executions: [],
          positions: changed,
          positionVersions: versions,
          accounts: [...touched].map((id) => this.accountOrThrow(id).record()),
          openedOrders: [],
          closedOrderIds: [],
        }),
      );
    } catch (error) {
      await this.reload([...touched]);
      throw error;
    }
    await this.afterCommit(changed, updates);
  }

  /**
   * Hot view, then the updates to the background publisher. Returns the publish count that
   * covers them. A failed Redis write fails the batch (redelivered; the owed keys are retried).
   */
  private async afterCommit(
    changed: Iterable<PositionState>,
    updates: readonly portfolio.PositionUpdate[],
  ): Promise<number> {
    for (const p of changed) {
      const owed = this.redisDirty.get(p.accountId);
      if (owed === 'all') continue;
      if (owed === undefined) this.redisDirty.set(p.accountId, new Set([p.symbol]));
      else owed.add(p.symbol);
    }
    for (const u of updates) this.unpublished.push(u);
    this.enqueuedCount += updates.length;
    const target = this.enqueuedCount;
    this.kickPublisher();
    if (this.redisDirty.size > 0) {
      const owed = [...this.redisDirty];
      try {
        await this.options.view.write(owed.map(([id, symbols]) => this.hotViewOf(id, symbols)));
      } catch (error) {
        // Which part landed is unknown: rewrite those accounts in full next time.
        for (const [id] of owed) this.redisDirty.set(id, 'all');
        throw error;
      }
      this.redisDirty.clear();
    }
    return target;
  }

  /** Resolves once the first `upTo` updates ever enqueued are published. */
  private publishedUpTo(upTo: number): Promise<void> {
    if (this.publishedCount >= upTo) return Promise.resolve();
    return new Promise((resolve) => this.publishWaiters.push({ upTo, resolve }));
  }

  private kickPublisher(): void {
    if (this.publishing !== undefined || this.unpublished.length === 0) return;
    this.publishing = this.drainUpdates().finally(() => {
      this.publishing = undefined;
    });
  }

  /** Publishes committed updates in order; a failed send is retried with back-off. */
  private async drainUpdates(): Promise<void> {
    let failures = 0;
    while (this.unpublished.length > 0 && !this.closed) {
      const batch = this.unpublished.slice(0, 10_000);
      try {
        await this.options.sink.publish(batch);
      } catch (error) {
        failures += 1;
        const delayMs = Math.min(5000, 50 * 2 ** failures);
        this.options.logger.warn(
          { err: error, pending: this.unpublished.length, delayMs },
          'publishing PositionUpdates failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        continue;
      }
      failures = 0;
      this.unpublished.splice(0, batch.length);
      this.publishedCount += batch.length;
      this.options.metrics.updatesPublished.inc(batch.length);
      for (const update of batch) this.options.hub.publish(update);
      while (
        this.publishWaiters.length > 0 &&
        (this.publishWaiters[0]?.upTo ?? 0) <= this.publishedCount
      )
        this.publishWaiters.shift()?.resolve();
    }
  }

  private update(
    account: AccountBook,
    position: PositionState,
    version: bigint,
    cause: portfolio.PositionUpdateCause,
    executionId: string,
    now: bigint,
  ): portfolio.PositionUpdate {
    return {
      updateId: randomUUID(),
      version,
      cause,
      executionId,
      position: toPositionProto(position),
      account: toAccountSnapshot(account, account.valuation(), version, now),
    };
  }

  private hotViewOf(
    accountId: string,
    symbols: ReadonlySet<string> | 'all' = 'all',
  ): HotViewUpdate {
    const account = this.accountOrThrow(accountId);
    const positions =
      symbols === 'all'
        ? account.allPositions()
        : [...symbols].flatMap((symbol) => account.position(symbol) ?? []);
    return {
      accountId,
      version: account.currentVersion,
      positions,
      valuation: account.valuation(),
      asOfUnixNanos: this.options.clock(),
    };
  }

  private accountOrThrow(accountId: string): AccountBook {
    const account = this.book.account(accountId);
    if (account === undefined) throw new AccountNotFoundError(accountId);
    return account;
  }

  private async reload(accountIds: readonly string[]): Promise<void> {
    if (accountIds.length === 0) return;
    const stored = await this.options.repository.loadAccounts(accountIds);
    for (const id of accountIds) this.book.forget(id);
    this.restoreAccounts(stored);
  }

  private restoreAccounts(stored: StoredPortfolio): void {
    const byAccount = new Map<string, PositionState[]>();
    stored.positions.forEach((p, i) => {
      const list = byAccount.get(p.accountId) ?? [];
      list.push(p);
      byAccount.set(p.accountId, list);
      const k = key(p.accountId, p.symbol);
      this.positionVersions.set(k, stored.positionVersions[i] ?? 0n);
      // The stored state may be newer than what this process published.
      this.publishedHere.delete(k);
    });
    for (const record of stored.accounts)
      this.book.restore(record, byAccount.get(record.accountId) ?? []);
  }
}

/** A position's last fill of a batch, with the account valuation right after it. */
interface LastFill {
  readonly account: AccountBook;
  readonly position: PositionState;
  readonly version: bigint;
  readonly executionId: string;
  readonly valuation: AccountValuation;
}
