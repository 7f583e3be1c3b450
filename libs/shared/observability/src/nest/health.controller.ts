import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { LivenessMonitor } from '../liveness.monitor';
import { type ReadinessDetail, ReadinessRegistry } from '../readiness.registry';

function withoutStatus(detail: ReadinessDetail): Record<string, unknown> {
  const { status: _status, ...rest } = detail;
  return rest;
}

/** `GET /health/live` and `GET /health/ready`, answered through @nestjs/terminus. */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(LivenessMonitor) private readonly liveness: LivenessMonitor,
  ) {}

  /** 200 while the event loop turns; 503 when it stalls beyond the allowed lag. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([
      (): HealthIndicatorResult => {
        const { alive, ...data } = this.liveness.check();
        const session = this.indicators.check('event_loop');
        return alive ? session.up(data) : session.down(data);
      },
    ]);
  }

  /** 200 when every registered readiness check is up; 503 with the failing ones, or once shutting down. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    if (this.readiness.shuttingDown) {
      throw new ServiceUnavailableException({
        status: 'shutting_down',
        info: {},
        error: {},
        details: {},
      });
    }
    return this.health.check(
      this.readiness.names().map((name) => async (): Promise<HealthIndicatorResult> => {
        // The registry owns timeouts and error capture, so Nest and the ops server agree.
        const outcome = await this.readiness.evaluate(name);
        const session = this.indicators.check(name);
        return outcome.up
          ? session.up(withoutStatus(outcome.detail))
          : session.down(withoutStatus(outcome.detail));
      }),
    );
  }
}
