import { SeededRandom } from './seeded-random';

describe('SeededRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number) => {
      const r = new SeededRandom(seed);
      return Array.from({ length: 20 }, () => r.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('keeps draws inside their ranges', () => {
    const r = new SeededRandom(1);
    const ints = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      ints.add(r.int(-2, 2));
    }
    expect([...ints].sort()).toEqual([-1, -2, 0, 1, 2]);
    expect(() => r.pick([])).toThrow(RangeError);
    expect(['a', 'b']).toContain(r.pick(['a', 'b']));
  });
});
