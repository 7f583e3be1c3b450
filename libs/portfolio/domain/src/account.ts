import { abs } from './fixed-point';
import {
  applyFill,
  emptyPosition,
  type Fill,
  markPosition,
  type PositionState,
  valuationOf,
} from './position';

/** Nanoseconds in one UTC day. Unix time has no leap seconds, so days are exactly this long. */
export const DAY_NANOS = 86_400_000_000_000n;

/** Start (00:00 UTC) of the day containing `unixNanos`. */
export function utcDayStart(unixNanos: bigint): bigint {
  const r = unixNanos % DAY_NANOS;
  return unixNanos - (r < 0n ? r + DAY_NANOS : r);
}

/** The persisted part of an account (positions aside). Money at scale 16. */
export interface AccountRecord {
  readonly accountId: string;
  /** ISO 4217. */
  readonly currency: string;
  readonly startingCash: bigint;
  /** The last PositionUpdate.version issued for the account (0 before any). */
  readonly version: bigint;
  readonly highWaterMark: bigint;
  /** Equity at the start of `dayStartUnixNanos`' UTC day. */
  readonly dayOpenEquity: bigint;
  readonly dayStartUnixNanos: bigint;
  readonly updatedAtUnixNanos: bigint;
}

/**
 * An account's valuation (all scale 16).
 *
 *   cash_balance = starting_cash + realized_gross - fees - sum(cost_basis)
 *   equity       = cash_balance + sum(value)           where value = quantity * mark, or the
 *                = starting_cash + realized_gross - fees + unrealized   cost basis if unmarked
 *   drawdown     = high_water_mark - equity (>= 0), day_pnl = equity - day_open_equity
 */
export interface AccountValuation {
  readonly cashBalance: bigint;
  readonly equity: bigint;
  readonly realizedGross: bigint;
  readonly fees: bigint;
  /** realized_gross - fees: what the wire calls realized_pnl. */
  readonly realizedNet: bigint;
  readonly unrealizedPnl: bigint;
  readonly grossExposure: bigint;
  readonly netExposure: bigint;
  readonly highWaterMark: bigint;
  readonly drawdown: bigint;
  readonly dayPnl: bigint;
}

/**
 * One account's positions and valuation, kept in memory and updated in O(1) per change (running
 * sums; `recomputedValuation` is the from-scratch check the property tests compare with).
 */
export class AccountBook {
  private readonly positions = new Map<string, PositionState>();
  private currencyCode: string;
  private startingCash: bigint;
  private version: bigint;
  private highWaterMark: bigint;
  private dayOpenEquity: bigint;
  private dayStart: bigint;
  private updatedAt: bigint;
  // Running sums over positions.
  private realized = 0n;
  private fees = 0n;
  private cost = 0n;
  private value = 0n;
  private gross = 0n;

  readonly accountId: string;

  constructor(record: AccountRecord, positions: Iterable<PositionState> = []) {
    this.accountId = record.accountId;
    this.currencyCode = record.currency;
    this.startingCash = record.startingCash;
    this.version = record.version;
    this.highWaterMark = record.highWaterMark;
    this.dayOpenEquity = record.dayOpenEquity;
    this.dayStart = record.dayStartUnixNanos;
    this.updatedAt = record.updatedAtUnixNanos;
    for (const p of positions) this.put(p);
  }

  /** A new account: high-water mark and day-open equity start at the starting cash. */
  static open(
    accountId: string,
    currency: string,
    startingCash: bigint,
    nowUnixNanos: bigint,
  ): AccountBook {
    return new AccountBook({
      accountId,
      currency,
      startingCash,
      version: 0n,
      highWaterMark: startingCash,
      dayOpenEquity: startingCash,
      dayStartUnixNanos: utcDayStart(nowUnixNanos),
      updatedAtUnixNanos: nowUnixNanos,
    });
  }

  get currency(): string {
    return this.currencyCode;
  }

  /** The last version issued. */
  get currentVersion(): bigint {
    return this.version;
  }

  position(symbol: string): PositionState | undefined {
    return this.positions.get(symbol);
  }

