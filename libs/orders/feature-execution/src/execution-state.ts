import { z } from 'zod';

/** Identity of a live order, which the engine does not know (it sees numbers only). */
export interface OrderIdentity {
  readonly clientOrderId: string;
  readonly accountId: string;
  readonly agentId: string;
}

/**
 * The executor's own state beside the books, kept on the main thread: everything needed to turn
 * engine events back into execution reports and to decide what a command means. Like the books,
 * it is a pure function of the commands (and risk controls) applied, so it is part of every
 * snapshot and rebuilt by the same replay.
 */
export class ExecutionState {
  /** Account id -> the engine's numeric account (self-trade prevention compares it). */
  private readonly accountNumbers = new Map<string, number>();
  private readonly accountIds: string[] = [];
  /** Per symbol index: engine order id -> identity, for live orders only. */
  private readonly orders = new Map<number, Map<number, OrderIdentity>>();
  /**
   * Per symbol index: engine order id -> sum of price ticks × lots over its fills so far, for
   * the average price of execution reports. bigint: a long-lived order's sum can pass 2^53.
   */
  private readonly fillValues = new Map<number, Map<number, bigint>>();
  /** Per partition: recently applied command ids, oldest first (bounded). */
  private readonly dedup = new Map<
    number,
    { readonly set: Set<string>; readonly queue: string[] }
  >();
  /** Trading state from risk.controls.v1. */
  globalHalt = false;
  readonly haltedAccounts = new Set<string>();
  readonly haltedAgents = new Set<string>();

  constructor(readonly dedupWindow: number) {}

  /** The engine number of an account, assigned on first sight. */
  accountNumber(accountId: string): number {
    let n = this.accountNumbers.get(accountId);
    if (n === undefined) {
      n = this.accountIds.length;
      this.accountIds.push(accountId);
      this.accountNumbers.set(accountId, n);
    }
    return n;
  }

  accountIdOf(n: number): string {
    return this.accountIds[n] ?? '';
  }

  /**
   * True when the command id was applied before (within the window) on this partition;
   * otherwise remembers it. Per partition, so the window is a function of the partition's order.
   */
  seenBefore(partition: number, commandId: string): boolean {
    let window = this.dedup.get(partition);
    if (window === undefined) {
      window = { set: new Set(), queue: [] };
      this.dedup.set(partition, window);
    }
    if (window.set.has(commandId)) return true;
    window.set.add(commandId);
    window.queue.push(commandId);
    if (window.queue.length > this.dedupWindow) {
      const evicted = window.queue.shift();
      if (evicted !== undefined) window.set.delete(evicted);
    }
    return false;
  }

  addOrder(symbol: number, orderId: number, identity: OrderIdentity): void {
    let book = this.orders.get(symbol);
    if (book === undefined) {
      book = new Map();
      this.orders.set(symbol, book);
    }
    book.set(orderId, identity);
  }

  order(symbol: number, orderId: number): OrderIdentity | undefined {
    return this.orders.get(symbol)?.get(orderId);
  }

  removeOrder(symbol: number, orderId: number): void {
    this.orders.get(symbol)?.delete(orderId);
    this.fillValues.get(symbol)?.delete(orderId);
  }

  /** Adds one fill of an order and returns the sum of price ticks × lots of all its fills. */
  addFill(symbol: number, orderId: number, priceTicks: number, lots: number): bigint {
    let book = this.fillValues.get(symbol);
    if (book === undefined) {
      book = new Map();
      this.fillValues.set(symbol, book);
    }
    const total = (book.get(orderId) ?? 0n) + BigInt(priceTicks) * BigInt(lots);
    book.set(orderId, total);
    return total;
  }

  /** Live orders of an account (or agent) per symbol index, in order id order (deterministic). */
  ordersOf(match: (identity: OrderIdentity) => boolean): { symbol: number; orderId: number }[] {
    const out: { symbol: number; orderId: number }[] = [];
    for (const symbol of [...this.orders.keys()].sort((a, b) => a - b)) {
      const book = this.orders.get(symbol);
      if (book === undefined) continue;
      for (const orderId of [...book.keys()].sort((a, b) => a - b)) {
        const identity = book.get(orderId);
        if (identity !== undefined && match(identity)) out.push({ symbol, orderId });
      }
    }
    return out;
  }

  liveOrderCount(): number {
    let n = 0;
    for (const book of this.orders.values()) n += book.size;
    return n;
  }

  /** JSON-safe copy. */
  toJSON(): ExecutionStateJson {
    const orders: ExecutionStateJson['orders'] = [];
    for (const [symbol, book] of this.orders)
      for (const [orderId, o] of book)
        orders.push([symbol, orderId, o.clientOrderId, o.accountId, o.agentId]);
    return {
      accounts: [...this.accountIds],
      orders,
      dedup: [...this.dedup].map(([partition, w]) => [partition, [...w.queue]]),
      fills: [...this.fillValues].flatMap(([symbol, book]) =>
        [...book].map(([orderId, value]): [number, number, string] => [
          symbol,
          orderId,
          String(value),
        ]),
      ),
      globalHalt: this.globalHalt,
      haltedAccounts: [...this.haltedAccounts].sort(),
      haltedAgents: [...this.haltedAgents].sort(),
    };
  }

  /** Replaces this state with a snapshot's (validated). */
  load(raw: unknown): void {
    const json = stateSchema.parse(raw);
    this.accountNumbers.clear();
    this.accountIds.length = 0;
    this.orders.clear();
    this.fillValues.clear();
    this.dedup.clear();
    this.haltedAccounts.clear();
    this.haltedAgents.clear();
    for (const id of json.accounts) this.accountNumber(id);
    for (const [symbol, orderId, clientOrderId, accountId, agentId] of json.orders)
      this.addOrder(symbol, orderId, { clientOrderId, accountId, agentId });
    for (const [partition, ids] of json.dedup)
      this.dedup.set(partition, { set: new Set(ids), queue: [...ids] });
    for (const [symbol, orderId, value] of json.fills) {
      const book = this.fillValues.get(symbol) ?? new Map<number, bigint>();
      book.set(orderId, BigInt(value));
      this.fillValues.set(symbol, book);
    }
    this.globalHalt = json.globalHalt;
    json.haltedAccounts.forEach((a) => this.haltedAccounts.add(a));
    json.haltedAgents.forEach((a) => this.haltedAgents.add(a));
  }
}

const stateSchema = z.object({
  accounts: z.array(z.string()),
  orders: z.array(z.tuple([z.number().int(), z.number(), z.string(), z.string(), z.string()])),
  dedup: z.array(z.tuple([z.number().int(), z.array(z.string())])),
  // Absent in snapshots written before average prices existed.
  fills: z.array(z.tuple([z.number().int(), z.number(), z.string().regex(/^[0-9]+$/)])).default([]),
  globalHalt: z.boolean(),
  haltedAccounts: z.array(z.string()),
  haltedAgents: z.array(z.string()),
});

export type ExecutionStateJson = z.infer<typeof stateSchema>;
