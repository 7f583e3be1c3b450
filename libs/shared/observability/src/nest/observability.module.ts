import {
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { LivenessMonitor, type LivenessMonitorOptions } from '../liveness.monitor';
import { createLogger } from '../logger.factory';
import { MetricsRegistry } from '../metrics.registry';
import { ReadinessRegistry } from '../readiness.registry';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { OBSERVABILITY_LOGGER } from './observability.tokens';

export interface ObservabilityModuleOptions {
  /** Used for the default logger's `service` field. */
  serviceName: string;
  /** The process's metrics; pass the one the rest of `main.ts` uses. Default: a new one. */
  metrics?: MetricsRegistry;
  /** The process's readiness checks; pass one to share it with non-Nest code. Default: a new one. */
  readiness?: ReadinessRegistry;
  /** A monitor, or limits for the one the module creates and starts. */
  liveness?: LivenessMonitor | LivenessMonitorOptions;
  /** Provided under `OBSERVABILITY_LOGGER`. Default: `createLogger({ serviceName })`. */
  logger?: Logger;
}

const OWNS_LIVENESS = Symbol('OWNS_LIVENESS');

/**
 * Health and metrics endpoints for a Nest service: `GET /health/live`, `GET /health/ready`
 * (@nestjs/terminus over the `ReadinessRegistry`) and `GET /metrics`. Global, so any module can
 * inject `ReadinessRegistry` (to register checks in `onModuleInit`), `MetricsRegistry` and the
 * pino logger (`@Inject(OBSERVABILITY_LOGGER)`).
 *
 * When Nest closes (`app.close()`, or a signal with `enableShutdownHooks()`), readiness turns
 * down in this module's `onModuleDestroy`. Nest runs the modules' destroy hooks in an order the
 * app does not control, so for a strict "unready before draining" use `GracefulShutdown`, which
 * flips readiness before calling `app.close()`.
 */
@Module({})
export class ObservabilityModule implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  constructor(
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(LivenessMonitor) private readonly liveness: LivenessMonitor,
    @Inject(OWNS_LIVENESS) private readonly ownsLiveness: boolean,
  ) {}

  static forRoot(options: ObservabilityModuleOptions): DynamicModule {
    const ownsLiveness = !(options.liveness instanceof LivenessMonitor);
    const liveness =
      options.liveness instanceof LivenessMonitor
        ? options.liveness
        : new LivenessMonitor(options.liveness);
    return {
      module: ObservabilityModule,
      global: true,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: MetricsRegistry, useValue: options.metrics ?? new MetricsRegistry() },
        { provide: ReadinessRegistry, useValue: options.readiness ?? new ReadinessRegistry() },
        { provide: LivenessMonitor, useValue: liveness },
        { provide: OWNS_LIVENESS, useValue: ownsLiveness },
        {
          provide: OBSERVABILITY_LOGGER,
          useValue: options.logger ?? createLogger({ serviceName: options.serviceName }),
        },
      ],
      exports: [MetricsRegistry, ReadinessRegistry, LivenessMonitor, OBSERVABILITY_LOGGER],
    };
  }

  onModuleInit(): void {
    this.liveness.start();
  }

  onModuleDestroy(): void {
    this.readiness.markShuttingDown();
  }

  onApplicationShutdown(): void {
    if (this.ownsLiveness) {
      this.liveness.stop();
    }
  }
}
