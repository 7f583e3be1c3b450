import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  extractTraceContext,
  headersToStrings,
  headerValue,
  injectTraceContext,
  type OutgoingHeaders,
} from './headers';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

describe('Kafka header carrier', () => {
  beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  afterAll(() => propagation.disable());

  it('reads strings, Buffers and repeated headers (first value)', () => {
    const headers = {
      a: 'x',
      b: Buffer.from('y'),
      c: [Buffer.from('first'), 'second'],
      d: undefined,
    };
    expect(headerValue(headers, 'a')).toBe('x');
    expect(headerValue(headers, 'b')).toBe('y');
    expect(headerValue(headers, 'c')).toBe('first');
    expect(headerValue(headers, 'd')).toBeUndefined();
    expect(headerValue(undefined, 'a')).toBeUndefined();
    expect(headersToStrings(headers)).toEqual({ a: 'x', b: 'y', c: 'first' });
  });

  it.each([
    ['a capitalised Buffer header', { Traceparent: Buffer.from(`00-${TRACE_ID}-${SPAN_ID}-01`) }],
    ['a repeated header (first value)', { traceparent: [`00-${TRACE_ID}-${SPAN_ID}-01`, 'junk'] }],
  ])('extracts trace context from %s', (_what, headers) => {
    const extracted = trace.getSpanContext(extractTraceContext(headers, ROOT_CONTEXT));
    expect(extracted).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, isRemote: true });
  });

  it('injects W3C trace context and extracts it back from Buffer headers', () => {
    const spanContext = {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: false,
    };
    const ctx = trace.setSpanContext(ROOT_CONTEXT, spanContext);
    const outgoing: OutgoingHeaders = {};
    injectTraceContext(outgoing, ctx);
    expect(outgoing['traceparent']).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);

    // What kafkajs hands a consumer: Buffers.
    const received = Object.fromEntries(
      Object.entries(outgoing).map(([k, v]) => [k, Buffer.from(v)]),
    );
    const extracted = trace.getSpanContext(extractTraceContext(received, ROOT_CONTEXT));
    expect(extracted).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, isRemote: true });
  });

  it('extracts nothing from records without trace headers', () => {
    expect(trace.getSpanContext(extractTraceContext({ other: 'x' }, ROOT_CONTEXT))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext(undefined, context.active()))).toBeUndefined();
  });
});
