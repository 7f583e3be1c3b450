// Framework-free surface: safe to import from workers, tools and other libs. The NestJS module
// lives behind `@meridian/shared-observability/nest` so that importing this entry never loads
// NestJS (ESM) or any module the instrumentations must patch (http clients, grpc, pg, ioredis).
export { startTelemetry, defaultInstrumentations } from './telemetry.sdk';
export type { TelemetryOptions, TelemetryHandle, TelemetryInstrumentations } from './telemetry.sdk';
export { startServiceTelemetry } from './service-telemetry';
export {
  ensurePropagator,
  injectTraceContext,
  extractTraceContext,
  injectIntoGrpcMetadata,
  extractFromGrpcMetadata,
} from './trace-context.propagation';
export type { KafkaHeaders, KafkaHeaderValue } from './trace-context.propagation';
export { withSpan, TRACER_NAME } from './with-span';
export type { WithSpanOptions } from './with-span';
export { MetricsRegistry, LOW_LATENCY_BUCKETS } from './metrics.registry';
export type {
  MetricsRegistryOptions,
  MetricOptions,
  HistogramOptions,
  RedOptions,
  RedMetric,
  Outcome,
  Labels,
} from './metrics.registry';
export { createLogger, childLogger, REDACTED_KEYS, REDACTION_CENSOR } from './logger.factory';
export type { Logger, LoggerOptions, LogLevel } from './logger.factory';
export { ReadinessRegistry } from './readiness.registry';
export type {
  ReadinessCheck,
  ReadinessCheckResult,
  ReadinessCheckOptions,
  ReadinessRegistrar,
  ReadinessReport,
  ReadinessDetail,
  ReadinessOutcome,
  ReadinessRegistryOptions,
} from './readiness.registry';
export { LivenessMonitor } from './liveness.monitor';
export type { LivenessMonitorOptions, LivenessReport } from './liveness.monitor';
export { startOpsServer } from './ops-server';
export type { OpsServer, OpsServerOptions } from './ops-server';
export { GracefulShutdown } from './graceful-shutdown';
export type { GracefulShutdownOptions, ShutdownHook } from './graceful-shutdown';
export { OPS_PATHS } from './ops-paths';
export {
  TelemetryAlreadyStartedError,
  MetricDefinitionError,
  ReadinessCheckDuplicateError,
  ReadinessCheckTimeoutError,
} from './observability.error';
export { GrpcServerMetrics, GRPC_CODE_NAMES, grpcCodeName } from './grpc-server.metrics';
