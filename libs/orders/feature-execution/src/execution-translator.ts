import { common, orders } from '@meridian/contracts';
import {
  EVENT_TYPES,
  type FixedPointParse,
  Instrument,
  type InstrumentSpec,
  REASON_CODES,
  reasonCode,
  type ReasonCode,
  reasonNumber,
} from '@meridian/orders-domain';

import { type ExecutionState } from './execution-state';
import { CB, CMD_KIND, CS, EB, ES, type RecordBuffer, REQUEST } from './record-layout';

/** Numeric reason codes by name (the engine's table; its index is the code). */
const R = Object.fromEntries(REASON_CODES.map((code) => [code, reasonNumber(code)])) as Record<
  ReasonCode,
  number
>;

/** Executor-level reason codes carried in event records beside the engine's (which stop at 34). */
export const EXEC_REASON = {
  /** A risk control halts the platform, the account or the agent. */
  TRADING_HALTED: 200,
  /** The command carries no operation (empty oneof) or no command id. */
  MALFORMED_COMMAND: 201,
} as const;

/** What the executor remembers about a command while its events are in flight. */
export interface CommandContext {
  readonly commandId: string;
  readonly accountId: string;
  readonly agentId: string;
  readonly clientOrderId: string;
  readonly orderIdText: string;
  readonly orderId: number;
  readonly symbolIndex: number;
  /** Engine time of its events: the gateway's publish time (deterministic under replay). */
  readonly eventTime: bigint;
  readonly newOrder: orders.NewOrder | undefined;
  /** Cancels the executor issued for a risk halt (their cancel reason is RISK_HALT). */
  readonly haltCancel: boolean;
}

/** A message ready for Kafka. */
export interface OutgoingRecord {
  readonly topic: 'events' | 'trades';
  readonly key: string;
  readonly value: Uint8Array;
  /** Idempotency key: `<symbol>-<sequence>` (or `<command id>-rejected` without a book). */
  readonly id: string;
}

/** Result of translating one command. */
export type Translation =
  | { readonly kind: 'record'; readonly symbolIndex: number }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'no-book'; readonly record: OutgoingRecord };

const ORDER_ID = /^[1-9][0-9]{0,15}$/;

/** Digits an average price carries beyond the tick size's own (it rarely falls on a tick). */
const AVERAGE_EXTRA_DECIMALS = 6;

/**
 * Volume-weighted average price of an order's fills as a canonical decimal string: the exact
 * ratio of `sum(price ticks × lots) / lots` times the tick size, rounded half-even to the tick
 * size's decimals plus six, trailing zeros trimmed. Never through floats.
 */
export function averagePriceOf(valueTicksLots: bigint, lots: number, tickSize: string): string {
  const [whole = '0', fraction = ''] = tickSize.split('.');
  const tickUnits = BigInt(whole + fraction);
  const decimals = fraction.length + AVERAGE_EXTRA_DECIMALS;
  const numerator = valueTicksLots * tickUnits * 10n ** BigInt(AVERAGE_EXTRA_DECIMALS);
  const denominator = BigInt(lots);
  if (denominator <= 0n) return '0';
  let quotient = numerator / denominator;
  const twice = (numerator % denominator) * 2n;
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) quotient += 1n;
  const digits = quotient.toString().padStart(decimals + 1, '0');
  const integer = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return frac === '' ? integer : `${integer}.${frac}`;
}

/**
 * Unix nanoseconds -> the engine's clock unit, milliseconds (nanoseconds are not safe
 * integers); NaN when absent, not positive or out of range.
 */
function engineTime(nanos: bigint): number {
  const ms = nanos / 1_000_000n;
  return ms > 0n && ms <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ms) : NaN;
}

function parseOrderId(text: string): number {
  if (!ORDER_ID.test(text)) return NaN;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : NaN;
}

