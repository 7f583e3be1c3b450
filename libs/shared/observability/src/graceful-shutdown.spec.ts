import { GracefulShutdown } from './graceful-shutdown';
import { createLogger } from './logger.factory';
import { ReadinessRegistry } from './readiness.registry';
import { captureLogs } from './testing';

function setup(options: { drainDelayMs?: number; timeoutMs?: number } = {}) {
  const readiness = new ReadinessRegistry();
  const logs = captureLogs();
  const exits: number[] = [];
  const shutdown = new GracefulShutdown({
    readiness,
    logger: createLogger({ serviceName: 'spec', destination: logs.destination }),
    drainDelayMs: options.drainDelayMs ?? 10,
    timeoutMs: options.timeoutMs ?? 2000,
    exit: (code) => exits.push(code),
  });
  return { readiness, logs, exits, shutdown };
}

describe('GracefulShutdown', () => {
  it('turns readiness down before any hook runs, then drains in order and exits 0', async () => {
    const { readiness, exits, shutdown } = setup({ drainDelayMs: 30 });
    const order: string[] = [];
    let readyWhenHookRan: string | undefined;
    shutdown
      .onShutdown('http', async () => {
        readyWhenHookRan = (await readiness.check()).status;
        order.push('http');
      })
      .onShutdown('kafka', () => {
        order.push('kafka');
      })
      .onShutdown('telemetry', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push('telemetry');
      });

    const done = shutdown.shutdown('SIGTERM');
    expect(readiness.shuttingDown).toBe(true);
    expect(order).toEqual([]);
    await expect(done).resolves.toBe(0);
    expect(readyWhenHookRan).toBe('shutting_down');
    expect(order).toEqual(['http', 'kafka', 'telemetry']);
    expect(exits).toEqual([0]);
  });

  it('runs the remaining hooks after one fails, and exits 1', async () => {
    const { exits, logs, shutdown } = setup();
    const ran: string[] = [];
    shutdown
      .onShutdown('consumer', () => {
        throw new Error('disconnect failed');
      })
      .onShutdown('telemetry', () => {
        ran.push('telemetry');
      });
    await expect(shutdown.shutdown('SIGTERM')).resolves.toBe(1);
    expect(ran).toEqual(['telemetry']);
    expect(exits).toEqual([1]);
    const failure = logs.lines().find((line) => line['hook'] === 'consumer');
    expect(failure).toMatchObject({
      level: 'error',
      msg: 'shutdown hook failed',
      err: { message: 'disconnect failed' },
    });
  });

  it('gives up on a hook that hangs after the timeout, and exits 1', async () => {
    const { exits, logs, shutdown } = setup({ timeoutMs: 50 });
    shutdown.onShutdown('stuck', () => new Promise<void>(() => undefined));
    await expect(shutdown.shutdown('SIGTERM')).resolves.toBe(1);
    expect(exits).toEqual([1]);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ msg: 'shutdown timed out; exiting anyway' }),
    );
  });

  it('runs once however often it is triggered', async () => {
    const { exits, shutdown } = setup();
    let runs = 0;
    shutdown.onShutdown('count', () => {
      runs += 1;
    });
    const first = shutdown.shutdown('SIGTERM');
    const second = shutdown.shutdown('SIGINT');
    expect(second).toBe(first);
    await first;
    expect(runs).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('starts on a signal once listening, and not after the listener is removed', async () => {
    const { readiness, exits, shutdown } = setup();
    const remove = shutdown.listen(['SIGUSR2']);
    const before = process.listenerCount('SIGUSR2');
    remove();
    expect(process.listenerCount('SIGUSR2')).toBe(before - 1);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(readiness.shuttingDown).toBe(false);

    const removeAgain = shutdown.listen(['SIGUSR2']);
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(readiness.shuttingDown).toBe(true);
      await shutdown.shutdown('again');
      expect(exits).toEqual([0]);
    } finally {
      removeAgain();
    }
  });
});
