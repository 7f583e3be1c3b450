import { portfolio, risk, Topics } from '@meridian/contracts';
import { protobufCodec, topicOf, type TopicBinding } from '@meridian/shared-messaging';

/** Topic names risk-monitor reads and writes (defaults: the platform registry). */
export interface RiskMonitorTopics {
  readonly positionUpdates: string;
  readonly riskControls: string;
  readonly alerts: string;
}

export const DEFAULT_RISK_MONITOR_TOPICS: RiskMonitorTopics = Object.freeze({
  positionUpdates: Topics.portfolioUpdates.name,
  riskControls: Topics.riskControls.name,
  alerts: Topics.alerts.name,
});

export function positionUpdatesTopic(name: string): TopicBinding<portfolio.PositionUpdate> {
  return topicOf(
    name,
    protobufCodec(Topics.portfolioUpdates.schema.typeName, portfolio.PositionUpdate),
  );
}

export function riskControlsTopic(name: string): TopicBinding<risk.RiskControl> {
  return topicOf(name, protobufCodec(Topics.riskControls.schema.typeName, risk.RiskControl));
}

export function alertsTopic(name: string): TopicBinding<risk.Alert> {
  return topicOf(name, protobufCodec(Topics.alerts.schema.typeName, risk.Alert));
}
