import { SpanKind, SpanStatusCode, ROOT_CONTEXT } from '@opentelemetry/api';
import { errorCode, MeridianError } from '@meridian/shared-errors';
import { startTestTracing, type TestTracing } from './testing';
import { extractTraceContext } from './trace-context.propagation';
import { TRACER_NAME, withSpan } from './with-span';

const SAMPLE_CODE = errorCode('OBSERVABILITY_SPEC_SAMPLE', 'SpecSampleError');

class SpecSampleError extends MeridianError {
  readonly code = SAMPLE_CODE;
  readonly category = 'failed-precondition' as const;
  constructor() {
    super('limit exceeded');
  }
}

let tracing: TestTracing;

beforeAll(() => {
  tracing = startTestTracing();
});

afterEach(() => {
  tracing.exporter.reset();
});

afterAll(async () => {
  await tracing.shutdown();
});

describe('withSpan', () => {
  it('returns the value of a sync function and ends the span with status UNSET', () => {
    const result = withSpan('price.check', { 'order.symbol': 'BTC-USD' }, (span) => {
      span.setAttribute('order.side', 'buy');
      return 42;
    });
    expect(result).toBe(42);
    const span = tracing.span('price.check');
    expect(span.ended).toBe(true);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toEqual({ 'order.symbol': 'BTC-USD', 'order.side': 'buy' });
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.instrumentationScope.name).toBe(TRACER_NAME);
  });

  it('ends an async span only after the promise settles', async () => {
    let release: () => void = () => undefined;
    const pending = withSpan(
      'slow',
      {},
      () => new Promise<string>((resolve) => (release = () => resolve('done'))),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(tracing.finishedSpans()).toHaveLength(0);
    release();
    await expect(pending).resolves.toBe('done');
    expect(tracing.span('slow').ended).toBe(true);
  });

  it('records a sync throw as an exception with status ERROR and re-throws it', () => {
    expect(() =>
      withSpan('explode', {}, () => {
        throw new TypeError('bad input');
      }),
    ).toThrow('bad input');
    const span = tracing.span('explode');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad input' });
    expect(span.attributes['error.type']).toBe('TypeError');
    expect(span.events.map((event) => event.name)).toEqual(['exception']);
    expect(span.events[0]?.attributes?.['exception.message']).toBe('bad input');
  });

  it('records a rejection, naming a MeridianError by its code', async () => {
    await expect(
      withSpan('risk.check', {}, async () => {
        await Promise.resolve();
        throw new SpecSampleError();
      }),
    ).rejects.toBeInstanceOf(SpecSampleError);
    const span = tracing.span('risk.check');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('OBSERVABILITY_SPEC_SAMPLE');
  });

  it('records a non-Error rejection without losing it', async () => {
    await expect(withSpan('odd', {}, () => Promise.reject('plain string'))).rejects.toBe(
      'plain string',
    );
    expect(tracing.span('odd').status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'plain string',
    });
  });

  it('nests spans through the active context, also across awaits', async () => {
    await withSpan('outer', {}, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      withSpan('inner', {}, () => undefined);
    });
    const outer = tracing.span('outer');
    const inner = tracing.span('inner');
    expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });

  it('uses an explicit parent, e.g. one extracted from Kafka headers', () => {
    const parent = extractTraceContext(
      { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      ROOT_CONTEXT,
    );
    withSpan('consume', {}, () => undefined, { parent, kind: SpanKind.CONSUMER });
    const span = tracing.span('consume');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});
