import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { marketdata } from '@meridian/contracts';
import fc from 'fast-check';
import { decodeTickReference, isTickRejection, TickRecordDecoder } from './tick-record.decoder';

const T0 = 1_772_443_800_000_000_000n; // 2026-03-02T09:30:00Z

function encode(tick: Partial<marketdata.Tick>): Buffer {
  return Buffer.from(marketdata.Tick.encode(marketdata.Tick.fromPartial(tick)).finish());
}

const VALID: Partial<marketdata.Tick> = {
  symbol: 'BTC-USD',
  source: 'ws-primary',
  sequence: 42n,
  exchangeTimeUnixNanos: T0,
  receivedTimeUnixNanos: T0 + 1_500_000n,
  bidPrice: { value: '64999.5' },
  bidSize: { value: '0.25' },
  askPrice: { value: '65000' },
  askSize: { value: '1' },
  lastPrice: { value: '65000' },
  lastSize: { value: '0.1' },
};

// Valid-looking fields, with edge values mixed in, so both paths are exercised.
const decimalText = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.option(fc.stringMatching(/^[0-9]{1,8}$/)))
      .map(([whole, fraction]) => (fraction === null ? `${whole}` : `${whole}.${fraction}`)),
  },
  fc.constantFrom('0', '0.0', '-1', '-0', '1e5', '+1', '01', '1.', '.5', '', ' 1', '1'.repeat(41)),
);
const decimal = fc.option(
  decimalText.map((value) => ({ value })),
  { nil: undefined },
);
const tickArb = fc.record({
  symbol: fc.oneof(
    { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/) },
    fc.constantFrom('', '-AAA', 'A'.repeat(33), 'ÄPFEL', 'A B'),
  ),
  source: fc.oneof(
    { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/) },
    fc.constantFrom('', 'a/b', 's'.repeat(65)),
  ),
  sequence: fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }) },
    fc.constant(2n ** 64n - 1n),
  ),
  exchangeTimeUnixNanos: fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }) },
    fc.constantFrom(0n, -1n, T0),
  ),
  receivedTimeUnixNanos: fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: 2n ** 62n }) },
    fc.constant(0n),
  ),
  bidPrice: decimal,
  bidSize: decimal,
  askPrice: decimal,
  askSize: decimal,
  lastPrice: decimal,
  lastSize: decimal,
});

/** Protobuf-level damage: unknown fields, wrong wire types, repeats, truncation, garbage. */
const damage = fc.oneof(
  fc.constant((bytes: Buffer) => bytes),
  fc
    .tuple(fc.integer({ min: 12, max: 2000 }), fc.constantFrom(0, 1, 2, 5))
    .map(([field, wire]) => (bytes: Buffer) => {
      const w = new BinaryWriter().tag(field, wire);
      if (wire === 0) w.uint64(7n);
      else if (wire === 1) w.fixed64(7n);
      else if (wire === 2) w.string('x');
      else w.fixed32(7);
      return Buffer.concat([bytes, w.finish()]);
    }),
  fc
    .tuple(fc.integer({ min: 1, max: 11 }), fc.constantFrom(0, 1, 2, 5))
    .map(([field, wire]) => (bytes: Buffer) => {
      const w = new BinaryWriter().tag(field, wire);
      if (wire === 0) w.uint64(3n);
      else if (wire === 1) w.fixed64(3n);
      else if (wire === 2) w.bytes(new Uint8Array([10, 1, 0x35]));
      else w.fixed32(3);
      return Buffer.concat([bytes, w.finish()]);
    }),
  fc.nat().map((cut) => (bytes: Buffer) => bytes.subarray(0, cut % (bytes.length + 1))),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => (bytes: Buffer) => {
    const copy = Buffer.from(bytes);
    if (copy.length > 0) copy[at % copy.length] = byte;
    return copy;
  }),
  fc.uint8Array({ maxLength: 12 }).map((extra) => (bytes: Buffer) => Buffer.concat([bytes, extra])),
  fc.uint8Array({ maxLength: 80 }).map((random) => () => Buffer.from(random)),
);