const SIDE_CODE: Readonly<Record<number, number>> = { [common.Side.BUY]: 0, [common.Side.SELL]: 1 };
const TYPE_CODE: Readonly<Record<number, number>> = {
  [orders.OrderType.LIMIT]: 0,
  [orders.OrderType.MARKET]: 1,
  [orders.OrderType.STOP]: 2,
  [orders.OrderType.STOP_LIMIT]: 3,
};
const TIF_CODE: Readonly<Record<number, number>> = {
  [orders.TimeInForce.GTC]: 0,
  [orders.TimeInForce.DAY]: 1,
  [orders.TimeInForce.GTD]: 2,
  [orders.TimeInForce.IOC]: 3,
  [orders.TimeInForce.FOK]: 4,
};
const STP_CODE: Readonly<Record<number, number>> = {
  [orders.SelfTradePrevention.UNSPECIFIED]: 0,
  [orders.SelfTradePrevention.CANCEL_NEWEST]: 0,
  [orders.SelfTradePrevention.CANCEL_OLDEST]: 1,
  [orders.SelfTradePrevention.CANCEL_BOTH]: 2,
};
const INVALID = 255;

/** Engine reason -> protobuf RejectReason (the exact engine reason travels in `text`). */
function rejectReason(code: number): orders.RejectReason {
  if (code === EXEC_REASON.TRADING_HALTED) return orders.RejectReason.TRADING_HALTED;
  if (code === EXEC_REASON.MALFORMED_COMMAND) return orders.RejectReason.INVALID_ORDER_TYPE;
  switch (code) {
    case R.UNKNOWN_SYMBOL:
      return orders.RejectReason.UNKNOWN_SYMBOL;
    case R.DUPLICATE_ORDER_ID:
      return orders.RejectReason.DUPLICATE_CLIENT_ORDER_ID;
    case R.UNKNOWN_ORDER:
    case R.INVALID_ORDER_ID:
      return orders.RejectReason.UNKNOWN_ORDER;
    case R.INVALID_TIME_IN_FORCE:
      return orders.RejectReason.INVALID_TIME_IN_FORCE;
    case R.INVALID_PRICE:
    case R.PRICE_NOT_POSITIVE:
    case R.PRICE_TOO_PRECISE:
    case R.OFF_TICK_PRICE:
    case R.PRICE_OUT_OF_BAND:
    case R.INVALID_STOP_PRICE:
      return orders.RejectReason.INVALID_PRICE;
    case R.INVALID_QUANTITY:
    case R.QUANTITY_NOT_POSITIVE:
    case R.QUANTITY_TOO_PRECISE:
    case R.OFF_LOT_QUANTITY:
    case R.QUANTITY_NOT_ABOVE_FILLED:
    case R.INVALID_DISPLAY_QUANTITY:
    case R.OVERFLOW:
      return orders.RejectReason.INVALID_QUANTITY;
    case R.INVALID_EXPIRY:
    case R.INVALID_TIME:
      return orders.RejectReason.INVALID_EXPIRY;
    case R.POST_ONLY_WOULD_CROSS:
      return orders.RejectReason.POST_ONLY_WOULD_TAKE;
    default:
      return orders.RejectReason.INVALID_ORDER_TYPE;
  }
}

function reasonText(code: number): string {
  if (code === EXEC_REASON.TRADING_HALTED) return 'TRADING_HALTED';
  if (code === EXEC_REASON.MALFORMED_COMMAND) return 'MALFORMED_COMMAND';
  return reasonCode(code);
}

function cancelReason(code: number, halt: boolean): orders.CancelReason {
  if (halt) return orders.CancelReason.RISK_HALT;
  switch (code) {
    case R.USER_REQUESTED:
      return orders.CancelReason.REQUESTED;
    case R.SELF_TRADE_PREVENTED:
      return orders.CancelReason.SELF_TRADE_PREVENTION;
    default:
      return orders.CancelReason.IMMEDIATE_OR_CANCEL;
  }
}

