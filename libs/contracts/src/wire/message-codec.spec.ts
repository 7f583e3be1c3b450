import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { Side } from '../generated/meridian/common/v1/common';
import { Bar, BarInterval, Tick } from '../generated/meridian/marketdata/v1/marketdata';
import {
  OrderCommand,
  OrderEvent,
  OrderType,
  RejectReason,
  Trade,
} from '../generated/meridian/orders/v1/orders';
import { PositionUpdate, PositionUpdateCause } from '../generated/meridian/portfolio/v1/portfolio';
import { Alert, AlertSeverity } from '../generated/meridian/risk/v1/risk';
import {
  GARBAGE_PAYLOADS,
  SAMPLE_UNIX_NANOS,
  sampleOrderCommand,
  sampleOrderEvent,
  sampleTick,
} from '../testing';
import {
  decodeStrict,
  encodeMessage,
  isKnownEnumValue,
  type MessageCodec,
  MessageDecodeError,
} from './message-codec';

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function roundTrip<T>(codec: MessageCodec<T>, message: T): T {
  return decodeStrict(codec, 'test', encodeMessage(codec, message));
}

describe('generated codecs', () => {
  it('round-trips an order command with its oneof, decimals and int64 timestamps', () => {
    const command = sampleOrderCommand();
    const decoded = roundTrip(OrderCommand, command);

    expect(decoded).toEqual(command);
    expect(typeof decoded.receivedAtUnixNanos).toBe('bigint');
    expect(decoded.receivedAtUnixNanos).toBe(SAMPLE_UNIX_NANOS);
    expect(decoded.command?.$case).toBe('newOrder');
    if (decoded.command?.$case !== 'newOrder') throw new Error('unreachable');
    expect(decoded.command.value.limitPrice).toEqual({ value: '101.25' });
    expect(decoded.command.value.orderType).toBe(OrderType.LIMIT);
    // Unset optional messages stay absent, so "no stop price" differs from "stop price 0".
    expect(decoded.command.value.stopPrice).toBeUndefined();
  });

  it('keeps decimals as the exact strings sent, scale and all', () => {
    const digits = '123456789012345678901234567890.123456789012345678';
    const trade = Trade.fromPartial({
      tradeId: 't-1',
      symbol: 'ACME',
      price: { value: '100.10' },
      quantity: { value: digits },
      aggressorSide: Side.SELL,
    });
    const decoded = roundTrip(Trade, trade);
    expect(decoded.price?.value).toBe('100.10');
    expect(decoded.quantity?.value).toBe(digits);
  });

  it('keeps 64-bit integers exact at the edges of their range', () => {
    const event = sampleOrderEvent({ sequence: UINT64_MAX, eventTimeUnixNanos: -INT64_MAX - 1n });
    const decoded = roundTrip(OrderEvent, event);
    expect(decoded.sequence).toBe(UINT64_MAX);
    expect(decoded.eventTimeUnixNanos).toBe(-(2n ** 63n));

    const tick = roundTrip(Tick, sampleTick({ sequence: 2n ** 53n + 1n }));
    expect(tick.sequence).toBe(9_007_199_254_740_993n);
  });

  it('refuses to encode an int64 out of range rather than wrapping it', () => {
    expect(() =>
      encodeMessage(OrderEvent, sampleOrderEvent({ eventTimeUnixNanos: INT64_MAX + 1n })),
    ).toThrow(/too large/);
  });

  it('accepts strings and numbers for int64 in fromPartial but always yields bigint', () => {
    const bar = Bar.fromPartial({
      symbol: 'ACME',
      interval: BarInterval.FIVE_MINUTES,
      startUnixNanos: '1767323040000000000',
      tradeCount: 12,
    });
    expect(bar.startUnixNanos).toBe(1_767_323_040_000_000_000n);
    expect(bar.tradeCount).toBe(12n);
    expect(roundTrip(Bar, bar)).toEqual(bar);
  });

  it('round-trips every event case of an execution report', () => {
    const rejected = sampleOrderEvent({
      event: {
        $case: 'rejected',
        value: {
          reason: RejectReason.POST_ONLY_WOULD_TAKE,
          text: 'would cross 101.25',
          commandKind: 1,
        },
      },
    });
    const expired = sampleOrderEvent({
      event: { $case: 'expired', value: { expiredQuantity: { value: '6' } } },
    });
    for (const event of [sampleOrderEvent(), rejected, expired]) {
      expect(roundTrip(OrderEvent, event)).toEqual(event);
    }
  });

  it('round-trips maps and nested messages', () => {
    const alert = Alert.fromPartial({
      alertId: 'a-1',
      severity: AlertSeverity.CRITICAL,
      code: 'RISK_DRAWDOWN_LIMIT',
      labels: { account_id: 'acc-1', symbol: 'ACME' },
      raisedAtUnixNanos: SAMPLE_UNIX_NANOS,
    });
    expect(roundTrip(Alert, alert)).toEqual(alert);

    const update = PositionUpdate.fromPartial({
      updateId: 'u-1',
      version: 7n,
      cause: PositionUpdateCause.FILL,
      executionId: 'exe-1',
      position: { accountId: 'acc-1', symbol: 'ACME', quantity: { value: '-4' } },
    });
    expect(roundTrip(PositionUpdate, update)).toEqual(update);
  });
});

