import type { TradingState, TradingStateScope } from '@meridian/orders-domain-pretrade';
import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script';
import { AMEND_LUA, APPLY_EVENT_LUA, SUBMIT_LUA } from './pretrade.lua';
import type { TradingStateEntry } from './trading-states.repository';

/** Outcome of an atomic check-and-reserve in Redis. Rejections are values; the caller maps them. */
export type ReserveOutcome =
  | { readonly kind: 'ok' }
  /** The (agent, client_order_id) is taken; `record` is the stored idempotency value. */
  | { readonly kind: 'duplicate'; readonly record: string }
  /** The trading states are not in Redis (first start, Redis flushed): load them and retry. */
  | { readonly kind: 'states-not-loaded' }
  | { readonly kind: 'halted'; readonly scope: TradingStateScope }
  | { readonly kind: 'reduce-only'; readonly scope: TradingStateScope }
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number }
  | { readonly kind: 'max-open-orders'; readonly open: number }
  | { readonly kind: 'max-position'; readonly lots: number }
  | { readonly kind: 'max-gross-exposure'; readonly minorUnits: number }
  /** Cancel/replace target unknown to Redis (or of another account). */
  | { readonly kind: 'no-order' }
  /** Cancel/replace target already filled, canceled, rejected or expired. */
  | { readonly kind: 'not-open' };

export interface PretradeRiskStoreOptions {
  /** Prefix of every key (tests isolate with a unique one). Default `mrd:gw:`. */
  readonly prefix?: string;
  /** How long an idempotency record stays in Redis. Default 24 h. */
  readonly idempotencyTtlMs?: number;
  /** How long a live order's reservation record may exist. Default 30 days. */
  readonly orderTtlMs?: number;
  /** How long a finished order's record stays (answers "cancel of a filled order"). Default 1 h. */
  readonly terminalOrderTtlMs?: number;
}

export interface Identity {
  readonly agentId: string;
  readonly accountId: string;
}

export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export interface NewOrderReservation {
  readonly identity: Identity;
  readonly clientOrderId: string;
  /** Stored as the idempotency record when the reservation succeeds. */
  readonly idempotencyValue: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: 'B' | 'S';
  readonly lots: number;
  readonly notional: number;
  readonly rate: RateLimit;
  readonly maxOpenOrders: number;
  readonly maxPositionLots: number;
  readonly maxGrossMinor: number;
}

export interface AmendReservation {
  readonly identity: Identity;
  readonly clientOrderId: string;
  readonly idempotencyValue: string;
  readonly kind: 'cancel' | 'replace';
  readonly orderId: string;
  readonly rate: RateLimit;
  /** Replace only: the new total quantity in lots and its notional at the new price. */
  readonly newTotalLots?: number;
  readonly newTotalNotional?: number;
  readonly maxPositionLots?: number;
  readonly maxGrossMinor?: number;
  /** The order is known open from PostgreSQL although Redis no longer tracks it. */
  readonly skipOrderCheck?: boolean;
}

/** One execution report reduced to what the reservation needs. */
export interface RiskEventUpdate {
  readonly orderId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly sequence: bigint;
  readonly kind: 'fill' | 'replaced' | 'other';
  readonly fillLots?: number;
  readonly fillNotional?: number;
  readonly fillPriceTicks?: number;
  readonly terminal: boolean;
  readonly newLeavesLots?: number;
  readonly newReservedNotional?: number;
  readonly newTotalLots?: number;
}

const SUBMIT = new LuaScript(SUBMIT_LUA);
const AMEND = new LuaScript(AMEND_LUA);
const APPLY = new LuaScript(APPLY_EVENT_LUA);

function replyOf(raw: unknown): string[] {
  if (!Array.isArray(raw)) throw new TypeError('unexpected reply from the pre-trade script');
  return raw.map((part) => String(part as string));
}

function scopeOf(text: string | undefined): TradingStateScope {
  return text === 'global' || text === 'account' ? text : 'agent';
}

/**
 * The pre-trade risk state of every account in Redis, shared by all gateway replicas: open
 * orders, open notional and open lots per side reserved at submission, positions and exposure
 * from fills, the agents' token buckets, the trading states and the hot idempotency records.
 * Each check-and-reserve is one Lua script, hence atomic across replicas.
 */
export class PretradeRiskStore {
  readonly prefix: string;
  private readonly idempotencyTtlMs: number;
  private readonly orderTtlMs: number;
  private readonly terminalOrderTtlMs: number;

  constructor(
    private readonly redis: Redis,
    options: PretradeRiskStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'mrd:gw:';
    this.idempotencyTtlMs = options.idempotencyTtlMs ?? 24 * 3600_000;
    this.orderTtlMs = options.orderTtlMs ?? 30 * 24 * 3600_000;
    this.terminalOrderTtlMs = options.terminalOrderTtlMs ?? 3600_000;
  }

  private idemKey(agentId: string, clientOrderId: string): string {
    return `${this.prefix}idem:${agentId}:${clientOrderId}`;
  }

  private stateKeys(identity: Identity): string[] {
    return [
      `${this.prefix}ts:global`,
      `${this.prefix}ts:account:${identity.accountId}`,
      `${this.prefix}ts:agent:${identity.agentId}`,
      `${this.prefix}ts:loaded`,
      `${this.prefix}bucket:${identity.agentId}`,
      `${this.prefix}risk:${identity.accountId}`,
    ];
  }

  private orderKey(orderId: string): string {
    return `${this.prefix}order:${orderId}`;
  }

