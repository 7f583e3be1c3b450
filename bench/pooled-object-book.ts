/**
 * Benchmark-only variant of the order book with the other classic layout: orders as pooled JS
 * objects (reused through a free list) linked by object references, levels as objects, instead of
 * the engine's struct-of-arrays slab. Same ladder idea, same id index, same event rows.
 *
 * It implements only what the benchmark stream uses (GTC/IOC limit and market orders, cancel,
 * replace, STP cancel-newest) and the benchmark checks that it emits exactly the same events as the
 * real engine before timing it, so the comparison is layout against layout, not feature against feature.
 */
import {
  EVENT_TYPES,
  type EventBuffer,
  IdIndex,
  REASON_CODES,
  type EngineCommand,
} from '@meridian/orders-domain';

const ev = (t: (typeof EVENT_TYPES)[number]): number => EVENT_TYPES.indexOf(t);
const reason = (r: (typeof REASON_CODES)[number]): number => REASON_CODES.indexOf(r);
const ACCEPTED = ev('accepted');
const REJECTED = ev('rejected');
const TRADE = ev('trade');
const PARTIAL = ev('partially-filled');
const FILLED = ev('filled');
const CANCELED = ev('canceled');
const REPLACED = ev('replaced');
const UNKNOWN_ORDER = reason('UNKNOWN_ORDER');
const NOT_ABOVE_FILLED = reason('QUANTITY_NOT_ABOVE_FILLED');
const STP = reason('SELF_TRADE_PREVENTED');
const IOC = reason('IMMEDIATE_OR_CANCEL');
const NO_LIQUIDITY = reason('NO_LIQUIDITY');
const USER = reason('USER_REQUESTED');

class Order {
  index = 0;
  id = 0;
  account = 0;
  side = 0;
  market = false;
  ioc = false;
  price = 0;
  quantity = 0;
  leaves = 0;
  cum = 0;
  prev: Order | null = null;
  next: Order | null = null;
  level: Level | null = null;
}

class Level {
  price = 0;
  head: Order | null = null;
  tail: Order | null = null;
  total = 0;
  count = 0;
  nextFree: Level | null = null;
}

/** Sorted levels, best at the end (as the engine's PriceLadder), holding Level objects. */
class Ladder {
  n = 0;
  keys = new Float64Array(1024);
  levels: (Level | null)[] = new Array<Level | null>(1024).fill(null);
  constructor(readonly direction: 1 | -1) {}

  find(price: number): number {
    const key = this.direction * price;
    let lo = 0;
    let hi = this.n - 1;
    if (hi >= 0) {
      const top = this.keys[hi] as number;
      if (key === top) return hi;
      if (key > top) return -(hi + 1) - 1;
    }
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keys[mid] as number;
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  insertAt(pos: number, level: Level): void {
    if (this.n === this.keys.length) {
      const keys = new Float64Array(this.n * 2);
      keys.set(this.keys);
      this.keys = keys;
      this.levels.length = this.n * 2;
    }
    this.keys.copyWithin(pos + 1, pos, this.n);
    for (let i = this.n; i > pos; i--) this.levels[i] = this.levels[i - 1] ?? null;
    this.keys[pos] = this.direction * level.price;
    this.levels[pos] = level;
    this.n++;
  }

  removeAt(pos: number): void {
    this.keys.copyWithin(pos, pos + 1, this.n);
    for (let i = pos; i < this.n - 1; i++) this.levels[i] = this.levels[i + 1] ?? null;
    this.n--;
    this.levels[this.n] = null;
  }
}

/** Pooled-object order book (benchmark comparison only; see the file header). */
export class PooledObjectBook {
  private seq = 0;
  private readonly pool: Order[] = [];
  private free: Order[] = [];
  private freeLevels: Level | null = null;
  private readonly ids = new IdIndex(1024);
  private readonly bids = new Ladder(1);
  private readonly asks = new Ladder(-1);

  constructor(capacity: number) {
    for (let i = 0; i < capacity; i++) this.grow();
  }

