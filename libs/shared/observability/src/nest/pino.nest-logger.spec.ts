import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createLogger } from '../logger.factory';
import { captureLogs } from '../testing';
import { PinoNestLogger } from './pino.nest-logger';

@Controller('boom')
class BoomController {
  @Get()
  boom(): never {
    throw new Error('handler exploded');
  }
}

@Module({ controllers: [BoomController] })
class BoomModule {}

describe('PinoNestLogger', () => {
  it('maps Nest levels and context onto pino JSON lines', () => {
    const logs = captureLogs();
    const nest = new PinoNestLogger(
      createLogger({ serviceName: 's', level: 'trace', destination: logs.destination }),
    );
    nest.log('mapped routes', 'RouterExplorer');
    nest.warn({ event: 'slow-start', ms: 1200 }, 'InstanceLoader');
    nest.verbose('details');
    nest.error('failed', 'Error: failed\n    at main (main.ts:1:1)', 'ExceptionHandler');
    const [log, warn, verbose, error, ...rest] = logs.lines();
    expect(rest).toEqual([]);
    expect(log).toMatchObject({ level: 'info', msg: 'mapped routes', context: 'RouterExplorer' });
    expect(warn).toMatchObject({
      level: 'warn',
      event: 'slow-start',
      ms: 1200,
      context: 'InstanceLoader',
    });
    expect(verbose).toMatchObject({ level: 'trace', msg: 'details' });
    expect(error).toMatchObject({ level: 'error', msg: 'failed', context: 'ExceptionHandler' });
    expect(error?.['stack']).toContain('at main (main.ts:1:1)');
  });

  it('receives the errors Nest logs for a failing handler', async () => {
    const logs = captureLogs();
    const moduleRef = await Test.createTestingModule({ imports: [BoomModule] }).compile();
    const app: INestApplication = moduleRef.createNestApplication({
      logger: new PinoNestLogger(createLogger({ serviceName: 's', destination: logs.destination })),
    });
    await app.listen(0, '127.0.0.1');
    try {
      expect((await fetch(`${await app.getUrl()}/boom`)).status).toBe(500);
      const line = logs.lines().find((l) => l['level'] === 'error');
      expect(line).toMatchObject({ err: { message: 'handler exploded' } });
    } finally {
      await app.close();
    }
  });
});
