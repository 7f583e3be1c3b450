import { type DynamicModule, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { type Executor } from '@meridian/orders-feature-execution';
import {
  type Logger,
  type MetricsRegistry,
  type ReadinessRegistry,
} from '@meridian/shared-observability';
import { ObservabilityModule } from '@meridian/shared-observability/nest';

/** What `main.ts` builds before Nest starts: the executor and the process's observability. */
export interface ExecutorConnections {
  readonly serviceName: string;
  readonly executor: Executor;
  readonly metrics: MetricsRegistry;
  readonly readiness: ReadinessRegistry;
  readonly logger: Logger;
}

/** Injection token of the executor (framework-free; Nest only owns its lifecycle). */
export const EXECUTOR = Symbol.for('meridian.executor.executor');
const CONNECTIONS = Symbol.for('meridian.executor.connections');

/**
 * The executor's Nest application: the ops endpoints (/metrics, /health/live, /health/ready over
 * the shared readiness registry) and, at bootstrap, the executor's readiness check. The hot path
 * (kafkajs callbacks, worker pool) never goes through Nest: `main.ts` builds the executor and
 * starts it once the endpoints listen (liveness must answer during a long replay); stopping is
 * ordered by `GracefulShutdown` there (executor first, then Nest).
 */
@Module({})
export class ExecutorAppModule implements OnApplicationBootstrap {
  constructor(@Inject(CONNECTIONS) private readonly connections: ExecutorConnections) {}

  static register(connections: ExecutorConnections): DynamicModule {
    return {
      module: ExecutorAppModule,
      imports: [
        ObservabilityModule.forRoot({
          serviceName: connections.serviceName,
          metrics: connections.metrics,
          readiness: connections.readiness,
          logger: connections.logger,
        }),
      ],
      providers: [
        { provide: CONNECTIONS, useValue: connections },
        { provide: EXECUTOR, useValue: connections.executor },
      ],
      exports: [EXECUTOR],
    };
  }

  onApplicationBootstrap(): void {
    const { executor, readiness } = this.connections;
    readiness.register('executor', () => ({
      up: executor.isReady(),
      details: { failure: executor.failure()?.message },
    }));
  }
}
