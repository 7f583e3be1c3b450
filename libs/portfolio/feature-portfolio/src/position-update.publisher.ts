import { type portfolio, Topics } from '@meridian/contracts';
import {
  type KafkaProducer,
  protobufCodec,
  type TopicBinding,
  topicOf,
} from '@meridian/shared-messaging';

/** Where PositionUpdates go (Kafka in the service, a list in tests). */
export interface PositionUpdateSink {
  publish(updates: readonly portfolio.PositionUpdate[]): Promise<void>;
}

/** portfolio.updates.v1 (or a test topic of the same schema). */
export function positionUpdatesTopic(
  name: string = Topics.portfolioUpdates.name,
): TopicBinding<portfolio.PositionUpdate> {
  return topicOf(
    name,
    protobufCodec(Topics.portfolioUpdates.schema.typeName, Topics.portfolioUpdates.schema.codec),
  );
}

/** Publishes updates keyed by account (the registry's keyOf) in one request per call. */
export class KafkaPositionUpdateSink implements PositionUpdateSink {
  private readonly topic: TopicBinding<portfolio.PositionUpdate>;

  constructor(
    private readonly producer: KafkaProducer,
    topicName?: string,
  ) {
    this.topic = positionUpdatesTopic(topicName);
  }

  async publish(updates: readonly portfolio.PositionUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.producer.send(
      this.topic,
      updates.map((value) => ({ key: Topics.portfolioUpdates.keyOf(value) ?? null, value })),
    );
  }
}
