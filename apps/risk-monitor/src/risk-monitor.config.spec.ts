import { ConfigError } from '@meridian/shared-config';
import { loadRiskMonitorConfig } from './risk-monitor.config';

const base = { KAFKA_BROKERS: '127.0.0.1:19092', PGDATABASE: 'test', PGUSER: 'postgres' };

describe('risk-monitor config', () => {
  it('has defaults for everything but the brokers and the database', () => {
    const config = loadRiskMonitorConfig(base);
    expect(config).toMatchObject({
      updatesTopic: 'portfolio.updates.v1',
      controlsTopic: 'risk.controls.v1',
      alertsTopic: 'alerts.v1',
      groupId: 'risk-monitor',
      warningFraction: { n: 80n, d: 100n },
      refreshIntervalMs: 5000,
      maxUtilizationAccounts: 1000,
    });
    expect(config.instance).not.toBe('');
  });

  it('reads the warning point exactly', () => {
    expect(
      loadRiskMonitorConfig({ ...base, RISK_MONITOR_WARNING_PCT: '87.25' }).warningFraction,
    ).toEqual({ n: 8725n, d: 10000n });
  });

  it.each(['0', '100', '120', '-5', '80%', '0.00001', 'eighty'])(
    'refuses RISK_MONITOR_WARNING_PCT=%s',
    (value) => {
      expect(() => loadRiskMonitorConfig({ ...base, RISK_MONITOR_WARNING_PCT: value })).toThrow(
        ConfigError,
      );
    },
  );

  it('names the missing variables', () => {
    expect(() => loadRiskMonitorConfig({})).toThrow(/KAFKA_BROKERS/);
  });
});
