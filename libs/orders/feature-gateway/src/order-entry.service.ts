import { createHash, randomUUID } from 'node:crypto';
import { orders } from '@meridian/contracts';
import type {
  PretradeRiskStore,
  ReserveOutcome,
  TradingStatesRepository,
} from '@meridian/orders-data-access';
import {
  RateLimitedError,
  RiskLimitExceededError,
  RiskReason,
  TradingHaltedError,
  TradingReduceOnlyError,
} from '@meridian/orders-domain-pretrade';
import { z } from 'zod';
import type { Principal } from './api-key.authenticator';
import type { CommandPublisher } from './command.publisher';
import {
  CommandPublishError,
  IdempotencyConflictError,
  OrderNotFoundError,
  OrderNotOpenError,
  PermissionDeniedError,
} from './gateway.error';

/** The hot idempotency record in Redis: enough to answer a retry and to re-publish the command. */
const idempotencyValue = z.object({
  /** sha256 (hex) of the canonical request. */
  h: z.string(),
  o: z.string(),
  c: z.string(),
  /** accepted_at_unix_nanos as a decimal string. */
  t: z.string(),
  /** The encoded OrderCommand (base64). */
  b: z.string(),
  /** 1 once the brokers acknowledged the command. */
  d: z.literal(1).optional(),
});
export type IdempotencyValue = z.infer<typeof idempotencyValue>;

/** The original answer to a request: what a retry with the same body gets again. */
export interface Acknowledgement {
  readonly orderId: string;
  readonly commandId: string;
  readonly acceptedAtUnixNanos: bigint;
}

/** Wall clock in unix nanos (ms precision is what Date gives; hrtime is not wall time). */
export type NanoClock = () => bigint;
export const systemNanoClock: NanoClock = () => BigInt(Date.now()) * 1_000_000n;

/**
 * What Submit, Cancel and Replace share: role and account checks, the request fingerprint, the
 * atomic reservation with its outcomes mapped to errors, idempotent replies and publishing.
 */
export class OrderEntryService {
  constructor(
    readonly store: PretradeRiskStore,
    private readonly tradingStates: TradingStatesRepository,
    private readonly publisher: CommandPublisher,
    readonly clock: NanoClock = systemNanoClock,
    private readonly onMarkFailed: (error: unknown, clientOrderId: string) => void = () =>
      undefined,
  ) {}

  private readonly marking = new Set<Promise<void>>();

  /** Trader keys only; an account_id, when given, must be the key's account. */
  authorizeTrading(principal: Principal, accountId: string): void {
    if (principal.role !== 'trader') {
      throw new PermissionDeniedError(`a ${principal.role} key may not enter orders`, {
        role: principal.role,
      });
    }
    this.authorizeAccount(principal, accountId);
  }

  authorizeAccount(principal: Principal, accountId: string): void {
    if (principal.role === 'admin') {
      throw new PermissionDeniedError('admin keys are for the AdminService', {
        role: principal.role,
      });
    }
    if (accountId !== '' && accountId !== principal.accountId) {
      throw new PermissionDeniedError('the key does not act for this account', { accountId });
    }
  }

  fingerprint(kind: string, canonical: Uint8Array): string {
    return createHash('sha256').update(kind).update(canonical).digest('hex');
  }

  newCommand(
    principal: Principal,
    symbol: string,
    clientOrderId: string,
    orderId: string,
  ): orders.OrderCommand {
    const now = this.clock();
    return orders.OrderCommand.fromPartial({
      commandId: randomUUID(),
      accountId: principal.accountId,
      agentId: principal.agentId,
      symbol,
      clientOrderId,
      orderId,
      receivedAtUnixNanos: now,
      publishedAtUnixNanos: now,
    });
  }

  idempotencyRecord(hash: string, command: orders.OrderCommand): string {
    const value: IdempotencyValue = {
      h: hash,
      o: command.orderId,
      c: command.commandId,
      t: command.publishedAtUnixNanos.toString(),
      b: Buffer.from(orders.OrderCommand.encode(command).finish()).toString('base64'),
    };
    return JSON.stringify(value);
  }

