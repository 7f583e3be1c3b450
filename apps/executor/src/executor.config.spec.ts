import { ConfigError } from '@meridian/shared-config';

import { loadExecutorConfig } from './executor.config';

const base = { KAFKA_BROKERS: '127.0.0.1:9092' };

describe('executor config: EXECUTOR_TRADING_DAY_END_UTC', () => {
  it('defaults to 21:00 and accepts HH:MM and HH:MM:SS', () => {
    expect(loadExecutorConfig(base).tradingDayEndUtc).toBe('21:00');
    expect(
      loadExecutorConfig({ ...base, EXECUTOR_TRADING_DAY_END_UTC: '16:30' }).tradingDayEndUtc,
    ).toBe('16:30');
    expect(
      loadExecutorConfig({ ...base, EXECUTOR_TRADING_DAY_END_UTC: '23:59:59' }).tradingDayEndUtc,
    ).toBe('23:59:59');
  });

  it.each(['24:00', '21:60', '9pm', '21:00 UTC', '7:00'])('refuses %j at boot', (value) => {
    expect(() => loadExecutorConfig({ ...base, EXECUTOR_TRADING_DAY_END_UTC: value })).toThrow(
      ConfigError,
    );
    expect(() => loadExecutorConfig({ ...base, EXECUTOR_TRADING_DAY_END_UTC: value })).toThrow(
      /EXECUTOR_TRADING_DAY_END_UTC/,
    );
  });
});
