import { Metadata } from '@grpc/grpc-js';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRawGrpcServer } from './spec-support/raw-grpc.server';
import { startTestTracing, type TestTracing } from './testing';
import {
  extractFromGrpcMetadata,
  extractTraceContext,
  injectIntoGrpcMetadata,
  injectTraceContext,
  type KafkaHeaders,
} from './trace-context.propagation';
import { withSpan } from './with-span';

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

/** Starts and ends a span under `parent`, as a consumer or server would. */
function childOf(parent: Context, name: string): ReadableSpan {
  trace.getTracer('spec').startSpan(name, { kind: SpanKind.CONSUMER }, parent).end();
  return tracing.span(name);
}

function produce(): { headers: KafkaHeaders; producer: ReadableSpan } {
  const headers = withSpan('produce', {}, () => injectTraceContext({ key: 'k' } as KafkaHeaders), {
    kind: SpanKind.PRODUCER,
  });
  return { headers, producer: tracing.span('produce') };
}

interface Parentage {
  traceId: string;
  parentSpanId: string | undefined;
  remoteParent: boolean | undefined;
}

/** Where `span` sits in its trace. */
function parentage(span: ReadableSpan): Parentage {
  return {
    traceId: span.spanContext().traceId,
    parentSpanId: span.parentSpanContext?.spanId,
    remoteParent: span.parentSpanContext?.isRemote,
  };
}

/** The parentage of a span continuing `parent` from another process. */
function remoteChildOf(parent: ReadableSpan): Parentage {
  return {
    traceId: parent.spanContext().traceId,
    parentSpanId: parent.spanContext().spanId,
    remoteParent: true,
  };
}

function toBuffers(headers: KafkaHeaders): KafkaHeaders {
  return Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [
      key,
      typeof value === 'string' ? Buffer.from(value) : value,
    ]),
  );
}

describe('Kafka header propagation', () => {
  it('carries the trace through string headers', () => {
    const { headers, producer } = produce();
    expect(typeof headers['traceparent']).toBe('string');
    expect(headers['key']).toBe('k');
    expect(parentage(childOf(extractTraceContext(headers, ROOT_CONTEXT), 'consume'))).toEqual(
      remoteChildOf(producer),
    );
  });

  it('carries the trace through Buffer headers, as kafkajs delivers them', () => {
    const { headers, producer } = produce();
    const consumed = toBuffers(headers);
    expect(Buffer.isBuffer(consumed['traceparent'])).toBe(true);
    expect(parentage(childOf(extractTraceContext(consumed, ROOT_CONTEXT), 'consume'))).toEqual(
      remoteChildOf(producer),
    );
  });

  it('carries the trace through array header values', () => {
    const { headers, producer } = produce();
    const traceparent = headers['traceparent'] as string;
    const consumed: KafkaHeaders = { traceparent: [Buffer.from(traceparent), 'ignored-duplicate'] };
    expect(parentage(childOf(extractTraceContext(consumed, ROOT_CONTEXT), 'consume'))).toEqual(
      remoteChildOf(producer),
    );
  });

  it('finds headers written with another case by foreign producers', () => {
    const { headers, producer } = produce();
    const consumed: KafkaHeaders = { Traceparent: headers['traceparent'] };
    expect(parentage(childOf(extractTraceContext(consumed, ROOT_CONTEXT), 'consume'))).toEqual(
      remoteChildOf(producer),
    );
  });

  it('carries baggage', () => {
    const baggage = propagation.createBaggage({ 'agent.id': { value: 'agent-7' } });
    const headers = injectTraceContext({}, propagation.setBaggage(ROOT_CONTEXT, baggage));
    expect(headers['baggage']).toBe('agent.id=agent-7');
    const extracted = propagation.getBaggage(extractTraceContext(toBuffers(headers), ROOT_CONTEXT));
    expect(extracted?.getEntry('agent.id')?.value).toBe('agent-7');
  });

  it('replaces a stale traceparent, and drops it when there is no active span', () => {
    const stale = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const headers = withSpan('republish', {}, () => injectTraceContext({ traceparent: stale }));
    const republish = tracing.span('republish').spanContext();
    expect(headers['traceparent']).toBe(`00-${republish.traceId}-${republish.spanId}-01`);
    expect(injectTraceContext({ traceparent: stale, other: 'x' }, ROOT_CONTEXT)).toEqual({
      other: 'x',
    });
  });

  it.each<[string, KafkaHeaders | undefined]>([
    ['garbage string', { traceparent: 'not-a-traceparent' }],
    ['garbage bytes', { traceparent: Buffer.from([0xff, 0x00, 0x13, 0x37]) }],
    [
      'all-zero trace id',
      { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' },
    ],
    ['empty array', { traceparent: [] }],
    ['undefined value', { traceparent: undefined }],
    ['no headers at all', undefined],
  ])('ignores a bad trace header (%s): the consumer starts a new trace', (_label, headers) => {
    const extracted = extractTraceContext(headers, ROOT_CONTEXT);
    expect(trace.getSpanContext(extracted)).toBeUndefined();
    const span = childOf(extracted, 'consume');
    expect(span.parentSpanContext).toBeUndefined();
  });

  it('keeps the trace across awaits inside the extracted context', async () => {
    const { headers, producer } = produce();
    const forwarded = await context.with(
      extractTraceContext(toBuffers(headers), ROOT_CONTEXT),
      async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return withSpan('handle', {}, async () => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          return injectTraceContext({});
        });
      },
    );
    const handle = tracing.span('handle');
    expect(parentage(handle)).toEqual(remoteChildOf(producer));
    expect(forwarded['traceparent']).toContain(handle.spanContext().spanId);
  });
});