  async reserveNewOrder(r: NewOrderReservation): Promise<ReserveOutcome> {
    const keys = [
      this.idemKey(r.identity.agentId, r.clientOrderId),
      ...this.stateKeys(r.identity),
      this.orderKey(r.orderId),
    ];
    const reply = replyOf(
      await SUBMIT.run(this.redis, keys, [
        r.idempotencyValue,
        this.idempotencyTtlMs,
        r.rate.ratePerSecond,
        r.rate.burst,
        r.side,
        r.lots,
        r.notional,
        r.symbol,
        r.maxOpenOrders,
        r.maxPositionLots,
        r.maxGrossMinor,
        this.orderTtlMs,
        r.identity.accountId,
        r.lots,
      ]),
    );
    return this.outcome(reply);
  }

  async reserveAmend(r: AmendReservation): Promise<ReserveOutcome> {
    const keys = [
      this.idemKey(r.identity.agentId, r.clientOrderId),
      ...this.stateKeys(r.identity),
      this.orderKey(r.orderId),
    ];
    const reply = replyOf(
      await AMEND.run(this.redis, keys, [
        r.idempotencyValue,
        this.idempotencyTtlMs,
        r.rate.ratePerSecond,
        r.rate.burst,
        r.identity.accountId,
        r.kind,
        r.newTotalLots ?? 0,
        r.newTotalNotional ?? 0,
        r.maxPositionLots ?? -1,
        r.maxGrossMinor ?? -1,
        r.skipOrderCheck === true ? '1' : '0',
      ]),
    );
    return this.outcome(reply);
  }

  private outcome(reply: string[]): ReserveOutcome {
    const [status, detail] = reply;
    switch (status) {
      case 'OK':
        return { kind: 'ok' };
      case 'DUP':
        return { kind: 'duplicate', record: detail ?? '' };
      case 'NOSTATE':
        return { kind: 'states-not-loaded' };
      case 'HALTED':
        return { kind: 'halted', scope: scopeOf(detail) };
      case 'REDUCE':
        return { kind: 'reduce-only', scope: scopeOf(detail) };
      case 'RATE':
        return { kind: 'rate-limited', retryAfterMs: Number(detail) };
      case 'OPEN':
        return { kind: 'max-open-orders', open: Number(detail) };
      case 'POS':
        return { kind: 'max-position', lots: Number(detail) };
      case 'GROSS':
        return { kind: 'max-gross-exposure', minorUnits: Number(detail) };
      case 'NOORDER':
        return { kind: 'no-order' };
      case 'NOTOPEN':
        return { kind: 'not-open' };
      default:
        throw new TypeError(`unexpected pre-trade script status ${String(status)}`);
    }
  }

  /** Applies an execution report once; returns what happened (OK, DUP, UNKNOWN, CLOSED). */
  async applyEvent(u: RiskEventUpdate): Promise<string> {
    const reply = await APPLY.run(
      this.redis,
      [
        this.orderKey(u.orderId),
        `${this.prefix}risk:${u.accountId}`,
        `${this.prefix}price:${u.symbol}`,
      ],
      [
        u.sequence.toString(),
        u.kind,
        u.fillLots ?? 0,
        u.fillNotional ?? 0,
        u.fillPriceTicks ?? 0,
        u.terminal ? '1' : '0',
        u.newLeavesLots ?? 0,
        u.newReservedNotional ?? 0,
        this.terminalOrderTtlMs,
        u.newTotalLots ?? 0,
      ],
    );
    return String(reply as string);
  }

  /** The stored idempotency value of (agent, client_order_id), if Redis still has it. */
  getIdempotency(agentId: string, clientOrderId: string): Promise<string | null> {
    return this.redis.get(this.idemKey(agentId, clientOrderId));
  }

  /** Replaces the value of an existing idempotency record, keeping its expiry. */
  async updateIdempotency(agentId: string, clientOrderId: string, value: string): Promise<void> {
    await this.redis.set(this.idemKey(agentId, clientOrderId), value, 'KEEPTTL', 'XX');
  }

  /** Last trade price of the symbol in ticks (from fills), or null before the first fill. */
  async lastPriceTicks(symbol: string): Promise<number | null> {
    const value = await this.redis.get(`${this.prefix}price:${symbol}`);
    const ticks = value === null ? Number.NaN : Number(value);
    return Number.isSafeInteger(ticks) && ticks > 0 ? ticks : null;
  }

  /** Replaces every trading state in Redis with `entries` (from PostgreSQL) and marks them loaded. */
  async loadTradingStates(entries: readonly TradingStateEntry[]): Promise<void> {
    const stale = await this.redis.keys(`${this.prefix}ts:*`);
    const tx = this.redis.multi();
    if (stale.length > 0) tx.del(...stale);
    for (const entry of entries) tx.set(this.stateKey(entry.scope, entry.scopeId), entry.state);
    tx.set(`${this.prefix}ts:loaded`, '1');
    await tx.exec();
  }

  /** Sets one trading state (after it was written to PostgreSQL); takes effect on the next order. */
  async setTradingState(
    scope: TradingStateScope,
    scopeId: string,
    state: TradingState,
  ): Promise<void> {
    const key = this.stateKey(scope, scopeId);
    if (state === 'ACTIVE') await this.redis.del(key);
    else await this.redis.set(key, state);
  }

  private stateKey(scope: TradingStateScope, scopeId: string): string {
    return scope === 'global' ? `${this.prefix}ts:global` : `${this.prefix}ts:${scope}:${scopeId}`;
  }

  /** The raw risk hash of an account (open, opennot, gross, pos:/ob:/os:/pv:<symbol>), for ops and tests. */
  accountRisk(accountId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(`${this.prefix}risk:${accountId}`);
  }
}
