import fc from 'fast-check';

import { IdIndex } from './id-index';

describe('IdIndex (open addressing, backward-shift deletion)', () => {
  it('behaves like a Map<number, number> under any sequence of set/delete/get, across growth', () => {
    const id = fc.oneof(
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.constantFrom(2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1),
    );
    const op = fc.tuple(
      fc.constantFrom('set', 'delete', 'get'),
      id,
      fc.integer({ min: 0, max: 1_000 }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const index = new IdIndex(4);
        const model = new Map<number, number>();
        for (const [kind, key, value] of ops) {
          if (kind === 'set') {
            index.set(key, value);
            model.set(key, value);
          } else if (kind === 'delete') {
            index.delete(key);
            model.delete(key);
          }
          expect(index.get(key)).toBe(model.get(key) ?? -1);
        }
        expect(index.size).toBe(model.size);
        for (const [key, value] of model) expect(index.get(key)).toBe(value);
      }),
    );
  });

  it('keeps every key reachable after deleting from the middle of long probe runs', () => {
    const index = new IdIndex(16);
    const keys = Array.from({ length: 5_000 }, (_, i) => i + 1);
    keys.forEach((k) => index.set(k, k * 2));
    keys.filter((k) => k % 3 === 0).forEach((k) => index.delete(k));
    for (const k of keys) expect(index.get(k)).toBe(k % 3 === 0 ? -1 : k * 2);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.has(1)).toBe(false);
  });
});
