import {
  credentials,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  status,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { GrpcServerMetrics, grpcCodeName } from './grpc-server.metrics';
import { MetricsRegistry } from './metrics.registry';

const json = {
  serialize: (value: unknown): Buffer => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer): unknown => JSON.parse(bytes.toString()) as unknown,
};
const method = (name: string, responseStream: boolean) => ({
  path: `/test.v1.Echo/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: json.serialize,
  requestDeserialize: json.deserialize,
  responseSerialize: json.serialize,
  responseDeserialize: json.deserialize,
});
const definition: ServiceDefinition = {
  say: method('Say', false),
  count: method('Count', true),
};

interface EchoRequest {
  fail?: number;
  n?: number;
}

async function sample(registry: MetricsRegistry, name: string, labels: Record<string, string>) {
  const metric = (await registry.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, unknown> }[];
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('GrpcServerMetrics', () => {
  let server: Server;
  let registry: MetricsRegistry;
  let client: {
    say(req: EchoRequest, cb: (e: ServiceError | null, r?: unknown) => void): void;
    count(req: EchoRequest): NodeJS.EventEmitter & { cancel(): void };
    close(): void;
  };

  beforeAll(async () => {
    registry = new MetricsRegistry({ defaultMetrics: false });
    const metrics = new GrpcServerMetrics(registry);
    server = new Server();
    server.addService(
      definition,
      metrics.instrument('test.v1.Echo', definition, {
        // Handlers typed loosely on purpose: this spec exercises the wrapper, not grpc-js typings.
        say: (call: { request: EchoRequest }, cb: (e: unknown, r?: unknown) => void) => {
          if (call.request.fail !== undefined) cb({ code: call.request.fail, details: 'no' });
          else cb(null, { ok: true });
        },
        count: (call: {
          request: EchoRequest;
          write(v: unknown): boolean;
          end(): void;
          emit(e: string, v: unknown): boolean;
        }) => {
          for (let i = 0; i < (call.request.n ?? 0); i++) call.write({ i });
          if (call.request.fail !== undefined)
            call.emit('error', { code: call.request.fail, details: 'stream failed' });
          else call.end();
        },
      } as unknown as UntypedServiceImplementation),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    const Client = makeGenericClientConstructor(definition, 'Echo');
    client = new Client(
      `127.0.0.1:${port}`,
      credentials.createInsecure(),
    ) as unknown as typeof client;
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  const say = (req: EchoRequest) =>
    new Promise<number>((resolve) => client.say(req, (e) => resolve(e?.code ?? 0)));
  const count = (req: EchoRequest) =>
    new Promise<number>((resolve) => {
      const stream = client.count(req);
      stream.on('data', () => undefined);
      stream.on('error', (e: ServiceError) => resolve(e.code));
      stream.on('end', () => resolve(0));
    });

  it('counts unary outcomes by go-grpc-prometheus code name and times them', async () => {
    expect(await say({})).toBe(status.OK);
    expect(await say({})).toBe(status.OK);
    expect(await say({ fail: status.FAILED_PRECONDITION })).toBe(status.FAILED_PRECONDITION);
    const labels = { grpc_service: 'test.v1.Echo', grpc_method: 'Say', grpc_type: 'unary' };
    expect(await sample(registry, 'grpc_server_started_total', labels)).toBe(3);
    expect(
      await sample(registry, 'grpc_server_handled_total', { ...labels, grpc_code: 'OK' }),
    ).toBe(2);
    expect(
      await sample(registry, 'grpc_server_handled_total', {
        ...labels,
        grpc_code: 'FailedPrecondition',
      }),
    ).toBe(1);
    const histogram = (await registry.registry.getMetricsAsJSON()).find(
      (m) => m.name === 'grpc_server_handling_seconds',
    );
    const countSample = (histogram?.values ?? []).find(
      (v) => (v as { metricName?: string }).metricName === 'grpc_server_handling_seconds_count',
    );
    expect(countSample?.value).toBe(3);
  });

  it('counts server-stream messages and the final status', async () => {
    expect(await count({ n: 3 })).toBe(status.OK);
    expect(await count({ n: 1, fail: status.UNAVAILABLE })).toBe(status.UNAVAILABLE);
    const labels = { grpc_service: 'test.v1.Echo', grpc_method: 'Count' };
    expect(await sample(registry, 'grpc_server_msg_sent_total', labels)).toBe(4);
    expect(
      await sample(registry, 'grpc_server_handled_total', { ...labels, grpc_code: 'OK' }),
    ).toBe(1);
    expect(
      await sample(registry, 'grpc_server_handled_total', { ...labels, grpc_code: 'Unavailable' }),
    ).toBe(1);
    expect(await sample(registry, 'grpc_server_started_total', labels)).toBe(2);
  });

  it('names every status code like go-grpc-prometheus', () => {
    expect(grpcCodeName(status.DEADLINE_EXCEEDED)).toBe('DeadlineExceeded');
    expect(grpcCodeName(status.UNAUTHENTICATED)).toBe('Unauthenticated');
    expect(grpcCodeName(99)).toBe('Unknown');
  });
});
