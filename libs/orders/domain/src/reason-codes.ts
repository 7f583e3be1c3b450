/**
 * The single table of reason codes carried by `rejected`, `canceled` and `expired` events.
 * The numeric code of a reason is its index in this array: it is what the event buffer stores and
 * what the protobuf enum mirrors, so this list is APPEND-ONLY (never reorder or remove entries).
 */
export const REASON_CODES = [
  'NONE',
  // Rejections: the command changed nothing.
  'UNKNOWN_SYMBOL',
  'INVALID_COMMAND',
  'INVALID_ORDER_ID',
  'DUPLICATE_ORDER_ID',
  'UNKNOWN_ORDER',
  'INVALID_ACCOUNT',
  'INVALID_SIDE',
  'INVALID_ORDER_TYPE',
  'INVALID_TIME_IN_FORCE',
  'INVALID_STP_MODE',
  'INVALID_PRICE',
  'PRICE_NOT_POSITIVE',
  'PRICE_TOO_PRECISE',
  'OFF_TICK_PRICE',
  'PRICE_OUT_OF_BAND',
  'INVALID_STOP_PRICE',
  'INVALID_QUANTITY',
  'QUANTITY_NOT_POSITIVE',
  'QUANTITY_TOO_PRECISE',
  'OFF_LOT_QUANTITY',
  'QUANTITY_NOT_ABOVE_FILLED',
  'INVALID_DISPLAY_QUANTITY',
  'INVALID_EXPIRY',
  'INVALID_TIME',
  'INVALID_ORDER_COMBINATION',
  'OVERFLOW',
  'POST_ONLY_WOULD_CROSS',
  // Cancellations and expiries of accepted orders.
  'USER_REQUESTED',
  'IMMEDIATE_OR_CANCEL',
  'FILL_OR_KILL',
  'NO_LIQUIDITY',
  'SELF_TRADE_PREVENTED',
  'END_OF_DAY',
  'GOOD_TILL_DATE',
] as const;

/** A reason code as a string (the form used in JSON, logs and golden files). */
export type ReasonCode = (typeof REASON_CODES)[number];

const reasonIndex = new Map<string, number>(REASON_CODES.map((code, index) => [code, index]));

/** Numeric code of a reason (its index in {@link REASON_CODES}). */
export function reasonNumber(code: ReasonCode): number {
  return reasonIndex.get(code) ?? 0;
}

/** Reason for a numeric code; `NONE` for anything outside the table. */
export function reasonCode(code: number): ReasonCode {
  return REASON_CODES[code] ?? 'NONE';
}

/** Numeric codes used on the hot path (kept in sync with the table by a spec). */
export const R = {
  NONE: 0,
  UNKNOWN_SYMBOL: 1,
  INVALID_COMMAND: 2,
  INVALID_ORDER_ID: 3,
  DUPLICATE_ORDER_ID: 4,
  UNKNOWN_ORDER: 5,
  INVALID_ACCOUNT: 6,
  INVALID_SIDE: 7,
  INVALID_ORDER_TYPE: 8,
  INVALID_TIME_IN_FORCE: 9,
  INVALID_STP_MODE: 10,
  INVALID_PRICE: 11,
  PRICE_NOT_POSITIVE: 12,
  PRICE_TOO_PRECISE: 13,
  OFF_TICK_PRICE: 14,
  PRICE_OUT_OF_BAND: 15,
  INVALID_STOP_PRICE: 16,
  INVALID_QUANTITY: 17,
  QUANTITY_NOT_POSITIVE: 18,
  QUANTITY_TOO_PRECISE: 19,
  OFF_LOT_QUANTITY: 20,
  QUANTITY_NOT_ABOVE_FILLED: 21,
  INVALID_DISPLAY_QUANTITY: 22,
  INVALID_EXPIRY: 23,
  INVALID_TIME: 24,
  INVALID_ORDER_COMBINATION: 25,
  OVERFLOW: 26,
  POST_ONLY_WOULD_CROSS: 27,
  USER_REQUESTED: 28,
  IMMEDIATE_OR_CANCEL: 29,
  FILL_OR_KILL: 30,
  NO_LIQUIDITY: 31,
  SELF_TRADE_PREVENTED: 32,
  END_OF_DAY: 33,
  GOOD_TILL_DATE: 34,
} as const satisfies Record<ReasonCode, number>;
