import { common, orders } from '@meridian/contracts';
import { type FixedPointParse, type Instrument, reasonCode } from '@meridian/orders-domain';
import { InvalidRequestReason, OrderRequestInvalidError } from '@meridian/orders-domain-pretrade';
import type { CatalogEntry, InstrumentCatalog } from './instrument.catalog';

/** client_order_id: 1-64 printable ASCII characters, no spaces. */
const CLIENT_ORDER_ID = /^[\x21-\x7e]{1,64}$/;
const MAX_SYMBOL_LENGTH = 32;

/** A NewOrder after validation, in the instrument's fixed point. */
export interface ValidatedNewOrder {
  readonly side: 'B' | 'S';
  readonly lots: number;
  /** Limit price in ticks (LIMIT, STOP_LIMIT); null otherwise. */
  readonly limitTicks: number | null;
  readonly stopTicks: number | null;
}

function invalid(
  code: InvalidRequestReason,
  field: string,
  problem: string,
  detail?: string,
): never {
  throw new OrderRequestInvalidError(code, field, problem, detail);
}

export function validateClientOrderId(value: string, field = 'client_order_id'): void {
  if (value.length === 0) invalid(InvalidRequestReason.INVALID_FIELD, field, 'missing');
  if (!CLIENT_ORDER_ID.test(value)) {
    invalid(
      InvalidRequestReason.INVALID_FIELD,
      field,
      'malformed',
      'must be 1-64 printable ASCII characters',
    );
  }
}

export function lookupSymbol(catalog: InstrumentCatalog, symbol: string): CatalogEntry {
  if (symbol.length === 0) invalid(InvalidRequestReason.INVALID_FIELD, 'symbol', 'missing');
  const entry = symbol.length <= MAX_SYMBOL_LENGTH ? catalog.get(symbol) : undefined;
  if (entry === undefined)
    invalid(
      InvalidRequestReason.UNKNOWN_SYMBOL,
      'symbol',
      'unknown',
      `unknown symbol "${symbol.slice(0, MAX_SYMBOL_LENGTH)}"`,
    );
  return entry;
}

const PROBLEM_BY_ENGINE_REASON: Readonly<Record<string, string>> = {
  INVALID_PRICE: 'malformed',
  PRICE_NOT_POSITIVE: 'not-positive',
  PRICE_TOO_PRECISE: 'too-precise',
  OFF_TICK_PRICE: 'off-increment',
  INVALID_QUANTITY: 'malformed',
  QUANTITY_NOT_POSITIVE: 'not-positive',
  QUANTITY_TOO_PRECISE: 'too-precise',
  OFF_LOT_QUANTITY: 'off-increment',
  OVERFLOW: 'overflow',
};

function fixed(
  parse: (text: string) => FixedPointParse,
  value: common.Decimal | undefined,
  field: string,
  code: InvalidRequestReason,
): number {
  if (value === undefined) invalid(code, field, 'missing');
  const result = parse(value.value);
  if (result.ok) return result.value;
  const problem = PROBLEM_BY_ENGINE_REASON[reasonCode(result.reason)] ?? 'malformed';
  return invalid(
    code,
    `${field}.value`,
    problem,
    `"${value.value.slice(0, 40)}" is ${problem} for this instrument`,
  );
}

function price(instrument: Instrument, value: common.Decimal | undefined, field: string): number {
  const ticks = fixed(
    (t) => instrument.parsePrice(t),
    value,
    field,
    InvalidRequestReason.INVALID_PRICE,
  );
  if (ticks < instrument.minPriceTicks || ticks > instrument.maxPriceTicks) {
    invalid(
      InvalidRequestReason.INVALID_PRICE,
      `${field}.value`,
      'out-of-band',
      `outside [${instrument.spec.minPrice}, ${instrument.spec.maxPrice}]`,
    );
  }
  return ticks;
}

export function quantityLots(
  instrument: Instrument,
  value: common.Decimal | undefined,
  field: string,
): number {
  return fixed(
    (t) => instrument.parseQuantity(t),
    value,
    field,
    InvalidRequestReason.INVALID_QUANTITY,
  );
}

function knownEnum(value: number, allowed: readonly number[], field: string): void {
  if (!allowed.includes(value)) {
    invalid(
      InvalidRequestReason.UNKNOWN_ENUM_VALUE,
      field,
      value === 0 ? 'unspecified' : 'unknown',
      `value ${value} is not allowed`,
    );
  }
}

const ORDER_TYPES = [
  orders.OrderType.LIMIT,
  orders.OrderType.MARKET,
  orders.OrderType.STOP,
  orders.OrderType.STOP_LIMIT,
];
const TIFS = [
  orders.TimeInForce.GTC,
  orders.TimeInForce.DAY,
  orders.TimeInForce.GTD,
  orders.TimeInForce.IOC,
  orders.TimeInForce.FOK,
];
const STP_MODES = [
  orders.SelfTradePrevention.UNSPECIFIED,
  orders.SelfTradePrevention.CANCEL_NEWEST,
  orders.SelfTradePrevention.CANCEL_OLDEST,
  orders.SelfTradePrevention.CANCEL_BOTH,
];

/**
 * Validates every field of a NewOrder against the instrument: enums known, the price fields
 * that the order type needs (and only those), decimals exact on tick and lot, within the band
 * and the notional bound, display quantity, post-only and expiry rules. Throws
 * {@link OrderRequestInvalidError} naming the first bad field.
 */
