import type { MetricsRegistry } from '@meridian/shared-observability';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Counter, Histogram } from 'prom-client';

/** go-grpc-prometheus spells codes as Go's codes.Code.String(); dashboards match on these. */
const CODE_NAMES: Readonly<Record<number, string>> = {
  [GrpcStatus.OK]: 'OK',
  [GrpcStatus.CANCELLED]: 'Canceled',
  [GrpcStatus.UNKNOWN]: 'Unknown',
  [GrpcStatus.INVALID_ARGUMENT]: 'InvalidArgument',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [GrpcStatus.NOT_FOUND]: 'NotFound',
  [GrpcStatus.ALREADY_EXISTS]: 'AlreadyExists',
  [GrpcStatus.PERMISSION_DENIED]: 'PermissionDenied',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [GrpcStatus.FAILED_PRECONDITION]: 'FailedPrecondition',
  [GrpcStatus.ABORTED]: 'Aborted',
  [GrpcStatus.OUT_OF_RANGE]: 'OutOfRange',
  [GrpcStatus.UNIMPLEMENTED]: 'Unimplemented',
  [GrpcStatus.INTERNAL]: 'Internal',
  [GrpcStatus.UNAVAILABLE]: 'Unavailable',
  [GrpcStatus.DATA_LOSS]: 'DataLoss',
  [GrpcStatus.UNAUTHENTICATED]: 'Unauthenticated',
};

/** The Go name of a gRPC status code (`NotFound`), `Unknown` for anything else. */
export function grpcCodeName(code: number): string {
  return CODE_NAMES[code] ?? 'Unknown';
}

type ServiceLabels = 'grpc_service' | 'grpc_method';

/**
 * Server metrics with the standard go-grpc-prometheus names, so stock gRPC dashboards and alerts
 * work: `grpc_server_handled_total{grpc_service,grpc_method,grpc_code}` and the histogram
 * `grpc_server_handling_seconds{grpc_service,grpc_method}`. One instance per registry; wrap every
 * handler with `start(service, method)` and call the returned function once with the final code.
 */
export class GrpcServerMetrics {
  private readonly handled: Counter<ServiceLabels | 'grpc_code'>;
  private readonly handling: Histogram<ServiceLabels>;

  constructor(registry: MetricsRegistry) {
    this.handled = registry.counter('grpc_server_handled_total', {
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
    });
    this.handling = registry.histogram('grpc_server_handling_seconds', {
      help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
      labelNames: ['grpc_service', 'grpc_method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  /** Starts timing one call; the returned function records it (only the first call counts). */
  start(service: string, method: string): (code: number) => void {
    const started = process.hrtime.bigint();
    let done = false;
    return (code) => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.handled.inc({
        grpc_service: service,
        grpc_method: method,
        grpc_code: grpcCodeName(code),
      });
      this.handling.observe({ grpc_service: service, grpc_method: method }, seconds);
    };
  }
}