  process(c: EngineCommand, sink: EventBuffer): void {
    if (c.type === 'new')
      this.newOrder(
        c.orderId,
        c.account,
        c.side === 'buy' ? 0 : 1,
        c.orderType === 'market',
        c.tif === 'IOC',
        c.price ?? NaN,
        c.quantity,
        sink,
      );
    else if (c.type === 'cancel') this.cancel(c.orderId, sink);
    else if (c.type === 'replace') this.replace(c.orderId, c.price, c.quantity, sink);
  }

  private newOrder(
    id: number,
    account: number,
    side: number,
    market: boolean,
    ioc: boolean,
    price: number,
    quantity: number,
    sink: EventBuffer,
  ): void {
    const o = this.alloc();
    o.id = id;
    o.account = account;
    o.side = side;
    o.market = market;
    o.ioc = ioc;
    o.price = price;
    o.quantity = quantity;
    o.leaves = quantity;
    o.cum = 0;
    this.ids.set(id, o.index);
    const i = sink.append(ACCEPTED, 0, ++this.seq);
    sink.orderId[i] = id;
    sink.account[i] = account;
    sink.side[i] = side;
    sink.code[i] = market ? 1 : 0;
    sink.price[i] = price;
    sink.stopPrice[i] = NaN;
    sink.quantity[i] = quantity;
    this.execute(o, sink);
  }

  private execute(o: Order, sink: EventBuffer): void {
    if (!this.match(o, sink)) return;
    if (o.leaves === 0) this.release(o);
    else if (o.market) this.finish(o, NO_LIQUIDITY, sink);
    else if (o.ioc) this.finish(o, IOC, sink);
    else this.rest(o);
  }

  private match(o: Order, sink: EventBuffer): boolean {
    const opp = o.side === 0 ? this.asks : this.bids;
    while (o.leaves > 0 && opp.n > 0) {
      const level = opp.levels[opp.n - 1] as Level;
      const price = level.price;
      if (!o.market && (o.side === 0 ? price > o.price : price < o.price)) break;
      let alive = true;
      while (o.leaves > 0) {
        const maker = level.head;
        if (maker === null) break;
        if (maker.account === o.account) {
          alive = false;
          break;
        }
        const take = o.leaves < maker.leaves ? o.leaves : maker.leaves;
        o.leaves -= take;
        o.cum += take;
        maker.leaves -= take;
        maker.cum += take;
        level.total -= take;
        const i = sink.append(TRADE, 0, ++this.seq);
        sink.orderId[i] = o.id;
        sink.account[i] = o.account;
        sink.side[i] = o.side;
        sink.otherOrderId[i] = maker.id;
        sink.otherAccount[i] = maker.account;
        sink.price[i] = price;
        sink.quantity[i] = take;
        this.fill(maker, price, take, sink);
        this.fill(o, price, take, sink);
        if (maker.leaves === 0) {
          this.unlink(maker);
          this.release(maker);
        }
      }
      if (level.head === null) {
        opp.removeAt(opp.n - 1);
        this.freeLevel(level);
      }
      if (!alive) {
        this.finish(o, STP, sink);
        return false;
      }
    }
    return true;
  }

  private fill(o: Order, price: number, quantity: number, sink: EventBuffer): void {
    const i = sink.append(o.leaves === 0 ? FILLED : PARTIAL, 0, ++this.seq);
    sink.orderId[i] = o.id;
    sink.account[i] = o.account;
    sink.side[i] = o.side;
    sink.price[i] = price;
    sink.quantity[i] = quantity;
    sink.leaves[i] = o.leaves;
    sink.cum[i] = o.cum;
  }

  private rest(o: Order): void {
    const ladder = o.side === 0 ? this.bids : this.asks;
    let pos = ladder.find(o.price);
    let level: Level;
    if (pos >= 0) {
      level = ladder.levels[pos] as Level;
    } else {
      pos = -pos - 1;
      level = this.allocLevel(o.price);
      ladder.insertAt(pos, level);
    }
    o.prev = level.tail;
    o.next = null;
    if (level.tail === null) level.head = o;
    else level.tail.next = o;
    level.tail = o;
    o.level = level;
    level.total += o.leaves;
    level.count++;
  }

