import { marketdata } from '@meridian/contracts';
import type { BarIntervalId } from '@meridian/market-data-domain';
import { credentials, Metadata, type ServiceError, status as GrpcCode } from '@grpc/grpc-js';
import { protoOfInterval } from './bar-interval.proto';
import { errorInfoOf } from './grpc-error.mapper';

/** A failed MarketDataService call: the gRPC code and the server's reason code (ErrorInfo). */
export class MarketDataClientError extends Error {
  constructor(
    readonly grpcCode: GrpcCode,
    /** e.g. MARKETDATA_SYMBOL_NOT_FOUND; 'UNKNOWN' when the server sent no ErrorInfo. */
    readonly reason: string,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'MarketDataClientError';
  }
}

function clientError(error: ServiceError): MarketDataClientError {
  const info = errorInfoOf(error.metadata);
  return new MarketDataClientError(
    error.code,
    info?.reason ?? 'UNKNOWN',
    error.details || error.message,
    info?.metadata ?? {},
  );
}

export interface GetBarsQuery {
  readonly symbol: string;
  readonly interval: BarIntervalId;
  readonly fromNanos: bigint;
  readonly toNanos: bigint;
  /** 0 or absent: the server's default. */
  readonly limit?: number;
}

export interface MarketDataClientOptions {
  /** Per-call deadline in ms. Default 2000. */
  readonly deadlineMs?: number;
}

/**
 * Typed promise client of MarketDataService for other services (risk reference prices,
 * portfolio marks, analytics). Failures reject with MarketDataClientError.
 */
export class MarketDataClient {
  private readonly client: marketdata.MarketDataServiceClient;
  private readonly deadlineMs: number;

  constructor(address: string, options: MarketDataClientOptions = {}) {
    this.client = new marketdata.MarketDataServiceClient(address, credentials.createInsecure());
    this.deadlineMs = options.deadlineMs ?? 2000;
  }

  getBars(query: GetBarsQuery): Promise<marketdata.Bar[]> {
    const request = marketdata.GetBarsRequest.fromPartial({
      symbol: query.symbol,
      interval: protoOfInterval(query.interval),
      fromUnixNanos: query.fromNanos,
      toUnixNanos: query.toNanos,
      limit: query.limit ?? 0,
    });
    return new Promise((resolve, reject) => {
      this.client.getBars(
        request,
        new Metadata(),
        { deadline: this.deadline() },
        (error, response) => (error === null ? resolve(response.bars) : reject(clientError(error))),
      );
    });
  }

  /** The latest trade price, or undefined when the symbol has not traded yet. */
  getLastPrice(symbol: string): Promise<marketdata.LastPrice | undefined> {
    return new Promise((resolve, reject) => {
      this.client.getLastPrice(
        { symbol },
        new Metadata(),
        { deadline: this.deadline() },
        (error, response) =>
          error === null ? resolve(response.lastPrice) : reject(clientError(error)),
      );
    });
  }

  /**
   * Live ticks of `symbols` until `signal` aborts (then the iteration ends quietly) or the server
   * ends the stream (then it throws MarketDataClientError, e.g. MARKETDATA_SLOW_CONSUMER).
   */
  async *streamTicks(
    symbols: readonly string[],
    signal?: AbortSignal,
  ): AsyncGenerator<marketdata.Tick> {
    const call = this.client.streamTicks({ symbols: [...symbols] });
    const cancel = (): void => call.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const response of call as AsyncIterable<marketdata.StreamTicksResponse>) {
        if (response.tick !== undefined) yield response.tick;
      }
    } catch (error) {
      const serviceError = error as ServiceError;
      if (serviceError.code === GrpcCode.CANCELLED && signal?.aborted === true) return;
      throw typeof serviceError.code === 'number' ? clientError(serviceError) : error;
    } finally {
      signal?.removeEventListener('abort', cancel);
      call.cancel();
    }
  }

  close(): void {
    this.client.close();
  }

  private deadline(): Date {
    return new Date(Date.now() + this.deadlineMs);
  }
}