describe('gRPC Metadata propagation', () => {
  it('carries the trace through Metadata in memory', () => {
    const metadata = withSpan('client-call', {}, () => injectIntoGrpcMetadata(new Metadata()), {
      kind: SpanKind.CLIENT,
    });
    expect(metadata.get('traceparent')).toHaveLength(1);
    expect(
      parentage(childOf(extractFromGrpcMetadata(metadata, ROOT_CONTEXT), 'server-call')),
    ).toEqual(remoteChildOf(tracing.span('client-call')));
  });

  it('carries the trace over a real gRPC call on loopback', async () => {
    const server = await startRawGrpcServer('/meridian.test.Echo/Call');
    try {
      await withSpan('client-call', {}, async () => {
        const metadata = injectIntoGrpcMetadata(new Metadata());
        metadata.set('x-request-id', 'r-1');
        await server.call('/meridian.test.Echo/Call', metadata);
      });
      const received = server.calls[0]?.metadata;
      expect(received?.get('x-request-id')).toEqual(['r-1']);
      const child = childOf(
        extractFromGrpcMetadata(received ?? new Metadata(), ROOT_CONTEXT),
        'server-call',
      );
      expect(parentage(child)).toEqual(remoteChildOf(tracing.span('client-call')));
    } finally {
      await server.close();
    }
  });

  it('replaces trace entries already in the Metadata instead of appending', () => {
    const metadata = new Metadata();
    metadata.add('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    withSpan('client-call', {}, () => injectIntoGrpcMetadata(metadata));
    expect(metadata.get('traceparent')).toEqual([
      expect.stringContaining(tracing.span('client-call').spanContext().spanId),
    ]);
  });

  it('ignores malformed trace metadata', () => {
    const metadata = new Metadata();
    metadata.set('traceparent', 'zz-nonsense');
    expect(trace.getSpanContext(extractFromGrpcMetadata(metadata, ROOT_CONTEXT))).toBeUndefined();
    expect(
      trace.getSpanContext(extractFromGrpcMetadata(new Metadata(), ROOT_CONTEXT)),
    ).toBeUndefined();
  });
});
