import { randomUUID } from 'node:crypto';
import {
  decodeStrict,
  errorInfoOf,
  grpcHealth,
  type MessageCodec,
  portfolio,
  toServiceError,
} from '@meridian/contracts';
import { toErrorReport } from '@meridian/shared-errors';
import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  Server,
  ServerCredentials,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  status as GrpcCode,
  type StatusObject,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { GrpcServerMetrics } from '@meridian/shared-observability';
import {
  AccountNotFoundError,
  PortfolioRequestInvalidError,
  PortfolioRequestMalformedError,
  PortfolioShuttingDownError,
} from './portfolio.error';
import type { PortfolioEngine } from './portfolio.engine';
import type { PositionUpdateHub } from './position-update.hub';

/** google.rpc.ErrorInfo.domain of every portfolio error. */
export const PORTFOLIO_ERROR_DOMAIN = 'portfolio.meridian';
const PORTFOLIO_SERVICE = 'meridian.portfolio.v1.PortfolioService';
const ACCOUNT_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_REQUEST_BYTES = 4096;

export interface GrpcErrorLogger {
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * The one place a thrown error becomes a gRPC status (as in the order gateway): code and message
 * from shared-errors plus a google.rpc.Status carrying an ErrorInfo (reason = error code) in the
 * `grpc-status-details-bin` trailer. Unexpected errors become INTERNAL with a logged errorId.
 */
export function toPortfolioGrpcError(
  error: unknown,
  logger: GrpcErrorLogger,
): Partial<StatusObject> & ServiceError {
  const report = toErrorReport(error, () => randomUUID());
  if (report.reason === 'INTERNAL')
    logger.error({ err: error, errorId: report.metadata['errorId'] }, 'request failed');
  return toServiceError({ ...report, domain: PORTFOLIO_ERROR_DOMAIN });
}

/** Decodes the ErrorInfo of a failed call (clients, tests). */
export const portfolioErrorInfoOf = errorInfoOf;

function requireAccountId(accountId: string): string {
  if (accountId === '') throw new PortfolioRequestInvalidError('account_id', 'must not be empty');
  if (!ACCOUNT_ID.test(accountId))
    throw new PortfolioRequestInvalidError('account_id', 'must match ^[A-Za-z0-9_.-]{1,64}$');
  return accountId;
}

export interface PortfolioGrpcServerOptions {
  readonly logger: GrpcErrorLogger;
  readonly metrics: GrpcServerMetrics;
  /** grpc.health.v1 answers SERVING only while listening and this resolves true. */
  readonly ready?: () => Promise<boolean>;
}

/**
 * PortfolioService and grpc.health.v1 on grpc-js with the generated service definitions.
 * Requests arrive as bytes and are decoded strictly here (malformed bytes are INVALID_ARGUMENT
 * with a reason, not grpc-js' generic INTERNAL). Internal service: no API keys (the network
 * policy admits only platform services).
 */
export class PortfolioGrpcServer {
  private readonly server: Server;
  private serving = false;
  private readonly streams = new Set<() => void>();

