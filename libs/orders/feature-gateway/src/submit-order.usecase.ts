import { orders } from '@meridian/contracts';
import {
  checkOrderLimits,
  reservationLimits,
  type RiskLimits,
} from '@meridian/orders-domain-pretrade';
import type { Principal } from './api-key.authenticator';
import type { InstrumentCatalog } from './instrument.catalog';
import type { OrderEntryService } from './order-entry.service';
import { OrderIdGenerator } from './order-id.generator';
import { lookupSymbol, validateClientOrderId, validateNewOrder } from './order-request.validator';
import type { RiskLimitsCache } from './risk-limits.cache';

/** Where a SubmitOrder spends its time, in order; observed once per accepted order. */
export type SubmitStage = 'validate' | 'limits' | 'reserve' | 'publish';

/** Receives each stage's duration in seconds (gateway_submit_stage_seconds in production). */
export type SubmitStageObserver = (stage: SubmitStage, seconds: number) => void;

/**
 * SubmitOrder: validate every field, answer retries idempotently, run pre-trade risk (per-order
 * rules here, account-wide rules atomically in Redis), publish to orders.commands.v1, then ack.
 */
export class SubmitOrderUseCase {
  constructor(
    private readonly entry: OrderEntryService,
    private readonly catalog: InstrumentCatalog,
    private readonly limits: RiskLimitsCache,
    private readonly orderIds: OrderIdGenerator = new OrderIdGenerator(),
    private readonly observe: SubmitStageObserver = () => undefined,
  ) {}

  async execute(
    principal: Principal,
    request: orders.SubmitOrderRequest,
  ): Promise<orders.SubmitOrderResponse> {
    let mark = performance.now();
    const lap = (stage: SubmitStage): void => {
      const now = performance.now();
      this.observe(stage, (now - mark) / 1000);
      mark = now;
    };
    this.entry.authorizeTrading(principal, request.accountId);
    validateClientOrderId(request.clientOrderId);
    const { instrument, increments } = lookupSymbol(this.catalog, request.symbol);
    const order = validateNewOrder(request.order, instrument, this.entry.clock());
    const canonical = orders.SubmitOrderRequest.encode({
      ...request,
      accountId: principal.accountId,
    }).finish();
    const hash = this.entry.fingerprint('submit', canonical);

    lap('validate');
    let limits: RiskLimits;
    let notional: number;
    try {
      limits = await this.limits.get(principal.accountId);
      notional = checkOrderLimits(
        limits,
        instrument,
        increments,
        { lots: order.lots, priceTicks: order.limitTicks ?? order.stopTicks },
        this.catalog.bandCentreTicks(request.symbol),
      );
    } catch (error: unknown) {
      // A retry of an accepted order gets its original ack even if limits or prices moved since.
      const existing = await this.entry.store.getIdempotency(
        principal.agentId,
        request.clientOrderId,
      );
      if (existing === null) throw error;
      return this.entry.replay(principal, request.clientOrderId, hash, existing);
    }
    lap('limits');
    const account = reservationLimits(limits, increments);
    const command = this.entry.newCommand(
      principal,
      request.symbol,
      request.clientOrderId,
      this.orderIds.next(),
    );
    command.command = {
      $case: 'newOrder',
      value: request.order ?? orders.NewOrder.fromPartial({}),
    };
    const record = this.entry.idempotencyRecord(hash, command);
    const outcome = await this.entry.reserve(
      () =>
        this.entry.store.reserveNewOrder({
          identity: principal,
          clientOrderId: request.clientOrderId,
          idempotencyValue: record,
          orderId: command.orderId,
          symbol: request.symbol,
          side: order.side,
          lots: order.lots,
          notional,
          rate: { ratePerSecond: limits.orderRatePerSecond, burst: limits.orderBurst },
          ...account,
        }),
      '',
      limits.orderRatePerSecond,
    );
    lap('reserve');
    // The Acknowledgement is the response: order id, command id, accepted-at.
    if (outcome.kind === 'duplicate')
      return this.entry.replay(principal, request.clientOrderId, hash, outcome.record);
    const ack = await this.entry.publishAccepted(principal, command, record);
    lap('publish');
    return ack;
  }
}
