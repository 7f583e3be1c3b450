import { type DynamicModule, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ObservabilityModule } from '@meridian/shared-observability/nest';
import { APP_CONFIG } from '@meridian/shared-config/nest';
import type { GatewayConnections, GatewayRuntime } from './order-gateway.runtime';

/** Injection token of the gateway's runtime (gRPC server, events consumer). */
export const GATEWAY_RUNTIME = Symbol.for('meridian.order-gateway.runtime');
const CONNECTIONS = Symbol.for('meridian.order-gateway.connections');

/**
 * The order gateway's Nest application: the ops endpoints (/metrics, /health/live,
 * /health/ready over the shared readiness registry) and, at bootstrap, readiness checks for its
 * dependencies, the events consumer and the gRPC server (grpc-js, ADR 0006).
 */
@Module({})
export class AppModule implements OnApplicationBootstrap {
  constructor(
    @Inject(CONNECTIONS) private readonly connections: GatewayConnections,
    @Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime,
  ) {}

  static register(connections: GatewayConnections, runtime: GatewayRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          serviceName: connections.config.observability.serviceName,
          metrics: connections.metrics,
          readiness: connections.readiness,
          logger: connections.logger,
        }),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: connections.config },
        { provide: CONNECTIONS, useValue: connections },
        { provide: GATEWAY_RUNTIME, useValue: runtime },
      ],
      exports: [APP_CONFIG, GATEWAY_RUNTIME],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const { db, redis, producer, readiness, config, logger } = this.connections;
    const { consumer, controlsConsumer, pricesConsumer, server } = this.runtime;
    readiness.register('postgres', async () => {
      await db.healthCheck(1000);
      return true;
    });
    readiness.register('redis', async () => (await redis.ping()) === 'PONG');
    readiness.register('kafka-producer', () => producer.isConnected());
    readiness.register('events-consumer', () => ({
      up: consumer.isReady(),
      details: { failure: consumer.failure()?.message },
    }));
    readiness.register('risk-controls-consumer', () => ({
      up: controlsConsumer.isReady(),
      details: { failure: controlsConsumer.failure()?.message },
    }));
    await consumer.start();
    await controlsConsumer.start();
    // Not a readiness condition: without market prices the band centres on the static reference.
    await pricesConsumer.start();
    const port = await server.listen(config.grpc.host, config.grpc.port);
    logger.info({ grpcPort: port, host: config.grpc.host }, 'order gateway listening');
  }
}