  /**
   * Runs a reservation; loads the trading states into Redis once when it says they are missing.
   * Returns normally only for `ok` and `duplicate`; every rejection throws its error.
   */
  async reserve(
    run: () => Promise<ReserveOutcome>,
    target = '',
    ratePerSecond = 0,
  ): Promise<ReserveOutcome & { kind: 'ok' | 'duplicate' }> {
    let outcome = await run();
    if (outcome.kind === 'states-not-loaded') {
      await this.store.loadTradingStates(await this.tradingStates.list());
      outcome = await run();
    }
    switch (outcome.kind) {
      case 'ok':
      case 'duplicate':
        return outcome;
      case 'states-not-loaded':
        throw new Error('trading states did not load into Redis');
      case 'halted':
        throw new TradingHaltedError(outcome.scope);
      case 'reduce-only':
        throw new TradingReduceOnlyError(outcome.scope);
      case 'rate-limited':
        throw new RateLimitedError(outcome.retryAfterMs, ratePerSecond);
      case 'max-open-orders':
        throw new RiskLimitExceededError(
          RiskReason.MAX_OPEN_ORDERS,
          `the account has ${outcome.open} open orders, the limit`,
          {
            value: String(outcome.open),
          },
        );
      case 'max-position':
        throw new RiskLimitExceededError(
          RiskReason.MAX_POSITION,
          'the order would take the position above its limit',
          {
            valueLots: String(outcome.lots),
          },
        );
      case 'max-gross-exposure':
        throw new RiskLimitExceededError(
          RiskReason.MAX_GROSS_EXPOSURE,
          'the order would take gross exposure above its limit',
          {
            valueMinorUnits: String(outcome.minorUnits),
          },
        );
      case 'no-order':
        throw new OrderNotFoundError(target);
      case 'not-open':
        throw new OrderNotOpenError(target);
    }
  }

  /**
   * Answers a request whose client_order_id is taken: the same body gets the original
   * acknowledgement (re-publishing the same command id first if its publish was never
   * confirmed; the executor applies a command id once), a different body a conflict.
   */
  async replay(
    principal: Principal,
    clientOrderId: string,
    hash: string,
    record: string,
  ): Promise<Acknowledgement> {
    const parsed = idempotencyValue.safeParse(JSON.parse(record));
    if (!parsed.success || parsed.data.h !== hash)
      throw new IdempotencyConflictError(clientOrderId);
    const value = parsed.data;
    if (value.d !== 1) {
      await this.publishOrFail(orders.OrderCommand.decode(Buffer.from(value.b, 'base64')));
      await this.store.updateIdempotency(
        principal.agentId,
        clientOrderId,
        JSON.stringify({ ...value, d: 1 }),
      );
    }
    return { orderId: value.o, commandId: value.c, acceptedAtUnixNanos: BigInt(value.t) };
  }

  /**
   * Publishes, then marks the record confirmed without waiting for Redis: the ack needs only the
   * brokers' acknowledgement. The mark is an optimisation (a retry of an unmarked record
   * re-publishes the same command id, which the executor applies once), so a failed mark is
   * logged, never an error for the agent.
   */
  async publishAccepted(
    principal: Principal,
    command: orders.OrderCommand,
    record: string,
  ): Promise<Acknowledgement> {
    await this.publishOrFail(command);
    const confirmed = { ...(JSON.parse(record) as IdempotencyValue), d: 1 as const };
    const marking = this.store
      .updateIdempotency(principal.agentId, command.clientOrderId, JSON.stringify(confirmed))
      .catch((error: unknown) => this.onMarkFailed(error, command.clientOrderId));
    this.marking.add(marking);
    void marking.finally(() => this.marking.delete(marking));
    return {
      orderId: command.orderId,
      commandId: command.commandId,
      acceptedAtUnixNanos: command.publishedAtUnixNanos,
    };
  }

  /** Waits for the confirmation marks still in flight (graceful shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.marking]);
  }

  private async publishOrFail(command: orders.OrderCommand): Promise<void> {
    try {
      await this.publisher.publish(command);
    } catch (error: unknown) {
      throw new CommandPublishError(error);
    }
  }
}