  allPositions(): PositionState[] {
    return [...this.positions.values()];
  }

  /** Applies a fill: rolls the day if needed, updates sums and the high-water mark, bumps the version. */
  applyFill(fill: Fill, nowUnixNanos: bigint): PositionState {
    this.rollDay(nowUnixNanos);
    const before = this.positions.get(fill.symbol) ?? emptyPosition(this.accountId, fill.symbol);
    const after = applyFill(before, fill);
    this.replace(before, after);
    this.touch(nowUnixNanos);
    this.version += 1n;
    return after;
  }

  /** Marks the symbol's position (if any); false when the account does not hold it. */
  applyMark(symbol: string, price: bigint, nowUnixNanos: bigint): PositionState | undefined {
    const before = this.positions.get(symbol);
    if (before === undefined) return undefined;
    this.rollDay(nowUnixNanos);
    const after = markPosition(before, price, nowUnixNanos);
    this.replace(before, after);
    this.touch(nowUnixNanos);
    return after;
  }

  /** Issues the next version (one per published PositionUpdate not caused by a fill). */
  nextVersion(): bigint {
    this.version += 1n;
    return this.version;
  }

  /** What is persisted besides the positions. */
  record(): AccountRecord {
    return {
      accountId: this.accountId,
      currency: this.currencyCode,
      startingCash: this.startingCash,
      version: this.version,
      highWaterMark: this.highWaterMark,
      dayOpenEquity: this.dayOpenEquity,
      dayStartUnixNanos: this.dayStart,
      updatedAtUnixNanos: this.updatedAt,
    };
  }

  valuation(): AccountValuation {
    return this.valuationFrom(this.realized, this.fees, this.cost, this.value, this.gross);
  }

  /** The valuation summed from scratch over the positions (for tests and reconciliation). */
  recomputedValuation(): AccountValuation {
    let realized = 0n;
    let fees = 0n;
    let cost = 0n;
    let value = 0n;
    let gross = 0n;
    for (const p of this.positions.values()) {
      realized += p.realizedPnl;
      fees += p.fees;
      cost += p.costBasis;
      const v = valuationOf(p);
      value += v;
      gross += abs(v);
    }
    return this.valuationFrom(realized, fees, cost, value, gross);
  }

  private valuationFrom(
    realized: bigint,
    fees: bigint,
    cost: bigint,
    value: bigint,
    gross: bigint,
  ): AccountValuation {
    const cashBalance = this.startingCash + realized - fees - cost;
    const equity = cashBalance + value;
    return {
      cashBalance,
      equity,
      realizedGross: realized,
      fees,
      realizedNet: realized - fees,
      unrealizedPnl: value - cost,
      grossExposure: gross,
      netExposure: value,
      highWaterMark: this.highWaterMark,
      drawdown: this.highWaterMark - equity,
      dayPnl: equity - this.dayOpenEquity,
    };
  }

  private equityNow(): bigint {
    return this.startingCash + this.realized - this.fees - this.cost + this.value;
  }

  /** A change on a new UTC day: the equity before it is the day's opening equity. */
  private rollDay(nowUnixNanos: bigint): void {
    const day = utcDayStart(nowUnixNanos);
    if (day > this.dayStart) {
      this.dayOpenEquity = this.equityNow();
      this.dayStart = day;
    }
  }

  private touch(nowUnixNanos: bigint): void {
    const equity = this.equityNow();
    if (equity > this.highWaterMark) this.highWaterMark = equity;
    if (nowUnixNanos > this.updatedAt) this.updatedAt = nowUnixNanos;
  }

  private put(p: PositionState): void {
    this.positions.set(p.symbol, p);
    this.add(p, 1n);
  }

  private replace(before: PositionState, after: PositionState): void {
    this.add(before, -1n);
    this.positions.set(after.symbol, after);
    this.add(after, 1n);
  }

  private add(p: PositionState, k: bigint): void {
    this.realized += k * p.realizedPnl;
    this.fees += k * p.fees;
    this.cost += k * p.costBasis;
    const v = valuationOf(p);
    this.value += k * v;
    this.gross += k * abs(v);
  }
}
