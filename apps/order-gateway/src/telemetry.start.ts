// Imported first by main.ts: the OpenTelemetry SDK must patch grpc-js, pg, ioredis and http
// before anything loads them (the full config already pulls in the generated gRPC code), so it
// starts here from its own variables, before the rest of the app is required.
import { loadConfig, observabilityConfig } from '@meridian/shared-config';
import { startTelemetry, type TelemetryHandle } from '@meridian/shared-observability';

function start(): TelemetryHandle {
  try {
    const { observability } = loadConfig(
      { observability: observabilityConfig({ serviceName: 'order-gateway' }) },
      { appName: 'order-gateway' },
    );
    return startTelemetry({
      serviceName: observability.serviceName,
      ...(observability.otlpEndpoint === undefined
        ? {}
        : { otlpEndpoint: observability.otlpEndpoint }),
    });
  } catch (error: unknown) {
    process.stderr.write(
      `order-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}

/** The running SDK; main.ts flushes it last at shutdown. */
export const telemetry: TelemetryHandle = start();
