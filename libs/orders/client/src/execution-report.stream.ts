import { type orders } from '@meridian/contracts';
import { type ClientReadableStream, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { MeridianClientError, toMeridianClientError } from './meridian-client.error';

/** Opens one StreamExecutionReports call (bound to a client, its API key and channel). */
export type OpenReportCall = (
  request: orders.StreamExecutionReportsRequest,
) => ClientReadableStream<orders.StreamExecutionReportsResponse>;

export interface ExecutionReportStreamOptions {
  /** The symbol (sequences are per symbol, so resuming needs one). */
  readonly symbol: string;
  /**
   * Where the first connection starts: `'live'` (default) or a sequence to replay the logged
   * reports from (e.g. `1n` for everything, or a position saved earlier + 1). Reconnects always
   * resume at the last received sequence + 1.
   */
  readonly startAt?: 'live' | bigint;
  /** Pause before the first reconnect; doubles up to `maxReconnectBackoffMs`. Default 50 ms. */
  readonly reconnectBackoffMs?: number;
  /** Default 2000 ms. */
  readonly maxReconnectBackoffMs?: number;
  /** Give up after this many failed connections in a row (no report in between). Default 20. */
  readonly maxReconnectsInRow?: number;
  /**
   * Reports buffered before the stream stops reading from the socket (HTTP/2 flow control then
   * slows the gateway, which ends a far-behind stream with GATEWAY_SLOW_CONSUMER; we resume).
   * Default 10 000.
   */
  readonly highWaterMark?: number;
}

/** Statuses after which reconnecting cannot help (the request itself is refused). */
const TERMINAL_CODES: ReadonlySet<GrpcStatus> = new Set([
  GrpcStatus.UNAUTHENTICATED,
  GrpcStatus.PERMISSION_DENIED,
  GrpcStatus.INVALID_ARGUMENT,
  GrpcStatus.NOT_FOUND,
  GrpcStatus.UNIMPLEMENTED,
]);

/**
 * An agent's execution reports of one symbol that survive disconnects, as an async iterator:
 * `for await (const report of client.executionReports({ symbol: 'AAPL' })) { ... }`.
 *
 * When the connection drops (UNAVAILABLE, a gateway shutdown, GATEWAY_SLOW_CONSUMER, a network
 * failure the keepalive detects, or the server ending the call), it reconnects with backoff and
 * asks for `from_sequence` = last received + 1. The gateway replays the logged reports from there
 * and continues live with no gap and no duplicate; reports at or below the last sequence are
 * dropped here too, so the iterator yields strictly increasing sequences. Refusals
 * (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT) end the iteration with a
 * MeridianClientError, as does `maxReconnectsInRow` failed connections.
 */
export class ExecutionReportStream implements AsyncIterable<orders.OrderEvent> {
  /** Sequence of the last report yielded or buffered (0n before the first). */
  lastSequence = 0n;
  /** Calls opened so far (1 + reconnects). */
  connections = 0;
  /** Reports dropped because their sequence was not above the last one. */
  duplicatesDropped = 0;
  /** Why the last connection ended, if one did. */
  lastDisconnect: MeridianClientError | undefined;

  private readonly buffer: orders.OrderEvent[] = [];
  private readonly highWaterMark: number;
  private call: ClientReadableStream<orders.StreamExecutionReportsResponse> | undefined;
  private waiter: ((result: IteratorResult<orders.OrderEvent>) => void) | undefined;
  private failWaiter: ((error: Error) => void) | undefined;
  private failure: MeridianClientError | undefined;
  private closed = false;
  private failedInRow = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private paused = false;

  constructor(
    private readonly open: OpenReportCall,
    private readonly options: ExecutionReportStreamOptions,
  ) {
    if (options.symbol === '') throw new RangeError('ExecutionReportStream needs a symbol');
    this.highWaterMark = options.highWaterMark ?? 10_000;
    this.connect();
  }

  get symbol(): string {
    return this.options.symbol;
  }

  /** Reports received and not yet taken by the iterator. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** The next report; `done` once closed; throws when the stream failed for good. */
  next(): Promise<IteratorResult<orders.OrderEvent>> {
    const event = this.buffer.shift();
    if (event !== undefined) {
      if (this.paused && this.buffer.length <= this.highWaterMark / 2) {
        this.paused = false;
        this.call?.resume();
      }
      return Promise.resolve({ value: event, done: false });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<orders.OrderEvent> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /**
   * Drops the current call (as a network failure would) and reconnects at once from the last
   * sequence + 1. For failover drills and tests.
   */
  reconnectNow(): void {
    this.connect();
  }

  /** Ends the stream: the iterator finishes after the buffered reports. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.settle();
  }

  private connect(): void {
    if (this.closed) return;
    // One call at a time: a pending reconnect or an open call is superseded.
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const previous = this.call;
    this.call = undefined;
    previous?.cancel();
    const start = this.options.startAt ?? 'live';
    const fromSequence =
      this.lastSequence > 0n ? this.lastSequence + 1n : start === 'live' ? 0n : start;
    const call = this.open({ accountId: '', symbol: this.options.symbol, fromSequence });
    this.call = call;
    this.connections += 1;
    this.paused = false;
    call.on('data', (message: orders.StreamExecutionReportsResponse) => {
      if (call !== this.call) return;
      const event = message.event;
      if (event === undefined) return;
      this.failedInRow = 0;
      if (event.sequence <= this.lastSequence) {
        this.duplicatesDropped += 1;
        return;
      }
      this.lastSequence = event.sequence;
      this.push(event);
    });
    call.on('error', (error: Error) => {
      if (call !== this.call) return; // cancelled by us (close, reconnectNow)
      this.onEnded(toMeridianClientError(error, 'StreamExecutionReports'));
    });
    call.on('status', (status: StatusObject) => {
      if (call !== this.call || status.code !== GrpcStatus.OK) return;
      // The server ended the call normally (it should not): resume like after a drop.
      this.onEnded(
        new MeridianClientError(GrpcStatus.OK, 'STREAM_ENDED', 'the server ended the stream'),
      );
    });
  }

  private onEnded(reason: MeridianClientError): void {
    this.call = undefined;
    this.lastDisconnect = reason;
    if (this.closed) return;
    this.failedInRow += 1;
    const limit = this.options.maxReconnectsInRow ?? 20;
    if (TERMINAL_CODES.has(reason.code) || this.failedInRow > limit) {
      this.failure = reason;
      this.closed = true;
      this.settle();
      return;
    }
    const base = this.options.reconnectBackoffMs ?? 50;
    const max = this.options.maxReconnectBackoffMs ?? 2000;
    const delay = Math.min(max, base * 2 ** (this.failedInRow - 1));
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private push(event: orders.OrderEvent): void {
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      this.failWaiter = undefined;
      waiter({ value: event, done: false });
      return;
    }
    this.buffer.push(event);
    if (!this.paused && this.buffer.length >= this.highWaterMark) {
      this.paused = true;
      this.call?.pause();
    }
  }

  /** Wakes a waiting `next()` when nothing more will come (closed or failed). */
  private settle(): void {
    if (this.buffer.length > 0) return;
    const waiter = this.waiter;
    const failWaiter = this.failWaiter;
    this.waiter = undefined;
    this.failWaiter = undefined;
    if (this.failure !== undefined) failWaiter?.(this.failure);
    else waiter?.({ value: undefined, done: true });
  }
}
