import { LivenessMonitor } from './liveness.monitor';

function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy wait: the point is to starve the event loop.
  }
}

async function eventually(predicate: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (performance.now() < deadline) {
    if (predicate()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return predicate();
}

describe('LivenessMonitor', () => {
  let monitor: LivenessMonitor | undefined;

  afterEach(() => {
    monitor?.stop();
  });

  it('reports alive while the loop turns', async () => {
    monitor = new LivenessMonitor({ maxEventLoopLagMs: 1000, sampleIntervalMs: 20 }).start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const report = monitor.check();
    expect(report).toMatchObject({ alive: true, maxEventLoopLagMs: 1000 });
    expect(report.eventLoopLagMs).toBeLessThanOrEqual(1000);
  });

  it('reports not alive after the loop stalls beyond the limit, and recovers', async () => {
    monitor = new LivenessMonitor({
      maxEventLoopLagMs: 300,
      sampleIntervalMs: 20,
      stallMemoryMs: 500,
    }).start();
    blockEventLoop(800);
    // Seen even before the sampler gets to run again.
    const stalled = monitor.check();
    expect(stalled.alive).toBe(false);
    expect(stalled.eventLoopLagMs).toBeGreaterThanOrEqual(700);
    const current = monitor;
    expect(await eventually(() => current.check().alive, 3000)).toBe(true);
  });

  it('remembers a stall after the sampler has run again, so a late probe still sees it', async () => {
    monitor = new LivenessMonitor({ maxEventLoopLagMs: 100, sampleIntervalMs: 10 }).start();
    blockEventLoop(400);
    // Several samples run before this check; each sees a punctual timer.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const report = monitor.check();
    expect(report.alive).toBe(false);
    expect(report.eventLoopLagMs).toBeGreaterThanOrEqual(300);
  });

  it('has no opinion when stopped', () => {
    monitor = new LivenessMonitor({ maxEventLoopLagMs: 10, sampleIntervalMs: 5 }).start();
    monitor.stop();
    blockEventLoop(50);
    expect(monitor.check().alive).toBe(true);
  });
});
