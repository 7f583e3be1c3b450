import type { MetricsRegistry } from '@meridian/shared-observability';
import {
  LIMIT_KINDS,
  type LimitKind,
  TRADING_STATES,
  type TradingState,
} from '@meridian/risk-domain';
import type { Counter, Gauge, Histogram } from 'prom-client';

/** Evaluation of one update is pure CPU: microseconds to a few milliseconds with the DB write. */
const EVALUATION_BUCKETS = [
  0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
  0.05, 0.1, 0.25,
];

/**
 * risk-monitor's own series (names are part of the dashboards and alert rules; keep them).
 * `risk_limit_utilization_ratio` has an account label, so it is kept only for accounts with
 * limits of their own, at most `maxUtilizationAccounts` of them.
 */
export class RiskMonitorMetrics {
  readonly breaches: Counter<'limit' | 'action'>;
  readonly controlsPublished: Counter<'state'>;
  readonly accountsByState: Gauge<'state'>;
  readonly utilization: Gauge<'account' | 'limit'>;
  readonly evaluationSeconds: Histogram<'outcome'>;
  readonly alertsPublished: Counter<'severity' | 'code'>;
  readonly updatesSkipped: Counter<'reason'>;
  private readonly utilizationAccounts = new Set<string>();

  constructor(
    registry: MetricsRegistry,
    private readonly maxUtilizationAccounts = 1000,
  ) {
    this.breaches = registry.counter('risk_limit_breaches_total', {
      help: 'Post-trade limit breaches recorded, by limit and breach action.',
      labelNames: ['limit', 'action'],
    });
    this.controlsPublished = registry.counter('risk_controls_published_total', {
      help: 'RiskControl records published on risk.controls.v1, by trading state.',
      labelNames: ['state'],
    });
    this.accountsByState = registry.gauge('risk_accounts_by_state', {
      help: 'Accounts risk-monitor tracks, by latched trading state.',
      labelNames: ['state'],
    });
    this.utilization = registry.gauge('risk_limit_utilization_ratio', {
      help: 'Observed value / threshold of each post-trade limit (accounts with own limits only).',
      labelNames: ['account', 'limit'],
    });
    this.evaluationSeconds = registry.histogram('risk_evaluation_seconds', {
      help: 'Time to evaluate one position update (outcome: unchanged, changed, replay).',
      labelNames: ['outcome'],
      buckets: EVALUATION_BUCKETS,
    });
    this.alertsPublished = registry.counter('alerts_published_total', {
      help: 'Alerts published on alerts.v1, by severity and code.',
      labelNames: ['severity', 'code'],
    });
    this.updatesSkipped = registry.counter('risk_updates_skipped_total', {
      help: 'Position updates not evaluated: replay (version already seen) or no-limits.',
      labelNames: ['reason'],
    });
    for (const limit of LIMIT_KINDS) {
      for (const action of ['REDUCING', 'HALTED']) this.breaches.inc({ limit, action }, 0);
    }
    for (const state of TRADING_STATES) {
      this.controlsPublished.inc({ state }, 0);
      this.accountsByState.set({ state }, 0);
    }
  }

  /** Sets the utilisation of one limit unless the account would exceed the series cap. */
  setUtilization(account: string, limit: LimitKind, ratio: number): void {
    if (!this.utilizationAccounts.has(account)) {
      if (this.utilizationAccounts.size >= this.maxUtilizationAccounts) return;
      this.utilizationAccounts.add(account);
    }
    this.utilization.set({ account, limit }, ratio);
  }

  /** Drops the series of accounts that no longer have limits of their own. */
  retainUtilizationAccounts(accounts: ReadonlySet<string>): void {
    for (const account of [...this.utilizationAccounts]) {
      if (accounts.has(account)) continue;
      this.utilizationAccounts.delete(account);
      for (const limit of LIMIT_KINDS) this.utilization.remove({ account, limit });
    }
  }

  setAccountsByState(counts: Readonly<Partial<Record<TradingState, number>>>): void {
    for (const state of TRADING_STATES) this.accountsByState.set({ state }, counts[state] ?? 0);
  }
}
