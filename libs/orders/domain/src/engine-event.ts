import { type ReasonCode } from './reason-codes';

/** Which side of the book. */
export type Side = 'buy' | 'sell';
/** Order types. An iceberg is a `limit` (or `stop-limit`) with a `displayQuantity`. */
export type OrderType = 'limit' | 'market' | 'stop' | 'stop-limit';
/** Time in force. DAY and GTD orders leave the book only through an `expire` command (time is an input). */
export type TimeInForce = 'GTC' | 'DAY' | 'GTD' | 'IOC' | 'FOK';
/** Self-trade prevention mode of the incoming order when it meets a resting order of its own account. */
export type StpMode = 'cancel-newest' | 'cancel-oldest' | 'cancel-both';
/** Which command a rejection answers. */
export type RequestKind = 'new' | 'cancel' | 'replace' | 'expire' | 'unknown';

export const SIDES: readonly Side[] = ['buy', 'sell'];
export const ORDER_TYPES: readonly OrderType[] = ['limit', 'market', 'stop', 'stop-limit'];
export const TIME_IN_FORCES: readonly TimeInForce[] = ['GTC', 'DAY', 'GTD', 'IOC', 'FOK'];
export const STP_MODES: readonly StpMode[] = ['cancel-newest', 'cancel-oldest', 'cancel-both'];
export const REQUEST_KINDS: readonly RequestKind[] = [
  'new',
  'cancel',
  'replace',
  'expire',
  'unknown',
];

/** Event types, in the numeric order the event buffer stores them (index = code). Append-only. */
export const EVENT_TYPES = [
  'none',
  'accepted',
  'rejected',
  'trade',
  'partially-filled',
  'filled',
  'canceled',
  'replaced',
  'expired',
  'triggered',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

type EventBase = {
  /** Per-book sequence number, 1-based and gap-free; 0 for rejections that belong to no book. */
  readonly seq: number;
  /** null only when the command named no known symbol. */
  readonly symbol: string | null;
};

/**
 * Engine events with fixed-point numbers (price in ticks, quantity in lots). `null` stands for
 * "not applicable" (a market order's price) or an unusable input value (a NaN order id).
 */
export type EngineEvent =
  | (EventBase & {
      readonly type: 'accepted';
      readonly orderId: number;
      readonly account: number;
      readonly side: Side;
      readonly orderType: OrderType;
      readonly price: number | null;
      readonly stopPrice: number | null;
      readonly quantity: number;
    })
  | (EventBase & {
      readonly type: 'rejected';
      readonly request: RequestKind;
      readonly orderId: number | null;
      readonly reason: ReasonCode;
    })
  | (EventBase & {
      readonly type: 'trade';
      readonly price: number;
      readonly quantity: number;
      readonly takerOrderId: number;
      readonly takerAccount: number;
      readonly takerSide: Side;
      readonly makerOrderId: number;
      readonly makerAccount: number;
    })
  | (EventBase & {
      readonly type: 'partially-filled' | 'filled';
      readonly orderId: number;
      readonly account: number;
      readonly side: Side;
      readonly price: number;
      readonly quantity: number;
      readonly leaves: number;
      readonly cum: number;
    })
  | (EventBase & {
      readonly type: 'canceled' | 'expired';
      readonly orderId: number;
      readonly account: number;
      readonly side: Side;
      readonly reason: ReasonCode;
      /** Open quantity removed from the book by this event. */
      readonly quantity: number;
      readonly cum: number;
    })
  | (EventBase & {
      readonly type: 'replaced';
      readonly orderId: number;
      readonly account: number;
      readonly side: Side;
      readonly price: number | null;
      readonly stopPrice: number | null;
      /** New total order quantity (filled + open). */
      readonly quantity: number;
      readonly leaves: number;
      readonly cum: number;
      readonly priorityKept: boolean;
    })
  | (EventBase & {
      readonly type: 'triggered';
      readonly orderId: number;
      readonly account: number;
      readonly side: Side;
      readonly stopPrice: number;
    });

/** The same events with prices and quantities as canonical decimal strings (golden files, the wire). */
export type DecimalEvent = Readonly<Record<string, string | number | boolean | null>>;
