import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  type Context,
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import type { Metadata } from '@grpc/grpc-js';

/** One kafkajs header value, as produced (string | Buffer) or consumed (always Buffer). */
export type KafkaHeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** kafkajs `IHeaders`, restated so this lib does not load kafkajs. */
export type KafkaHeaders = Record<string, KafkaHeaderValue>;

/** The W3C TraceContext + Baggage propagator the SDK registers too. */
export function createW3cPropagator(): CompositePropagator {
  return new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
}

const PROBE_KEY = createContextKey('meridian.observability.context-probe');

function contextManagerIsActive(): boolean {
  const probe = ROOT_CONTEXT.setValue(PROBE_KEY, true);
  return context.with(probe, () => context.active().getValue(PROBE_KEY) === true);
}

/**
 * Makes trace propagation work in a process that has not started the SDK (tools, tests, libs
 * used before `startTelemetry`): registers the W3C TraceContext + Baggage propagator and an
 * AsyncLocalStorage context manager, each only if none is registered yet. Idempotent and cheap;
 * the inject/extract helpers call it themselves. `startTelemetry` replaces both with the SDK's.
 */
export function ensurePropagator(): void {
  // The no-op global propagator is the only one that declares no fields.
  if (propagation.fields().length > 0) {
    return;
  }
  propagation.setGlobalPropagator(createW3cPropagator());
  if (!contextManagerIsActive()) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }
}

function headerToString(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

function findHeader(carrier: KafkaHeaders, key: string): KafkaHeaderValue {
  const exact = carrier[key];
  if (exact !== undefined) {
    return exact;
  }
  // Kafka header names are case-sensitive, but producers in other stacks write `Traceparent`.
  const lower = key.toLowerCase();
  for (const name of Object.keys(carrier)) {
    if (name.toLowerCase() === lower) {
      return carrier[name];
    }
  }
  return undefined;
}

const kafkaGetter: TextMapGetter<KafkaHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = findHeader(carrier, key);
    if (value === undefined) {
      return undefined;
    }
    return Array.isArray(value) ? value.map(headerToString) : headerToString(value);
  },
};

const kafkaSetter: TextMapSetter<KafkaHeaders> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * Writes the trace context of `ctx` (default: the active one) into Kafka message headers as
 * string values, replacing any trace headers already there (a re-published message must not
 * keep a stale parent). Mutates and returns `headers`.
 */
export function injectTraceContext<H extends KafkaHeaders>(
  headers: H,
  ctx: Context = context.active(),
): H & KafkaHeaders {
  ensurePropagator();
  for (const field of propagation.fields()) {
    delete headers[field];
  }
  propagation.inject(ctx, headers, kafkaSetter);
  return headers;
}

/**
 * Reads a trace context from Kafka message headers (string, Buffer or arrays of them, as kafkajs
 * delivers them) into a Context derived from `ctx` (default: the active one). Missing or
 * malformed headers yield `ctx` unchanged, so a consumer never fails on bad trace headers.
 */
export function extractTraceContext(
  headers: KafkaHeaders | undefined,
  ctx: Context = context.active(),
): Context {
  ensurePropagator();
  if (headers === undefined) {
    return ctx;
  }
  return propagation.extract(ctx, headers, kafkaGetter);
}

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key);
    if (values.length === 0) {
      return undefined;
    }
    const strings = values.map(headerToString);
    return strings.length === 1 ? strings[0] : strings;
  },
};

const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => {
    carrier.set(key, value);
  },
};

/**
 * Writes the trace context of `ctx` (default: the active one) into @grpc/grpc-js Metadata for an
 * outgoing call. Needed where the grpc instrumentation is not active (e.g. metadata built by hand
 * for a stream); mutates and returns `metadata`.
 */
export function injectIntoGrpcMetadata(
  metadata: Metadata,
  ctx: Context = context.active(),
): Metadata {
  ensurePropagator();
  for (const field of propagation.fields()) {
    metadata.remove(field);
  }
  propagation.inject(ctx, metadata, metadataSetter);
  return metadata;
}

/** Reads a trace context from the Metadata of an incoming gRPC call; bad values leave `ctx` as is. */
export function extractFromGrpcMetadata(
  metadata: Metadata,
  ctx: Context = context.active(),
): Context {
  ensurePropagator();
  return propagation.extract(ctx, metadata, metadataGetter);
}
