import { risk, Topics } from '@meridian/contracts';
import {
  type KafkaProducer,
  protobufCodec,
  type TopicBinding,
  topicOf,
} from '@meridian/shared-messaging';

/** Where a trading-state change goes (risk.controls.v1 in the service). */
export interface RiskControlSink {
  publish(control: risk.RiskControl): Promise<void>;
}

/** risk.controls.v1 (or a test topic of the same schema). */
export function riskControlsTopic(
  name: string = Topics.riskControls.name,
): TopicBinding<risk.RiskControl> {
  return topicOf(name, protobufCodec(Topics.riskControls.schema.typeName, risk.RiskControl));
}

/**
 * Publishes RiskControls keyed by the registry's keyOf (`account:<id>`). The platform contract:
 * a service changes trading state only by publishing here; the gateway/order-store apply it to
 * PostgreSQL, Redis and the audit table.
 */
export class KafkaRiskControlSink implements RiskControlSink {
  private readonly topic: TopicBinding<risk.RiskControl>;

  constructor(
    private readonly producer: KafkaProducer,
    topicName?: string,
  ) {
    this.topic = riskControlsTopic(topicName);
  }

  async publish(control: risk.RiskControl): Promise<void> {
    const key = Topics.riskControls.keyOf(control);
    if (key === undefined) throw new Error(`risk control ${control.controlId} has no target key`);
    await this.producer.send(this.topic, [{ key, value: control }]);
  }
}
