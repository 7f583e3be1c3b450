// Imported first by main.ts: the OpenTelemetry SDK must patch grpc-js, pg, ioredis and http
// before anything loads them, so it starts here from its own variables.
import { startServiceTelemetry, type TelemetryHandle } from '@meridian/shared-observability';

/** The running SDK; main.ts flushes it last at shutdown. */
export const telemetry: TelemetryHandle = startServiceTelemetry('portfolio');