  private cancel(id: number, sink: EventBuffer): void {
    const slot = this.ids.get(id);
    if (slot === -1) {
      this.reject(1, id, UNKNOWN_ORDER, sink);
      return;
    }
    const o = this.pool[slot] as Order;
    this.remove(o);
    this.finish(o, USER, sink);
  }

  private replace(
    id: number,
    price: number | undefined,
    quantity: number | undefined,
    sink: EventBuffer,
  ): void {
    const slot = this.ids.get(id);
    if (slot === -1) {
      this.reject(2, id, UNKNOWN_ORDER, sink);
      return;
    }
    const o = this.pool[slot] as Order;
    const newPrice = price ?? o.price;
    const total = quantity ?? o.quantity;
    if (total <= o.cum) {
      this.reject(2, id, NOT_ABOVE_FILLED, sink);
      return;
    }
    const newLeaves = total - o.cum;
    if (newPrice === o.price && newLeaves <= o.leaves) {
      (o.level as Level).total -= o.leaves - newLeaves;
      o.leaves = newLeaves;
      o.quantity = total;
      this.replaced(o, 1, sink);
      return;
    }
    this.remove(o);
    o.price = newPrice;
    o.quantity = total;
    o.leaves = newLeaves;
    this.replaced(o, 0, sink);
    this.execute(o, sink);
  }

  private replaced(o: Order, kept: number, sink: EventBuffer): void {
    const i = sink.append(REPLACED, 0, ++this.seq);
    sink.orderId[i] = o.id;
    sink.account[i] = o.account;
    sink.side[i] = o.side;
    sink.code[i] = kept;
    sink.price[i] = o.price;
    sink.stopPrice[i] = NaN;
    sink.quantity[i] = o.quantity;
    sink.leaves[i] = o.leaves;
    sink.cum[i] = o.cum;
  }

  private reject(request: number, id: number, code: number, sink: EventBuffer): void {
    const i = sink.append(REJECTED, 0, ++this.seq);
    sink.request[i] = request;
    sink.orderId[i] = id;
    sink.code[i] = code;
  }

  private finish(o: Order, code: number, sink: EventBuffer): void {
    const i = sink.append(CANCELED, 0, ++this.seq);
    sink.orderId[i] = o.id;
    sink.account[i] = o.account;
    sink.side[i] = o.side;
    sink.code[i] = code;
    sink.quantity[i] = o.leaves;
    sink.cum[i] = o.cum;
    o.leaves = 0;
    this.release(o);
  }

  private remove(o: Order): void {
    const level = o.level as Level;
    this.unlink(o);
    if (level.head !== null) return;
    const ladder = o.side === 0 ? this.bids : this.asks;
    ladder.removeAt(ladder.find(level.price));
    this.freeLevel(level);
  }

  private unlink(o: Order): void {
    const level = o.level as Level;
    if (o.prev === null) level.head = o.next;
    else o.prev.next = o.next;
    if (o.next === null) level.tail = o.prev;
    else o.next.prev = o.prev;
    level.total -= o.leaves;
    level.count--;
    o.prev = o.next = null;
    o.level = null;
  }

  private alloc(): Order {
    if (this.free.length === 0) this.grow();
    return this.free.pop() as Order;
  }

  private release(o: Order): void {
    this.ids.delete(o.id);
    this.free.push(o);
  }

  private grow(): void {
    const o = new Order();
    o.index = this.pool.length;
    this.pool.push(o);
    this.free.push(o);
  }

  private allocLevel(price: number): Level {
    const level = this.freeLevels ?? new Level();
    this.freeLevels = level.nextFree;
    level.nextFree = null;
    level.price = price;
    level.head = level.tail = null;
    level.total = 0;
    level.count = 0;
    return level;
  }

  private freeLevel(level: Level): void {
    level.nextFree = this.freeLevels;
    this.freeLevels = level;
  }
}
