import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Keys whose values never reach a log line, at the top level and up to two levels deep. */
export const REDACTED_KEYS: readonly string[] = Object.freeze([
  'password',
  'apiKey',
  'api_key',
  'authorization',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'cookie',
]);

/** What replaces a redacted value. */
export const REDACTION_CENSOR = '[REDACTED]';

export interface LoggerOptions {
  /** Written as `service` on every line. */
  serviceName: string;
  /** Default `info`. */
  level?: LogLevel;
  /** Extra redaction paths in pino syntax, e.g. `'req.headers["x-api-key"]'`. */
  redactPaths?: readonly string[];
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

function redactionPaths(extra: readonly string[]): string[] {
  const paths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
  return [...paths, ...extra];
}

/** `trace_id`/`span_id` of the active span, or nothing outside a valid span. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) {
    return {};
  }
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) {
    return {};
  }
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * A pino JSON logger. Every line carries `level` as a label (`"info"`), `time` in ISO-8601,
 * `service`, and `trace_id`/`span_id` of the span active when the line is written, so logs join
 * traces in Grafana. Values of secret-looking keys (see `REDACTED_KEYS`) are replaced by
 * `[REDACTED]`. Errors go under `err` with pino's serializer (MeridianError `code` included).
 */
export function createLogger(options: LoggerOptions): Logger {
  const loggerOptions: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.serviceName },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFields,
    redact: { paths: redactionPaths(options.redactPaths ?? []), censor: REDACTION_CENSOR },
  };
  return options.destination === undefined
    ? pino(loggerOptions)
    : pino(loggerOptions, options.destination);
}

/**
 * A child logger tagged `component` (e.g. `kafka-consumer`), with optional extra bindings. It
 * inherits level, redaction and the trace mixin of its parent.
 */
export function childLogger(
  parent: Logger,
  component: string,
  bindings: Record<string, unknown> = {},
): Logger {
  return parent.child({ ...bindings, component });
}
