import type { StorableTick } from '@meridian/market-data-domain';
import fc from 'fast-check';
import { encodeCopyRows } from './tick-copy.encoder';

/** The straightforward encoding (what the writer did before): one template string per row. */
function referenceRows(ticks: readonly StorableTick[]): string {
  const time = (nanos: bigint): string => {
    const micros = nanos / 1000n - (nanos < 0n && nanos % 1000n !== 0n ? 1n : 0n);
    const seconds = micros / 1_000_000n - (micros < 0n && micros % 1_000_000n !== 0n ? 1n : 0n);
    const fraction = micros - seconds * 1_000_000n;
    const prefix = new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    return `${prefix}.${fraction.toString().padStart(6, '0')}+00`;
  };
  const field = (value: string | undefined): string => value ?? '\\N';
  return ticks
    .map(
      (t) =>
        `${t.symbol}\t${t.source}\t${t.sequence}\t${time(t.exchangeTimeNanos)}\t${t.exchangeTimeNanos}\t` +
        `${time(t.receivedTimeNanos)}\t${field(t.bidPrice)}\t${field(t.bidSize)}\t` +
        `${field(t.askPrice)}\t${field(t.askSize)}\t${field(t.lastPrice)}\t${field(t.lastSize)}\n`,
    )
    .join('');
}

const decimal = fc.option(fc.stringMatching(/^(0|[1-9][0-9]{0,20})(\.[0-9]{1,18})?$/), {
  nil: undefined,
});
// 1970 .. 2262 (int64 ns), with second and microsecond edges.
const nanos = fc.oneof(
  fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }),
  fc.constantFrom(1n, 999n, 1000n, 999_999_999n, 1_000_000_000n, 1_772_443_800_000_000_000n),
  fc
    .bigInt({ min: 1_700_000_000n, max: 1_800_000_000n })
    .chain((second) =>
      fc.bigInt({ min: 0n, max: 999_999_999n }).map((ns) => second * 1_000_000_000n + ns),
    ),
);
const tick: fc.Arbitrary<StorableTick> = fc.record({
  symbol: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/),
  source: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/),
  sequence: fc.oneof(
    fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
    fc.constantFrom(0n, 2n ** 53n - 1n, 2n ** 53n),
  ),
  exchangeTimeNanos: nanos,
  receivedTimeNanos: nanos,
  bidPrice: decimal,
  bidSize: decimal,
  askPrice: decimal,
  askSize: decimal,
  lastPrice: decimal,
  lastSize: decimal,
});

describe('encodeCopyRows', () => {
  it('writes exactly the COPY text of the straightforward encoding', () => {
    fc.assert(
      fc.property(fc.array(tick, { maxLength: 40 }), (ticks) => {
        expect(encodeCopyRows(ticks).toString('latin1')).toBe(referenceRows(ticks));
      }),
      { numRuns: 1000 },
    );
  });

  it('grows its buffer for long rows', () => {
    const long: StorableTick = {
      symbol: 'A'.repeat(32),
      source: 's'.repeat(64),
      sequence: 2n ** 63n - 1n,
      exchangeTimeNanos: 2n ** 63n - 1n,
      receivedTimeNanos: 1n,
      bidPrice: '9'.repeat(40),
      bidSize: '9'.repeat(40),
      askPrice: '9'.repeat(40),
      askSize: '9'.repeat(40),
      lastPrice: '9'.repeat(40),
      lastSize: '9'.repeat(40),
    };
    const ticks = Array.from({ length: 50 }, () => long);
    expect(encodeCopyRows(ticks).toString('latin1')).toBe(referenceRows(ticks));
  });

  it.each([
    ['a tab', 'A\tB'],
    ['a backslash', 'A\\N'],
    ['a newline', 'A\n'],
    ['a non-ASCII character', 'ÄPFEL'],
  ])('refuses a value with %s rather than corrupt the COPY stream', (_name, symbol) => {
    const bad: StorableTick = {
      symbol,
      source: 'x',
      sequence: 1n,
      exchangeTimeNanos: 1n,
      receivedTimeNanos: 1n,
      bidPrice: '1',
      bidSize: undefined,
      askPrice: undefined,
      askSize: undefined,
      lastPrice: undefined,
      lastSize: undefined,
    };
    expect(() => encodeCopyRows([bad])).toThrow(RangeError);
  });
});
