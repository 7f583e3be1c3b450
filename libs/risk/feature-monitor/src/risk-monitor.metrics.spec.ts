import { MetricsRegistry } from '@meridian/shared-observability';
import { metricSample } from '@meridian/shared-testing';
import { RiskMonitorMetrics } from './risk-monitor.metrics';

describe('RiskMonitorMetrics', () => {
  it('starts every state and breach series at 0', async () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    new RiskMonitorMetrics(registry);
    const text = await registry.metricsText();
    expect(metricSample(text, 'risk_controls_published_total{state="HALTED"}')).toBe(0);
    expect(metricSample(text, 'risk_accounts_by_state{state="REDUCING"}')).toBe(0);
    expect(
      metricSample(text, 'risk_limit_breaches_total{limit="GROSS_EXPOSURE",action="HALTED"}'),
    ).toBe(0);
  });

  it('caps utilisation series to the configured number of accounts and drops unlisted ones', async () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const metrics = new RiskMonitorMetrics(registry, 2);
    metrics.setUtilization('a', 'DAILY_LOSS', 0.5);
    metrics.setUtilization('b', 'DAILY_LOSS', 0.25);
    metrics.setUtilization('c', 'DAILY_LOSS', 0.75);
    metrics.setUtilization('a', 'DRAWDOWN', 0.1);
    let text = await registry.metricsText();
    expect(metricSample(text, 'risk_limit_utilization_ratio{account="a",limit="DRAWDOWN"}')).toBe(
      0.1,
    );
    expect(metricSample(text, 'risk_limit_utilization_ratio{account="b",limit="DAILY_LOSS"}')).toBe(
      0.25,
    );
    expect(text).not.toContain('account="c"');

    metrics.retainUtilizationAccounts(new Set(['b']));
    metrics.setUtilization('c', 'DAILY_LOSS', 0.75);
    text = await registry.metricsText();
    expect(text).not.toContain('account="a"');
    expect(metricSample(text, 'risk_limit_utilization_ratio{account="c",limit="DAILY_LOSS"}')).toBe(
      0.75,
    );
  });
});
