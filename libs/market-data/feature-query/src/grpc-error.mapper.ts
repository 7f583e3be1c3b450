import { randomUUID } from 'node:crypto';
import { errorInfoOf, toServiceError } from '@meridian/contracts';
import { toErrorReport } from '@meridian/shared-errors';
import type { ServiceError, StatusObject } from '@grpc/grpc-js';

/** google.rpc.ErrorInfo.domain of every market data API error. */
export const MARKETDATA_ERROR_DOMAIN = 'marketdata-api.meridian';

export interface ErrorLogger {
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * The one place where a thrown error becomes a gRPC status: code and message from
 * shared-errors, plus a google.rpc.Status with an ErrorInfo (reason = error code, metadata) in
 * the `grpc-status-details-bin` trailer. Unexpected errors become INTERNAL with an errorId that
 * the log carries too.
 */
export function toGrpcError(
  error: unknown,
  logger: ErrorLogger,
): Partial<StatusObject> & ServiceError {
  const report = toErrorReport(error, () => randomUUID());
  if (report.reason === 'INTERNAL')
    logger.error({ err: error, errorId: report.metadata['errorId'] }, 'request failed');
  return toServiceError({ ...report, domain: MARKETDATA_ERROR_DOMAIN });
}

/** Decodes the ErrorInfo of a failed call (clients and tests). */
export { errorInfoOf };
