import {
  type Context,
  context,
  propagation,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
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

/** Reads W3C trace context (or whatever propagator is global) from kafkajs headers. */
export const kafkaHeadersGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    // Propagators ask for lower-case names; Kafka headers are case-sensitive, so fall back to a
    // case-insensitive match for records written by clients that capitalise (e.g. "Traceparent").
    const direct = carrier[key];
    const found =
      direct ?? carrier[Object.keys(carrier).find((k) => k.toLowerCase() === key) ?? ''];
    if (found === undefined) return undefined;
    if (Array.isArray(found))
      return found.map((v) => (typeof v === 'string' ? v : v.toString('utf8')));
    return typeof found === 'string' ? found : found.toString('utf8');
  },
};

export const kafkaHeadersSetter: TextMapSetter<OutgoingHeaders> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

/** Writes the trace context of `ctx` into outgoing headers. */
export function injectTraceContext(
  headers: OutgoingHeaders,
  ctx: Context = context.active(),
): OutgoingHeaders {
  propagation.inject(ctx, headers, kafkaHeadersSetter);
  return headers;
}

/** The context a consumer should run its handler in: the producer's span becomes the parent. */
export function extractTraceContext(
  headers: IHeaders | undefined,
  base: Context = context.active(),
): Context {
  return propagation.extract(base, headers ?? {}, kafkaHeadersGetter);
}
