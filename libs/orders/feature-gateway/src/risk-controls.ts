import { randomUUID } from 'node:crypto';
import { risk, Topics } from '@meridian/contracts';
import type { PretradeRiskStore, TradingStateChange } from '@meridian/orders-data-access';
import { TradingStatesRepository } from '@meridian/orders-data-access';
import type { TradingState, TradingStateScope } from '@meridian/orders-domain-pretrade';
import {
  KafkaConsumer,
  type KafkaConsumerOptions,
  type KafkaProducer,
  protobufCodec,
  type TopicBinding,
  topicOf,
} from '@meridian/shared-messaging';
import type { Database } from '@meridian/shared-persistence';
import { stateToWire, scopeToWire } from './admin-request.validator';
import { RiskControlInvalidError } from './gateway.error';

/** risk.controls.v1 (or a test topic of the same schema) with the generated codec. */
export function riskControlsTopic(
  name: string = Topics.riskControls.name,
): TopicBinding<risk.RiskControl> {
  return topicOf(name, protobufCodec(Topics.riskControls.schema.typeName, risk.RiskControl));
}

/**
 * Where trading-state changes go. Every change, whoever makes it, is one risk.controls.v1
 * control: the executor cancels a halted target's resting orders from it, and every gateway
 * applies it to PostgreSQL (with its audit record) and Redis.
 */
export interface RiskControlPublisher {
  publish(control: risk.RiskControl): Promise<void>;
}

export class KafkaRiskControlPublisher implements RiskControlPublisher {
  private readonly topic: TopicBinding<risk.RiskControl>;

  constructor(
    private readonly producer: KafkaProducer,
    topicName?: string,
  ) {
    this.topic = riskControlsTopic(topicName);
  }

  publish(control: risk.RiskControl): Promise<void> {
    return this.producer.publish(this.topic, {
      // Compacted per target: the topic keeps each target's latest state.
      key: Topics.riskControls.keyOf(control) ?? null,
      value: control,
    });
  }
}

/** The control announcing `change` (the inverse of `changeOfControl`). */
export function controlOfChange(change: TradingStateChange): risk.RiskControl {
  return risk.RiskControl.fromPartial({
    controlId: change.controlId,
    scope: scopeToWire(change.scope),
    targetId: change.scopeId,
    state: stateToWire(change.state),
    reason: change.reason,
    actor: change.actor,
    effectiveAtUnixNanos: BigInt(change.effectiveAt.getTime()) * 1_000_000n,
  });
}

/** A new change with a fresh control id, effective now. */
export function newChange(
  target: { scope: TradingStateScope; scopeId: string },
  state: TradingState,
  reason: string,
  actor: string,
  now: Date = new Date(),
): TradingStateChange {
  return { ...target, state, reason, actor, controlId: randomUUID(), effectiveAt: now };
}

const SCOPES: ReadonlyMap<risk.ControlScope, TradingStateScope> = new Map([
  [risk.ControlScope.AGENT, 'agent'],
  [risk.ControlScope.ACCOUNT, 'account'],
  [risk.ControlScope.GLOBAL, 'global'],
]);
const STATES: ReadonlyMap<risk.TradingState, TradingState> = new Map([
  [risk.TradingState.ACTIVE, 'ACTIVE'],
  [risk.TradingState.REDUCING, 'REDUCING'],
  [risk.TradingState.HALTED, 'HALTED'],
]);
const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/** Validates a consumed control; throws RiskControlInvalidError (the record goes to the DLQ). */
export function changeOfControl(control: risk.RiskControl): TradingStateChange {
  const fail = (problem: string): never => {
    throw new RiskControlInvalidError(problem, control.controlId);
  };
  if (!ID.test(control.controlId)) fail('control_id is empty or malformed');
  const scope = SCOPES.get(control.scope) ?? fail(`unknown scope ${control.scope}`);
  const state = STATES.get(control.state) ?? fail(`unknown state ${control.state}`);
  if ((scope === 'global') !== (control.targetId === ''))
    fail(scope === 'global' ? 'GLOBAL takes no target_id' : 'target_id is empty');
  if (scope !== 'global' && !ID.test(control.targetId)) fail('target_id is malformed');
  if (control.actor === '') fail('actor is empty');
  if (control.effectiveAtUnixNanos <= 0n) fail('effective_at_unix_nanos is not set');
  return {
    controlId: control.controlId,
    scope,
    scopeId: control.targetId,
    state,
    reason: control.reason,
    actor: control.actor,
    effectiveAt: new Date(Number(control.effectiveAtUnixNanos / 1_000_000n)),
  };
}

/**
 * Applies one consumed control: records it (idempotently by control id) and sets the target's
 * state in PostgreSQL unless a newer change is in force, then converges Redis to PostgreSQL's
 * state of the target, so a crash between the two is repaired by the replay.
 */
export class ApplyRiskControlUseCase {
  constructor(
    private readonly db: Database,
    private readonly store: PretradeRiskStore,
  ) {}

  async execute(control: risk.RiskControl): Promise<void> {
    const change = changeOfControl(control);
    const current = await this.db.withTransaction(async (tx) => {
      const states = new TradingStatesRepository(tx);
      await states.applyChange(change);
      return (await states.get(change.scope, change.scopeId))?.state ?? 'ACTIVE';
    });
    await this.store.setTradingState(change.scope, change.scopeId, current);
  }
}

export type RiskControlsConsumerOptions = Omit<
  KafkaConsumerOptions<risk.RiskControl>,
  'handler' | 'topic' | 'isRetriable'
> & { readonly topicName?: string };

/** A consumer of risk.controls.v1 applying each control; unusable ones go to the DLQ at once. */
export function createRiskControlsConsumer(
  useCase: ApplyRiskControlUseCase,
  options: RiskControlsConsumerOptions,
): KafkaConsumer<risk.RiskControl> {
  const { topicName, ...rest } = options;
  return new KafkaConsumer<risk.RiskControl>({
    ...rest,
    topic: riskControlsTopic(topicName),
    isRetriable: (error) => !(error instanceof RiskControlInvalidError),
    handler: (control) => useCase.execute(control),
  });
}
