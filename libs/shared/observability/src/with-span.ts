import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { isMeridianError } from '@meridian/shared-errors';

/** Instrumentation scope of spans this lib creates. */
export const TRACER_NAME = '@meridian/shared-observability';

export interface WithSpanOptions {
  /** Default `INTERNAL`; use `PRODUCER`/`CONSUMER` around Kafka sends and handlers. */
  kind?: SpanKind;
  /** Parent context, e.g. from `extractTraceContext`; default: the active context. */
  parent?: Context;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    'then' in value &&
    typeof (value as { then: unknown }).then === 'function'
  );
}

function recordFailure(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setAttribute('error.type', isMeridianError(error) ? error.code : err.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

/**
 * Runs `fn` inside a new active span named `name`. A throw or rejection is recorded on the span
 * (exception event, `error.type` = the MeridianError code or the error class, status ERROR) and
 * re-thrown; success leaves the status UNSET as the OpenTelemetry spec recommends. The span
 * always ends, after the returned promise settles for async `fn`.
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => T,
  options: WithSpanOptions = {},
): T {
  const tracer = trace.getTracer(TRACER_NAME);
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes },
    parent,
    (span) => {
      let result: T;
      try {
        result = fn(span);
      } catch (error) {
        recordFailure(span, error);
        span.end();
        throw error;
      }
      if (!isPromiseLike(result)) {
        span.end();
        return result;
      }
      // Rebuild the promise so the caller awaits the span's end as well as the work.
      return Promise.resolve(result).then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          recordFailure(span, error);
          span.end();
          throw error;
        },
      ) as T;
    },
  );
}