const COMMAND_KIND = [
  orders.CommandKind.NEW_ORDER,
  orders.CommandKind.CANCEL_ORDER,
  orders.CommandKind.REPLACE_ORDER,
  orders.CommandKind.UNSPECIFIED,
  orders.CommandKind.UNSPECIFIED,
];

/**
 * The edge between protobuf and the engine, both ways, on the main thread.
 * Inbound: an OrderCommand becomes one fixed-point command record (decimal strings parsed
 * exactly with the instrument's tick and lot; anything invalid becomes a REJECT record with the
 * engine's precise reason, so it is answered on the book's sequence, never thrown or dropped).
 * Outbound: event records become OrderEvent and Trade messages with the ids, accounts and client
 * order ids the engine never sees.
 */
export class ExecutionTranslator {
  readonly instruments: readonly Instrument[];
  private readonly symbolIndex = new Map<string, number>();
  private readonly lastTrade: { seq: number; makerOrderId: number }[];
  private readonly symbols: readonly string[];

  constructor(
    specs: readonly InstrumentSpec[],
    private readonly state: ExecutionState,
  ) {
    this.instruments = specs.map((s) => new Instrument(s));
    this.symbols = specs.map((s) => s.symbol);
    this.symbols.forEach((s, i) => this.symbolIndex.set(s, i));
    this.lastTrade = specs.map(() => ({ seq: 0, makerOrderId: NaN }));
  }

  indexOf(symbol: string): number | undefined {
    return this.symbolIndex.get(symbol);
  }