  constructor(
    private readonly engine: PortfolioEngine,
    private readonly hub: PositionUpdateHub,
    private readonly options: PortfolioGrpcServerOptions,
  ) {
    this.server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 });
    const definition = this.rawRequests(portfolio.PortfolioServiceService);
    this.server.addService(
      definition,
      options.metrics.instrument(PORTFOLIO_SERVICE, definition, this.service()),
    );
    this.server.addService(grpcHealth.HealthService, this.health());
  }

  /** Binds `host:port` (0 = ephemeral) and returns the port. */
  async listen(host: string, port: number): Promise<number> {
    const bound = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, p) =>
        error ? reject(error) : resolve(p),
      );
    });
    this.serving = true;
    return bound;
  }

  /** Ends open streams with UNAVAILABLE, lets unary calls finish (up to `graceMs`), then cuts. */
  async close(graceMs = 5000): Promise<void> {
    this.serving = false;
    for (const end of [...this.streams]) end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private rawRequests(definition: ServiceDefinition): ServiceDefinition {
    const raw: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(definition))
      raw[name] = { ...method, requestDeserialize: (bytes: Buffer): Buffer => bytes };
    return raw as ServiceDefinition;
  }

  private decode<Req>(codec: MessageCodec<Req>, typeName: string, bytes: Buffer): Req {
    if (bytes.length > MAX_REQUEST_BYTES)
      throw new PortfolioRequestMalformedError(typeName, new Error(`${bytes.length} bytes`));
    try {
      return decodeStrict(codec, typeName, bytes);
    } catch (error) {
      throw new PortfolioRequestMalformedError(typeName, error);
    }
  }

  private unary<Req, Res>(
    method: string,
    codec: MessageCodec<Req>,
    run: (request: Req) => Res,
  ): handleUnaryCall<Buffer, Res> {
    const typeName = `meridian.portfolio.v1.${method}Request`;
    return (call, callback) => {
      try {
        callback(null, run(this.decode(codec, typeName, call.request)));
      } catch (error) {
        callback(toPortfolioGrpcError(error, this.options.logger));
      }
    };
  }

  private service(): UntypedServiceImplementation {
    return {
      getPositions: this.unary('GetPositions', portfolio.GetPositionsRequest, (r) => ({
        positions: this.engine.positions(requireAccountId(r.accountId), r.symbol),
      })),
      getAccount: this.unary('GetAccount', portfolio.GetAccountRequest, (r) => ({
        account: this.engine.account(requireAccountId(r.accountId)),
      })),
      streamPositions: this.streamPositions(),
    };
  }

  /** Live updates of one account from now on (no replay: GetAccount gives the starting point). */
  private streamPositions(): handleServerStreamingCall<Buffer, portfolio.StreamPositionsResponse> {
    const typeName = 'meridian.portfolio.v1.StreamPositionsRequest';
    return (call: ServerWritableStream<Buffer, portfolio.StreamPositionsResponse>) => {
      let accountId: string;
      try {
        const request = this.decode(portfolio.StreamPositionsRequest, typeName, call.request);
        accountId = requireAccountId(request.accountId);
        if (!this.engine.hasAccount(accountId)) throw new AccountNotFoundError(accountId);
        if (!this.serving) throw new PortfolioShuttingDownError();
      } catch (error) {
        call.emit('error', toPortfolioGrpcError(error, this.options.logger));
        return;
      }
      const unsubscribe = this.hub.subscribe(accountId, (update) => {
        call.write({ update });
      });
      const end = (): void => {
        unsubscribe();
        this.streams.delete(end);
        call.emit(
          'error',
          toPortfolioGrpcError(new PortfolioShuttingDownError(), this.options.logger),
        );
      };
      this.streams.add(end);
      call.once('cancelled', () => {
        unsubscribe();
        this.streams.delete(end);
      });
    };
  }

  private health(): grpcHealth.HealthServer {
    const status = async (): Promise<grpcHealth.HealthCheckResponse_ServingStatus> => {
      const { SERVING, NOT_SERVING } = grpcHealth.HealthCheckResponse_ServingStatus;
      if (!this.serving) return NOT_SERVING;
      const ready = this.options.ready === undefined ? true : await this.options.ready();
      return ready ? SERVING : NOT_SERVING;
    };
    return {
      check: (call, callback) => {
        const service = call.request.service;
        if (service !== '' && service !== PORTFOLIO_SERVICE) {
          callback({ code: GrpcCode.NOT_FOUND, details: `unknown service ${service}` });
          return;
        }
        status().then(
          (s) => callback(null, { status: s }),
          () =>
            callback(null, { status: grpcHealth.HealthCheckResponse_ServingStatus.NOT_SERVING }),
        );
      },
      watch: (call) => {
        call.emit('error', { code: GrpcCode.UNIMPLEMENTED, details: 'use Check' });
      },
    };
  }
}
