// No SDK and no tracer provider in this file: what a worker or tool gets before (or without)
// startTelemetry. Jest gives each spec file its own OpenTelemetry globals.
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  ensurePropagator,
  extractTraceContext,
  injectTraceContext,
} from './trace-context.propagation';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('propagation without the SDK', () => {
  afterEach(() => {
    propagation.disable();
    context.disable();
  });

  it('starts with the API no-op propagator, which would silently drop trace headers', () => {
    expect(propagation.fields()).toEqual([]);
    const headers: Record<string, string> = {};
    const spanContext = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
    };
    propagation.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), headers);
    expect(headers).toEqual({});
  });

  it('registers the W3C propagators on first use', () => {
    ensurePropagator();
    expect(propagation.fields()).toEqual(
      expect.arrayContaining(['traceparent', 'tracestate', 'baggage']),
    );
  });

  it('passes an incoming trace through a handler to the next hop, across awaits', async () => {
    const incoming = extractTraceContext({ traceparent: Buffer.from(TRACEPARENT) }, ROOT_CONTEXT);
    const outgoing = await context.with(incoming, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return injectTraceContext({});
    });
    // Without a tracer provider no new span exists, so the caller's span is forwarded unchanged.
    expect(outgoing['traceparent']).toBe(TRACEPARENT);
  });

  it('leaves a propagator registered by someone else alone', () => {
    const custom = {
      inject: () => undefined,
      extract: (ctx: typeof ROOT_CONTEXT) => ctx,
      fields: () => ['x-custom'],
    };
    propagation.setGlobalPropagator(custom);
    ensurePropagator();
    expect(propagation.fields()).toEqual(['x-custom']);
  });
});