  /**
   * Translates a command consumed from `partition`: appends its record to `out` (tag = `tag`) and
   * returns its context through `contexts[tag]`, or tells why there is no record.
   */
  translate(
    command: orders.OrderCommand,
    partition: number,
    tag: number,
    out: RecordBuffer,
    contexts: CommandContext[],
  ): Translation {
    const symbolIndex = this.symbolIndex.get(command.symbol);
    if (command.commandId !== '' && this.state.seenBefore(partition, command.commandId))
      return { kind: 'duplicate' };
    if (symbolIndex === undefined)
      return { kind: 'no-book', record: this.noBookRejection(command) };
    const inst = this.instruments[symbolIndex] as Instrument;
    const orderId = parseOrderId(command.orderId);
    const op = command.command;
    contexts[tag] = {
      commandId: command.commandId,
      accountId: command.accountId,
      agentId: command.agentId,
      clientOrderId: command.clientOrderId,
      orderIdText: command.orderId,
      orderId,
      symbolIndex,
      eventTime: command.publishedAtUnixNanos,
      newOrder: op?.$case === 'newOrder' ? op.value : undefined,
      haltCancel: false,
    };
    const at = out.append();
    const b = at * 8;
    const f = out.f64;
    f[at + CS.TAG] = tag;
    f[at + CS.SYMBOL] = symbolIndex;
    f[at + CS.ORDER_ID] = orderId;
    f[at + CS.PRICE] = NaN;
    f[at + CS.STOP_PRICE] = NaN;
    f[at + CS.QUANTITY] = NaN;
    f[at + CS.DISPLAY] = NaN;
    f[at + CS.TIME] = NaN;
    f[at + CS.AT] = engineTime(command.publishedAtUnixNanos);
    const reject = (request: number, reason: number): Translation => {
      out.u8[b + CB.KIND] = CMD_KIND.REJECT;
      out.u8[b + CB.REQUEST] = request;
      out.u8[b + CB.REASON] = reason;
      return { kind: 'record', symbolIndex };
    };
    if (op === undefined || command.commandId === '')
      return reject(REQUEST.UNKNOWN, EXEC_REASON.MALFORMED_COMMAND);
    const request =
      op.$case === 'newOrder'
        ? REQUEST.NEW
        : op.$case === 'cancelOrder'
          ? REQUEST.CANCEL
          : REQUEST.REPLACE;
    if (request !== REQUEST.CANCEL && this.halted(command))
      return reject(request, EXEC_REASON.TRADING_HALTED);
    switch (op.$case) {
      case 'newOrder': {
        const o = op.value;
        out.u8[b + CB.KIND] = CMD_KIND.NEW;
        out.u8[b + CB.SIDE] = SIDE_CODE[o.side] ?? INVALID;
        out.u8[b + CB.ORDER_TYPE] = TYPE_CODE[o.orderType] ?? INVALID;
        out.u8[b + CB.TIF] = TIF_CODE[o.timeInForce] ?? INVALID;
        out.u8[b + CB.STP] = STP_CODE[o.selfTradePrevention] ?? INVALID;
        out.u8[b + CB.POST_ONLY] = o.postOnly ? 1 : 0;
        f[at + CS.ACCOUNT] =
          command.accountId === '' ? NaN : this.state.accountNumber(command.accountId);
        // Same order of checks as MatchingEngine.processDecimal (the id is checked in the worker).
        const quantity = inst.parseQuantity(o.quantity?.value);
        if (!quantity.ok) return reject(request, quantity.reason);
        f[at + CS.QUANTITY] = quantity.value;
        const price = optional(o.limitPrice, (t) => inst.parsePrice(t));
        if (price !== undefined && !price.ok) return reject(request, price.reason);
        if (price?.ok === true) f[at + CS.PRICE] = price.value;
        const stop = optional(o.stopPrice, (t) => inst.parsePrice(t));
        if (stop !== undefined && !stop.ok)
          return reject(
            request,
            stop.reason === R.INVALID_PRICE ? R.INVALID_STOP_PRICE : stop.reason,
          );
        if (stop?.ok === true) f[at + CS.STOP_PRICE] = stop.value;
        const display = optional(o.displayQuantity, (t) => inst.parseQuantity(t));
        if (display !== undefined && !display.ok)
          return reject(request, R.INVALID_DISPLAY_QUANTITY);
        if (display?.ok === true) f[at + CS.DISPLAY] = display.value;
        if (o.expireAtUnixNanos !== 0n) {
          const ms = engineTime(o.expireAtUnixNanos);
          f[at + CS.TIME] = Number.isNaN(ms) ? -1 : ms;
        }
        return { kind: 'record', symbolIndex };
      }
      case 'cancelOrder':
        out.u8[b + CB.KIND] = CMD_KIND.CANCEL;
        return { kind: 'record', symbolIndex };
      case 'replaceOrder': {
        const o = op.value;
        out.u8[b + CB.KIND] = CMD_KIND.REPLACE;
        if (o.displayQuantity !== undefined) return reject(request, R.INVALID_ORDER_COMBINATION);
        const quantity = optional(o.quantity, (t) => inst.parseQuantity(t));
        if (quantity !== undefined && !quantity.ok) return reject(request, quantity.reason);
        if (quantity?.ok === true) f[at + CS.QUANTITY] = quantity.value;
        const price = optional(o.limitPrice, (t) => inst.parsePrice(t));
        if (price !== undefined && !price.ok) return reject(request, price.reason);
        if (price?.ok === true) f[at + CS.PRICE] = price.value;
        const stop = optional(o.stopPrice, (t) => inst.parsePrice(t));
        if (stop !== undefined && !stop.ok)
          return reject(
            request,
            stop.reason === R.INVALID_PRICE ? R.INVALID_STOP_PRICE : stop.reason,
          );
        if (stop?.ok === true) f[at + CS.STOP_PRICE] = stop.value;
        return { kind: 'record', symbolIndex };
      }
    }
  }

