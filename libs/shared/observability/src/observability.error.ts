import { errorCode, MeridianError } from '@meridian/shared-errors';

const TELEMETRY_ALREADY_STARTED = errorCode(
  'OBSERVABILITY_TELEMETRY_ALREADY_STARTED',
  'TelemetryAlreadyStartedError',
);
const METRIC_DEFINITION_INVALID = errorCode(
  'OBSERVABILITY_METRIC_DEFINITION_INVALID',
  'MetricDefinitionError',
);
const READINESS_CHECK_DUPLICATE = errorCode(
  'OBSERVABILITY_READINESS_CHECK_DUPLICATE',
  'ReadinessCheckDuplicateError',
);
const READINESS_CHECK_TIMEOUT = errorCode(
  'OBSERVABILITY_READINESS_CHECK_TIMEOUT',
  'ReadinessCheckTimeoutError',
);

/** `startTelemetry` was called while a previous handle is still running (one SDK per process). */
export class TelemetryAlreadyStartedError extends MeridianError {
  readonly code = TELEMETRY_ALREADY_STARTED;
  readonly category = 'failed-precondition' as const;
  constructor(runningService: string) {
    super(`telemetry is already started for service "${runningService}"; call shutdown() first`, {
      metadata: { runningService },
    });
  }
}

/** A metric could not be defined: duplicate name, reserved label or invalid observation. */
export class MetricDefinitionError extends MeridianError {
  readonly code = METRIC_DEFINITION_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(message: string, metric: string, cause?: unknown) {
    super(message, { metadata: { metric }, cause });
  }
}

/** Two readiness checks were registered under one name. */
export class ReadinessCheckDuplicateError extends MeridianError {
  readonly code = READINESS_CHECK_DUPLICATE;
  readonly category = 'already-exists' as const;
  constructor(check: string) {
    super(`readiness check "${check}" is already registered`, { metadata: { check } });
  }
}

/** A readiness check did not settle within its timeout; reported as "down", never thrown out. */
export class ReadinessCheckTimeoutError extends MeridianError {
  readonly code = READINESS_CHECK_TIMEOUT;
  readonly category = 'deadline-exceeded' as const;
  constructor(check: string, timeoutMs: number) {
    super(`readiness check "${check}" timed out after ${timeoutMs}ms`, {
      metadata: { check, timeoutMs: String(timeoutMs) },
    });
  }
}
