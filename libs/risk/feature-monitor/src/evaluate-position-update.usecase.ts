import type { portfolio } from '@meridian/contracts';
import type {
  BreachRecord,
  OutboxRecord,
  RiskStatePlan,
  RiskStateStore,
} from '@meridian/risk-data-access';
import {
  type AccountRiskSnapshot,
  type AccountRiskState,
  decide,
  describeObservation,
  type RiskDecision,
  RISK_MONITOR_ACTOR,
  type Ratio,
  utcDayOf,
} from '@meridian/risk-domain';
import type { LimitsCache } from './limits.cache';
import { snapshotOfUpdate } from './position-update.mapper';
import { breachIdOf, transitionRecords, warningRecord } from './risk-messages';
import type { RiskMonitorMetrics } from './risk-monitor.metrics';
import type { RiskMonitorTopics } from './risk-monitor.topics';
import type { AccountStateCache } from './account-state.cache';

export interface EvaluatePositionUpdateDeps {
  readonly store: RiskStateStore;
  readonly limits: LimitsCache;
  readonly states: AccountStateCache;
  readonly metrics: RiskMonitorMetrics;
  readonly topics: RiskMonitorTopics;
  /** Early-warning point as a fraction of each limit (e.g. 0.8). */
  readonly warningFraction: Ratio;
  /** Called after a decision wrote outbox records (the relay publishes them). */
  readonly onOutbox: () => Promise<unknown>;
  /** Wall clock in nanoseconds (effective_at of controls, raised_at of alerts). */
  readonly nowNanos?: () => bigint;
}

export type EvaluationOutcome = 'replay' | 'unchanged' | 'changed';

/**
 * Evaluates one portfolio.updates.v1 record against the account's post-trade limits. The fast
 * path is in memory; only a breach, a warning or a transition goes to PostgreSQL, where the
 * decision is taken again on the locked stored state and written together with the breach rows,
 * the audit row and the outbox (control + alert), before anything is published.
 */
export class EvaluatePositionUpdateUseCase {
  private readonly now: () => bigint;
  /** The newest valuation seen per account: judged again when the account's limits change. */
  private readonly latest = new Map<string, AccountRiskSnapshot>();

  constructor(private readonly deps: EvaluatePositionUpdateDeps) {
    this.now = deps.nowNanos ?? (() => BigInt(Date.now()) * 1_000_000n);
  }

  async execute(update: portfolio.PositionUpdate): Promise<EvaluationOutcome> {
    const started = process.hrtime.bigint();
    const snapshot = snapshotOfUpdate(update);
    const outcome = await this.deps.states.exclusive(snapshot.accountId, () => {
      const known = this.latest.get(snapshot.accountId);
      if (known === undefined || snapshot.version > known.version)
        this.latest.set(snapshot.accountId, snapshot);
      return this.evaluate(snapshot);
    });
    this.deps.metrics.evaluationSeconds.observe(
      { outcome },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    return outcome;
  }

  /**
   * Judges the newest valuation of each account in `accounts` again (their limits changed): a
   * limit lowered below where an account already stands trips it now, not at its next fill.
   */
  async recheck(accounts: ReadonlySet<string> | 'all'): Promise<number> {
    let changed = 0;
    for (const [accountId, snapshot] of this.latest) {
      if (accounts !== 'all' && !accounts.has(accountId)) continue;
      const outcome = await this.deps.states.exclusive(accountId, () =>
        this.evaluate(snapshot, true),
      );
      if (outcome === 'changed') changed += 1;
    }
    return changed;
  }

  private async evaluate(
    snapshot: AccountRiskSnapshot,
    recheck = false,
  ): Promise<EvaluationOutcome> {
    const { states, limits, metrics } = this.deps;
    const options = { ...this.deps, recheck };
    const accountLimits = limits.limitsFor(snapshot.accountId);
    const cached = await states.get(snapshot.accountId);
    const decision = decide(cached, accountLimits, snapshot, options);
    if (decision.outcome === 'replay') {
      metrics.updatesSkipped.inc({ reason: 'replay' });
      return 'replay';
    }
    if (accountLimits === undefined) metrics.updatesSkipped.inc({ reason: 'no-limits' });
    else if (limits.accountsWithOwnLimits().has(snapshot.accountId)) {
      for (const o of decision.observations)
        metrics.setUtilization(snapshot.accountId, o.kind, o.utilization);
    }
    if (!decision.changed) {
      states.remember(decision.next);
      return 'unchanged';
    }
    const written = await this.deps.store.transact(snapshot.accountId, (stored) => {
      // The stored row is the truth (another replica may have decided); versions evaluated
      // in memory but not stored still count as seen.
      const base: AccountRiskState = {
        ...stored,
        lastVersion:
          stored.lastVersion > cached.lastVersion ? stored.lastVersion : cached.lastVersion,
      };
      const again = decide(base, limits.limitsFor(snapshot.accountId), snapshot, options);
      return again.changed ? this.plan(snapshot, again) : undefined;
    });
    if (written.kind !== 'written') {
      if (written.kind === 'unchanged') states.remember(written.current);
      return 'unchanged';
    }
    states.remember(written.plan.next);
    for (const breach of written.plan.breaches)
      metrics.breaches.inc({ limit: breach.limit, action: breach.action });
    if (written.plan.stateChange !== undefined) states.changed();
    await this.deps.onOutbox();
    return 'changed';
  }

  private plan(snapshot: AccountRiskSnapshot, decision: RiskDecision): RiskStatePlan {
    const now = this.now();
    const occurredAt = new Date(Number(now / 1_000_000n));
    const { accountId, version } = snapshot;
    const outbox: OutboxRecord[] = [];
    let controlId: string | undefined;
    const transition = decision.transition;
    if (transition !== undefined) {
      const records = transitionRecords(this.deps.topics, accountId, version, transition, now);
      controlId = records.controlId;
      outbox.push(...records.outbox);
    }
    const day = utcDayOf(snapshot.asOfUnixNanos);
    for (const warning of decision.warnings) {
      outbox.push(
        warningRecord(this.deps.topics, accountId, version, day, warning, snapshot.currency, now)
          .outbox,
      );
    }
    const breaches: BreachRecord[] = decision.newBreaches.map((b) => ({
      breachId: breachIdOf(accountId, version, b.kind),
      limit: b.kind,
      observed: b.observedText,
      threshold: b.thresholdText,
      action: b.action,
      controlId,
      updateVersion: version,
      reason: describeObservation(b, snapshot.currency),
      actor: RISK_MONITOR_ACTOR,
      occurredAt,
    }));
    return {
      next: decision.next,
      updatedBy: RISK_MONITOR_ACTOR,
      reason: transition?.reason ?? breaches[0]?.reason ?? 'early warning',
      breaches,
      stateChange:
        transition === undefined || controlId === undefined
          ? undefined
          : {
              controlId,
              from: transition.from,
              to: transition.to,
              actor: RISK_MONITOR_ACTOR,
              reason: transition.reason,
              effectiveAt: occurredAt,
            },
      outbox,
    };
  }
}
