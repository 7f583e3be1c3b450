import { type AccountRiskSnapshot, utcDayOf } from './account-snapshot';
import { type Ratio } from './exact-ratio';
import {
  describeObservation,
  evaluateLimits,
  type EvaluationOptions,
  type LimitObservation,
} from './limit-evaluation';
import {
  type BreachAction,
  type LimitKind,
  type PostTradeLimits,
  severityOf,
  stricterOf,
  type TradingState,
} from './post-trade-limits';

/** The service's name as the actor of the changes it makes. */
export const RISK_MONITOR_ACTOR = 'risk-monitor';

/**
 * What risk-monitor remembers about one account (persisted, so a restart neither re-fires nor
 * forgets). The state LATCHES: limits can only make it stricter; only a control from someone
 * else (a human through AdminService) makes it less strict and re-arms the limits.
 */
export interface AccountRiskState {
  readonly accountId: string;
  readonly state: TradingState;
  /** Limits breached since they were last armed, with the action they had then. */
  readonly tripped: Readonly<Partial<Record<LimitKind, BreachAction>>>;
  /** Highest PositionUpdate version evaluated; older or equal versions are replays. */
  readonly lastVersion: bigint;
  /** UTC day of the last early warning per limit (one warning per limit per day). */
  readonly warnedOn: Readonly<Partial<Record<LimitKind, string>>>;
}

export function initialRiskState(accountId: string): AccountRiskState {
  return { accountId, state: 'ACTIVE', tripped: {}, lastVersion: 0n, warnedOn: {} };
}

/** A change of trading state decided by the limits. */
export interface StateTransition {
  readonly from: TradingState;
  readonly to: TradingState;
  /** Every newly breached limit in words with the numbers, most severe first. */
  readonly reason: string;
  /** The limit that set `to` (the first of the most severe newly breached ones). */
  readonly cause: LimitObservation;
}

export interface RiskDecision {
  /** 'replay': the version was already evaluated; nothing else is set. */
  readonly outcome: 'replay' | 'evaluated';
  readonly next: AccountRiskState;
  readonly observations: readonly LimitObservation[];
  /** Limits breached by this valuation that were not tripped yet (one breach record each). */
  readonly newBreaches: readonly LimitObservation[];
  readonly transition: StateTransition | undefined;
  /** Limits to warn about (near breach, first time this UTC day, still able to change the state). */
  readonly warnings: readonly LimitObservation[];
  /**
   * Whether `next` differs from the state in anything but lastVersion: a breach, a transition
   * or a warning (what must be stored durably before anything is published).
   */
  readonly changed: boolean;
}

export interface DecideOptions extends EvaluationOptions {
  readonly warningFraction: Ratio;
  /**
   * Judge the snapshot of `state.lastVersion` again (its account's limits changed since); any
   * older snapshot is still a replay.
   */
  readonly recheck?: boolean;
}

function bySeverityDesc(a: LimitObservation, b: LimitObservation): number {
  return severityOf(b.action) - severityOf(a.action);
}

/**
 * Applies one account valuation to the account's risk state. Pure: the same state, limits and
 * snapshot give the same decision, so a replayed update decides the same (and is skipped by
 * version anyway). Never returns a less strict state than `state.state`.
 */
export function decide(
  state: AccountRiskState,
  limits: PostTradeLimits | undefined,
  snapshot: AccountRiskSnapshot,
  options: DecideOptions,
): RiskDecision {
  if (
    snapshot.version < state.lastVersion ||
    (snapshot.version === state.lastVersion && options.recheck !== true)
  ) {
    return {
      outcome: 'replay',
      next: state,
      observations: [],
      newBreaches: [],
      transition: undefined,
      warnings: [],
      changed: false,
    };
  }
  const observations = limits === undefined ? [] : evaluateLimits(limits, snapshot, options);
  const newBreaches = observations.filter((o) => o.breached && state.tripped[o.kind] === undefined);
  if (newBreaches.length > 1) newBreaches.sort(bySeverityDesc);
  let target = state.state;
  for (const breach of newBreaches) target = stricterOf(target, breach.action);
  const cause = newBreaches[0];
  const transition =
    target !== state.state && cause !== undefined
      ? {
          from: state.state,
          to: target,
          cause,
          reason: `${newBreaches.map((b) => describeObservation(b, snapshot.currency)).join('; ')} (account ${snapshot.accountId}, update v${snapshot.version})`,
        }
      : undefined;
  const candidates = observations.filter(
    (o) =>
      o.nearBreach &&
      !o.breached &&
      state.tripped[o.kind] === undefined &&
      severityOf(o.action) > severityOf(target),
  );
  // The day is only worked out when there is something to warn about (Date is not free).
  const day = candidates.length === 0 ? '' : utcDayOf(snapshot.asOfUnixNanos);
  const warnings = candidates.filter((o) => state.warnedOn[o.kind] !== day);
  let tripped = state.tripped;
  if (newBreaches.length > 0) {
    const copy = { ...state.tripped };
    for (const breach of newBreaches) copy[breach.kind] = breach.action;
    tripped = copy;
  }
  let warnedOn = state.warnedOn;
  if (warnings.length > 0) {
    const copy = { ...state.warnedOn };
    for (const warning of warnings) copy[warning.kind] = day;
    warnedOn = copy;
  }
  return {
    outcome: 'evaluated',
    next: {
      accountId: state.accountId,
      state: target,
      tripped,
      lastVersion: snapshot.version,
      warnedOn,
    },
    observations,
    newBreaches,
    transition,
    warnings,
    changed: newBreaches.length > 0 || warnings.length > 0,
  };
}

/** A trading-state change made by someone other than risk-monitor (AdminService). */
export interface ExternalControl {
  readonly state: TradingState;
  readonly actor: string;
}

export interface ControlDecision {
  readonly next: AccountRiskState;
  /** Limits armed again: their breach was stricter than the new state. */
  readonly rearmed: readonly LimitKind[];
}

/**
 * Follows a human's change of the account's state. The state becomes exactly theirs (a human
 * may halt, reduce or reset); every tripped limit whose action is stricter than the new state is
 * armed again, so the next valuation that still breaches it trips it again. A reset to ACTIVE
 * therefore re-arms everything.
 */
export function applyExternalControl(
  state: AccountRiskState,
  control: ExternalControl,
): ControlDecision {
  const tripped: Partial<Record<LimitKind, BreachAction>> = {};
  const rearmed: LimitKind[] = [];
  for (const [kind, action] of Object.entries(state.tripped) as [LimitKind, BreachAction][]) {
    if (severityOf(action) > severityOf(control.state)) rearmed.push(kind);
    else tripped[kind] = action;
  }
  return { next: { ...state, state: control.state, tripped }, rearmed };
}
