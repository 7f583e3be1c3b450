// NestJS entry (`@meridian/shared-observability/nest`): kept apart from the main entry because
// NestJS is ESM-only and the framework-free users of this lib should not load it.
export { ObservabilityModule } from './nest/observability.module';
export type { ObservabilityModuleOptions } from './nest/observability.module';
export { OBSERVABILITY_LOGGER } from './nest/observability.tokens';
export { PinoNestLogger } from './nest/pino.nest-logger';
