import { risk, Topics } from '@meridian/contracts';
import {
  describeObservation,
  formatRatio,
  type LimitKind,
  type LimitObservation,
  multiply,
  RISK_MONITOR_ACTOR,
  type StateTransition,
  type TradingState,
} from '@meridian/risk-domain';
import type { OutboxRecord } from '@meridian/risk-data-access';
import type { RiskMonitorTopics } from './risk-monitor.topics';

export const TRADING_STATE_TO_PROTO: Readonly<Record<TradingState, risk.TradingState>> = {
  ACTIVE: risk.TradingState.ACTIVE,
  REDUCING: risk.TradingState.REDUCING,
  HALTED: risk.TradingState.HALTED,
};

export function tradingStateFromProto(state: risk.TradingState): TradingState | undefined {
  switch (state) {
    case risk.TradingState.ACTIVE:
      return 'ACTIVE';
    case risk.TradingState.REDUCING:
      return 'REDUCING';
    case risk.TradingState.HALTED:
      return 'HALTED';
    default:
      return undefined;
  }
}

/** The alert code of a limit: RISK_DAILY_LOSS_LIMIT, ..._WARNING for early warnings. */
export function alertCode(kind: LimitKind, warning: boolean): string {
  return `RISK_${kind}_${warning ? 'WARNING' : 'LIMIT'}`;
}

/**
 * Ids are derived from the input (account, update version, state), never random: deciding the
 * same update again after a crash produces the same records, so consumers can deduplicate.
 */
export function controlIdOf(accountId: string, version: bigint, state: TradingState): string {
  return `risk-monitor:${accountId}:v${version}:${state}`;
}

export function breachIdOf(accountId: string, version: bigint, kind: LimitKind): string {
  return `${accountId}:v${version}:${kind}`;
}

function record(
  topic: string,
  key: string | null,
  typeName: string,
  messageId: string,
  encoded: Uint8Array,
): OutboxRecord {
  return { topic, key, messageType: typeName, messageId, payload: encoded };
}

/** The RiskControl and CRITICAL/WARNING Alert of a transition, ready for the outbox. */
export function transitionRecords(
  topics: RiskMonitorTopics,
  accountId: string,
  version: bigint,
  transition: StateTransition,
  nowNanos: bigint,
): { controlId: string; control: risk.RiskControl; alert: risk.Alert; outbox: OutboxRecord[] } {
  const controlId = controlIdOf(accountId, version, transition.to);
  const control: risk.RiskControl = {
    controlId,
    scope: risk.ControlScope.ACCOUNT,
    targetId: accountId,
    state: TRADING_STATE_TO_PROTO[transition.to],
    reason: transition.reason,
    actor: RISK_MONITOR_ACTOR,
    effectiveAtUnixNanos: nowNanos,
  };
  const { cause } = transition;
  const alert: risk.Alert = {
    alertId: `${controlId}:alert`,
    severity: transition.to === 'HALTED' ? risk.AlertSeverity.CRITICAL : risk.AlertSeverity.WARNING,
    code: alertCode(cause.kind, false),
    message: `account ${accountId} ${transition.from} -> ${transition.to}: ${transition.reason}`,
    source: RISK_MONITOR_ACTOR,
    labels: {
      account_id: accountId,
      limit: cause.kind,
      state: transition.to,
      previous_state: transition.from,
      observed: cause.observedText,
      threshold: cause.thresholdText,
      control_id: controlId,
      update_version: version.toString(),
    },
    raisedAtUnixNanos: nowNanos,
  };
  const key = Topics.riskControls.keyOf(control) ?? null;
  return {
    controlId,
    control,
    alert,
    outbox: [
      record(
        topics.riskControls,
        key,
        Topics.riskControls.schema.typeName,
        controlId,
        risk.RiskControl.encode(control).finish(),
      ),
      record(
        topics.alerts,
        null,
        Topics.alerts.schema.typeName,
        alert.alertId,
        risk.Alert.encode(alert).finish(),
      ),
    ],
  };
}

/** A WARNING alert for a limit near its threshold (once per limit per UTC day). */
export function warningRecord(
  topics: RiskMonitorTopics,
  accountId: string,
  version: bigint,
  day: string,
  observation: LimitObservation,
  currency: string,
  nowNanos: bigint,
): { alert: risk.Alert; outbox: OutboxRecord } {
  const percent = formatRatio(
    multiply(
      {
        n: observation.observed.n * observation.threshold.d,
        d: observation.observed.d * observation.threshold.n,
      },
      { n: 100n, d: 1n },
    ),
    1,
  );
  const alert: risk.Alert = {
    alertId: `risk-monitor:${accountId}:${day}:${observation.kind}:warning`,
    severity: risk.AlertSeverity.WARNING,
    code: alertCode(observation.kind, true),
    message: `account ${accountId} at ${percent}% of a limit: ${describeObservation(observation, currency).replace(/ (breached|exceeded):/, ' near:')}; at the limit the account becomes ${observation.action}`,
    source: RISK_MONITOR_ACTOR,
    labels: {
      account_id: accountId,
      limit: observation.kind,
      observed: observation.observedText,
      threshold: observation.thresholdText,
      utilization_pct: percent,
      action: observation.action,
      update_version: version.toString(),
    },
    raisedAtUnixNanos: nowNanos,
  };
  return {
    alert,
    outbox: record(
      topics.alerts,
      null,
      Topics.alerts.schema.typeName,
      alert.alertId,
      risk.Alert.encode(alert).finish(),
    ),
  };
}
