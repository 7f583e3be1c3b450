import { errorInfoOf, STATUS_DETAILS_TRAILER } from '@meridian/contracts';
import { type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';

/** The trailer in which the gateway sends a google.rpc.Status with one ErrorInfo. */
export { STATUS_DETAILS_TRAILER };

/**
 * A failed call: the gRPC status and the gateway's `google.rpc.ErrorInfo` (machine-readable
 * `reason` such as `GATEWAY_RISK_MAX_POSITION`, `domain`, `metadata` like `field`/`problem`).
 * Branch on `reason` (or `code` when the failure came from the transport and carries no
 * ErrorInfo, then `reason` is the status name, e.g. `UNAVAILABLE`), never on the message.
 */
export class MeridianClientError extends Error {
  override readonly name = 'MeridianClientError';

  constructor(
    /** Numeric gRPC status code (`status.UNAUTHENTICATED` = 16). */
    readonly code: GrpcStatus,
    /** ErrorInfo.reason, or the status name when the server sent no ErrorInfo. */
    readonly reason: string,
    message: string,
    /** ErrorInfo.metadata (empty without ErrorInfo). */
    readonly metadata: Readonly<Record<string, string>> = {},
    /** ErrorInfo.domain (`order-gateway.meridian`); undefined without ErrorInfo. */
    readonly domain?: string,
    /** The RPC that failed, e.g. `SubmitOrder`. */
    readonly method?: string,
  ) {
    super(message);
  }

  /** The status name, e.g. `FAILED_PRECONDITION`. */
  get codeName(): string {
    return statusName(this.code);
  }

  /** Whether the server explained the failure with an ErrorInfo (or only the transport failed). */
  get hasErrorInfo(): boolean {
    return this.domain !== undefined;
  }

  override toString(): string {
    return `${this.codeName} ${this.reason}: ${this.message}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.codeName,
      reason: this.reason,
      domain: this.domain ?? null,
      metadata: { ...this.metadata },
      message: this.message,
      ...(this.method === undefined ? {} : { method: this.method }),
    };
  }
}

/** `UNAVAILABLE` for 14; the number as text for codes grpc-js does not know. */
export function statusName(code: number): string {
  const name: unknown = (GrpcStatus as unknown as Record<number, unknown>)[code];
  return typeof name === 'string' ? name : String(code);
}

/** Whether `error` looks like a grpc-js ServiceError (an Error with a numeric `code`). */
export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === 'number' &&
    !(error instanceof MeridianClientError)
  );
}

/** The ErrorInfo packed in the `grpc-status-details-bin` trailer, or null (absent, undecodable). */
export const decodeErrorInfo = errorInfoOf;

/**
 * Any failure as a MeridianClientError: a grpc-js ServiceError is decoded (ErrorInfo from the
 * trailer), a MeridianClientError is returned as is, anything else becomes UNKNOWN / `CLIENT_ERROR`.
 */
export function toMeridianClientError(error: unknown, method?: string): MeridianClientError {
  if (error instanceof MeridianClientError) return error;
  if (isServiceError(error)) {
    const info = decodeErrorInfo(error.metadata);
    const message = error.details || error.message;
    return info === null
      ? new MeridianClientError(error.code, statusName(error.code), message, {}, undefined, method)
      : new MeridianClientError(
          error.code,
          info.reason,
          message,
          { ...info.metadata },
          info.domain,
          method,
        );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new MeridianClientError(
    GrpcStatus.UNKNOWN,
    'CLIENT_ERROR',
    message,
    {},
    undefined,
    method,
  );
}
