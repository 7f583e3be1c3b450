/**
 * Seeded order flow for the executor benchmarks: several symbols interleaved (as commands arrive
 * from Kafka partitions), per symbol ~50 % passive adds near the touch, ~30 % cancels of live
 * orders, ~10 % marketable IOC, ~10 % replaces. A MatchingEngine per symbol runs during
 * generation so cancels and replaces name live orders (almost nothing is rejected).
 */
import {
  EventBuffer,
  type InstrumentSpec,
  MatchingEngine,
  type NewOrderCommand,
} from '@meridian/orders-domain';
import { CB, CMD_KIND, CMD_SLOTS, CS, RecordBuffer } from '@meridian/orders-feature-execution';

export const MID = 1_000_000;

export function benchInstruments(count: number): InstrumentSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    symbol: `SYM${String(i).padStart(2, '0')}`,
    tickSize: '0.01',
    lotSize: '1',
    minPrice: '0.01',
    maxPrice: '100000.00',
    currencyDecimals: 2,
  }));
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A decimal-free description of one generated command (also used to build proto commands). */
export interface GeneratedCommand {
  kind: 'new' | 'cancel' | 'replace';
  symbol: number;
  orderId: number;
  account: number;
  side: 0 | 1;
  ioc: boolean;
  /** Ticks, NaN when absent. */
  price: number;
  /** Lots, NaN when absent. */
  quantity: number;
}

/** Generates `ops` commands over `instruments`, calling `emit` for each in stream order. */
export function generateFlow(
  instruments: readonly InstrumentSpec[],
  ops: number,
  seed: number,
  emit: (command: GeneratedCommand) => void,
  targetLive = 2000,
): void {
  const rand = mulberry32(seed);
  const engines = instruments.map((spec) => new MatchingEngine([spec]));
  const live = instruments.map(() => [] as number[]);
  const where = instruments.map(() => new Map<number, number>());
  const sideOf = new Map<number, 0 | 1>();
  const sink = new EventBuffer(1024);
  let nextId = 1;
  const drop = (s: number, id: number): void => {
    const list = live[s] ?? [];
    const pos = where[s]?.get(id);
    if (pos === undefined) return;
    const last = list.pop() as number;
    if (last !== id) {
      list[pos] = last;
      where[s]?.set(last, pos);
    }
    where[s]?.delete(id);
  };
  for (let i = 0; i < ops; i++) {
    const s = i % instruments.length;
    const engine = engines[s] as MatchingEngine;
    const symbol = (instruments[s] as InstrumentSpec).symbol;
    const book = engine.book(symbol);
    if (book === undefined) throw new Error('no book');
    const list = live[s] as number[];
    const r = rand();
    const bid = book.bestBid();
    const ask = book.bestAsk();
    let cmd: GeneratedCommand;
    if (list.length < 50 || (r < 0.5 && list.length < targetLive * 1.2)) {
      const side = rand() < 0.5 ? 0 : 1;
      const offset = 1 + Math.floor(rand() ** 3 * 40);
      const anchor =
        side === 0 ? (Number.isNaN(ask) ? MID + 1 : ask) : Number.isNaN(bid) ? MID - 1 : bid;
      cmd = {
        kind: 'new',
        symbol: s,
        orderId: nextId++,
        account: 1 + Math.floor(rand() * 200),
        side,
        ioc: false,
        price: side === 0 ? anchor - offset : anchor + offset,
        quantity: 1 + Math.floor(rand() * 100),
      };
    } else if (r < 0.8) {
      cmd = {
        kind: 'cancel',
        symbol: s,
        orderId: list[Math.floor(rand() * list.length)] as number,
        account: 0,
        side: 0,
        ioc: false,
        price: NaN,
        quantity: NaN,
      };
    } else if (r < 0.9) {
      const side = rand() < 0.5 ? 0 : 1;
      const touch = side === 0 ? ask : bid;
      cmd = {
        kind: 'new',
        symbol: s,
        orderId: nextId++,
        account: 1 + Math.floor(rand() * 200),
        side,
        ioc: true,
        price: Number.isNaN(touch) ? MID : side === 0 ? touch + 1 : touch - 1,
        quantity: 1 + Math.floor(rand() * 150),
      };
    } else {
      const id = list[Math.floor(rand() * list.length)] as number;
      const side = sideOf.get(id) ?? 0;
      const away =
        side === 0
          ? Number.isNaN(bid)
            ? MID - 5
            : bid - 5
          : Number.isNaN(ask)
            ? MID + 5
            : ask + 5;
      cmd = {
        kind: 'replace',
        symbol: s,
        orderId: id,
        account: 0,
        side,
        ioc: false,
        price: away,
        quantity: NaN,
      };
    }
    sink.clear();
    if (cmd.kind === 'new') {
      const c: NewOrderCommand = {
        type: 'new',
        symbol,
        orderId: cmd.orderId,
        account: cmd.account,
        side: cmd.side === 0 ? 'buy' : 'sell',
        orderType: 'limit',
        price: cmd.price,
        quantity: cmd.quantity,
        tif: cmd.ioc ? 'IOC' : 'GTC',
      };
      engine.process(c, sink);
    } else if (cmd.kind === 'cancel') {
      engine.process({ type: 'cancel', symbol, orderId: cmd.orderId }, sink);
    } else {
      engine.process({ type: 'replace', symbol, orderId: cmd.orderId, price: cmd.price }, sink);
    }
    for (let e = 0; e < sink.length; e++) {
      const type = sink.type[e];
      const id = sink.orderId[e] as number;
      if (type === 1 && cmd.kind === 'new' && !cmd.ioc) {
        where[s]?.set(id, list.length);
        list.push(id);
        sideOf.set(id, cmd.side);
      } else if (type === 5 || type === 6) {
        drop(s, id);
        sideOf.delete(id);
      }
    }
    emit(cmd);
  }
}

/** The same flow as command records (what the pool transports). */
export function generateRecords(
  instruments: readonly InstrumentSpec[],
  ops: number,
  seed: number,
): RecordBuffer {
  const rec = new RecordBuffer(CMD_SLOTS, ops);
  let tag = 0;
  generateFlow(instruments, ops, seed, (c) => {
    const at = rec.append();
    const b = at * 8;
    rec.f64[at + CS.TAG] = tag++;
    rec.f64[at + CS.SYMBOL] = c.symbol;
    rec.f64[at + CS.ORDER_ID] = c.orderId;
    rec.f64[at + CS.STOP_PRICE] = NaN;
    rec.f64[at + CS.DISPLAY] = NaN;
    rec.f64[at + CS.TIME] = NaN;
    rec.f64[at + CS.PRICE] = c.price;
    rec.f64[at + CS.QUANTITY] = c.quantity;
    if (c.kind === 'new') {
      rec.u8[b + CB.KIND] = CMD_KIND.NEW;
      rec.u8[b + CB.SIDE] = c.side;
      rec.u8[b + CB.TIF] = c.ioc ? 3 : 0;
      rec.f64[at + CS.ACCOUNT] = c.account;
    } else if (c.kind === 'cancel') {
      rec.u8[b + CB.KIND] = CMD_KIND.CANCEL;
    } else {
      rec.u8[b + CB.KIND] = CMD_KIND.REPLACE;
    }
  });
  return rec;
}
