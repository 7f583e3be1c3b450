import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  envDetector,
  hostDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { TelemetryAlreadyStartedError } from './observability.error';
import { OPS_PATHS } from './ops-paths';
import { createW3cPropagator, ensurePropagator } from './trace-context.propagation';

// Current semconv name and the pre-1.27 one many backends still group by; the incubating
// semconv entry point that holds them is not stable, so the strings live here.
const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';
const ATTR_DEPLOYMENT_ENVIRONMENT = 'deployment.environment';

export type TelemetryInstrumentations = NodeSDKConfiguration['instrumentations'];

export interface TelemetryOptions {
  /** `service.name` resource attribute, e.g. `order-gateway`. */
  serviceName: string;
  /** `service.version`, e.g. the image tag. */
  serviceVersion?: string;
  /**
   * OTLP/gRPC collector address, e.g. `http://otel-collector:4317` (`https://` for TLS). Without
   * it spans are still created (trace ids reach logs and downstream services) but not exported.
   */
  otlpEndpoint?: string;
  /** `deployment.environment(.name)`; default `MERIDIAN_ENV`, then `NODE_ENV`, then `development`. */
  environment?: string;
  /** Fraction of new traces to sample (0..1); children follow their parent's decision. Default 1. */
  sampleRatio?: number;
  /** Replaces the default set (http, grpc, pg, ioredis); pass `[]` for none. */
  instrumentations?: TelemetryInstrumentations;
}

/** A running SDK. */
export interface TelemetryHandle {
  readonly serviceName: string;
  /** True when spans go to an OTLP collector. */
  readonly exporting: boolean;
  /**
   * Flushes pending spans, stops the SDK and unregisters its globals (a later `startTelemetry`
   * may start a new one). Rejects when spans could not be flushed (collector unreachable), after
   * stopping all the same. Idempotent: repeated calls return the same promise.
   */
  shutdown(): Promise<void>;
}

let running: TelemetryHandle | undefined;

/** The instrumentations `startTelemetry` enables unless told otherwise. */
export function defaultInstrumentations(): TelemetryInstrumentations {
  return [
    new HttpInstrumentation({
      // Probes and scrapes every few seconds would drown the real traffic.
      ignoreIncomingRequestHook: (request) => {
        const path = (request.url ?? '').split('?')[0] ?? '';
        return (Object.values(OPS_PATHS) as string[]).includes(path);
      },
    }),
    new GrpcInstrumentation(),
    new PgInstrumentation({ requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
  ];
}

function resolveEnvironment(explicit: string | undefined): string {
  return explicit ?? process.env['MERIDIAN_ENV'] ?? process.env['NODE_ENV'] ?? 'development';
}

function createSampler(ratio: number | undefined): ParentBasedSampler {
  if (ratio === undefined || ratio >= 1) {
    return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(Math.max(0, ratio)) });
}

/**
 * Starts the OpenTelemetry Node SDK for this process: W3C TraceContext + Baggage propagation,
 * an AsyncLocalStorage context manager, the resource (service name/version, deployment
 * environment, host, `OTEL_RESOURCE_ATTRIBUTES`), a batching OTLP/gRPC trace exporter when
 * `otlpEndpoint` is set, and the http/grpc/pg/ioredis instrumentations.
 *
 * Call it first in `main.ts`, before anything imports `http`, `@grpc/grpc-js`, `pg` or `ioredis`,
 * or those modules are not instrumented. Only one SDK may run per process: a second call before
 * `shutdown()` throws `TelemetryAlreadyStartedError` (silently keeping the first configuration
 * would hide a wiring bug). `OTEL_SDK_DISABLED=true` is honoured: nothing is started, but
 * propagation still works.
 */
export function startTelemetry(options: TelemetryOptions): TelemetryHandle {
  if (running !== undefined) {
    throw new TelemetryAlreadyStartedError(running.serviceName);
  }
  const environment = resolveEnvironment(options.environment);
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    ...(options.serviceVersion === undefined
      ? {}
      : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: environment,
    [ATTR_DEPLOYMENT_ENVIRONMENT]: environment,
  });
  const exporting = options.otlpEndpoint !== undefined && options.otlpEndpoint !== '';
  // NoopSpanProcessor still makes the SDK register a real tracer provider, so ids exist.
  const spanProcessor: SpanProcessor = exporting
    ? new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: options.otlpEndpoint }) })
    : new NoopSpanProcessor();

  const instrumentations = options.instrumentations ?? defaultInstrumentations();
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource,
    // No `processDetector`: it records the command line, which may carry secrets.
    resourceDetectors: [hostDetector, serviceInstanceIdDetector, envDetector],
    textMapPropagator: createW3cPropagator(),
    spanProcessors: [spanProcessor],
    sampler: createSampler(options.sampleRatio),
    instrumentations,
    // Explicitly empty, or the SDK reads OTEL_* defaults and pushes metrics and logs over OTLP:
    // metrics are scraped from /metrics (prom-client) and logs go to stdout (pino).
    metricReaders: [],
    logRecordProcessors: [],
  });

  // Globals registered by `ensurePropagator` would make the SDK's registration fail.
  propagation.disable();
  context.disable();
  sdk.start();
  ensurePropagator();

  let stopping: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    serviceName: options.serviceName,
    exporting,
    shutdown: () => {
      stopping ??= sdk.shutdown().finally(() => {
        // NodeSDK leaves its instrumentations patched; a later start would patch twice.
        for (const instrumentation of instrumentations.flat()) {
          instrumentation.disable();
        }
        trace.disable();
        propagation.disable();
        context.disable();
        running = undefined;
      });
      return stopping;
    },
  };
  running = handle;
  return handle;
}
