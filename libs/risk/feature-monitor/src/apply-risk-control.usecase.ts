import { risk } from '@meridian/contracts';
import type { RiskStatePlan, RiskStateStore } from '@meridian/risk-data-access';
import {
  applyExternalControl,
  type AccountRiskState,
  RISK_MONITOR_ACTOR,
  RiskControlInvalidError,
} from '@meridian/risk-domain';
import type { AccountStateCache } from './account-state.cache';
import { tradingStateFromProto } from './risk-messages';

export type ControlOutcome =
  /** Not about an account (agent or global scope): the gateway and executor handle those. */
  | 'ignored'
  /** risk-monitor's own control coming back: the account is reloaded from PostgreSQL. */
  | 'own'
  /** A human's change, recorded and applied (limits stricter than the new state re-armed). */
  | 'applied'
  /** A control already recorded (replay of the compacted topic). */
  | 'duplicate'
  /**
   * Older than the account's latest state change (e.g. a reset that crossed an escalation):
   * not applied, as the gateway does not apply it either.
   */
  | 'stale';

/**
 * Follows risk.controls.v1: a change of an account's state by someone else (AdminService,
 * actor "admin:<id>") becomes the latched state, with an audit row; a reset to ACTIVE re-arms
 * every limit. Idempotent on control_id; a control effective before the account's latest change
 * is stale and ignored (the gateway's rule too, so both keep the same state).
 */
export class ApplyRiskControlUseCase {
  constructor(
    private readonly store: RiskStateStore,
    private readonly states: AccountStateCache,
  ) {}

  async execute(control: risk.RiskControl): Promise<ControlOutcome> {
    if (control.scope === risk.ControlScope.AGENT || control.scope === risk.ControlScope.GLOBAL) {
      return 'ignored';
    }
    if (control.scope !== risk.ControlScope.ACCOUNT) {
      throw new RiskControlInvalidError('scope', `unknown control scope ${control.scope}`);
    }
    const state = tradingStateFromProto(control.state);
    if (state === undefined) {
      throw new RiskControlInvalidError('state', `unknown trading state ${control.state}`);
    }
    if (control.controlId === '') throw new RiskControlInvalidError('controlId', 'is empty');
    if (control.targetId === '') throw new RiskControlInvalidError('targetId', 'is empty');
    if (control.actor === '') throw new RiskControlInvalidError('actor', 'is empty');
    const accountId = control.targetId;
    if (control.actor === RISK_MONITOR_ACTOR) {
      // Decided and stored by this service (maybe another replica): the stored row is current.
      await this.states.exclusive(accountId, () => {
        this.states.forget(accountId);
        return Promise.resolve();
      });
      return 'own';
    }
    return this.states.exclusive(accountId, async () => {
      const cached = await this.states.get(accountId);
      const outcome = await this.store.transact(
        accountId,
        (stored, { lastChangeAt }): RiskStatePlan | undefined => {
          const effectiveAt = new Date(Number(control.effectiveAtUnixNanos / 1_000_000n));
          if (lastChangeAt !== null && effectiveAt < lastChangeAt) return undefined;
          const base: AccountRiskState = {
            ...stored,
            lastVersion:
              stored.lastVersion > cached.lastVersion ? stored.lastVersion : cached.lastVersion,
          };
          const { next, rearmed } = applyExternalControl(base, { state, actor: control.actor });
          const rearmText = rearmed.length === 0 ? '' : ` (re-armed: ${rearmed.join(', ')})`;
          return {
            next,
            updatedBy: control.actor,
            reason: `${control.reason}${rearmText}`,
            breaches: [],
            stateChange: {
              controlId: control.controlId,
              from: stored.state,
              to: state,
              actor: control.actor,
              reason: `${control.reason}${rearmText}`,
              effectiveAt,
            },
            outbox: [],
          };
        },
        { controlId: control.controlId },
      );
      if (outcome.kind === 'written') {
        this.states.remember(outcome.plan.next);
        this.states.changed();
        return 'applied';
      }
      return outcome.kind === 'duplicate-control' ? 'duplicate' : 'stale';
    });
  }
}
