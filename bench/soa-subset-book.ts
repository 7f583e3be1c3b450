/**
 * Benchmark-only control for `pooled-object-book.ts`: the SAME reduced feature set and logic, but
 * with the engine's struct-of-arrays layout (typed-array columns, int links, a level slab). The two
 * differ only in layout, so their ratio is the layout effect; the full engine's extra cost over
 * this one is validation and the features the subset leaves out.
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
const NIL = -1;

class Ladder {
  n = 0;
  keys = new Float64Array(1024);
  levels = new Int32Array(1024);
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

  insertAt(pos: number, price: number, level: number): void {
    this.keys.copyWithin(pos + 1, pos, this.n);
    this.levels.copyWithin(pos + 1, pos, this.n);
    this.keys[pos] = this.direction * price;
    this.levels[pos] = level;
    this.n++;
  }

  removeAt(pos: number): void {
    this.keys.copyWithin(pos, pos + 1, this.n);
    this.levels.copyWithin(pos, pos + 1, this.n);
    this.n--;
  }
}

/** Struct-of-arrays order book with the pooled variant's feature subset (benchmark control only). */
export class SoaSubsetBook {
  private seq = 0;
  private freeHead = NIL;
  private levelFree = NIL;
  private readonly oId: Float64Array;
  private readonly oAcct: Float64Array;
  private readonly oPrice: Float64Array;
  private readonly oQty: Float64Array;
  private readonly oLeaves: Float64Array;
  private readonly oCum: Float64Array;
  private readonly oPrev: Int32Array;
  private readonly oNext: Int32Array;
  private readonly oLevel: Int32Array;
  private readonly oSide: Uint8Array;
  private readonly oMarket: Uint8Array;
  private readonly oIoc: Uint8Array;
  private readonly lPrice: Float64Array;
  private readonly lHead: Int32Array;
  private readonly lTail: Int32Array;
  private readonly lTotal: Float64Array;
  private readonly lCount: Int32Array;
  private readonly ids = new IdIndex(1024);
  private readonly bids = new Ladder(1);
  private readonly asks = new Ladder(-1);

