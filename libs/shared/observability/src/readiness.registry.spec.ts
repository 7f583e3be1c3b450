import { ReadinessCheckDuplicateError } from './observability.error';
import { ReadinessRegistry } from './readiness.registry';

describe('ReadinessRegistry', () => {
  it('is ready with no checks, and when every check is up', async () => {
    const readiness = new ReadinessRegistry();
    expect((await readiness.check()).status).toBe('ok');
    readiness.register('postgres', () => true);
    readiness.register('kafka', async () => ({ up: true, details: { partitions: 3 } }));
    expect(await readiness.check()).toEqual({
      status: 'ok',
      info: { postgres: { status: 'up' }, kafka: { status: 'up', partitions: 3 } },
      error: {},
      details: { postgres: { status: 'up' }, kafka: { status: 'up', partitions: 3 } },
    });
  });

  it('is not ready when one check is down, and says which', async () => {
    const readiness = new ReadinessRegistry();
    readiness.register('postgres', () => true);
    readiness.register('kafka', () => ({ up: false, details: { lagging: 'orders.commands.v1' } }));
    const report = await readiness.check();
    expect(report.status).toBe('error');
    expect(report.error).toEqual({ kafka: { status: 'down', lagging: 'orders.commands.v1' } });
    expect(report.info).toEqual({ postgres: { status: 'up' } });
  });

  it('turns a throwing or rejecting check into "down" with the error named', async () => {
    const readiness = new ReadinessRegistry();
    readiness.register('sync-throw', () => {
      throw new TypeError('pool not initialised');
    });
    readiness.register('rejects', () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:9092')));
    const report = await readiness.check();
    expect(report.status).toBe('error');
    expect(report.details['sync-throw']).toEqual({
      status: 'down',
      error: 'TypeError: pool not initialised',
    });
    expect(report.details['rejects']).toEqual({
      status: 'down',
      error: 'Error: ECONNREFUSED 127.0.0.1:9092',
    });
  });

  it('times out a check that hangs, and aborts its signal', async () => {
    const readiness = new ReadinessRegistry({ defaultTimeoutMs: 5000 });
    let aborted: unknown;
    readiness.register(
      'hangs',
      (signal) =>
        new Promise<boolean>(() => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason as unknown;
          });
        }),
      { timeoutMs: 50 },
    );
    const outcome = await readiness.evaluate('hangs');
    expect(outcome).toEqual({
      name: 'hangs',
      up: false,
      detail: {
        status: 'down',
        error:
          'OBSERVABILITY_READINESS_CHECK_TIMEOUT: readiness check "hangs" timed out after 50ms',
      },
    });
    expect(aborted).toBeInstanceOf(Error);
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a string', 'yes'],
    ['an object without up', { ok: true }],
  ])('treats a malformed result (%s) as down', async (_label: string, result: unknown) => {
    const readiness = new ReadinessRegistry();
    readiness.register('weird', () => result as boolean);
    const outcome = await readiness.evaluate('weird');
    expect(outcome.up).toBe(false);
    expect(outcome.detail.error).toMatch(/^TypeError: readiness check returned/);
  });

  it('does not let a check overwrite the reserved status and error fields', async () => {
    const readiness = new ReadinessRegistry();
    readiness.register('sneaky', () => ({
      up: false,
      details: { status: 'up', error: 'none', lag: 7 },
    }));
    expect((await readiness.evaluate('sneaky')).detail).toEqual({ status: 'down', lag: 7 });
  });

  it('refuses a duplicate name and frees it on unregister', async () => {
    const readiness = new ReadinessRegistry();
    const unregister = readiness.register('redis', () => false);
    expect(() => readiness.register('redis', () => true)).toThrow(ReadinessCheckDuplicateError);
    unregister();
    expect(readiness.names()).toEqual([]);
    readiness.register('redis', () => true);
    unregister(); // a stale disposer must not remove the new registration
    expect((await readiness.check()).status).toBe('ok');
    expect(readiness.names()).toEqual(['redis']);
  });

  it('reports an unknown name as down', async () => {
    expect((await new ReadinessRegistry().evaluate('nope')).detail.error).toBe(
      'no readiness check named "nope"',
    );
  });

  it('is not ready once shutting down, without running the checks', async () => {
    const readiness = new ReadinessRegistry();
    let runs = 0;
    readiness.register('db', () => ++runs > 0);
    await readiness.check();
    readiness.markShuttingDown();
    expect(readiness.shuttingDown).toBe(true);
    expect(await readiness.check()).toEqual({
      status: 'shutting_down',
      info: {},
      error: {},
      details: {},
    });
    expect(runs).toBe(1);
  });

  it('reports shutting_down when shutdown begins while checks run', async () => {
    const readiness = new ReadinessRegistry();
    readiness.register('slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return true;
    });
    const pending = readiness.check();
    readiness.markShuttingDown();
    expect((await pending).status).toBe('shutting_down');
  });
});
