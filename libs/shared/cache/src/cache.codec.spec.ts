import { z } from 'zod';
import { jsonCodec, zodJsonCodec } from './cache.codec';

describe('jsonCodec', () => {
  const codec = jsonCodec<unknown>();

  it('round-trips bigints exactly, nested and negative, beyond 2^53', () => {
    const value = {
      fills: [{ qty: -9_223_372_036_854_775_808n, price: '0.0001' }],
      total: 2n ** 64n,
    };
    const decoded = codec.decode(codec.encode(value));
    expect(decoded).toEqual(value);
  });

  it('leaves objects that only look like a bigint box alone', () => {
    const lookalikes = [{ $bigint: '12', extra: true }, { $bigint: '1.5' }, { $bigint: 12 }];
    expect(codec.decode(codec.encode(lookalikes))).toEqual(lookalikes);
  });

  it('refuses to encode undefined or a function', () => {
    expect(() => codec.encode(undefined)).toThrow(/cannot cache a value of type undefined/);
    expect(() => codec.encode(() => 1)).toThrow(TypeError);
  });

  it('throws on malformed JSON so the cache can treat it as a miss', () => {
    expect(() => codec.decode('{"a":')).toThrow(SyntaxError);
  });
});

describe('zodJsonCodec', () => {
  const codec = zodJsonCodec(
    z.object({ qtyMinor: z.bigint(), price: z.string().regex(/^\d+\.\d+$/) }),
  );

  it('decodes a value of the expected shape, bigints included', () => {
    expect(codec.decode(codec.encode({ qtyMinor: 5n, price: '1.25' }))).toEqual({
      qtyMinor: 5n,
      price: '1.25',
    });
  });

  it('rejects a value of another shape, such as a float price', () => {
    expect(() => codec.decode('{"qtyMinor":{"$bigint":"5"},"price":1.25}')).toThrow();
    expect(() => codec.decode('{"qtyMinor":5,"price":"1.25"}')).toThrow();
  });
});
