import type { IHeaders } from 'kafkajs';

/** Header names this lib writes and reads. Frozen: consumers in other services depend on them. */
export const MessageHeader = {
  contentType: 'content-type',
  messageType: 'message-type',
  commandId: 'command-id',
  dlqError: 'dlq-error',
  dlqErrorCode: 'dlq-error-code',
  dlqOriginalTopic: 'dlq-original-topic',
  dlqOriginalPartition: 'dlq-original-partition',
  dlqOriginalOffset: 'dlq-original-offset',
  dlqAttempts: 'dlq-attempts',
  dlqFailedAt: 'dlq-failed-at',
} as const;

export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';

/** Headers as they leave the producer: always strings (UTF-8 on the wire). */
export type OutgoingHeaders = Record<string, string>;

/**
 * The first value of a header as a string. Kafka allows repeated header keys (kafkajs gives an
 * array then) and binary values; the first occurrence wins, as in the Java client's `lastHeader`
 * counterpart for trace context.
 */
export function headerValue(headers: IHeaders | undefined, key: string): string | undefined {
  const raw = headers?.[key];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/** Every header as strings (first value of repeated keys); for logging and handler metadata. */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(headers ?? {})) {
    const value = headerValue(headers, key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

// Trace context travels in Kafka headers the way the observability lib writes and reads it
// (W3C, case-insensitive lookup, Buffer values, stale trace headers replaced), so every Kafka
// client of the platform propagates alike.
export { extractTraceContext, injectTraceContext } from '@meridian/shared-observability';
