import { OrderIdGenerator } from './order-id.generator';

const EXECUTOR_ORDER_ID = /^[1-9][0-9]{0,15}$/;

describe('OrderIdGenerator', () => {
  it('issues strictly increasing decimal ids below 2^53, also within one millisecond', () => {
    let now = Date.UTC(2026, 10, 22);
    const ids = new OrderIdGenerator(5, () => now);
    const seen: bigint[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 300 === 0) now += 1;
      const id = ids.next();
      expect(id).toMatch(EXECUTOR_ORDER_ID);
      seen.push(BigInt(id));
    }
    expect(seen).toEqual([...seen].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.every((id) => id < 2n ** 53n)).toBe(true);
  });

  it('never repeats across nodes at the same instant', () => {
    const now = () => Date.UTC(2026, 10, 22);
    const a = new OrderIdGenerator(1, now);
    const b = new OrderIdGenerator(2, now);
    const all = new Set<string>();
    for (let i = 0; i < 200; i++) {
      all.add(a.next());
      all.add(b.next());
    }
    expect(all.size).toBe(400);
  });

  it('keeps ids below 2^53 until 2095 and increasing when the clock steps back', () => {
    let now = Date.UTC(2095, 0, 1);
    const ids = new OrderIdGenerator(63, () => now);
    const first = BigInt(ids.next());
    expect(first < 2n ** 53n).toBe(true);
    now -= 5_000;
    expect(BigInt(ids.next()) > first).toBe(true);
  });

  it('refuses a node id outside 0..63', () => {
    expect(() => new OrderIdGenerator(64)).toThrow(RangeError);
    expect(() => new OrderIdGenerator(-1)).toThrow(RangeError);
  });
});
