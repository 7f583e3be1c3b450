import { orders } from '@meridian/contracts';
import type { OrderEventsRepository } from '@meridian/orders-data-access';
import { InvalidRequestReason, OrderRequestInvalidError } from '@meridian/orders-domain-pretrade';
import type { Principal } from './api-key.authenticator';
import type { ExecutionReportHub, ExecutionReportSink } from './execution-report.hub';
import { GatewayShuttingDownError, SlowConsumerError } from './gateway.error';
import type { InstrumentCatalog } from './instrument.catalog';
import type { OrderEntryService } from './order-entry.service';
import { lookupSymbol } from './order-request.validator';

/** The server side of one stream, as the use case needs it (grpc-js adapts to this). */
export interface ExecutionReportCall {
  /** Queues one message; false when the transport buffer is full (wait for `onDrain`). */
  write(response: orders.StreamExecutionReportsResponse): boolean;
  /** Calls `listener` once, when the transport buffer has room again. */
  onDrain(listener: () => void): void;
  /** Calls `listener` once, when the client cancels or disconnects. */
  onCancel(listener: () => void): void;
  /** Ends the stream with the error's status. */
  fail(error: unknown): void;
}

export interface StreamExecutionReportsOptions {
  /**
   * Events a stream may hold for a client that reads too slowly (and, while it replays, live
   * events waiting for the replay to finish). Above it the stream ends with RESOURCE_EXHAUSTED /
   * GATEWAY_SLOW_CONSUMER and the client resumes from its last sequence. Default 10000.
   */
  readonly maxBufferedEvents?: number;
  /** Rows read from the replay log at a time. Default 500 (capped by maxBufferedEvents). */
  readonly replayPageSize?: number;
}

/**
 * StreamExecutionReports: the caller's execution reports, optionally replayed from the replay
 * log (order_events) from `from_sequence` first, then live from the events consumer's fan-out.
 *
 * No gap, no duplicate across the replay -> live handoff: the stream subscribes to the fan-out
 * before it reads the log, and the consumer writes an event to the log before fanning it out, so
 * every event is in the log read or among the live events held back during the replay; events
 * are forwarded only with a sequence above the last one forwarded for their symbol.
 */
export class StreamExecutionReportsUseCase {
  private readonly maxBuffered: number;
  private readonly pageSize: number;

  constructor(
    private readonly entry: OrderEntryService,
    private readonly catalog: InstrumentCatalog,
    private readonly hub: ExecutionReportHub,
    private readonly log: OrderEventsRepository,
    options: StreamExecutionReportsOptions = {},
  ) {
    this.maxBuffered = options.maxBufferedEvents ?? 10_000;
    this.pageSize = Math.min(options.replayPageSize ?? 500, this.maxBuffered);
  }

  /** Ends every open stream with UNAVAILABLE and refuses new ones (shutdown). */
  closeAll(): void {
    this.hub.closeAll(new GatewayShuttingDownError());
  }

  /** Validates the request, then serves the stream; resolves when it ended (any way). */
  async execute(
    principal: Principal,
    request: orders.StreamExecutionReportsRequest,
    call: ExecutionReportCall,
  ): Promise<void> {
    this.entry.authorizeAccount(principal, request.accountId);
    if (request.symbol !== '') lookupSymbol(this.catalog, request.symbol);
    else if (request.fromSequence > 0n) {
      throw new OrderRequestInvalidError(
        InvalidRequestReason.INVALID_FIELD,
        'symbol',
        'missing',
        'from_sequence needs a symbol: sequences are per symbol',
      );
    }
    const session = new ExecutionReportSession(principal.agentId, request, call, this.maxBuffered);
    const unsubscribe = this.hub.subscribe(session);
    try {
      if (request.fromSequence > 0n) await session.replay(this.log, this.pageSize);
      session.goLive();
      await session.ended;
    } catch (error: unknown) {
      session.end(error);
    } finally {
      unsubscribe();
    }
  }
}

class ExecutionReportSession implements ExecutionReportSink {
  readonly agentId: string;
  readonly ended: Promise<void>;
  private phase: 'replay' | 'live' | 'done';
  private held: orders.OrderEvent[] = [];
  private queue: orders.OrderEvent[] = [];
  private blocked = false;
  /** Per symbol, the highest sequence queued so far: the dedupe point. */
  private readonly lastQueued = new Map<string, bigint>();
  private readonly idleWaiters: (() => void)[] = [];
  private resolveEnded!: () => void;

  constructor(
    agentId: string,
    private readonly request: orders.StreamExecutionReportsRequest,
    private readonly call: ExecutionReportCall,
    private readonly maxBuffered: number,
  ) {
    this.agentId = agentId;
    this.phase = request.fromSequence > 0n ? 'replay' : 'live';
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    if (request.fromSequence > 0n) this.lastQueued.set(request.symbol, request.fromSequence - 1n);
    call.onCancel(() => this.finish());
  }

  deliver(event: orders.OrderEvent): void {
    if (this.phase === 'done') return;
    if (this.request.symbol !== '' && event.symbol !== this.request.symbol) return;
    if (this.phase === 'replay') {
      this.held.push(event);
      if (this.held.length > this.maxBuffered) this.end(new SlowConsumerError(this.maxBuffered));
      return;
    }
    this.enqueue(event);
  }

  close(reason: unknown): void {
    this.end(reason);
  }

  /** Sends the logged events from from_sequence on, one page at a time, at the client's pace. */
  async replay(log: OrderEventsRepository, pageSize: number): Promise<void> {
    let from = this.request.fromSequence;
    for (;;) {
      const rows = await log.page(this.agentId, this.request.symbol, from, pageSize);
      for (const row of rows) this.enqueue(orders.OrderEvent.decode(row.event));
      await this.idle();
      const last = rows[rows.length - 1];
      if (this.phase === 'done' || last === undefined || rows.length < pageSize) return;
      from = last.sequence + 1n;
    }
  }

  /** Releases the live events held back during the replay (skipping what the log already gave). */
  goLive(): void {
    if (this.phase !== 'replay') return;
    this.phase = 'live';
    const held = this.held;
    this.held = [];
    for (const event of held) this.enqueue(event);
  }

  /** Ends the stream with `error`'s status (once); later events are dropped. */
  end(error: unknown): void {
    if (this.phase === 'done') return;
    this.call.fail(error);
    this.finish();
  }

  private finish(): void {
    this.phase = 'done';
    this.queue = [];
    this.held = [];
    for (const wake of this.idleWaiters.splice(0)) wake();
    this.resolveEnded();
  }

  private enqueue(event: orders.OrderEvent): void {
    if (this.phase === 'done') return;
    if (event.sequence <= (this.lastQueued.get(event.symbol) ?? 0n)) return;
    this.lastQueued.set(event.symbol, event.sequence);
    this.queue.push(event);
    if (this.queue.length > this.maxBuffered) {
      this.end(new SlowConsumerError(this.maxBuffered));
      return;
    }
    this.pump();
  }

  private pump(): void {
    while (!this.blocked && this.phase !== 'done' && this.queue.length > 0) {
      const event = this.queue.shift() as orders.OrderEvent;
      if (!this.call.write({ event })) {
        this.blocked = true;
        this.call.onDrain(() => {
          this.blocked = false;
          this.pump();
        });
      }
    }
    if (!this.blocked && this.queue.length === 0)
      for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Resolves once everything queued was handed to the transport (or the stream ended). */
  private idle(): Promise<void> {
    if (this.phase === 'done' || (!this.blocked && this.queue.length === 0))
      return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