describe('unknown enum values', () => {
  // A newer writer added Side = 3; this reader's Side has no such member.
  const fromNewerWriter = encodeMessage(
    Trade,
    Trade.fromPartial({ tradeId: 't-1', aggressorSide: 3 as Side }),
  );

  it('survive decoding as their number and re-encode to the same bytes', () => {
    const decoded = decodeStrict(Trade, 'meridian.orders.v1.Trade', fromNewerWriter);
    expect(decoded.aggressorSide).toBe(3);
    expect(encodeMessage(Trade, decoded)).toEqual(fromNewerWriter);
  });

  it('are detected by isKnownEnumValue, and are not mistaken for the zero value', () => {
    const decoded = decodeStrict(Trade, 'meridian.orders.v1.Trade', fromNewerWriter);
    expect(isKnownEnumValue(Side, decoded.aggressorSide)).toBe(false);
    expect(decoded.aggressorSide).not.toBe(Side.UNSPECIFIED);
    expect(isKnownEnumValue(Side, Side.SELL)).toBe(true);
    expect(isKnownEnumValue(Side, Side.UNRECOGNIZED)).toBe(false);
  });
});

describe('decodeStrict', () => {
  it.each(Object.entries(GARBAGE_PAYLOADS))('throws MessageDecodeError on %s', (_name, bytes) => {
    expect(() => decodeStrict(OrderCommand, 'meridian.orders.v1.OrderCommand', bytes)).toThrow(
      MessageDecodeError,
    );
  });

  it('names the message type and keeps the low-level cause', () => {
    let caught: unknown;
    try {
      decodeStrict(
        OrderCommand,
        'meridian.orders.v1.OrderCommand',
        GARBAGE_PAYLOADS.truncatedVarint,
      );
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MessageDecodeError);
    const error = caught as MessageDecodeError;
    expect(error.typeName).toBe('meridian.orders.v1.OrderCommand');
    expect(error.message).toMatch(
      /^cannot decode meridian\.orders\.v1\.OrderCommand: premature EOF/,
    );
    expect(error.cause).toBeInstanceOf(RangeError);
  });

  it('throws on a valid message followed by a truncated field', () => {
    const valid = encodeMessage(OrderCommand, sampleOrderCommand());
    const truncated = valid.subarray(0, valid.length - 3);
    expect(() => decodeStrict(OrderCommand, 'cmd', truncated)).toThrow(MessageDecodeError);
  });

  it('shows why it exists: the generated decoder turns a zero tag into an empty message', () => {
    const lenient = OrderCommand.decode(GARBAGE_PAYLOADS.zeroTag);
    expect(lenient).toEqual(OrderCommand.fromPartial({}));
    expect(() => decodeStrict(OrderCommand, 'cmd', GARBAGE_PAYLOADS.zeroTag)).toThrow(/field no 0/);
  });

  it('accepts fields it does not know, so old readers tolerate new writers', () => {
    const writer = new BinaryWriter();
    OrderCommand.encode(sampleOrderCommand(), writer);
    writer.uint32((99 << 3) | 2).string('added in a later version');
    const decoded = decodeStrict(OrderCommand, 'cmd', writer.finish());
    expect(decoded).toEqual(sampleOrderCommand());
  });

  it('skips a known field sent with the wrong (but legal) wire type, leaving the default', () => {
    // Field 1 (command_id, a string) as a varint: protobuf treats it as an unknown field.
    // Consumers therefore validate required fields after decoding (an empty command id).
    const decoded = decodeStrict(OrderCommand, 'cmd', Uint8Array.of(0x08, 0x01));
    expect(decoded.commandId).toBe('');
  });

  it('decodes the empty byte string as the default message', () => {
    expect(decodeStrict(OrderCommand, 'cmd', new Uint8Array())).toEqual(
      OrderCommand.fromPartial({}),
    );
  });
});
