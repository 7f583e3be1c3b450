/**
 * Order gateway service:
 * `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/order-gateway/src/main.ts`
 * (or `npx nx run order-gateway:serve`). Wiring only; the code is in @meridian/orders-feature-gateway.
 */
// Keep this import first: it starts telemetry before the modules below are loaded.
import { telemetry } from './telemetry.start';
import 'reflect-metadata';
import { bootstrap } from './bootstrap';

bootstrap(telemetry).catch((error: unknown) => {
  // The logger may not exist yet (config errors): stderr is the only channel left.
  process.stderr.write(
    `order-gateway failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
