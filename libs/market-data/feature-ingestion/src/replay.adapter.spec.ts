import { join } from 'node:path';
import { parseTime } from './field-mapping';
import { ReplayFeedAdapter } from './replay.adapter';
import { msToNanos } from './scheduler';
import { FIXTURES_DIR, ManualScheduler, RecordingSink } from './testing';

const T0 = BigInt(Date.UTC(2026, 0, 2, 14, 30)) * 1_000_000n;
const ms = (n: number) => T0 + BigInt(n) * 1_000_000n;

async function replay(file: string, speed: number, extra: { retime?: boolean } = {}) {
  const scheduler = new ManualScheduler();
  const sink = new RecordingSink();
  const adapter = new ReplayFeedAdapter({
    source: 'replay',
    path: join(FIXTURES_DIR, file),
    speed,
    scheduler,
    ...extra,
  });
  adapter.start(sink);
  await adapter.finished();
  return { adapter, sink, scheduler };
}

describe('ReplayFeedAdapter', () => {
  it('replays a CSV recording with its timestamps, sequences and exact decimals', async () => {
    const { sink, adapter } = await replay('ticks.csv', 1);
    expect(sink.ticks.map((t) => [t.symbol, t.sequence, t.exchangeTimeUnixNanos])).toEqual([
      ['AAPL', 1n, ms(0)],
      ['MSFT', 1n, ms(250)],
      ['AAPL', 2n, ms(500)],
      ['AAPL', 3n, ms(1500)],
      ['MSFT', 2n, ms(2000) + 123n],
    ]);
    expect(sink.ticks[0]).toMatchObject({
      source: 'replay',
      bidPrice: { value: '100.00' },
      bidSize: { value: '5' },
      askPrice: { value: '100.01' },
      lastSize: { value: '2' },
    });
    // An empty cell is an absent field, not "0".
    expect(sink.ticks[1]?.lastPrice).toBeUndefined();
    expect(sink.undecodables).toEqual(['line 6: 4 cells, header has 9']);
    // Finished replays stay connected and silent: the feed goes stale rather than down.
    expect(sink.connections).toEqual([{ connected: true, detail: undefined }]);
    expect(adapter.isConnected()).toBe(true);
    await adapter.stop();
    expect(adapter.isConnected()).toBe(false);
  });

  it('waits the recorded gaps divided by the speed factor', async () => {
    const { scheduler } = await replay('ticks.csv', 2);
    expect(scheduler.sleeps.slice(0, 3)).toEqual([125, 125, 500]);
    expect(scheduler.sleeps[3]).toBeCloseTo(250.0000615, 9);
    expect(scheduler.sleeps).toHaveLength(4);
    const slow = await replay('ticks.csv', 0.5);
    expect(slow.scheduler.sleeps.slice(0, 3)).toEqual([500, 500, 2000]);
  });

  it('does not wait at all at speed 0', async () => {
    const { scheduler, sink } = await replay('ticks.csv', 0);
    expect(scheduler.sleeps).toEqual([]);
    expect(sink.ticks).toHaveLength(5);
  });

  it('replays JSON Lines, numbering ticks per symbol when the file has no sequences', async () => {
    const { sink, scheduler } = await replay('ticks.jsonl', 1);
    expect(sink.ticks.map((t) => [t.symbol, t.sequence, t.exchangeTimeUnixNanos])).toEqual([
      ['AAPL', 1n, ms(0)],
      ['AAPL', 2n, ms(100)],
      ['MSFT', 1n, ms(2100)],
    ]);
    // JSON numbers are taken in their shortest text form; the validator judges them later.
    expect(sink.ticks[2]).toMatchObject({ bidPrice: { value: '400.1' }, bidSize: { value: '1' } });
    expect(sink.undecodables).toEqual([
      'line 3: not JSON',
      'line 4: time "yesterday" is not ISO-8601',
    ]);
    expect(scheduler.sleeps).toEqual([100, 2000]);
  });

  it('stamps replay time instead of the recorded time with retime', async () => {
    const { sink, scheduler } = await replay('ticks.csv', 1, { retime: true });
    const last = sink.ticks.at(-1);
    expect(last?.exchangeTimeUnixNanos).toBe(msToNanos(scheduler.now()));
  });

  it('stops mid-file and reports a missing file as a disconnect', async () => {
    const sink = new RecordingSink();
    const adapter = new ReplayFeedAdapter({
      source: 'replay',
      path: join(FIXTURES_DIR, 'missing.csv'),
      speed: 1,
      scheduler: new ManualScheduler(),
    });
    adapter.start(sink);
    await adapter.finished();
    expect(sink.connections.at(-1)?.connected).toBe(false);
    expect(sink.connections.at(-1)?.detail).toMatch(/ENOENT/);
    expect(() => new ReplayFeedAdapter({ source: 'r', path: 'x.csv', speed: -1 })).toThrow(
      RangeError,
    );
  });
});

describe('parseTime', () => {
  it('reads ISO-8601 to the nanosecond and integer units exactly', () => {
    expect(parseTime('2026-01-02T14:30:00.000000001Z', 'iso')).toBe(T0 + 1n);
    expect(parseTime('2026-01-02T15:30:00+01:00', 'iso')).toBe(T0);
    expect(parseTime('1767364200', 's')).toBe(T0);
    expect(parseTime('1767364200000000', 'us')).toBe(T0);
    expect(parseTime('1767364200000000000', 'ns')).toBe(T0);
    for (const bad of ['2026-01-02 14:30:00Z', '2026-01-02T14:30:00', '-1', '1.5'])
      expect(parseTime(bad, bad.includes('T') || bad.includes(' ') ? 'iso' : 'ms')).toBeUndefined();
  });
});
