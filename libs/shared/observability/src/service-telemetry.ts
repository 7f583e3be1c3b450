import { loadConfig, observabilityConfig } from '@meridian/shared-config';
import { startTelemetry, type TelemetryHandle } from './telemetry.sdk';

/**
 * Starts OpenTelemetry for a service from its observability variables alone (SERVICE_NAME,
 * OTEL_EXPORTER_OTLP_ENDPOINT, ...). For a `telemetry.start.ts` imported first by `main.ts`:
 * the SDK must patch grpc-js, pg, ioredis and http before anything loads them, so it cannot
 * wait for the full config. A bad variable ends the process with a message naming it.
 */
export function startServiceTelemetry(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): TelemetryHandle {
  try {
    const { observability } = loadConfig(
      { observability: observabilityConfig({ serviceName }) },
      { appName: serviceName, env },
    );
    return startTelemetry({
      serviceName: observability.serviceName,
      sampleRatio: observability.traceSampleRatio,
      ...(observability.otlpEndpoint === undefined
        ? {}
        : { otlpEndpoint: observability.otlpEndpoint }),
    });
  } catch (error: unknown) {
    process.stderr.write(
      `${serviceName} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
