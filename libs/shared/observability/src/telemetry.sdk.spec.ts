import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { createLogger } from './logger.factory';
import { TelemetryAlreadyStartedError } from './observability.error';
import { startRawGrpcServer } from './spec-support/raw-grpc.server';
import { defaultInstrumentations, startTelemetry, type TelemetryHandle } from './telemetry.sdk';
import { captureLogs } from './testing';
import { extractTraceContext, injectTraceContext } from './trace-context.propagation';
import { withSpan } from './with-span';

const OTLP_TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

describe('startTelemetry', () => {
  let handle: TelemetryHandle | undefined;

  afterEach(async () => {
    await handle?.shutdown();
    handle = undefined;
  });

  it('registers a tracer, the W3C propagators and the resource, without exporting by default', () => {
    handle = startTelemetry({
      serviceName: 'order-gateway',
      serviceVersion: '1.4.2',
      environment: 'staging',
      instrumentations: [],
    });
    expect(handle.exporting).toBe(false);
    expect(propagation.fields()).toEqual(expect.arrayContaining(['traceparent', 'baggage']));

    const span = trace.getTracer('spec').startSpan('probe');
    expect(span.isRecording()).toBe(true);
    expect(trace.isSpanContextValid(span.spanContext())).toBe(true);
    span.end();
    const resource = (span as unknown as ReadableSpan).resource.attributes;
    expect(resource).toMatchObject({
      'service.name': 'order-gateway',
      'service.version': '1.4.2',
      'deployment.environment.name': 'staging',
      'deployment.environment': 'staging',
    });
    expect(resource).not.toHaveProperty('process.command_args');
  });

  it('takes the environment from MERIDIAN_ENV when not given', () => {
    const previous = process.env['MERIDIAN_ENV'];
    process.env['MERIDIAN_ENV'] = 'prod-us-east1';
    try {
      handle = startTelemetry({ serviceName: 'executor', instrumentations: [] });
      const span = trace.getTracer('spec').startSpan('probe');
      span.end();
      expect(
        (span as unknown as ReadableSpan).resource.attributes['deployment.environment.name'],
      ).toBe('prod-us-east1');
    } finally {
      if (previous === undefined) {
        delete process.env['MERIDIAN_ENV'];
      } else {
        process.env['MERIDIAN_ENV'] = previous;
      }
    }
  });

  it('continues an incoming trace and puts its ids in the logs', () => {
    handle = startTelemetry({ serviceName: 'executor', instrumentations: [] });
    const logs = captureLogs();
    const logger = createLogger({ serviceName: 'executor', destination: logs.destination });
    const parent = extractTraceContext(
      { traceparent: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') },
      ROOT_CONTEXT,
    );
    const headers = withSpan(
      'consume',
      {},
      () => {
        logger.info('matched');
        return injectTraceContext({});
      },
      { parent },
    );
    const [line] = logs.lines();
    expect(line).toMatchObject({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(line?.['span_id']).not.toBe('00f067aa0ba902b7');
    expect(headers['traceparent']).toBe(
      `00-4bf92f3577b34da6a3ce929d0e0e4736-${String(line?.['span_id'])}-01`,
    );
  });

  it('refuses a second start while running, and allows one after shutdown', async () => {
    handle = startTelemetry({ serviceName: 'first', instrumentations: [] });
    expect(() => startTelemetry({ serviceName: 'second', instrumentations: [] })).toThrow(
      TelemetryAlreadyStartedError,
    );
    const first = handle;
    const stopping = first.shutdown();
    expect(first.shutdown()).toBe(stopping);
    await stopping;
    expect(trace.getTracer('spec').startSpan('after').isRecording()).toBe(false);
    handle = startTelemetry({ serviceName: 'second', instrumentations: [] });
    const span = trace.getTracer('spec').startSpan('again');
    expect(span.isRecording()).toBe(true);
    span.end();
  });

  it('keeps propagation working after shutdown', async () => {
    const running = startTelemetry({ serviceName: 'x', instrumentations: [] });
    await running.shutdown();
    const ctx = extractTraceContext(
      { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      ROOT_CONTEXT,
    );
    expect(context.with(ctx, () => injectTraceContext({}))['traceparent']).toBe(
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    );
  });

  it('exports spans over OTLP/gRPC and flushes them on shutdown', async () => {
    const collector = await startRawGrpcServer(OTLP_TRACE_EXPORT);
    try {
      handle = startTelemetry({
        serviceName: 'tick-writer',
        otlpEndpoint: `http://${collector.address}`,
        instrumentations: [],
      });
      expect(handle.exporting).toBe(true);
      withSpan('ticks.copy-batch', { 'batch.size': 512 }, () => undefined);
      // Still in the batch processor's queue: nothing sent before the flush.
      expect(collector.calls).toHaveLength(0);
      await handle.shutdown();
      const body = Buffer.concat(collector.calls.map((call) => call.body)).toString('latin1');
      expect(body).toContain('ticks.copy-batch');
      expect(body).toContain('tick-writer');
      expect(body).toContain('batch.size');
    } finally {
      await collector.close();
    }
  });

  it('reports a failed flush when the collector is unreachable, and still stops', async () => {
    const collector = await startRawGrpcServer(OTLP_TRACE_EXPORT);
    const address = collector.address;
    await collector.close();
    const unreachable = startTelemetry({
      serviceName: 'x',
      otlpEndpoint: `http://${address}`,
      instrumentations: [],
    });
    withSpan('lost', {}, () => undefined);
    await expect(unreachable.shutdown()).rejects.toThrow(/UNAVAILABLE/);
    expect(trace.getTracer('spec').startSpan('after').isRecording()).toBe(false);
    handle = startTelemetry({ serviceName: 'y', instrumentations: [] });
    expect(handle.serviceName).toBe('y');
  });
});

describe('defaultInstrumentations', () => {
  // Constructing an instrumentation enables it; disable them so this worker's modules stay unpatched.
  function created(): ReturnType<typeof defaultInstrumentations> {
    const list = defaultInstrumentations();
    for (const instrumentation of list.flat()) {
      instrumentation.disable();
    }
    return list;
  }

  it('covers http, grpc, pg and ioredis', () => {
    const names = created()
      .flat()
      .map((instrumentation) => instrumentation.instrumentationName);
    expect(names).toEqual([
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-grpc',
      '@opentelemetry/instrumentation-pg',
      '@opentelemetry/instrumentation-ioredis',
    ]);
  });

  it('keeps probes and scrapes out of the traces', () => {
    const [http] = created().flat();
    const ignore = (
      http?.getConfig() as { ignoreIncomingRequestHook?: (req: { url?: string }) => boolean }
    ).ignoreIncomingRequestHook;
    expect(ignore?.({ url: '/health/ready' })).toBe(true);
    expect(ignore?.({ url: '/metrics?x=1' })).toBe(true);
    expect(ignore?.({ url: '/orders' })).toBe(false);
  });
});
