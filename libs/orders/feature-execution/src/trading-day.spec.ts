import { type Kafka } from 'kafkajs';

import { TradingDayConfigError } from './execution.error';
import { Executor } from './executor';
import { MemorySnapshotStore } from './snapshot-store';
import { TEST_INSTRUMENTS } from './testing';
import { nextTradingDayEnd, parseTradingDayEnd } from './trading-day';

const at = (iso: string): number => Date.parse(iso);

describe('parseTradingDayEnd', () => {
  it('reads HH:MM and HH:MM:SS as milliseconds after UTC midnight', () => {
    expect(parseTradingDayEnd('21:00')).toBe(21 * 3_600_000);
    expect(parseTradingDayEnd('00:00')).toBe(0);
    expect(parseTradingDayEnd(' 16:30:15 ')).toBe((16 * 3600 + 30 * 60 + 15) * 1000);
    expect(parseTradingDayEnd('23:59:59')).toBe(86_399_000);
  });

  it.each([
    '',
    '9:00',
    '24:00',
    '21:60',
    '21:00:60',
    '21',
    '21:00Z',
    '-1:00',
    'nine',
    '21:00:00.5',
  ])('refuses %j with TradingDayConfigError', (text) => {
    expect(() => parseTradingDayEnd(text)).toThrow(TradingDayConfigError);
  });
});

describe('nextTradingDayEnd', () => {
  const close = parseTradingDayEnd('21:00');

  it('is the first boundary strictly after the time; a time on the boundary belongs to the day that ended', () => {
    expect(nextTradingDayEnd(at('2026-03-02T20:59:59.999Z'), close)).toBe(
      at('2026-03-02T21:00:00.000Z'),
    );
    expect(nextTradingDayEnd(at('2026-03-02T21:00:00.000Z'), close)).toBe(
      at('2026-03-03T21:00:00.000Z'),
    );
    expect(nextTradingDayEnd(at('2026-03-02T23:30:00.000Z'), close)).toBe(
      at('2026-03-03T21:00:00.000Z'),
    );
    expect(nextTradingDayEnd(0, close)).toBe(at('1970-01-01T21:00:00.000Z'));
  });

  it('handles a midnight close', () => {
    expect(nextTradingDayEnd(at('2026-03-02T00:00:00.000Z'), 0)).toBe(
      at('2026-03-03T00:00:00.000Z'),
    );
    expect(nextTradingDayEnd(at('2026-03-02T12:00:00.000Z'), 0)).toBe(
      at('2026-03-03T00:00:00.000Z'),
    );
  });
});

describe('Executor tradingDayEndUtc', () => {
  it('is validated when the executor is built, before anything connects', () => {
    const options = {
      kafka: {} as Kafka,
      groupId: 'g',
      instruments: TEST_INSTRUMENTS,
      workers: 1,
      snapshots: new MemorySnapshotStore(),
    };
    expect(() => new Executor({ ...options, tradingDayEndUtc: '25:00' })).toThrow(
      TradingDayConfigError,
    );
    expect(() => new Executor({ ...options, tradingDayEndUtc: '16:30' })).not.toThrow();
    expect(() => new Executor(options)).not.toThrow();
  });
});
