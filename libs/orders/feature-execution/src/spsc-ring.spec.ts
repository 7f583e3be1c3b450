import { SpscRing } from './spsc-ring';

describe('SpscRing', () => {
  it('refuses a capacity that is not a power of two', () => {
    expect(() => new SpscRing(new SharedArrayBuffer(256 + 3 * 16), 2)).toThrow(RangeError);
  });

  it('keeps FIFO order across wrap-around and reports free space exactly', () => {
    const ring = new SpscRing(SpscRing.allocate(2, 4), 2);
    const src = new Float64Array(2 * 3);
    let next = 0;
    const seen: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3; i++) src[i * 2] = next++;
      expect(ring.free()).toBe(4);
      ring.write(src, 0, 3);
      expect(ring.free()).toBe(1);
      expect(ring.available()).toBe(3);
      let head = ring.head();
      for (let i = 0; i < 3; i++) {
        seen.push(ring.f64[ring.slotOf(head)] as number);
        head = (head + 1) | 0;
      }
      ring.release(head);
    }
    expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('wakes an async waiter when data is published and times out otherwise', async () => {
    const ring = new SpscRing(SpscRing.allocate(1, 8), 1);
    const started = Date.now();
    await ring.waitForDataAsync(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(20);
    const waiting = ring.waitForDataAsync(5000);
    ring.write(new Float64Array([42]), 0, 1);
    await waiting;
    expect(ring.available()).toBe(1);
  });
});
