import { orders, Topics } from '@meridian/contracts';
import {
  type KafkaProducer,
  protobufCodec,
  type TopicBinding,
  topicOf,
} from '@meridian/shared-messaging';

/** Where accepted commands go. The ack to the agent waits for this promise. */
export interface CommandPublisher {
  publish(command: orders.OrderCommand): Promise<void>;
}

/** orders.commands.v1 with the generated codec. */
export const ORDERS_COMMANDS: TopicBinding<orders.OrderCommand> = topicOf(
  Topics.ordersCommands.name,
  protobufCodec('meridian.orders.v1.OrderCommand', orders.OrderCommand),
);

/**
 * Publishes through the idempotent (acks=all) producer, keyed by symbol so one symbol's commands
 * stay in order; resolves once the brokers acknowledged the write.
 */
export class KafkaCommandPublisher implements CommandPublisher {
  private readonly topic: TopicBinding<orders.OrderCommand>;

  /** `topicName` overrides orders.commands.v1 (isolated test runs). */
  constructor(
    private readonly producer: KafkaProducer,
    topicName?: string,
  ) {
    this.topic =
      topicName === undefined ? ORDERS_COMMANDS : topicOf(topicName, ORDERS_COMMANDS.codec);
  }

  publish(command: orders.OrderCommand): Promise<void> {
    return this.producer.publish(this.topic, {
      key: command.symbol,
      value: command,
      commandId: command.commandId,
    });
  }
}
