import { orders } from '@meridian/contracts';
import type {
  OrderEventsRepository,
  PretradeRiskStore,
  RiskEventUpdate,
} from '@meridian/orders-data-access';
import type { ExecutionReportHub } from './execution-report.hub';
import type { InstrumentCatalog } from './instrument.catalog';
import { assertUsableEvent, type OrderEventHandler } from './order-events.consumer';
import { toRiskUpdate } from './order-event.risk-mapper';

/**
 * What the gateway does with each execution report from orders.events.v1, in this order:
 * append it to the replay log, update the pre-trade reservation and position (Redis), then fan it
 * out to the owning agent's open streams. Logging before fan-out is what lets a resuming stream
 * switch from the log to live without a gap. Every step is idempotent, so a redelivery is safe.
 */
export class ApplyOrderEventUseCase implements OrderEventHandler {
  constructor(
    private readonly log: OrderEventsRepository,
    private readonly risk: PretradeRiskStore,
    private readonly catalog: InstrumentCatalog,
    private readonly hub: ExecutionReportHub,
    /** Seconds from the engine's event time to the fan-out (gateway_execution_report_delay_seconds). */
    private readonly observeDelay: (seconds: number) => void = () => undefined,
  ) {}

  async execute(event: orders.OrderEvent): Promise<void> {
    assertUsableEvent(event);
    await this.log.append([
      {
        symbol: event.symbol,
        sequence: event.sequence,
        accountId: event.accountId,
        agentId: event.agentId,
        event: orders.OrderEvent.encode(event).finish(),
      },
    ]);
    const update = toRiskUpdate(event, this.catalog);
    if (update !== null) await this.risk.applyEvent(update);
    this.recordTrade(update);
    this.fanOut(event, Date.now());
  }

  /**
   * Several reports of one partition, in offset order, at the cost of one INSERT and one Redis
   * pipeline (the Lua updates are sent back to back on one connection, so Redis runs them in
   * order); then the fan-out, in order. An unusable report fails the whole batch, which the
   * consumer then replays record by record (every step is idempotent).
   */
  async executeBatch(events: readonly orders.OrderEvent[]): Promise<void> {
    for (const event of events) assertUsableEvent(event);
    await this.log.append(
      events.map((event) => ({
        symbol: event.symbol,
        sequence: event.sequence,
        accountId: event.accountId,
        agentId: event.agentId,
        event: orders.OrderEvent.encode(event).finish(),
      })),
    );
    const updates = events.flatMap((event) => toRiskUpdate(event, this.catalog) ?? []);
    await Promise.all(updates.map((update) => this.risk.applyEvent(update)));
    for (const update of updates) this.recordTrade(update);
    const now = Date.now();
    for (const event of events) this.fanOut(event, now);
  }

  private fanOut(event: orders.OrderEvent, nowMs: number): void {
    if (event.eventTimeUnixNanos > 0n)
      this.observeDelay((nowMs - Number(event.eventTimeUnixNanos / 1_000_000n)) / 1000);
    this.hub.publish(event);
  }

  /** A fill moves the price band's centre (read in memory by Submit and Replace). */
  private recordTrade(update: RiskEventUpdate | null): void {
    if (update?.kind === 'fill' && update.fillPriceTicks !== undefined)
      this.catalog.recordTrade(update.symbol, update.fillPriceTicks, update.sequence);
  }
}
