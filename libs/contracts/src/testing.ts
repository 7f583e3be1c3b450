/**
 * Test helpers for libs that publish or consume contract messages: valid sample messages and
 * byte strings that are not valid protobuf (for dead-letter tests). Specs only.
 */
import { Side } from './generated/meridian/common/v1/common';
import { Tick } from './generated/meridian/marketdata/v1/marketdata';
import {
  Liquidity,
  OrderCommand,
  OrderEvent,
  OrderStatus,
  OrderType,
  SelfTradePrevention,
  TimeInForce,
} from './generated/meridian/orders/v1/orders';

/** 2026-01-02T03:04:05.123456789Z: nanosecond precision that a double could not hold. */
export const SAMPLE_UNIX_NANOS = 1_767_323_045_123_456_789n;

/** A valid GTC limit buy of 10 ACME at 101.25, with every identity field set. */
export function sampleOrderCommand(overrides: Partial<OrderCommand> = {}): OrderCommand {
  return {
    ...OrderCommand.fromPartial({
      commandId: 'cmd-0001',
      accountId: 'acc-1',
      agentId: 'agent-1',
      symbol: 'ACME',
      clientOrderId: 'client-0001',
      orderId: 'ord-0001',
      receivedAtUnixNanos: SAMPLE_UNIX_NANOS,
      publishedAtUnixNanos: SAMPLE_UNIX_NANOS + 1_500n,
      command: {
        $case: 'newOrder',
        value: {
          side: Side.BUY,
          orderType: OrderType.LIMIT,
          timeInForce: TimeInForce.GTC,
          quantity: { value: '10' },
          limitPrice: { value: '101.25' },
          displayQuantity: { value: '2.5' },
          postOnly: true,
          selfTradePrevention: SelfTradePrevention.CANCEL_OLDEST,
        },
      },
    }),
    ...overrides,
  };
}

/** A partial fill of `sampleOrderCommand`'s order: 4 of 10 at 101.20 as maker. */
export function sampleOrderEvent(overrides: Partial<OrderEvent> = {}): OrderEvent {
  return {
    ...OrderEvent.fromPartial({
      eventId: 'evt-0001',
      symbol: 'ACME',
      sequence: 42n,
      orderId: 'ord-0001',
      clientOrderId: 'client-0001',
      accountId: 'acc-1',
      agentId: 'agent-1',
      commandId: 'cmd-0002',
      eventTimeUnixNanos: SAMPLE_UNIX_NANOS,
      status: OrderStatus.PARTIALLY_FILLED,
      event: {
        $case: 'partiallyFilled',
        value: {
          fill: {
            executionId: 'exe-0001',
            tradeId: 'trd-0001',
            price: { value: '101.20' },
            quantity: { value: '4' },
            liquidity: Liquidity.MAKER,
          },
          cumulativeQuantity: { value: '4' },
          leavesQuantity: { value: '6' },
          averagePrice: { value: '101.20' },
        },
      },
    }),
    ...overrides,
  };
}

/** A top-of-book tick for ACME from the synthetic feed. */
export function sampleTick(overrides: Partial<Tick> = {}): Tick {
  return {
    ...Tick.fromPartial({
      symbol: 'ACME',
      bidPrice: { value: '101.20' },
      bidSize: { value: '300' },
      askPrice: { value: '101.25' },
      askSize: { value: '150' },
      lastPrice: { value: '101.22' },
      lastSize: { value: '7' },
      exchangeTimeUnixNanos: SAMPLE_UNIX_NANOS,
      receivedTimeUnixNanos: SAMPLE_UNIX_NANOS + 250_000n,
      sequence: 9_007_199_254_740_993n,
      source: 'synthetic',
    }),
    ...overrides,
  };
}

/**
 * Byte strings that are not a valid encoding of any Meridian message: `decodeStrict` throws
 * on each. Use them to prove a consumer dead-letters poison records.
 */
export const GARBAGE_PAYLOADS = {
  // Field 1, wire type varint, then a varint whose continuation bit promises more bytes.
  truncatedVarint: Uint8Array.of(0x08, 0x96),
  // Field 1, length-delimited, claims 100 bytes but 3 follow.
  truncatedLength: Uint8Array.of(0x0a, 0x64, 0x41, 0x43, 0x4d),
  // Field 1 with wire type 7, which does not exist.
  illegalWireType: Uint8Array.of(0x0f, 0x01),
  // Field number 0 is illegal; a lenient decoder stops there and returns defaults.
  zeroTag: Uint8Array.of(0x00, 0x0a, 0x03, 0x41, 0x43, 0x4d),
  // An end-group tag with no start group.
  strayEndGroup: Uint8Array.of(0x0c),
  // Plain text, e.g. a JSON producer writing to a protobuf topic.
  json: new TextEncoder().encode('{"symbol":"ACME"}'),
} as const satisfies Readonly<Record<string, Uint8Array>>;
