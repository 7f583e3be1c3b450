import { Metadata, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { ErrorInfo } from '../generated/google/rpc/error_details';
import { Status } from '../generated/google/rpc/status';

/** The trailer gRPC carries a google.rpc.Status in (the richer error model). */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';
const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';

/** What a server says about a failure: status, message and the machine-readable reason. */
export interface ErrorDetails {
  readonly status: number;
  readonly message: string;
  /** ErrorInfo.reason, UPPER_SNAKE_CASE (an error code). */
  readonly reason: string;
  /** ErrorInfo.domain, e.g. `order-gateway.meridian`. */
  readonly domain: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * A grpc-js ServiceError for `details`: code and message, plus a google.rpc.Status with an
 * ErrorInfo in the `grpc-status-details-bin` trailer. Every Meridian gRPC server answers through
 * this, so every client decodes errors one way (`errorInfoOf`).
 */
export function toServiceError(details: ErrorDetails): Partial<StatusObject> & ServiceError {
  const info = ErrorInfo.encode({
    reason: details.reason,
    domain: details.domain,
    metadata: { ...details.metadata },
  }).finish();
  const status = Status.encode({
    code: details.status,
    message: details.message,
    details: [{ typeUrl: ERROR_INFO_TYPE, value: Buffer.from(info) }],
  }).finish();
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_TRAILER, Buffer.from(status));
  return Object.assign(new Error(details.message), {
    code: details.status,
    details: details.message,
    metadata,
  });
}

/** The ErrorInfo in a failed call's trailer; null when absent or not a google.rpc.Status. */
export function errorInfoOf(metadata: Metadata | undefined): ErrorInfo | null {
  const raw = metadata?.get(STATUS_DETAILS_TRAILER)[0];
  if (!(raw instanceof Buffer)) return null;
  try {
    const detail = Status.decode(raw).details.find((d) => d.typeUrl === ERROR_INFO_TYPE);
    return detail === undefined ? null : ErrorInfo.decode(detail.value);
  } catch {
    return null;
  }
}
