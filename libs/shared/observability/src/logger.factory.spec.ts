import { errorCode, MeridianError } from '@meridian/shared-errors';
import { childLogger, createLogger, REDACTION_CENSOR } from './logger.factory';
import { captureLogs, startTestTracing, type TestTracing } from './testing';
import { withSpan } from './with-span';

const SAMPLE_CODE = errorCode('OBSERVABILITY_LOG_SPEC_SAMPLE', 'LogSpecSampleError');

class LogSpecSampleError extends MeridianError {
  readonly code = SAMPLE_CODE;
  readonly category = 'unavailable' as const;
  constructor() {
    super('broker down', { metadata: { broker: 'b1' } });
  }
}

let tracing: TestTracing;

beforeAll(() => {
  tracing = startTestTracing();
});

afterAll(async () => {
  await tracing.shutdown();
});

describe('createLogger', () => {
  it('writes JSON lines with ISO time, level label and service', () => {
    const logs = captureLogs();
    createLogger({ serviceName: 'order-gateway', destination: logs.destination }).info(
      { orderId: 'o-1' },
      'accepted',
    );
    const [line] = logs.lines();
    expect(line).toMatchObject({
      level: 'info',
      service: 'order-gateway',
      orderId: 'o-1',
      msg: 'accepted',
    });
    expect(line?.['time']).toEqual(
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    );
    expect(line).not.toHaveProperty('pid');
  });

  it('adds trace_id and span_id of the active span, and only inside a span', async () => {
    const logs = captureLogs();
    const logger = createLogger({ serviceName: 'executor', destination: logs.destination });
    logger.info('before');
    await withSpan('match', {}, async () => {
      logger.info('sync inside');
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.info('after await inside');
    });
    logger.info('after');
    const [before, inside, afterAwait, after] = logs.lines();
    const span = tracing.span('match').spanContext();
    expect(before).not.toHaveProperty('trace_id');
    expect(before).not.toHaveProperty('span_id');
    expect(inside).toMatchObject({ trace_id: span.traceId, span_id: span.spanId });
    expect(afterAwait).toMatchObject({ trace_id: span.traceId, span_id: span.spanId });
    expect(after).not.toHaveProperty('trace_id');
  });

  it('respects the level', () => {
    const logs = captureLogs();
    const logger = createLogger({ serviceName: 's', level: 'warn', destination: logs.destination });
    logger.info('dropped');
    logger.debug('dropped');
    logger.warn('kept');
    expect(logs.lines().map((line) => line['msg'])).toEqual(['kept']);
  });

  it('redacts secrets at the top level and nested up to two levels', () => {
    const logs = captureLogs();
    const logger = createLogger({ serviceName: 's', destination: logs.destination });
    logger.info(
      {
        password: 'hunter2',
        apiKey: 'ak-123',
        agent: { id: 'a-1', token: 'tok-1' },
        req: { headers: { authorization: 'Bearer xyz', 'content-type': 'application/json' } },
      },
      'login',
    );
    const [line] = logs.lines();
    expect(line).toMatchObject({
      password: REDACTION_CENSOR,
      apiKey: REDACTION_CENSOR,
      agent: { id: 'a-1', token: REDACTION_CENSOR },
      req: { headers: { authorization: REDACTION_CENSOR, 'content-type': 'application/json' } },
    });
    expect(logs.text()).not.toMatch(/hunter2|ak-123|tok-1|xyz/);
  });

  it('redacts extra paths given by the caller', () => {
    const logs = captureLogs();
    const logger = createLogger({
      serviceName: 's',
      destination: logs.destination,
      redactPaths: ['req.headers["x-api-key"]'],
    });
    logger.info({ req: { headers: { 'x-api-key': 'k-999' } } }, 'call');
    expect(logs.text()).not.toContain('k-999');
    expect(logs.lines()[0]).toMatchObject({ req: { headers: { 'x-api-key': REDACTION_CENSOR } } });
  });

  it('serialises errors under err with their MeridianError code', () => {
    const logs = captureLogs();
    createLogger({ serviceName: 's', destination: logs.destination }).error(
      { err: new LogSpecSampleError() },
      'failed',
    );
    const err = logs.lines()[0]?.['err'] as Record<string, unknown>;
    expect(err).toMatchObject({
      type: 'LogSpecSampleError',
      message: 'broker down',
      code: 'OBSERVABILITY_LOG_SPEC_SAMPLE',
    });
    expect(err['stack']).toEqual(expect.stringContaining('LogSpecSampleError'));
  });
});

describe('childLogger', () => {
  it('tags the component and keeps trace ids and redaction', () => {
    const logs = captureLogs();
    const child = childLogger(
      createLogger({ serviceName: 's', destination: logs.destination }),
      'kafka-consumer',
      {
        topic: 'orders.commands.v1',
      },
    );
    withSpan('consume', {}, () => child.info({ token: 't-1' }, 'received'));
    const span = tracing.span('consume').spanContext();
    expect(logs.lines()[0]).toMatchObject({
      component: 'kafka-consumer',
      topic: 'orders.commands.v1',
      service: 's',
      trace_id: span.traceId,
      token: REDACTION_CENSOR,
    });
  });
});
