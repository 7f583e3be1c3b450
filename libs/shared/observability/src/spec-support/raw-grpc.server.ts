// A loopback gRPC server with one raw-bytes unary method, for specs that need a real gRPC peer
// without generated code (trace propagation over Metadata, a fake OTLP collector).
import {
  Client,
  credentials,
  type Metadata,
  Server,
  ServerCredentials,
  type ServiceError,
} from '@grpc/grpc-js';

export interface ReceivedCall {
  metadata: Metadata;
  body: Buffer;
}

export interface RawGrpcServer {
  readonly address: string;
  readonly calls: ReceivedCall[];
  /** Calls `method` on the server with `metadata`; resolves with the response bytes. */
  call(method: string, metadata: Metadata, body?: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

const identity = (value: Buffer): Buffer => value;

/** Serves `path` (e.g. `/pkg.Service/Method`), answering every call with `response`. */
export async function startRawGrpcServer(
  path: string,
  response: Buffer = Buffer.alloc(0),
): Promise<RawGrpcServer> {
  const server = new Server();
  const calls: ReceivedCall[] = [];
  const methodName = path.split('/').at(-1) ?? 'Method';
  server.addService(
    {
      [methodName]: {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      [methodName]: (
        call: { metadata: Metadata; request: Buffer },
        callback: (error: ServiceError | null, value: Buffer) => void,
      ) => {
        calls.push({ metadata: call.metadata, body: call.request });
        callback(null, response);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    );
  });
  const address = `127.0.0.1:${port}`;
  const client = new Client(address, credentials.createInsecure());
  return {
    address,
    calls,
    call: (method, metadata, body = Buffer.alloc(0)) =>
      new Promise<Buffer>((resolve, reject) => {
        client.makeUnaryRequest(method, identity, identity, body, metadata, (error, value) =>
          error === null && value !== undefined
            ? resolve(value)
            : reject(error ?? new Error('empty response')),
        );
      }),
    close: async () => {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
