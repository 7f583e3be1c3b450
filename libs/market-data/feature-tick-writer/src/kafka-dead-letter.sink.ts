import { dlqTopicOf, type KafkaProducer, MessageHeader } from '@meridian/shared-messaging';
import type { IHeaders } from 'kafkajs';
import type { DeadLetterSink, RejectedRecord } from './write-tick-batch.usecase';

/** `dlq-error-code` of every tick the writer rejects; the reason is in `dlq-reject-reason`. */
export const TICK_REJECTED_CODE = 'MARKETDATA_TICK_REJECTED';
export const REJECT_REASON_HEADER = 'dlq-reject-reason';
const MAX_ERROR_HEADER = 1024;

/**
 * Writes rejected tick records to `<topic>.dlq`: the original key, value and headers byte for
 * byte, plus the platform's DLQ headers (same as shared-messaging's consumer) and the reason.
 */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: KafkaProducer,
    private readonly dlqTopic: (topic: string) => string = dlqTopicOf,
  ) {}

  async send(rejected: readonly RejectedRecord[]): Promise<void> {
    const byTopic = new Map<string, RejectedRecord[]>();
    for (const item of rejected) {
      const list = byTopic.get(item.record.topic) ?? [];
      list.push(item);
      byTopic.set(item.record.topic, list);
    }
    const failedAt = new Date().toISOString();
    await this.producer.sendRaw(
      [...byTopic].map(([topic, items]) => ({
        topic: this.dlqTopic(topic),
        messages: items.map(({ record, reason, detail }) => {
          const headers: IHeaders = {
            ...(record.headers as IHeaders | undefined),
            [MessageHeader.dlqError]: `${reason}: ${detail}`.slice(0, MAX_ERROR_HEADER),
            [MessageHeader.dlqErrorCode]: TICK_REJECTED_CODE,
            [REJECT_REASON_HEADER]: reason,
            [MessageHeader.dlqOriginalTopic]: record.topic,
            [MessageHeader.dlqOriginalPartition]: String(record.partition),
            [MessageHeader.dlqOriginalOffset]: record.offset,
            [MessageHeader.dlqAttempts]: '1',
            [MessageHeader.dlqFailedAt]: failedAt,
          };
          return { key: record.key, value: record.value, headers, timestamp: record.timestamp };
        }),
      })),
    );
  }
}