  /** A cancel the executor issues itself (risk halt); context at `contexts[tag]`. */
  haltCancel(
    symbolIndex: number,
    orderId: number,
    tag: number,
    eventTime: bigint,
    out: RecordBuffer,
    contexts: CommandContext[],
  ): void {
    const identity = this.state.order(symbolIndex, orderId);
    contexts[tag] = {
      commandId: '',
      accountId: identity?.accountId ?? '',
      agentId: identity?.agentId ?? '',
      clientOrderId: identity?.clientOrderId ?? '',
      orderIdText: String(orderId),
      orderId,
      symbolIndex,
      eventTime,
      newOrder: undefined,
      haltCancel: true,
    };
    const at = out.append();
    out.u8[at * 8 + CB.KIND] = CMD_KIND.CANCEL;
    out.f64[at + CS.TAG] = tag;
    out.f64[at + CS.SYMBOL] = symbolIndex;
    out.f64[at + CS.ORDER_ID] = orderId;
  }

  /** Turns one event record into its Kafka message(s), updating the order directory. */
  translateEvent(
    f64: Float64Array,
    u8: Uint8Array,
    base: number,
    context: CommandContext | undefined,
    emit: (record: OutgoingRecord) => void,
  ): void {
    const b = base * 8;
    const type = EVENT_TYPES[u8[b + EB.TYPE] ?? 0];
    const symbolIndex = f64[base + ES.SYMBOL] ?? -1;
    const inst = this.instruments[symbolIndex];
    if (inst === undefined) return; // no-book rejections never come from a worker
    const symbol = inst.symbol;
    const seq = f64[base + ES.SEQ] ?? 0;
    const orderId = f64[base + ES.ORDER_ID] ?? NaN;
    const id = `${symbol}-${seq}`;
    const price = (v: number): common.Decimal | undefined =>
      Number.isNaN(v) ? undefined : { value: inst.formatPrice(v) };
    const qty = (v: number): common.Decimal => ({ value: inst.formatQuantity(v) });
    const ownIdentity = (): {
      orderId: string;
      clientOrderId: string;
      accountId: string;
      agentId: string;
      commandId: string;
    } => {
      const mine = context !== undefined && context.orderId === orderId && !context.haltCancel;
      const known = this.state.order(symbolIndex, orderId);
      return {
        orderId: Number.isNaN(orderId) ? (context?.orderIdText ?? '') : String(orderId),
        clientOrderId: known?.clientOrderId ?? context?.clientOrderId ?? '',
        accountId: known?.accountId ?? context?.accountId ?? '',
        agentId: known?.agentId ?? context?.agentId ?? '',
        commandId: mine ? (context?.commandId ?? '') : '',
      };
    };
    const eventBase = (status: orders.OrderStatus): Omit<orders.OrderEvent, 'event'> => ({
      eventId: id,
      symbol,
      sequence: BigInt(seq),
      ...ownIdentity(),
      eventTimeUnixNanos: context?.eventTime ?? 0n,
      status,
    });
    const send = (event: orders.OrderEvent): void =>
      emit({ topic: 'events', key: symbol, id, value: orders.OrderEvent.encode(event).finish() });
    switch (type) {
      case 'accepted': {
        const orderType = u8[b + EB.CODE] ?? 0;
        const waiting = orderType === 2 || orderType === 3;
        if (context !== undefined)
          this.state.addOrder(symbolIndex, orderId, {
            clientOrderId: context.clientOrderId,
            accountId: context.accountId,
            agentId: context.agentId,
          });
        send({
          ...eventBase(waiting ? orders.OrderStatus.PENDING_TRIGGER : orders.OrderStatus.NEW),
          event: {
            $case: 'accepted',
            value: {
              order: context?.newOrder,
              status: waiting ? orders.OrderStatus.PENDING_TRIGGER : orders.OrderStatus.NEW,
            },
          },
        });
        return;
      }
      case 'rejected': {
        const request = u8[b + EB.REQUEST] ?? REQUEST.UNKNOWN;
        const code = u8[b + EB.CODE] ?? 0;
        send({
          ...eventBase(
            request === REQUEST.NEW ? orders.OrderStatus.REJECTED : orders.OrderStatus.UNSPECIFIED,
          ),
          // A rejection is about the command: its identity, never a live order's of the same id.
          orderId: context?.orderIdText ?? '',
          clientOrderId: context?.clientOrderId ?? '',
          accountId: context?.accountId ?? '',
          agentId: context?.agentId ?? '',
          commandId: context?.commandId ?? '',
          event: {
            $case: 'rejected',
            value: {
              reason: rejectReason(code),
              text: reasonText(code),
              commandKind: COMMAND_KIND[request] ?? orders.CommandKind.UNSPECIFIED,
            },
          },
        });
        return;
      }
      case 'trade': {
        const maker = f64[base + ES.OTHER_ORDER_ID] ?? NaN;
        this.lastTrade[symbolIndex] = { seq, makerOrderId: maker };
        const takerBuys = (u8[b + EB.SIDE] ?? 0) === 0;
        const taker = this.state.order(symbolIndex, orderId);
        const resting = this.state.order(symbolIndex, maker);
        const buy = takerBuys ? { id: orderId, o: taker } : { id: maker, o: resting };
        const sell = takerBuys ? { id: maker, o: resting } : { id: orderId, o: taker };
        const trade: orders.Trade = {
          tradeId: id,
          symbol,
          sequence: BigInt(seq),
          price: price(f64[base + ES.PRICE] ?? NaN),
          quantity: qty(f64[base + ES.QUANTITY] ?? 0),
          aggressorSide: takerBuys ? common.Side.BUY : common.Side.SELL,
          buyOrderId: String(buy.id),
          sellOrderId: String(sell.id),
          buyAccountId: buy.o?.accountId ?? '',
          sellAccountId: sell.o?.accountId ?? '',
          executedAtUnixNanos: context?.eventTime ?? 0n,
        };
        emit({ topic: 'trades', key: symbol, id, value: orders.Trade.encode(trade).finish() });
        return;
      }
      case 'partially-filled':
      case 'filled': {
        const last = this.lastTrade[symbolIndex];
        const fill: orders.Fill = {
          executionId: id,
          tradeId: `${symbol}-${last?.seq ?? 0}`,
          price: price(f64[base + ES.PRICE] ?? NaN),
          quantity: qty(f64[base + ES.QUANTITY] ?? 0),
          liquidity:
            last?.makerOrderId === orderId ? orders.Liquidity.MAKER : orders.Liquidity.TAKER,
        };
        const cumLots = f64[base + ES.CUM] ?? 0;
        const cum = qty(cumLots);
        const value = this.state.addFill(
          symbolIndex,
          orderId,
          f64[base + ES.PRICE] ?? 0,
          f64[base + ES.QUANTITY] ?? 0,
        );
        const averagePrice = { value: averagePriceOf(value, cumLots, inst.spec.tickSize) };
        if (type === 'filled') {
          send({
            ...eventBase(orders.OrderStatus.FILLED),
            event: {
              $case: 'filled',
              value: { fill, cumulativeQuantity: cum, averagePrice },
            },
          });
          this.state.removeOrder(symbolIndex, orderId);
        } else {
          send({
            ...eventBase(orders.OrderStatus.PARTIALLY_FILLED),
            event: {
              $case: 'partiallyFilled',
              value: {
                fill,
                cumulativeQuantity: cum,
                leavesQuantity: qty(f64[base + ES.LEAVES] ?? 0),
                averagePrice,
              },
            },
          });
        }
        return;
      }
      case 'canceled':
        send({
          ...eventBase(orders.OrderStatus.CANCELED),
          event: {
            $case: 'canceled',
            value: {
              reason: cancelReason(
                u8[b + EB.CODE] ?? 0,
                context?.haltCancel === true && context.orderId === orderId,
              ),
              canceledQuantity: qty(f64[base + ES.QUANTITY] ?? 0),
              cumulativeQuantity: qty(f64[base + ES.CUM] ?? 0),
            },
          },
        });
        this.state.removeOrder(symbolIndex, orderId);
        return;
      case 'expired':
        send({
          ...eventBase(orders.OrderStatus.EXPIRED),
          // The clock expired it, not the command whose time moved the clock (even one naming it).
          commandId: '',
          event: {
            $case: 'expired',
            value: {
              expiredQuantity: qty(f64[base + ES.QUANTITY] ?? 0),
              cumulativeQuantity: qty(f64[base + ES.CUM] ?? 0),
            },
          },
        });
        this.state.removeOrder(symbolIndex, orderId);
        return;
      case 'replaced': {
        const cum = f64[base + ES.CUM] ?? 0;
        send({
          ...eventBase(cum > 0 ? orders.OrderStatus.PARTIALLY_FILLED : orders.OrderStatus.NEW),
          event: {
            $case: 'replaced',
            value: {
              quantity: qty(f64[base + ES.QUANTITY] ?? 0),
              leavesQuantity: qty(f64[base + ES.LEAVES] ?? 0),
              limitPrice: price(f64[base + ES.PRICE] ?? NaN),
              stopPrice: price(f64[base + ES.STOP_PRICE] ?? NaN),
              displayQuantity: undefined,
              priorityRetained: (u8[b + EB.CODE] ?? 0) === 1,
            },
          },
        });
        return;
      }
      case 'triggered': {
        send({
          ...eventBase(orders.OrderStatus.NEW),
          event: {
            $case: 'triggered',
            value: {
              triggerPrice: price(f64[base + ES.STOP_PRICE] ?? NaN),
              resultingOrderType: Number.isNaN(f64[base + ES.PRICE] ?? NaN)
                ? orders.OrderType.MARKET
                : orders.OrderType.LIMIT,
            },
          },
        });
        return;
      }
      default:
        return;
    }
  }