  // Fixed capacity: the benchmark sizes it; a real book grows (see OrderBook).
  constructor(capacity: number) {
    this.oId = new Float64Array(capacity);
    this.oAcct = new Float64Array(capacity);
    this.oPrice = new Float64Array(capacity);
    this.oQty = new Float64Array(capacity);
    this.oLeaves = new Float64Array(capacity);
    this.oCum = new Float64Array(capacity);
    this.oPrev = new Int32Array(capacity);
    this.oNext = new Int32Array(capacity);
    this.oLevel = new Int32Array(capacity);
    this.oSide = new Uint8Array(capacity);
    this.oMarket = new Uint8Array(capacity);
    this.oIoc = new Uint8Array(capacity);
    this.lPrice = new Float64Array(capacity);
    this.lHead = new Int32Array(capacity);
    this.lTail = new Int32Array(capacity);
    this.lTotal = new Float64Array(capacity);
    this.lCount = new Int32Array(capacity);
    for (let s = capacity - 1; s >= 0; s--) {
      this.oNext[s] = this.freeHead;
      this.freeHead = s;
      this.lHead[s] = this.levelFree;
      this.levelFree = s;
    }
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
    const o = this.freeHead;
    this.freeHead = this.oNext[o] as number;
    this.oId[o] = id;
    this.oAcct[o] = account;
    this.oSide[o] = side;
    this.oMarket[o] = market ? 1 : 0;
    this.oIoc[o] = ioc ? 1 : 0;
    this.oPrice[o] = price;
    this.oQty[o] = quantity;
    this.oLeaves[o] = quantity;
    this.oCum[o] = 0;
    this.ids.set(id, o);
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

  private execute(o: number, sink: EventBuffer): void {
    if (!this.match(o, sink)) return;
    if (this.oLeaves[o] === 0) this.release(o);
    else if (this.oMarket[o] === 1) this.finish(o, NO_LIQUIDITY, sink);
    else if (this.oIoc[o] === 1) this.finish(o, IOC, sink);
    else this.rest(o);
  }

  private match(o: number, sink: EventBuffer): boolean {
    const side = this.oSide[o] as number;
    const account = this.oAcct[o] as number;
    const market = this.oMarket[o] === 1;
    const limit = this.oPrice[o] as number;
    const opp = side === 0 ? this.asks : this.bids;
    const oLeaves = this.oLeaves;
    const oCum = this.oCum;
    let leaves = oLeaves[o] as number;
    let cum = oCum[o] as number;
    let alive = true;
    while (leaves > 0 && opp.n > 0) {
      const level = opp.levels[opp.n - 1] as number;
      const price = this.lPrice[level] as number;
      if (!market && (side === 0 ? price > limit : price < limit)) break;
      while (leaves > 0) {
        const maker = this.lHead[level] as number;
        if (maker === NIL) break;
        if (this.oAcct[maker] === account) {
          alive = false;
          break;
        }
        const makerLeaves0 = oLeaves[maker] as number;
        const take = leaves < makerLeaves0 ? leaves : makerLeaves0;
        leaves -= take;
        cum += take;
        const makerLeaves = makerLeaves0 - take;
        const makerCum = (oCum[maker] as number) + take;
        oLeaves[maker] = makerLeaves;
        oCum[maker] = makerCum;
        this.lTotal[level] = (this.lTotal[level] as number) - take;
        const i = sink.append(TRADE, 0, ++this.seq);
        sink.orderId[i] = this.oId[o] as number;
        sink.account[i] = account;
        sink.side[i] = side;
        sink.otherOrderId[i] = this.oId[maker] as number;
        sink.otherAccount[i] = this.oAcct[maker] as number;
        sink.price[i] = price;
        sink.quantity[i] = take;
        this.fill(maker, price, take, makerLeaves, makerCum, sink);
        this.fill(o, price, take, leaves, cum, sink);
        if (makerLeaves === 0) {
          this.unlink(maker);
          this.release(maker);
        }
      }
      if (this.lHead[level] === NIL) {
        opp.removeAt(opp.n - 1);
        this.lHead[level] = this.levelFree;
        this.levelFree = level;
      }
      if (!alive) break;
    }
    oLeaves[o] = leaves;
    oCum[o] = cum;
    if (!alive) this.finish(o, STP, sink);
    return alive;
  }

  private fill(
    o: number,
    price: number,
    quantity: number,
    leaves: number,
    cum: number,
    sink: EventBuffer,
  ): void {
    const i = sink.append(leaves === 0 ? FILLED : PARTIAL, 0, ++this.seq);
    sink.orderId[i] = this.oId[o] as number;
    sink.account[i] = this.oAcct[o] as number;
    sink.side[i] = this.oSide[o] as number;
    sink.price[i] = price;
    sink.quantity[i] = quantity;
    sink.leaves[i] = leaves;
    sink.cum[i] = cum;
  }

  private rest(o: number): void {
    const price = this.oPrice[o] as number;
    const ladder = this.oSide[o] === 0 ? this.bids : this.asks;
    let pos = ladder.find(price);
    let level: number;
    if (pos >= 0) {
      level = ladder.levels[pos] as number;
    } else {
      pos = -pos - 1;
      level = this.levelFree;
      this.levelFree = this.lHead[level] as number;
      this.lPrice[level] = price;
      this.lHead[level] = this.lTail[level] = NIL;
      this.lTotal[level] = 0;
      this.lCount[level] = 0;
      ladder.insertAt(pos, price, level);
    }
    const tail = this.lTail[level] as number;
    this.oPrev[o] = tail;
    this.oNext[o] = NIL;
    if (tail === NIL) this.lHead[level] = o;
    else this.oNext[tail] = o;
    this.lTail[level] = o;
    this.oLevel[o] = level;
    this.lTotal[level] = (this.lTotal[level] as number) + (this.oLeaves[o] as number);
    this.lCount[level] = (this.lCount[level] as number) + 1;
  }

  private cancel(id: number, sink: EventBuffer): void {
    const o = this.ids.get(id);
    if (o === NIL) {
      this.reject(1, id, UNKNOWN_ORDER, sink);
      return;
    }
    this.remove(o);
    this.finish(o, USER, sink);
  }

  private replace(
    id: number,
    price: number | undefined,
    quantity: number | undefined,
    sink: EventBuffer,
  ): void {
    const o = this.ids.get(id);
    if (o === NIL) {
      this.reject(2, id, UNKNOWN_ORDER, sink);
      return;
    }
    const oldPrice = this.oPrice[o] as number;
    const leaves = this.oLeaves[o] as number;
    const cum = this.oCum[o] as number;
    const newPrice = price ?? oldPrice;
    const total = quantity ?? (this.oQty[o] as number);
    if (total <= cum) {
      this.reject(2, id, NOT_ABOVE_FILLED, sink);
      return;
    }
    const newLeaves = total - cum;
    if (newPrice === oldPrice && newLeaves <= leaves) {
      const level = this.oLevel[o] as number;
      this.lTotal[level] = (this.lTotal[level] as number) - (leaves - newLeaves);
      this.oLeaves[o] = newLeaves;
      this.oQty[o] = total;
      this.replaced(o, 1, sink);
      return;
    }
    this.remove(o);
    this.oPrice[o] = newPrice;
    this.oQty[o] = total;
    this.oLeaves[o] = newLeaves;
    this.replaced(o, 0, sink);
    this.execute(o, sink);
  }

  private replaced(o: number, kept: number, sink: EventBuffer): void {
    const i = sink.append(REPLACED, 0, ++this.seq);
    sink.orderId[i] = this.oId[o] as number;
    sink.account[i] = this.oAcct[o] as number;
    sink.side[i] = this.oSide[o] as number;
    sink.code[i] = kept;
    sink.price[i] = this.oPrice[o] as number;
    sink.stopPrice[i] = NaN;
    sink.quantity[i] = this.oQty[o] as number;
    sink.leaves[i] = this.oLeaves[o] as number;
    sink.cum[i] = this.oCum[o] as number;
  }

  private reject(request: number, id: number, code: number, sink: EventBuffer): void {
    const i = sink.append(REJECTED, 0, ++this.seq);
    sink.request[i] = request;
    sink.orderId[i] = id;
    sink.code[i] = code;
  }

  private finish(o: number, code: number, sink: EventBuffer): void {
    const i = sink.append(CANCELED, 0, ++this.seq);
    sink.orderId[i] = this.oId[o] as number;
    sink.account[i] = this.oAcct[o] as number;
    sink.side[i] = this.oSide[o] as number;
    sink.code[i] = code;
    sink.quantity[i] = this.oLeaves[o] as number;
    sink.cum[i] = this.oCum[o] as number;
    this.oLeaves[o] = 0;
    this.release(o);
  }

  private remove(o: number): void {
    const level = this.oLevel[o] as number;
    this.unlink(o);
    if (this.lHead[level] !== NIL) return;
    const ladder = this.oSide[o] === 0 ? this.bids : this.asks;
    ladder.removeAt(ladder.find(this.lPrice[level] as number));
    this.lHead[level] = this.levelFree;
    this.levelFree = level;
  }

  private unlink(o: number): void {
    const level = this.oLevel[o] as number;
    const prev = this.oPrev[o] as number;
    const next = this.oNext[o] as number;
    if (prev === NIL) this.lHead[level] = next;
    else this.oNext[prev] = next;
    if (next === NIL) this.lTail[level] = prev;
    else this.oPrev[next] = prev;
    this.lTotal[level] = (this.lTotal[level] as number) - (this.oLeaves[o] as number);
    this.lCount[level] = (this.lCount[level] as number) - 1;
  }

  private release(o: number): void {
    this.ids.delete(this.oId[o] as number);
    this.oNext[o] = this.freeHead;
    this.freeHead = o;
  }
}