export function validateNewOrder(
  order: orders.NewOrder | undefined,
  instrument: Instrument,
  nowUnixNanos: bigint,
): ValidatedNewOrder {
  if (order === undefined) invalid(InvalidRequestReason.INVALID_FIELD, 'order', 'missing');
  knownEnum(order.side, [common.Side.BUY, common.Side.SELL], 'order.side');
  knownEnum(order.orderType, ORDER_TYPES, 'order.order_type');
  knownEnum(order.timeInForce, TIFS, 'order.time_in_force');
  knownEnum(order.selfTradePrevention, STP_MODES, 'order.self_trade_prevention');
  const lots = quantityLots(instrument, order.quantity, 'order.quantity');
  const type = order.orderType;
  const needsLimit = type === orders.OrderType.LIMIT || type === orders.OrderType.STOP_LIMIT;
  const needsStop = type === orders.OrderType.STOP || type === orders.OrderType.STOP_LIMIT;
  if (!needsLimit && order.limitPrice !== undefined) {
    invalid(
      InvalidRequestReason.INVALID_ORDER_TYPE,
      'order.limit_price',
      'not-allowed',
      'only LIMIT and STOP_LIMIT orders have a limit price',
    );
  }
  if (!needsStop && order.stopPrice !== undefined) {
    invalid(
      InvalidRequestReason.INVALID_ORDER_TYPE,
      'order.stop_price',
      'not-allowed',
      'only STOP and STOP_LIMIT orders have a stop price',
    );
  }
  const limitTicks = needsLimit ? price(instrument, order.limitPrice, 'order.limit_price') : null;
  const stopTicks = needsStop ? price(instrument, order.stopPrice, 'order.stop_price') : null;
  const tif = order.timeInForce;
  if (
    type === orders.OrderType.MARKET &&
    tif !== orders.TimeInForce.IOC &&
    tif !== orders.TimeInForce.FOK
  ) {
    invalid(
      InvalidRequestReason.INVALID_ORDER_TYPE,
      'order.time_in_force',
      'not-allowed',
      'MARKET orders must be IOC or FOK',
    );
  }
  if (order.displayQuantity !== undefined) {
    const display = quantityLots(instrument, order.displayQuantity, 'order.display_quantity');
    if (display > lots)
      invalid(InvalidRequestReason.INVALID_QUANTITY, 'order.display_quantity', 'above-quantity');
    if (type !== orders.OrderType.LIMIT) {
      invalid(
        InvalidRequestReason.INVALID_ORDER_TYPE,
        'order.display_quantity',
        'not-allowed',
        'only LIMIT orders can be icebergs',
      );
    }
  }
  if (order.postOnly) {
    const resting =
      tif === orders.TimeInForce.GTC ||
      tif === orders.TimeInForce.DAY ||
      tif === orders.TimeInForce.GTD;
    if (type !== orders.OrderType.LIMIT || !resting) {
      invalid(
        InvalidRequestReason.INVALID_ORDER_TYPE,
        'order.post_only',
        'not-allowed',
        'post-only needs a LIMIT order with GTC, DAY or GTD',
      );
    }
  }
  if (tif === orders.TimeInForce.GTD) {
    if (order.expireAtUnixNanos <= nowUnixNanos)
      invalid(InvalidRequestReason.INVALID_EXPIRY, 'order.expire_at_unix_nanos', 'not-in-future');
  } else if (order.expireAtUnixNanos !== 0n) {
    invalid(
      InvalidRequestReason.INVALID_EXPIRY,
      'order.expire_at_unix_nanos',
      'not-allowed',
      'only GTD orders have an expiry',
    );
  }
  const pricing = Math.max(limitTicks ?? 0, stopTicks ?? 0);
  if (pricing > 0 && lots > Math.floor(instrument.maxNotional / pricing)) {
    invalid(
      InvalidRequestReason.INVALID_QUANTITY,
      'order.quantity.value',
      'overflow',
      'price x quantity is too large',
    );
  }
  return { side: order.side === common.Side.BUY ? 'B' : 'S', lots, limitTicks, stopTicks };
}

/** The parts of a ReplaceOrder that are set, validated; at least one must be. */
export interface ValidatedReplace {
  readonly lots: number | null;
  readonly limitTicks: number | null;
  readonly stopTicks: number | null;
}

export function validateReplace(
  replacement: orders.ReplaceOrder | undefined,
  instrument: Instrument,
): ValidatedReplace {
  if (replacement === undefined)
    invalid(InvalidRequestReason.INVALID_FIELD, 'replacement', 'missing');
  const lots =
    replacement.quantity === undefined
      ? null
      : quantityLots(instrument, replacement.quantity, 'replacement.quantity');
  const limitTicks =
    replacement.limitPrice === undefined
      ? null
      : price(instrument, replacement.limitPrice, 'replacement.limit_price');
  const stopTicks =
    replacement.stopPrice === undefined
      ? null
      : price(instrument, replacement.stopPrice, 'replacement.stop_price');
  if (replacement.displayQuantity !== undefined) {
    const display = quantityLots(
      instrument,
      replacement.displayQuantity,
      'replacement.display_quantity',
    );
    if (lots !== null && display > lots)
      invalid(
        InvalidRequestReason.INVALID_QUANTITY,
        'replacement.display_quantity',
        'above-quantity',
      );
  }
  if (
    lots === null &&
    limitTicks === null &&
    stopTicks === null &&
    replacement.displayQuantity === undefined
  ) {
    invalid(InvalidRequestReason.INVALID_FIELD, 'replacement', 'empty', 'nothing to change');
  }
  return { lots, limitTicks, stopTicks };
}
