import {
  Inject,
  type INestApplication,
  Injectable,
  Module,
  type OnModuleInit,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Logger } from 'pino';
import { createLogger } from '../logger.factory';
import { MetricsRegistry } from '../metrics.registry';
import { ReadinessRegistry } from '../readiness.registry';
import { captureLogs } from '../testing';
import { OBSERVABILITY_LOGGER } from './observability.tokens';
import { ObservabilityModule } from './observability.module';

/** A feature module reporting its own readiness, as a Kafka consumer module would. */
const consumerState = { connected: true, throwOnCheck: false };

@Injectable()
class FakeConsumerHealth implements OnModuleInit {
  constructor(
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
    @Inject(OBSERVABILITY_LOGGER) readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.readiness.register('kafka-consumer', () => {
      if (consumerState.throwOnCheck) {
        throw new Error('group coordinator not available');
      }
      return { up: consumerState.connected, details: { groupId: 'executor' } };
    });
    this.metrics
      .red('orders_commands_consume', { labelNames: ['topic'] })
      .observe({ topic: 'orders.commands.v1' }, 0.002, 'ok');
  }
}

@Module({ providers: [FakeConsumerHealth] })
class FakeConsumerModule {}

describe('ObservabilityModule over real HTTP', () => {
  let app: INestApplication;
  let baseUrl: string;
  const readiness = new ReadinessRegistry({ defaultTimeoutMs: 1000 });
  const metrics = new MetricsRegistry();
  const logs = captureLogs();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'executor',
          readiness,
          metrics,
          logger: createLogger({ serviceName: 'executor', destination: logs.destination }),
        }),
        FakeConsumerModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });

  afterEach(() => {
    consumerState.connected = true;
    consumerState.throwOnCheck = false;
  });

  afterAll(async () => {
    await app.close();
  });

  async function get(
    path: string,
  ): Promise<{ status: number; json: () => unknown; text: string; type: string | null }> {
    const res = await fetch(`${baseUrl}${path}`);
    const text = await res.text();
    return {
      status: res.status,
      text,
      type: res.headers.get('content-type'),
      json: () => JSON.parse(text) as unknown,
    };
  }

  it('answers GET /health/live with 200', async () => {
    const res = await get('/health/live');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      details: { event_loop: { status: 'up', maxEventLoopLagMs: 5000 } },
    });
  });

  it('answers GET /health/ready with 200 when the registered checks are up', async () => {
    const res = await get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      details: { 'kafka-consumer': { status: 'up', groupId: 'executor' } },
    });
  });

  it('answers GET /health/ready with 503 when a check is down', async () => {
    consumerState.connected = false;
    const res = await get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'error',
      error: { 'kafka-consumer': { status: 'down', groupId: 'executor' } },
    });
  });

  it('answers 503 naming the error when a check throws, and keeps serving', async () => {
    consumerState.throwOnCheck = true;
    const res = await get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({
      error: {
        'kafka-consumer': { status: 'down', error: 'Error: group coordinator not available' },
      },
    });
    expect((await get('/health/live')).status).toBe(200);
  });

  it('answers 503 with a timeout when a check hangs', async () => {
    const unregister = readiness.register('hangs', () => new Promise<boolean>(() => undefined), {
      timeoutMs: 50,
    });
    try {
      const res = await get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.json()).toMatchObject({
        error: {
          hangs: {
            status: 'down',
            error:
              'OBSERVABILITY_READINESS_CHECK_TIMEOUT: readiness check "hangs" timed out after 50ms',
          },
        },
        info: { 'kafka-consumer': { status: 'up' } },
      });
    } finally {
      unregister();
    }
  });

  it('answers GET /metrics with default and custom metrics', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('nodejs_eventloop_lag_seconds');
    expect(res.text).toContain(
      'orders_commands_consume_requests_total{topic="orders.commands.v1",outcome="ok"} 1',
    );
  });

  it('answers 404 for an unknown route', async () => {
    expect((await get('/health/unknown')).status).toBe(404);
    expect((await get('/nope')).status).toBe(404);
  });

  it('injects the configured logger', () => {
    app.get(FakeConsumerHealth).logger.info('from a feature module');
    const line = logs.lines().find((l) => l['msg'] === 'from a feature module');
    expect(line).toMatchObject({ service: 'executor', level: 'info' });
  });
});

describe('ObservabilityModule shutdown', () => {
  it('turns readiness down when the app closes', async () => {
    const readiness = new ReadinessRegistry();
    const moduleRef = await Test.createTestingModule({
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'gateway',
          readiness,
          logger: createLogger({ serviceName: 'gateway', level: 'silent' }),
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    expect((await fetch(`${await app.getUrl()}/health/ready`)).status).toBe(200);
    await app.close();
    expect(readiness.shuttingDown).toBe(true);
  });

  it('answers 503 shutting_down on /health/ready once shutdown began', async () => {
    const readiness = new ReadinessRegistry();
    const moduleRef = await Test.createTestingModule({
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'gateway',
          readiness,
          logger: createLogger({ serviceName: 'gateway', level: 'silent' }),
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      readiness.markShuttingDown();
      const res = await fetch(`${await app.getUrl()}/health/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'shutting_down' });
    } finally {
      await app.close();
    }
  });
});
