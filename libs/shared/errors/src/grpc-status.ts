import { type ErrorCategory, isMeridianError } from './meridian.error';

/**
 * gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). Kept here as
 * numbers so that this util lib stays free of transport dependencies.
 */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcStatus = (typeof GrpcStatus)[keyof typeof GrpcStatus];

const STATUS_BY_CATEGORY: Readonly<Record<ErrorCategory, GrpcStatus>> = {
  'invalid-argument': GrpcStatus.INVALID_ARGUMENT,
  'not-found': GrpcStatus.NOT_FOUND,
  'already-exists': GrpcStatus.ALREADY_EXISTS,
  'failed-precondition': GrpcStatus.FAILED_PRECONDITION,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  'permission-denied': GrpcStatus.PERMISSION_DENIED,
  'resource-exhausted': GrpcStatus.RESOURCE_EXHAUSTED,
  unavailable: GrpcStatus.UNAVAILABLE,
  'deadline-exceeded': GrpcStatus.DEADLINE_EXCEEDED,
  aborted: GrpcStatus.ABORTED,
  internal: GrpcStatus.INTERNAL,
};

/** The one place where an error category becomes a gRPC status. */
export function grpcStatusFor(category: ErrorCategory): GrpcStatus {
  return STATUS_BY_CATEGORY[category];
}

export interface ErrorReport {
  status: GrpcStatus;
  /** Machine-readable reason (google.rpc.ErrorInfo.reason). */
  reason: string;
  message: string;
  metadata: Readonly<Record<string, string>>;
}

/**
 * Turns anything thrown into what a caller may see. Unexpected errors become INTERNAL with an
 * `errorId` the caller can quote and the log carries, and never leak their message.
 */
export function toErrorReport(error: unknown, errorId: () => string): ErrorReport {
  if (isMeridianError(error)) {
    return {
      status: grpcStatusFor(error.category),
      reason: error.code,
      message: error.message,
      metadata: error.metadata,
    };
  }
  const id = errorId();
  return {
    status: GrpcStatus.INTERNAL,
    reason: 'INTERNAL',
    message: `internal error (errorId=${id})`,
    metadata: { errorId: id },
  };
}
