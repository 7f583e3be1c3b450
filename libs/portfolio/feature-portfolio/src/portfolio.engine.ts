import { randomUUID } from 'node:crypto';
import { type marketdata, type orders, portfolio } from '@meridian/contracts';
import {
  type AccountBook,
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
   * Updates are published in the background, in order, overlapping the next batch; above this
   * many unpublished updates a batch waits for the publisher (back-pressure). Default 50,000.
   */
  readonly maxUnpublished?: number;
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

/**
 * The portfolio service's state machine: per-account books in memory (loaded from PostgreSQL at
 * start), fills and marks applied in batches, each batch persisted with one PostgreSQL statement
 * (idempotency rows included), then mirrored to the Redis hot view and published as
 * PositionUpdates. Fill and mark batches run one at a time (a promise chain), so the in-memory
 * state only ever moves in one order; a batch whose write fails reloads the accounts it touched.
 */
export class PortfolioEngine {
  private readonly book: PortfolioBook;
  private readonly deduper = new BatchDeduper();
  private readonly openOrders = new Map<string, OpenOrder>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Committed updates not yet on Kafka, oldest first (the background publisher drains them). */
  private unpublished: portfolio.PositionUpdate[] = [];
  private publishing: Promise<void> | undefined;
  private closed = false;
  /**
   * Hot-view writes owed after a commit: per account the symbols that changed, or 'all' (after
   * a failed Redis write, or for a whole account). Cleared once Redis took them.
   */
  private readonly redisDirty = new Map<string, Set<string> | 'all'>();
  private readonly pendingMarks = new Set<string>();
  /** Fill batches handed in while another was being written; applied together next. */
  private readonly waitingFills: {
    readonly records: readonly BatchRecord<orders.OrderEvent>[];
    readonly resolve: (outcome: BatchOutcome) => void;
    readonly reject: (error: unknown) => void;
  }[] = [];
  private readonly lastMarkEmit = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly monotonicMs: () => number;

  constructor(private readonly options: PortfolioEngineOptions) {
    this.book = new PortfolioBook({
      clock: options.clock,
      defaultStartingCash: options.defaultStartingCash,
      defaultCurrency: options.defaultCurrency,
      deduper: this.deduper,
    });
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
  }

  /** Loads every account, position and open order from PostgreSQL and rewrites the hot view. */
  async start(): Promise<void> {
    const { accounts, positions } = await this.options.repository.loadAll();
    this.restoreAccounts(accounts, positions);
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
      { accounts: ids.length, positions: positions.length, openOrders: this.openOrders.size },
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
    while (this.unpublished.length > 0 || this.publishing !== undefined) {
      this.kickPublisher();
      await this.publishing;
    }
  }

  /**
   * Applies one consumer batch of execution reports (the fill consumer's handler). Batches that
   * arrive while another is being written (several partitions consumed concurrently) are merged
   * and written together: one PostgreSQL statement for all of them.
   */
  applyOrderEvents(records: readonly BatchRecord<orders.OrderEvent>[]): Promise<BatchOutcome> {
    return new Promise<BatchOutcome>((resolve, reject) => {
      this.waitingFills.push({ records, resolve, reject });
      if (this.waitingFills.length === 1)
        this.serial(() => this.applyWaitingFills()).catch(() => undefined);
    });
  }

  private async applyWaitingFills(): Promise<void> {
    const waiting = this.waitingFills.splice(0);
    if (waiting.length === 0) return;
    const merged =
      waiting.length === 1 ? (waiting[0]?.records ?? []) : waiting.flatMap((w) => w.records);
    const stopTimer = this.options.metrics.fillApplySeconds.startTimer();
    try {
      let outcome: BatchOutcome;
      try {
        outcome = await this.applyEvents(merged, false);
      } catch (error) {
        // Something else applied part of this batch (a replay racing a redelivery): look every
        // execution id up once and apply what is really new.
        if (!(error instanceof ConcurrentPortfolioWriteError)) throw error;
        outcome = await this.applyEvents(merged, true);
      }
      let base = 0;
      for (const w of waiting) {
        const end = base + w.records.length;
        const from = base;
        w.resolve({
          rejected: outcome.rejected
            .filter((r) => r.index >= from && r.index < end)
            .map((r) => ({ index: r.index - from, error: r.error })),
        });
        base = end;
      }
    } catch (error) {
      for (const w of waiting) w.reject(error);
    } finally {
      stopTimer();
    }
  }

  /**
   * Applies one consumer batch of ticks as marks (the mark consumer's handler). Within a batch
   * only each symbol's last price is applied: a burst of ticks costs one pass over the symbol's
   * holders, not one per tick.
   */
  applyTicks(records: readonly BatchRecord<marketdata.Tick>[]): Promise<BatchOutcome> {
    return this.serial(async () => {
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
    return this.serial(() => this.reload(accountIds));
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

  private async applyEvents(
    records: readonly BatchRecord<orders.OrderEvent>[],
    lookupAll: boolean,
  ): Promise<BatchOutcome> {
    const rejected: { index: number; error: unknown }[] = [];
    const opened = new Map<string, OpenOrder>();
    const closed = new Set<string>();
    const fills: Fill[] = [];
    const sideless: { index: number; orderId: string; executionId: string }[] = [];
    records.forEach((record, index) => {
      try {
        const parsed = parseOrderEvent(record.value);
        if (parsed.kind === 'accepted') opened.set(parsed.order.orderId, parsed.order);
        else if (parsed.kind === 'terminal') closed.add(parsed.orderId);
        else if (parsed.kind === 'fill') {
          const order = opened.get(parsed.orderId) ?? this.openOrders.get(parsed.orderId);
          if (order === undefined) {
            // Either a redelivered fill of an order that completed since, or really unknown.
            sideless.push({ index, orderId: parsed.orderId, executionId: parsed.fill.executionId });
            return;
          }
          fills.push(
            toFill({ ...parsed.fill, side: order.side === 1 ? 'buy' : 'sell' }, this.options.fees),
          );
          if (parsed.terminal) closed.add(parsed.orderId);
        }
      } catch (error) {
        rejected.push({ index, error });
      }
    });

    let duplicates = 0;
    if (sideless.length > 0) {
      const applied = await this.options.repository.appliedAmong(
        sideless.map((f) => f.executionId),
      );
      for (const f of sideless) {
        if (applied.has(f.executionId)) duplicates += 1;
        else
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

    const touched = new Set<string>();
    const changed = new Map<string, PositionState>();
    const executions: AppliedExecution[] = [];
    const updates: portfolio.PositionUpdate[] = [];
    const now = this.options.clock();
    try {
      for (const fill of fills) {
        const result = this.book.applyFill(fill);
        if (!result.applied) {
          duplicates += 1;
          continue;
        }
        touched.add(fill.accountId);
        changed.set(key(fill.accountId, fill.symbol), result.position);
        executions.push({
          executionId: fill.executionId,
          accountId: fill.accountId,
          symbol: fill.symbol,
          sequence: fill.sequence,
        });
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
      const openedOrders = [...opened.values()].filter((o) => !closed.has(o.orderId));
      const closedOrderIds = [...closed].filter((id) => !opened.has(id));
      if (executions.length > 0 || openedOrders.length > 0 || closedOrderIds.length > 0) {
        await this.options.repository.writeBatch({
          executions,
          positions: [...changed.values()],
          accounts: [...touched].map((id) => this.accountOrThrow(id).record()),
          openedOrders,
          closedOrderIds,
        });
      }
    } catch (error) {
      await this.reload([...touched]);
      throw error;
    }
    for (const o of opened.values()) this.openOrders.set(o.orderId, o);
    for (const id of closed) this.openOrders.delete(id);
    await this.afterCommit(changed.values(), updates);
    this.options.metrics.fillsApplied.inc(executions.length);
    if (duplicates > 0) this.options.metrics.fillsDuplicate.inc(duplicates);
    rejected.sort((a, b) => a.index - b.index);
    return { rejected };
  }

  /** Emits held-back marks whose throttle window passed (all of them when `force`). */
  private async flushMarks(force: boolean): Promise<void> {
    if (this.pendingMarks.size === 0) return;
    const nowMs = this.monotonicMs();
    const now = this.options.clock();
    const throttle = this.options.markThrottleMs;
    const touched = new Set<string>();
    const changed: PositionState[] = [];
    const updates: portfolio.PositionUpdate[] = [];
    try {
      for (const k of this.pendingMarks) {
        const last = this.lastMarkEmit.get(k);
        if (!force && last !== undefined && nowMs - last < throttle) continue;
        this.pendingMarks.delete(k);
        this.lastMarkEmit.set(k, nowMs);
        const [accountId = '', symbol = ''] = k.split('\u0000');
        const account = this.book.account(accountId);
        const position = account?.position(symbol);
        if (account === undefined || position === undefined) continue;
        const version = account.nextVersion();
        touched.add(accountId);
        changed.push(position);
        updates.push(
          this.update(account, position, version, portfolio.PositionUpdateCause.MARK, '', now),
        );
      }
      if (updates.length === 0) return;
      await this.options.repository.writeBatch({
        executions: [],
        positions: changed,
        accounts: [...touched].map((id) => this.accountOrThrow(id).record()),
        openedOrders: [],
        closedOrderIds: [],
      });
    } catch (error) {
      await this.reload([...touched]);
      throw error;
    }
    await this.afterCommit(changed, updates);
  }

  /** Hot view and publish after the commit; failures are retried by the next batch. */
  private async afterCommit(
    changed: Iterable<PositionState>,
    updates: readonly portfolio.PositionUpdate[],
  ): Promise<void> {
    for (const p of changed) {
      const owed = this.redisDirty.get(p.accountId);
      if (owed === 'all') continue;
      if (owed === undefined) this.redisDirty.set(p.accountId, new Set([p.symbol]));
      else owed.add(p.symbol);
    }
    for (const u of updates) this.unpublished.push(u);
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
    // Back-pressure: a publisher that cannot keep up (or a broker that is down) stops intake.
    if (this.unpublished.length > (this.options.maxUnpublished ?? 50_000)) await this.publishing;
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
      this.options.metrics.updatesPublished.inc(batch.length);
      for (const update of batch) this.options.hub.publish(update);
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
    const { accounts, positions } = await this.options.repository.loadAccounts(accountIds);
    for (const id of accountIds) this.book.forget(id);
    this.restoreAccounts(accounts, positions);
  }

  private restoreAccounts(
    accounts: readonly ReturnType<AccountBook['record']>[],
    positions: readonly PositionState[],
  ): void {
    const byAccount = new Map<string, PositionState[]>();
    for (const p of positions) {
      const list = byAccount.get(p.accountId) ?? [];
      list.push(p);
      byAccount.set(p.accountId, list);
    }
    for (const record of accounts) this.book.restore(record, byAccount.get(record.accountId) ?? []);
  }
}
