import { type orders } from '@meridian/contracts';
import {
  type ExecutionReportStream,
  type OrderClient,
  toMeridianClientError,
} from '@meridian/orders-client';
import { AgentBook } from './agent.book';
import { LatencyHistogram, type LatencySummary } from './latency.histogram';
import { type SimInstrument } from './sim-instrument';
import { type Strategy, type StrategyAction, type StrategyContext } from './strategy';

export interface AgentRunnerOptions {
  /** Shown in summaries, e.g. `mm-1`. */
  readonly label: string;
  readonly agentId?: string;
  readonly client: OrderClient;
  readonly strategy: Strategy;
  readonly instrument: SimInstrument;
  /**
   * Start of every client order id of this agent (ids must be unique per agent for 24 h, so
   * include a run id), e.g. `r1a2b-mm-1`. At most 40 characters.
   */
  readonly clientOrderIdPrefix: string;
  /**
   * Where the report stream starts: `1n` (default) replays the agent's reports of the symbol
   * first, so nothing is missed however late the stream is subscribed; `'live'` skips history.
   */
  readonly startAt?: 'live' | bigint;
  /** Cancel the agent's resting orders when stopped. Default true. */
  readonly cancelOnStop?: boolean;
}

export interface AgentSummary {
  readonly label: string;
  readonly agentId: string | undefined;
  readonly strategy: string;
  readonly submitted: number;
  readonly acknowledged: number;
  readonly cancelsSent: number;
  readonly replacesSent: number;
  /** Refused calls by ErrorInfo reason (or status name). */
  readonly errors: Record<string, number>;
  /** OrderRejected reports by reason. */
  readonly rejectedReports: Record<string, number>;
  readonly reports: number;
  readonly fills: number;
  readonly position: string;
  readonly cash: string;
  /** cash + position × reference price. */
  readonly pnlAtReference: string;
  readonly openOrders: number;
  /** Submit (sent) to ack, per order. */
  readonly submitToAck: LatencySummary;
  /** The stream's connections (1 + reconnects) and why it last ended, if it did. */
  readonly streamConnections: number;
  readonly streamFailure: string | undefined;
}

/**
 * Runs one strategy for one agent: a timer calls the strategy, each of the agent's execution
 * reports is applied to its book and shown to the strategy, and the resulting actions are sent
 * one after the other over the OrderClient.
 */
export class AgentRunner {
  readonly book = new AgentBook();
  readonly submitToAck = new LatencyHistogram();
  private readonly errors = new Map<string, number>();
  private submitted = 0;
  private acknowledged = 0;
  private cancelsSent = 0;
  private replacesSent = 0;
  private reports = 0;
  private sequenceNo = 0;
  private timer: NodeJS.Timeout | undefined;
  private stream: ExecutionReportStream | undefined;
  private consuming: Promise<void> = Promise.resolve();
  private chain: Promise<void> = Promise.resolve();
  private streamFailure: string | undefined;
  private stopped = false;

  constructor(private readonly options: AgentRunnerOptions) {
    if (options.clientOrderIdPrefix.length > 40)
      throw new RangeError('clientOrderIdPrefix longer than 40 characters');
  }

  private get context(): StrategyContext {
    return { instrument: this.options.instrument, book: this.book };
  }

  start(): void {
    const stream = this.options.client.executionReports({
      symbol: this.options.instrument.symbol,
      startAt: this.options.startAt ?? 1n,
    });
    this.stream = stream;
    this.consuming = (async () => {
      try {
        for await (const event of stream) this.onReport(event);
      } catch (error) {
        this.streamFailure = String(toMeridianClientError(error));
      }
    })();
    this.timer = setInterval(() => {
      this.enqueue(this.options.strategy.onTimer(this.context));
    }, this.options.strategy.intervalMs);
  }

