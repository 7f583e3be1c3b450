import { AccountBook, type AccountRecord } from './account';
import { MONEY_SCALE, parseFixed, PRICE_SCALE, QTY_SCALE } from './fixed-point';
import { FillInvalidError } from './portfolio.error';
import { basisPointFee, type Fill, type FillSide, type PositionState } from './position';

/** Current time in unix nanoseconds; injected so the UTC day boundary is testable. */
export type Clock = () => bigint;

/** Remembers which execution ids were applied (the idempotency key of a fill). */
export interface ExecutionDeduper {
  isApplied(executionId: string): boolean;
  markApplied(executionId: string): void;
}

/** An unbounded in-memory deduper (replays, tests, reconciliation). */
export class SetDeduper implements ExecutionDeduper {
  private readonly ids = new Set<string>();
  isApplied(executionId: string): boolean {
    return this.ids.has(executionId);
  }
  markApplied(executionId: string): void {
    this.ids.add(executionId);
  }
}

/** Maker/taker fees in integer basis points of the fill notional (0 = no fee). */
export interface FeeSchedule {
  readonly makerBps: number;
  readonly takerBps: number;
}

export const NO_FEES: FeeSchedule = Object.freeze({ makerBps: 0, takerBps: 0 });

/** A fill as it arrives: decimals as canonical strings. */
export interface FillInput {
  readonly executionId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: FillSide;
  readonly quantity: string;
  readonly price: string;
  /** An explicit fee in the account currency; when absent the fee schedule applies. */
  readonly fee?: string;
  readonly liquidity: 'maker' | 'taker' | 'unspecified';
  readonly sequence: bigint;
  readonly executedAtUnixNanos: bigint;
}

/**
 * Validates and converts a fill to fixed point. Quantity and price must be > 0 with at most 8
 * fractional digits; the fee is the explicit one or `basisPointFee` of the schedule (maker or
 * taker; an unspecified liquidity pays the taker rate).
 */
export function toFill(input: FillInput, fees: FeeSchedule = NO_FEES): Fill {
  if (input.executionId === '') throw new FillInvalidError('(empty)', 'execution id is empty');
  if (input.accountId === '') throw new FillInvalidError(input.executionId, 'account id is empty');
  if (input.symbol === '') throw new FillInvalidError(input.executionId, 'symbol is empty');
  const quantity = parseFixed(input.quantity, QTY_SCALE, 'fill quantity');
  const price = parseFixed(input.price, PRICE_SCALE, 'fill price');
  if (quantity <= 0n) throw new FillInvalidError(input.executionId, 'quantity must be > 0');
  if (price <= 0n) throw new FillInvalidError(input.executionId, 'price must be > 0');
  const fee =
    input.fee !== undefined
      ? parseFixed(input.fee, MONEY_SCALE, 'fill fee')
      : basisPointFee(quantity, price, input.liquidity === 'maker' ? fees.makerBps : fees.takerBps);
  return {
    executionId: input.executionId,
    accountId: input.accountId,
    symbol: input.symbol,
    side: input.side,
    quantity,
    price,
    fee,
    sequence: input.sequence,
    executedAtUnixNanos: input.executedAtUnixNanos,
  };
}

export interface PortfolioBookOptions {
  readonly clock: Clock;
  /** Starting cash (scale 16) and currency of an account first seen in a fill. */
  readonly defaultStartingCash: bigint;
  readonly defaultCurrency: string;
  readonly deduper?: ExecutionDeduper;
}

export type FillResult =
  | {
      readonly applied: true;
      readonly account: AccountBook;
      readonly position: PositionState;
      readonly version: bigint;
    }
  | { readonly applied: false; readonly reason: 'duplicate' };

/** One marked position of one account. */
export interface MarkResult {
  readonly account: AccountBook;
  readonly position: PositionState;
}

/**
 * Every account's book, the symbol → accounts index for marks, and idempotency by execution id.
 * Deterministic: the same fills in the same order (and the same clock readings) give the same
 * state, whatever happened before in other accounts.
 */
