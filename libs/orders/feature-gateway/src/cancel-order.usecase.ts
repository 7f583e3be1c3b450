import { orders } from '@meridian/contracts';
import type { Principal } from './api-key.authenticator';
import type { InstrumentCatalog } from './instrument.catalog';
import type { OrderEntryService } from './order-entry.service';
import { lookupSymbol, validateClientOrderId } from './order-request.validator';
import type { OrderTargetResolver } from './order-target.resolver';
import type { RiskLimitsCache } from './risk-limits.cache';

/** CancelOrder: allowed in every trading state; idempotent on its own client_order_id. */
export class CancelOrderUseCase {
  constructor(
    private readonly entry: OrderEntryService,
    private readonly catalog: InstrumentCatalog,
    private readonly limits: RiskLimitsCache,
    private readonly targets: OrderTargetResolver,
  ) {}

  async execute(
    principal: Principal,
    request: orders.CancelOrderRequest,
  ): Promise<orders.CancelOrderResponse> {
    this.entry.authorizeTrading(principal, request.accountId);
    validateClientOrderId(request.clientOrderId);
    lookupSymbol(this.catalog, request.symbol);
    const canonical = orders.CancelOrderRequest.encode({
      ...request,
      accountId: principal.accountId,
    }).finish();
    const hash = this.entry.fingerprint('cancel', canonical);
    const limits = await this.limits.get(principal.accountId);
    const { orderId, origClientOrderId } = await this.targets.resolve(principal, request.target);
    const command = this.entry.newCommand(
      principal,
      request.symbol,
      request.clientOrderId,
      orderId,
    );
    command.command = { $case: 'cancelOrder', value: { origClientOrderId } };
    const record = this.entry.idempotencyRecord(hash, command);
    const rate = { ratePerSecond: limits.orderRatePerSecond, burst: limits.orderBurst };
    const outcome = await this.entry.reserve(
      () =>
        this.targets.reserveAgainst(principal, orderId, (skipOrderCheck) =>
          this.entry.store.reserveAmend({
            identity: principal,
            clientOrderId: request.clientOrderId,
            idempotencyValue: record,
            kind: 'cancel',
            orderId,
            rate,
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