  /** Stops deciding, waits for the actions in flight, cancels resting orders, closes the stream. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.chain;
    if (this.options.cancelOnStop !== false) {
      const resting = this.book.openOrders().filter((o) => o.orderId !== undefined);
      await Promise.all(
        resting.map((o) =>
          this.options.client
            .cancelOrder({
              symbol: this.options.instrument.symbol,
              target: { orderId: o.orderId ?? '' },
            })
            .catch((error: unknown) => this.countError(error)),
        ),
      );
    }
    this.stream?.close();
    await this.consuming;
  }

  summary(): AgentSummary {
    const rejections = Object.fromEntries(this.book.rejections);
    return {
      label: this.options.label,
      agentId: this.options.agentId,
      strategy: this.options.strategy.name,
      submitted: this.submitted,
      acknowledged: this.acknowledged,
      cancelsSent: this.cancelsSent,
      replacesSent: this.replacesSent,
      errors: Object.fromEntries(this.errors),
      rejectedReports: rejections,
      reports: this.reports,
      fills: this.book.fills,
      position: this.book.position,
      cash: this.book.cash,
      pnlAtReference: this.book.pnlAt(this.options.instrument.referencePrice),
      openOrders: this.book.openOrders().length,
      submitToAck: this.submitToAck.summary(),
      streamConnections: this.stream?.connections ?? 0,
      streamFailure: this.streamFailure,
    };
  }

  private onReport(event: orders.OrderEvent): void {
    this.reports += 1;
    if (this.book.apply(event) === undefined || this.stopped) return;
    this.enqueue(this.options.strategy.onReport(event, this.context));
  }

  /** Records new orders in the book at once (so the strategy sees them), sends in order. */
  private enqueue(actions: StrategyAction[]): void {
    if (this.stopped) return;
    for (const action of actions) {
      if (action.kind === 'submit') {
        this.sequenceNo += 1;
        const clientOrderId = `${this.options.clientOrderIdPrefix}-${this.sequenceNo}`;
        this.book.added({
          clientOrderId,
          tag: action.tag,
          side: action.side,
          orderType: action.orderType,
          timeInForce: action.timeInForce,
          quantity: action.quantity,
          limitPrice: action.limitPrice,
        });
        this.chain = this.chain.then(() => this.submit(clientOrderId, action));
      } else {
        this.book.markPending(action.orderId, true);
        this.chain = this.chain.then(() => this.amend(action));
      }
    }
  }

  private async submit(
    clientOrderId: string,
    action: Extract<StrategyAction, { kind: 'submit' }>,
  ): Promise<void> {
    const { client, instrument } = this.options;
    this.submitted += 1;
    const sent = process.hrtime.bigint();
    try {
      const result = await client.submitOrder({
        clientOrderId,
        symbol: instrument.symbol,
        order: {
          side: action.side,
          orderType: action.orderType,
          timeInForce: action.timeInForce,
          quantity: { value: action.quantity },
          ...(action.limitPrice === undefined ? {} : { limitPrice: { value: action.limitPrice } }),
        },
      });
      this.submitToAck.recordNanos(process.hrtime.bigint() - sent);
      this.acknowledged += 1;
      this.book.acknowledged(clientOrderId, result.orderId);
    } catch (error) {
      this.countError(error);
      this.book.refused(clientOrderId);
    }
  }

  private async amend(action: Exclude<StrategyAction, { kind: 'submit' }>): Promise<void> {
    const { client, instrument } = this.options;
    try {
      if (action.kind === 'cancel') {
        this.cancelsSent += 1;
        await client.cancelOrder({
          symbol: instrument.symbol,
          target: { orderId: action.orderId },
        });
      } else {
        this.replacesSent += 1;
        await client.replaceOrder({
          symbol: instrument.symbol,
          target: { orderId: action.orderId },
          ...(action.quantity === undefined ? {} : { quantity: action.quantity }),
          ...(action.limitPrice === undefined ? {} : { limitPrice: action.limitPrice }),
        });
      }
    } catch (error) {
      this.countError(error);
      this.book.markPending(action.orderId, false);
    }
  }

  private countError(error: unknown): void {
    const reason = toMeridianClientError(error).reason;
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
  }
}
