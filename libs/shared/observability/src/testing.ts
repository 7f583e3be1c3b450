// Test helpers for specs of this lib and of libs that trace or log through it (e.g. messaging).
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { DestinationStream } from 'pino';
import { createW3cPropagator } from './trace-context.propagation';

/** An in-process tracer whose finished spans can be read back. */
export interface TestTracing {
  readonly provider: TracerProvider;
  readonly exporter: InMemorySpanExporter;
  /** Spans ended so far, oldest first. */
  finishedSpans(): ReadableSpan[];
  /** The one finished span called `name`; throws when there is none or several. */
  span(name: string): ReadableSpan;
  /** Shuts the provider down and unregisters the globals. */
  shutdown(): Promise<void>;
}

/**
 * Registers a real SDK tracer provider (in-memory exporter, synchronous export), the W3C
 * propagator and an AsyncLocalStorage context manager as the OpenTelemetry globals. Call in
 * `beforeAll`, and `shutdown()` in `afterAll`. Throws when globals are already registered.
 */
export function startTestTracing(): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  trace.disable();
  context.disable();
  propagation.disable();
  if (
    !trace.setGlobalTracerProvider(provider) ||
    !context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()) ||
    !propagation.setGlobalPropagator(createW3cPropagator())
  ) {
    throw new Error('could not register the OpenTelemetry test globals');
  }
  return {
    provider,
    exporter,
    finishedSpans: () => exporter.getFinishedSpans(),
    span: (name) => {
      const matches = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (matches.length !== 1) {
        throw new Error(`expected one finished span "${name}", found ${matches.length}`);
      }
      return matches[0] as ReadableSpan;
    },
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** A pino destination that keeps every line, parsed. */
export interface CapturedLogs {
  readonly destination: DestinationStream;
  /** Lines written so far, parsed from JSON. */
  lines(): Record<string, unknown>[];
  /** Raw text written so far. */
  text(): string;
}

/** Captures what a logger writes: `createLogger({ ..., destination: logs.destination })`. */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  return {
    destination: { write: (chunk: string) => void chunks.push(chunk) },
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => chunks.join(''),
  };
}
