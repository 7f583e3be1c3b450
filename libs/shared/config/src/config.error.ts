import { errorCode, MeridianError } from '@meridian/shared-errors';

const CONFIG_INVALID = errorCode('CONFIG_INVALID', 'ConfigError');

/** One environment variable that is missing or malformed. */
export interface ConfigIssue {
  /** The environment variable, e.g. `GRPC_PORT`. */
  readonly variable: string;
  /** Why it was refused; never contains a secret value. */
  readonly reason: string;
}

/**
 * The configuration of an app is invalid. The message lists every bad or missing variable at
 * once, so an operator fixes a deployment in one round trip:
 *
 *     order-gateway config invalid:
 *       - KAFKA_BROKERS: required
 *       - GRPC_PORT: expected integer 1..65535, got "abc"
 */
export class ConfigError extends MeridianError {
  readonly code = CONFIG_INVALID;
  readonly category = 'invalid-argument' as const;

  constructor(
    readonly appName: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      [
        `${appName} config invalid:`,
        ...issues.map((issue) => `  - ${issue.variable}: ${issue.reason}`),
      ].join('\n'),
      { metadata: { appName, variables: issues.map((issue) => issue.variable).join(',') } },
    );
  }
}
