import {
  type AccountValuation,
  formatFixed,
  MONEY_SCALE,
  type PositionState,
  QTY_SCALE,
} from '@meridian/portfolio-domain';
import type { Redis } from 'ioredis';

/** One account's change for the hot view: its changed positions and its valuation now. */
export interface HotViewUpdate {
  readonly accountId: string;
  readonly version: bigint;
  readonly positions: readonly PositionState[];
  readonly valuation: AccountValuation;
  readonly asOfUnixNanos: bigint;
}

/**
 * The Redis hot view the gateway's risk checks read (layout in docs/portfolio.md). `{account}`
 * is a hash tag, so both keys of an account live in one cluster slot:
 *
 * - `portfolio:{<account>}:positions`  hash  symbol → signed quantity (canonical decimal);
 *   a flat symbol is removed.
 * - `portfolio:{<account>}:account`    hash  equity, cash_balance, realized_pnl (net of fees),
 *   unrealized_pnl, fees, gross_exposure, net_exposure, high_water_mark, drawdown, day_pnl,
 *   version, as_of_unix_nanos.
 *
 * No TTL: the view is rewritten on every change and is rebuilt from PostgreSQL at start.
 */
export class PortfolioRedisView {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'portfolio',
  ) {}

  positionsKey(accountId: string): string {
    return `${this.prefix}:{${accountId}}:positions`;
  }

  accountKey(accountId: string): string {
    return `${this.prefix}:{${accountId}}:account`;
  }

  /** Writes every update in one pipeline (one round trip). */
  async write(updates: readonly HotViewUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const u of updates) {
      const held: string[] = [];
      const flat: string[] = [];
      for (const p of u.positions) {
        if (p.quantity === 0n) flat.push(p.symbol);
        else held.push(p.symbol, formatFixed(p.quantity, QTY_SCALE));
      }
      if (held.length > 0) pipeline.hset(this.positionsKey(u.accountId), ...held);
      if (flat.length > 0) pipeline.hdel(this.positionsKey(u.accountId), ...flat);
      const v = u.valuation;
      const m = (x: bigint): string => formatFixed(x, MONEY_SCALE);
      pipeline.hset(this.accountKey(u.accountId), {
        equity: m(v.equity),
        cash_balance: m(v.cashBalance),
        realized_pnl: m(v.realizedNet),
        unrealized_pnl: m(v.unrealizedPnl),
        fees: m(v.fees),
        gross_exposure: m(v.grossExposure),
        net_exposure: m(v.netExposure),
        high_water_mark: m(v.highWaterMark),
        drawdown: m(v.drawdown),
        day_pnl: m(v.dayPnl),
        version: u.version.toString(),
        as_of_unix_nanos: u.asOfUnixNanos.toString(),
      });
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed?.[0]) throw failed[0];
  }

  /** symbol → quantity of the account's open positions. */
  positions(accountId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.positionsKey(accountId));
  }

  /** The account's valuation fields (empty when unknown). */
  account(accountId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.accountKey(accountId));
  }

  /** Deletes the account's keys (rebuild). */
  async clear(accountIds: readonly string[]): Promise<void> {
    if (accountIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of accountIds) pipeline.del(this.positionsKey(id), this.accountKey(id));
    await pipeline.exec();
  }
}
