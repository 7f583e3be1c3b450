import { type marketdata } from '@meridian/contracts';
import fc from 'fast-check';
import { LastPriceThrottle } from './last-price-throttle';
import { TickBuffer } from './tick-buffer';

const tick = (symbol: string, sequence: number): marketdata.Tick => ({
  symbol,
  exchangeTimeUnixNanos: 0n,
  receivedTimeUnixNanos: 0n,
  sequence: BigInt(sequence),
  source: 's',
});
const ids = (ticks: marketdata.Tick[]) => ticks.map((t) => `${t.symbol}${t.sequence}`);

describe('TickBuffer', () => {
  it('drains round-robin over symbols, each symbol in order', () => {
    const buffer = new TickBuffer(100);
    for (let i = 1; i <= 3; i++) buffer.push(tick('A', i));
    buffer.push(tick('B', 1));
    expect(ids(buffer.drain(2))).toEqual(['A1', 'B1']);
    expect(ids(buffer.drain(10))).toEqual(['A2', 'A3']);
    expect(buffer.size).toBe(0);
    expect(buffer.drain(10)).toEqual([]);
  });

  it('when full, drops the oldest tick of the same symbol and counts it', () => {
    const dropped: marketdata.Tick[] = [];
    const buffer = new TickBuffer(3, (t) => dropped.push(t));
    buffer.push(tick('A', 1));
    buffer.push(tick('B', 1));
    buffer.push(tick('A', 2));
    buffer.push(tick('A', 3));
    expect(ids(dropped)).toEqual(['A1']);
    expect(ids(buffer.drain(10))).toEqual(['A2', 'A3', 'B1']);
  });

  it('when full and the symbol has nothing queued, drops the oldest of the longest queue', () => {
    const dropped: marketdata.Tick[] = [];
    const buffer = new TickBuffer(3, (t) => dropped.push(t));
    buffer.push(tick('A', 1));
    buffer.push(tick('A', 2));
    buffer.push(tick('B', 1));
    buffer.push(tick('C', 1));
    expect(ids(dropped)).toEqual(['A1']);
    expect(buffer.size).toBe(3);
  });

  it('property: never holds more than capacity, keeps per-symbol order, accounts for every tick', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.oneof(fc.constantFrom('A', 'B', 'C'), fc.integer({ min: 1, max: 7 })), {
          maxLength: 300,
        }),
        (capacity, ops) => {
          let dropped = 0;
          const buffer = new TickBuffer(capacity, () => (dropped += 1));
          const next = new Map<string, number>();
          const out: marketdata.Tick[] = [];
          let pushed = 0;
          for (const op of ops) {
            if (typeof op === 'string') {
              const seq = (next.get(op) ?? 0) + 1;
              next.set(op, seq);
              buffer.push(tick(op, seq));
              pushed += 1;
            } else out.push(...buffer.drain(op));
            expect(buffer.size).toBeLessThanOrEqual(capacity);
          }
          out.push(...buffer.drain(capacity));
          expect(out.length + dropped).toBe(pushed);
          for (const symbol of ['A', 'B', 'C']) {
            const seqs = out.filter((t) => t.symbol === symbol).map((t) => t.sequence);
            expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
          }
        },
      ),
    );
  });

  it('refuses a capacity below one', () => {
    expect(() => new TickBuffer(0)).toThrow(RangeError);
  });
});

describe('LastPriceThrottle', () => {
  const price = (symbol: string, value: string): marketdata.LastPrice => ({
    symbol,
    price: { value },
    exchangeTimeUnixNanos: 0n,
    sequence: 0n,
    source: 's',
  });

  it('sends at most one price per symbol per interval, always the latest, and drains at shutdown', () => {
    const throttle = new LastPriceThrottle(100);
    throttle.offer(price('A', '1'));
    throttle.offer(price('B', '5'));
    expect(throttle.due(0).map((p) => p.price?.value)).toEqual(['1', '5']);
    throttle.offer(price('A', '2'));
    throttle.offer(price('A', '3'));
    expect(throttle.due(99)).toEqual([]);
    expect(throttle.due(100).map((p) => p.price?.value)).toEqual(['3']);
    throttle.offer(price('A', '4'));
    expect(throttle.heldCount).toBe(1);
    expect(throttle.drainAll(150).map((p) => p.price?.value)).toEqual(['4']);
    expect(throttle.heldCount).toBe(0);
  });
});
