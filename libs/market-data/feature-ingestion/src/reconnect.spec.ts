import { ExponentialBackoff } from './backoff';
import { takeToken, TokenBucket } from './token-bucket';
import { ManualScheduler } from './testing';

describe('ExponentialBackoff', () => {
  it('doubles up to the cap, jitters within [d(1-j), d], and restarts after reset', () => {
    const noJitter = new ExponentialBackoff({
      initialMs: 100,
      maxMs: 1_000,
      jitter: 0.5,
      random: () => 0,
    });
    expect(Array.from({ length: 6 }, () => noJitter.next())).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    const fullJitter = new ExponentialBackoff({
      initialMs: 100,
      maxMs: 1_000,
      jitter: 0.5,
      random: () => 0.999999,
    });
    const [first = 0, second = 0] = [fullJitter.next(), fullJitter.next()];
    expect(first).toBeCloseTo(50, 3);
    expect(second).toBeCloseTo(100, 3);
    expect(fullJitter.attempts).toBe(2);
    fullJitter.reset();
    expect(fullJitter.attempts).toBe(0);
    expect(noJitter.next()).toBe(1_000);
    noJitter.reset();
    expect(noJitter.next()).toBe(100);
  });

  it('refuses nonsense settings', () => {
    expect(() => new ExponentialBackoff({ initialMs: 10, maxMs: 5 })).toThrow(RangeError);
    expect(() => new ExponentialBackoff({ multiplier: 0.5 })).toThrow(RangeError);
    expect(() => new ExponentialBackoff({ jitter: 2 })).toThrow(RangeError);
  });
});

describe('TokenBucket', () => {
  it('allows a burst of capacity, then the refill rate', () => {
    const clock = new ManualScheduler(0);
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 4, now: () => clock.now() });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    expect(bucket.msUntilToken()).toBe(250);
    clock.advance(249);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(1);
    expect(bucket.tryTake()).toBe(true);
    clock.advance(10_000);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
  });

  it('takeToken waits exactly as long as the rate requires, and gives up when aborted', async () => {
    const clock = new ManualScheduler(0);
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 2, now: () => clock.now() });
    const sleep = (ms: number) => clock.sleep(ms);
    for (let i = 0; i < 4; i++) expect(await takeToken(bucket, sleep)).toBe(true);
    expect(clock.sleeps).toEqual([500, 500, 500]);
    const abort = new AbortController();
    abort.abort();
    expect(await takeToken(bucket, sleep, abort.signal)).toBe(false);
  });

  it('refuses an empty bucket or no refill', () => {
    expect(() => new TokenBucket({ capacity: 0, refillPerSecond: 1, now: () => 0 })).toThrow(
      RangeError,
    );
    expect(() => new TokenBucket({ capacity: 1, refillPerSecond: 0, now: () => 0 })).toThrow(
      RangeError,
    );
  });
});
