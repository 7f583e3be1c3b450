import { randomUUID } from 'node:crypto';
import { googleRpc } from '@meridian/contracts';
import { toErrorReport } from '@meridian/shared-errors';
import { Metadata, type ServiceError, type StatusObject } from '@grpc/grpc-js';

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
  const info = googleRpc.ErrorInfo.encode({
    reason: report.reason,
    domain: MARKETDATA_ERROR_DOMAIN,
    metadata: { ...report.metadata },
  }).finish();
  const status = googleRpc.Status.encode({
    code: report.status,
    message: report.message,
    details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(info) }],
  }).finish();
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(status));
  return Object.assign(new Error(report.message), {
    code: report.status,
    details: report.message,
    metadata,
  });
}

/** Decodes the ErrorInfo of a failed call (clients and tests). */
export function errorInfoOf(metadata: Metadata | undefined): googleRpc.ErrorInfo | null {
  const raw = metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return null;
  const status = googleRpc.Status.decode(raw);
  const detail = status.details.find(
    (d) => d.typeUrl === 'type.googleapis.com/google.rpc.ErrorInfo',
  );
  return detail === undefined ? null : googleRpc.ErrorInfo.decode(detail.value);
}