export class PortfolioBook {
  private readonly accounts = new Map<string, AccountBook>();
  private readonly holders = new Map<string, Set<string>>();
  private readonly marks = new Map<string, bigint>();
  private readonly deduper: ExecutionDeduper;

  constructor(private readonly options: PortfolioBookOptions) {
    this.deduper = options.deduper ?? new SetDeduper();
  }

  now(): bigint {
    return this.options.clock();
  }

  account(accountId: string): AccountBook | undefined {
    return this.accounts.get(accountId);
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  /** Loads a persisted account (at start) or replaces the in-memory one (after a rebuild). */
  restore(record: AccountRecord, positions: readonly PositionState[]): AccountBook {
    const book = new AccountBook(record, positions);
    this.accounts.set(record.accountId, book);
    for (const p of positions) this.index(p.symbol, record.accountId);
    return book;
  }

  /** Drops an account from memory (a failed batch reloads it from storage). */
  forget(accountId: string): void {
    this.accounts.delete(accountId);
    for (const set of this.holders.values()) set.delete(accountId);
  }

  /** The account, created with the defaults if it is new. */
  ensureAccount(accountId: string): AccountBook {
    let book = this.accounts.get(accountId);
    if (book === undefined) {
      book = AccountBook.open(
        accountId,
        this.options.defaultCurrency,
        this.options.defaultStartingCash,
        this.now(),
      );
      this.accounts.set(accountId, book);
    }
    return book;
  }

  /** Applies a fill once per execution id; a repeated id changes nothing. */
  applyFill(fill: Fill): FillResult {
    if (this.deduper.isApplied(fill.executionId)) return { applied: false, reason: 'duplicate' };
    const account = this.ensureAccount(fill.accountId);
    const isNewSymbol = account.position(fill.symbol) === undefined;
    let position = account.applyFill(fill, this.now());
    if (isNewSymbol) {
      this.index(fill.symbol, fill.accountId);
      const mark = this.marks.get(fill.symbol);
      // A symbol marked before the account traded it starts with that mark.
      if (mark !== undefined)
        position = account.applyMark(fill.symbol, mark, this.now()) ?? position;
    }
    this.deduper.markApplied(fill.executionId);
    return { applied: true, account, position, version: account.currentVersion };
  }

  /** Marks every position in `symbol` (price scale 8). Versions are not bumped here. */
  applyMark(symbol: string, price: bigint): MarkResult[] {
    this.marks.set(symbol, price);
    const ids = this.holders.get(symbol);
    if (ids === undefined) return [];
    const now = this.now();
    const results: MarkResult[] = [];
    for (const id of ids) {
      const account = this.accounts.get(id);
      const position = account?.applyMark(symbol, price, now);
      if (account !== undefined && position !== undefined) results.push({ account, position });
    }
    return results;
  }

  private index(symbol: string, accountId: string): void {
    let set = this.holders.get(symbol);
    if (set === undefined) {
      set = new Set();
      this.holders.set(symbol, set);
    }
    set.add(accountId);
  }
}

/**
 * Replays fills into fresh books (rebuild and reconciliation): positions per account and symbol
 * from the fills alone. Marks and account-level history (high-water mark, day PnL) are not
 * derivable from fills and are not part of the result.
 */
export function replayFills(fills: Iterable<Fill>): Map<string, Map<string, PositionState>> {
  const book = new PortfolioBook({
    clock: () => 0n,
    defaultStartingCash: 0n,
    defaultCurrency: 'XXX',
  });
  for (const fill of fills) book.applyFill(fill);
  const out = new Map<string, Map<string, PositionState>>();
  for (const id of book.accountIds()) {
    const positions = new Map<string, PositionState>();
    for (const p of book.account(id)?.allPositions() ?? []) positions.set(p.symbol, p);
    out.set(id, positions);
  }
  return out;
}
