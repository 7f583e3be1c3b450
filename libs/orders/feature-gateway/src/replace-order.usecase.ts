import { orders } from '@meridian/contracts';
import { checkOrderLimits, reservationLimits } from '@meridian/orders-domain-pretrade';
import type { Principal } from './api-key.authenticator';
import type { InstrumentCatalog } from './instrument.catalog';
import type { OrderEntryService } from './order-entry.service';
import { lookupSymbol, validateClientOrderId, validateReplace } from './order-request.validator';
import type { OrderTargetResolver } from './order-target.resolver';
import type { RiskLimitsCache } from './risk-limits.cache';

/**
 * ReplaceOrder: validates the new terms, applies the per-order limits to them, and checks the
 * account-wide limits on the increase (position, gross exposure) atomically in Redis. The
 * reservation itself moves when the executor confirms (OrderReplaced).
 */
export class ReplaceOrderUseCase {
  constructor(
    private readonly entry: OrderEntryService,
    private readonly catalog: InstrumentCatalog,
    private readonly limits: RiskLimitsCache,
    private readonly targets: OrderTargetResolver,
  ) {}

  async execute(
    principal: Principal,
    request: orders.ReplaceOrderRequest,
  ): Promise<orders.ReplaceOrderResponse> {
    this.entry.authorizeTrading(principal, request.accountId);
    validateClientOrderId(request.clientOrderId);
    const { instrument, increments } = lookupSymbol(this.catalog, request.symbol);
    const replacement = validateReplace(request.replacement, instrument);
    const canonical = orders.ReplaceOrderRequest.encode({
      ...request,
      accountId: principal.accountId,
    }).finish();
    const hash = this.entry.fingerprint('replace', canonical);
    const limits = await this.limits.get(principal.accountId);
    const priceTicks = replacement.limitTicks ?? replacement.stopTicks;
    // The band is centred as for a new order: the last trade here, else the market's price.
    const centre = this.catalog.bandCentreTicks(request.symbol);
    const newTotalNotional =
      replacement.lots !== null && priceTicks !== null
        ? checkOrderLimits(
            limits,
            instrument,
            increments,
            { lots: replacement.lots, priceTicks },
            centre,
          )
        : -1;
    const { orderId, origClientOrderId } = await this.targets.resolve(principal, request.target);
    const command = this.entry.newCommand(
      principal,
      request.symbol,
      request.clientOrderId,
      orderId,
    );
    command.command = {
      $case: 'replaceOrder',
      value: orders.ReplaceOrder.fromPartial({ ...request.replacement, origClientOrderId }),
    };
    const record = this.entry.idempotencyRecord(hash, command);
    const rate = { ratePerSecond: limits.orderRatePerSecond, burst: limits.orderBurst };
    const account = reservationLimits(limits, increments);
    const outcome = await this.entry.reserve(
      () =>
        this.targets.reserveAgainst(principal, orderId, (skipOrderCheck) =>
          this.entry.store.reserveAmend({
            identity: principal,
            clientOrderId: request.clientOrderId,
            idempotencyValue: record,
            kind: 'replace',
            orderId,
            rate,
            newTotalLots: replacement.lots ?? 0,
            newTotalNotional,
            maxPositionLots: account.maxPositionLots,
            maxGrossMinor: account.maxGrossMinor,
            skipOrderCheck,
          }),
        ),
      orderId,
      rate.ratePerSecond,
    );
    const ack =
      outcome.kind === 'duplicate'
        ? await this.entry.replay(principal, request.clientOrderId, hash, outcome.record)
        : await this.entry.publishAccepted(principal, command, record);
    return { orderId: ack.orderId, commandId: ack.commandId };
  }
}