  /** Rejection of a command whose symbol no worker trades: it belongs to no sequence. */
  private noBookRejection(command: orders.OrderCommand): OutgoingRecord {
    const op = command.command?.$case;
    const event: orders.OrderEvent = {
      eventId: `${command.commandId}-rejected`,
      symbol: command.symbol,
      sequence: 0n,
      orderId: command.orderId,
      clientOrderId: command.clientOrderId,
      accountId: command.accountId,
      agentId: command.agentId,
      commandId: command.commandId,
      eventTimeUnixNanos: command.publishedAtUnixNanos,
      status: op === 'newOrder' ? orders.OrderStatus.REJECTED : orders.OrderStatus.UNSPECIFIED,
      event: {
        $case: 'rejected',
        value: {
          reason: orders.RejectReason.UNKNOWN_SYMBOL,
          text: 'UNKNOWN_SYMBOL',
          commandKind:
            op === 'newOrder'
              ? orders.CommandKind.NEW_ORDER
              : op === 'cancelOrder'
                ? orders.CommandKind.CANCEL_ORDER
                : op === 'replaceOrder'
                  ? orders.CommandKind.REPLACE_ORDER
                  : orders.CommandKind.UNSPECIFIED,
        },
      },
    };
    // Keyed by the (unknown) symbol so it stays in order with the command's other events.
    return {
      topic: 'events',
      key: command.symbol,
      id: event.eventId,
      value: orders.OrderEvent.encode(event).finish(),
    };
  }

  private halted(command: orders.OrderCommand): boolean {
    return (
      this.state.globalHalt ||
      this.state.haltedAccounts.has(command.accountId) ||
      this.state.haltedAgents.has(command.agentId)
    );
  }
}

function optional(
  decimal: common.Decimal | undefined,
  parse: (text: string) => FixedPointParse,
): FixedPointParse | undefined {
  return decimal === undefined ? undefined : parse(decimal.value);
}
