import { orders, Topics } from '@meridian/contracts';
import {
  KafkaConsumer,
  type KafkaConsumerOptions,
  protobufCodec,
  type TopicBinding,
  topicOf,
} from '@meridian/shared-messaging';
import { OrderEventInvalidError } from './gateway.error';

/** orders.events.v1 (or a test topic of the same schema) with the generated codec. */
export function orderEventsTopic(
  name: string = Topics.ordersEvents.name,
): TopicBinding<orders.OrderEvent> {
  return topicOf(name, protobufCodec('meridian.orders.v1.OrderEvent', orders.OrderEvent));
}

/** Throws OrderEventInvalidError unless the report names its symbol, sequence, order and owner. */
export function assertUsableEvent(event: orders.OrderEvent): void {
  const problem =
    event.symbol === ''
      ? 'no symbol'
      : event.sequence <= 0n
        ? 'no sequence'
        : event.orderId === ''
          ? 'no order_id'
          : event.agentId === '' || event.accountId === ''
            ? 'no owner'
            : event.event === undefined
              ? 'no event body'
              : null;
  if (problem !== null) throw new OrderEventInvalidError(problem, event.eventId);
}

/** Whether retrying a failed handler can help (an unusable event goes to the DLQ at once). */
export function isRetriableEventError(error: unknown): boolean {
  return !(error instanceof OrderEventInvalidError);
}

/** Something that handles one execution report, idempotently (and, optionally, several). */
export interface OrderEventHandler {
  execute(event: orders.OrderEvent): Promise<void>;
  executeBatch?(events: readonly orders.OrderEvent[]): Promise<void>;
}

export type OrderEventsConsumerOptions = Omit<
  KafkaConsumerOptions<orders.OrderEvent>,
  'handler' | 'topic' | 'isRetriable' | 'batch'
> & {
  readonly topicName?: string;
  /** Hand the handler's `executeBatch` up to this many reports at once (default: one by one). */
  readonly batchSize?: number;
};

/**
 * A consumer of orders.events.v1 that hands each report to `handler`. Records of one key (the
 * symbol) are never handled concurrently, so each symbol's reports arrive in sequence order.
 */
export function createOrderEventsConsumer(
  handler: OrderEventHandler,
  options: OrderEventsConsumerOptions,
): KafkaConsumer<orders.OrderEvent> {
  const { topicName, batchSize, ...rest } = options;
  const executeBatch = handler.executeBatch?.bind(handler);
  return new KafkaConsumer<orders.OrderEvent>({
    ...rest,
    topic: orderEventsTopic(topicName),
    isRetriable: isRetriableEventError,
    handler: (event) => handler.execute(event),
    ...(batchSize === undefined || executeBatch === undefined
      ? {}
      : { batch: { handle: executeBatch, maxRecords: batchSize } }),
  });
}