describe('TickRecordDecoder', () => {
  it('decodes a canonical tick on the fast path, exactly as the reference does', () => {
    const decoder = new TickRecordDecoder();
    const bytes = encode(VALID);
    expect(decoder.decode(bytes)).toEqual(decodeTickReference(bytes));
    expect(decoder.decode(bytes)).toEqual({
      symbol: 'BTC-USD',
      source: 'ws-primary',
      sequence: 42n,
      exchangeTimeNanos: T0,
      receivedTimeNanos: T0 + 1_500_000n,
      bidPrice: '64999.5',
      bidSize: '0.25',
      askPrice: '65000',
      askSize: '1',
      lastPrice: '65000',
      lastSize: '0.1',
    });
    expect(decoder.slowPath).toBe(0);
  });

  it.each([
    ['garbage', Buffer.from([0xff, 0xff, 0xff]), 'UNDECODABLE'],
    ['field number 0', Buffer.from([0x00, 0x01]), 'UNDECODABLE'],
    ['a truncated string', encode(VALID).subarray(0, 5), 'UNDECODABLE'],
    ['trailing garbage', Buffer.concat([encode(VALID), Buffer.from([0x07])]), 'UNDECODABLE'],
    ['an empty symbol', encode({ ...VALID, symbol: '' }), 'SYMBOL_INVALID'],
    ['an exponent', encode({ ...VALID, lastPrice: { value: '1e5' } }), 'DECIMAL_INVALID'],
    ['a zero price', encode({ ...VALID, bidPrice: { value: '0.00' } }), 'PRICE_NOT_POSITIVE'],
    ['a negative size', encode({ ...VALID, askSize: { value: '-1' } }), 'SIZE_NEGATIVE'],
    ['a huge sequence', encode({ ...VALID, sequence: 2n ** 63n }), 'SEQUENCE_OUT_OF_RANGE'],
    ['no time', encode({ ...VALID, exchangeTimeUnixNanos: 0n }), 'EXCHANGE_TIME_INVALID'],
    [
      'a size without a price',
      encode({ ...VALID, lastPrice: undefined }),
      'LAST_SIZE_WITHOUT_PRICE',
    ],
    [
      'no price at all',
      encode({
        ...VALID,
        bidPrice: undefined,
        askPrice: undefined,
        lastPrice: undefined,
        lastSize: undefined,
      }),
      'NO_PRICES',
    ],
  ])('rejects %s with the reference reason and detail', (_name, bytes, reason) => {
    const decoder = new TickRecordDecoder();
    const result = decoder.decode(bytes);
    expect(isTickRejection(result) && result.reason).toBe(reason);
    expect(result).toEqual(decodeTickReference(bytes));
    expect(decoder.slowPath).toBe(1);
  });

  it('skips a well-framed unknown field like the generated decoder (through the reference path)', () => {
    const decoder = new TickRecordDecoder();
    const bytes = Buffer.concat([encode(VALID), new BinaryWriter().tag(99, 0).uint32(1).finish()]);
    const result = decoder.decode(bytes);
    expect(isTickRejection(result)).toBe(false);
    expect(result).toEqual(decodeTickReference(bytes));
    expect(decoder.slowPath).toBe(1);
  });

  it('takes every canonical valid tick on the fast path, with the reference result', () => {
    const decoder = new TickRecordDecoder();
    let valid = 0;
    fc.assert(
      fc.property(tickArb, (tick) => {
        const bytes = encode(tick);
        const reference = decodeTickReference(bytes);
        const before = decoder.slowPath;
        expect(decoder.decode(bytes)).toEqual(reference);
        const accepted = !isTickRejection(reference);
        if (accepted) valid += 1;
        // A storable tick never needs the reference path.
        expect(accepted && decoder.slowPath !== before).toBe(false);
      }),
      { numRuns: 3000 },
    );
    // The generator must reach both sides often, or this test proves little.
    expect(valid).toBeGreaterThan(300);
    expect(valid).toBeLessThan(2700);
  });

  it('agrees with decodeStrict + validateTick on damaged and random bytes', () => {
    const decoder = new TickRecordDecoder();
    fc.assert(
      fc.property(tickArb, damage, (tick, hurt) => {
        const bytes = hurt(encode(tick));
        expect(decoder.decode(bytes)).toEqual(decodeTickReference(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps each record within its bytes when records share one buffer (a fetch response)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(tickArb, damage), { minLength: 1, maxLength: 8 }), (items) => {
        const decoder = new TickRecordDecoder();
        const parts = items.map(([tick, hurt]) => hurt(encode(tick)));
        const whole = Buffer.concat(parts);
        let offset = 0;
        for (const part of parts) {
          const slice = whole.subarray(offset, offset + part.length);
          offset += part.length;
          expect(decoder.decode(slice)).toEqual(decodeTickReference(Buffer.from(slice)));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('does not read a truncated varint on into the next record of the buffer', () => {
    // Ends inside the sequence varint (written last): the next record's bytes would finish it.
    const valid = Buffer.concat([
      encode({ ...VALID, sequence: 0n }),
      new BinaryWriter()
        .tag(10, 0)
        .uint64(2n ** 40n)
        .finish(),
    ]);
    const cut = valid.subarray(0, valid.length - 2);
    const whole = Buffer.concat([cut, encode(VALID)]);
    const result = new TickRecordDecoder().decode(whole.subarray(0, cut.length));
    expect(isTickRejection(result) && result.reason).toBe('UNDECODABLE');
    expect(result).toEqual(decodeTickReference(cut));
  });

  it('accepts a plain Uint8Array', () => {
    const bytes = new Uint8Array(encode(VALID));
    expect(new TickRecordDecoder().decode(bytes)).toEqual(decodeTickReference(bytes));
  });
});
