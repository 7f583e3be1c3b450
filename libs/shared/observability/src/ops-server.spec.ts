import { LivenessMonitor } from './liveness.monitor';
import { MetricsRegistry } from './metrics.registry';
import { type OpsServer, startOpsServer } from './ops-server';
import { ReadinessRegistry } from './readiness.registry';

let metrics: MetricsRegistry;
let readiness: ReadinessRegistry;
let server: OpsServer;

beforeEach(async () => {
  metrics = new MetricsRegistry();
  readiness = new ReadinessRegistry({ defaultTimeoutMs: 1000 });
  server = await startOpsServer({ port: 0, metrics, readiness });
});

afterEach(async () => {
  await server.close();
});

async function get(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`, init);
  return { status: res.status, body: await res.text(), headers: res.headers };
}

describe('startOpsServer', () => {
  it('binds 127.0.0.1 on an ephemeral port by default', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers /health/live with 200 while the loop turns', async () => {
    const res = await get('/health/live');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'ok', alive: true });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers /health/live with 503 when the event loop stalled', async () => {
    const liveness = new LivenessMonitor({ maxEventLoopLagMs: 100, sampleIntervalMs: 10 }).start();
    const stalled = await startOpsServer({ port: 0, metrics, readiness, liveness });
    try {
      const until = performance.now() + 400;
      while (performance.now() < until) {
        // starve the loop
      }
      const res = await fetch(`${stalled.url}/health/live`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'error', alive: false });
    } finally {
      await stalled.close();
      liveness.stop();
    }
  });

  it('answers /health/ready with 200 when every check is up and 503 when one is down', async () => {
    let kafkaUp = true;
    readiness.register('postgres', () => true);
    readiness.register('kafka', () => kafkaUp);
    const up = await get('/health/ready');
    expect(up.status).toBe(200);
    expect(JSON.parse(up.body)).toMatchObject({
      status: 'ok',
      details: { postgres: { status: 'up' }, kafka: { status: 'up' } },
    });

    kafkaUp = false;
    const down = await get('/health/ready');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({
      status: 'error',
      error: { kafka: { status: 'down' } },
    });
  });

  it('answers 503 naming the error when a readiness check throws, and keeps serving', async () => {
    readiness.register('vault', () => {
      throw new RangeError('lease expired');
    });
    const res = await get('/health/ready');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({
      error: { vault: { status: 'down', error: 'RangeError: lease expired' } },
    });
    expect((await get('/health/live')).status).toBe(200);
  });

  it('answers 503 with a timeout when a readiness check hangs', async () => {
    readiness.register('hangs', () => new Promise<boolean>(() => undefined), { timeoutMs: 50 });
    const res = await get('/health/ready');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({
      error: {
        hangs: {
          status: 'down',
          error:
            'OBSERVABILITY_READINESS_CHECK_TIMEOUT: readiness check "hangs" timed out after 50ms',
        },
      },
    });
  });

  it('answers /health/ready with 503 shutting_down once shutdown began', async () => {
    readiness.register('postgres', () => true);
    readiness.markShuttingDown();
    const res = await get('/health/ready');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'shutting_down' });
  });

  it('serves default and custom metrics as Prometheus text', async () => {
    metrics
      .red('orders_submit', { labelNames: ['method'] })
      .observe({ method: 'limit' }, 0.003, 'ok');
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('process_cpu_user_seconds_total');
    expect(res.body).toContain('orders_submit_requests_total{method="limit",outcome="ok"} 1');
    expect(res.body).toContain(
      'orders_submit_duration_seconds_bucket{le="0.005",method="limit",outcome="ok"} 1',
    );
  });

  it('answers 500 when a metric fails to collect, and stays up', async () => {
    metrics.gauge('broken', { help: 'x' });
    const failing = metrics.registry.getSingleMetric('broken');
    // A collect callback that throws, as a buggy library gauge might.
    Object.assign(failing ?? {}, {
      collect: () => {
        throw new Error('collector crashed');
      },
    });
    const res = await get('/metrics');
    expect(res.status).toBe(500);
    expect((await get('/health/live')).status).toBe(200);
  });

  it('answers 404 for unknown routes and 405 for other methods', async () => {
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/health')).status).toBe(404);
    const post = await get('/metrics', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('ignores the query string', async () => {
    expect((await get('/health/live?verbose=1')).status).toBe(200);
  });

  it('fails to start on a port that is taken', async () => {
    await expect(startOpsServer({ port: server.port, metrics, readiness })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('stops accepting connections after close', async () => {
    const other = await startOpsServer({ port: 0, metrics, readiness });
    expect((await fetch(`${other.url}/health/live`)).status).toBe(200);
    await other.close();
    await expect(fetch(`${other.url}/health/live`)).rejects.toThrow();
  });
});
