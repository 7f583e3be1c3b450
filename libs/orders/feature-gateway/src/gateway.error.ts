import { errorCode, MeridianError } from '@meridian/shared-errors';

const GATEWAY_UNAUTHENTICATED = errorCode('GATEWAY_UNAUTHENTICATED', 'UnauthenticatedError');
const GATEWAY_PERMISSION_DENIED = errorCode('GATEWAY_PERMISSION_DENIED', 'PermissionDeniedError');
const GATEWAY_IDEMPOTENCY_CONFLICT = errorCode(
  'GATEWAY_IDEMPOTENCY_CONFLICT',
  'IdempotencyConflictError',
);
const GATEWAY_ORDER_NOT_FOUND = errorCode('GATEWAY_ORDER_NOT_FOUND', 'OrderNotFoundError');
const GATEWAY_ORDER_NOT_OPEN = errorCode('GATEWAY_ORDER_NOT_OPEN', 'OrderNotOpenError');
const GATEWAY_REQUEST_MALFORMED = errorCode('GATEWAY_REQUEST_MALFORMED', 'RequestMalformedError');
const GATEWAY_REQUEST_TOO_LARGE = errorCode('GATEWAY_REQUEST_TOO_LARGE', 'RequestTooLargeError');
const GATEWAY_PUBLISH_FAILED = errorCode('GATEWAY_PUBLISH_FAILED', 'CommandPublishError');

/** No API key, a malformed one, an unknown, revoked or wrong one: all look the same to the caller. */
export class UnauthenticatedError extends MeridianError {
  readonly code = GATEWAY_UNAUTHENTICATED;
  readonly category = 'unauthenticated' as const;
  constructor() {
    super('missing or invalid API key (metadata "x-api-key" or "authorization: Bearer <key>")');
  }
}

/** The key's role does not allow the call, or the request names another account. */
export class PermissionDeniedError extends MeridianError {
  readonly code = GATEWAY_PERMISSION_DENIED;
  readonly category = 'permission-denied' as const;
  constructor(what: string, metadata: Record<string, string> = {}) {
    super(what, { metadata });
  }
}

/** The client_order_id was already used by this agent for a different request. */
export class IdempotencyConflictError extends MeridianError {
  readonly code = GATEWAY_IDEMPOTENCY_CONFLICT;
  readonly category = 'already-exists' as const;
  constructor(clientOrderId: string) {
    super(`client_order_id "${clientOrderId}" was already used for a different request`, {
      metadata: { clientOrderId },
    });
  }
}

export class OrderNotFoundError extends MeridianError {
  readonly code = GATEWAY_ORDER_NOT_FOUND;
  readonly category = 'not-found' as const;
  constructor(target: string) {
    super(`no order ${target} for this account`, { metadata: { target } });
  }
}

/** Cancel or replace of an order that is already filled, canceled, rejected or expired. */
export class OrderNotOpenError extends MeridianError {
  readonly code = GATEWAY_ORDER_NOT_OPEN;
  readonly category = 'failed-precondition' as const;
  constructor(orderId: string) {
    super(`order ${orderId} is no longer open`, { metadata: { orderId } });
  }
}

/** The request bytes are not a valid protobuf encoding of the request message. */
export class RequestMalformedError extends MeridianError {
  readonly code = GATEWAY_REQUEST_MALFORMED;
  readonly category = 'invalid-argument' as const;
  constructor(typeName: string, cause: unknown) {
    super(`request is not a valid ${typeName}`, { cause, metadata: { type: typeName } });
  }
}

/** The request is larger than the gateway accepts for its method. */
export class RequestTooLargeError extends MeridianError {
  readonly code = GATEWAY_REQUEST_TOO_LARGE;
  readonly category = 'resource-exhausted' as const;
  constructor(size: number, limit: number) {
    super(`request of ${size} bytes above the limit of ${limit}`, {
      metadata: { size: String(size), limit: String(limit) },
    });
  }
}

/**
 * The command could not be written to Kafka. The order may or may not have been published:
 * retrying with the same client_order_id and body re-publishes the same command id, which the
 * executor applies at most once.
 */
export class CommandPublishError extends MeridianError {
  readonly code = GATEWAY_PUBLISH_FAILED;
  readonly category = 'unavailable' as const;
  constructor(cause: unknown) {
    super('the order could not be published; retry with the same client_order_id', { cause });
  }
}

const GATEWAY_SLOW_CONSUMER = errorCode('GATEWAY_SLOW_CONSUMER', 'SlowConsumerError');
const GATEWAY_SHUTTING_DOWN = errorCode('GATEWAY_SHUTTING_DOWN', 'GatewayShuttingDownError');

/**
 * An execution-report stream fell more than `limit` events behind (the client reads too slowly)
 * and was ended. Nothing is lost: reconnect with `from_sequence` = last received sequence + 1.
 */
export class SlowConsumerError extends MeridianError {
  readonly code = GATEWAY_SLOW_CONSUMER;
  readonly category = 'resource-exhausted' as const;
  constructor(limit: number) {
    super(
      `the stream fell more than ${limit} events behind and was ended; resume from the last received sequence + 1`,
      { metadata: { bufferLimit: String(limit) } },
    );
  }
}

/** The gateway is shutting down; the stream ends so the client reconnects to another replica. */
export class GatewayShuttingDownError extends MeridianError {
  readonly code = GATEWAY_SHUTTING_DOWN;
  readonly category = 'unavailable' as const;
  constructor() {
    super('the gateway is shutting down; reconnect and resume from the last received sequence + 1');
  }
}

const GATEWAY_EVENT_INVALID = errorCode('GATEWAY_EVENT_INVALID', 'OrderEventInvalidError');

/** An orders.events.v1 record that decodes but lacks what every report has (symbol, sequence, order). */
export class OrderEventInvalidError extends MeridianError {
  readonly code = GATEWAY_EVENT_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(problem: string, eventId: string) {
    super(`execution report ${eventId || '(no id)'} is unusable: ${problem}`, {
      metadata: { eventId, problem },
    });
  }
}

const GATEWAY_CONTROL_INVALID = errorCode('GATEWAY_CONTROL_INVALID', 'RiskControlInvalidError');

/** A risk.controls.v1 record that decodes but cannot be applied (no id, unknown scope or state). */
export class RiskControlInvalidError extends MeridianError {
  readonly code = GATEWAY_CONTROL_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(problem: string, controlId: string) {
    super(`risk control ${controlId || '(no id)'} is unusable: ${problem}`, {
      metadata: { controlId, problem },
    });
  }
}
