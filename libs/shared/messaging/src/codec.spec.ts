import { orders } from '@meridian/contracts';
import { GARBAGE_PAYLOADS, sampleOrderCommand } from '@meridian/contracts/testing';
import { bytesCodec, decodeWith, encodeWith, protobufCodec } from './codec';
import { MessageDecodeError, MessageEncodeError } from './messaging.error';
import { TEST_EVENT_TYPE, testEventCodec, TestEventFns, UNDECODABLE_BYTES } from './testing';

describe('protobufCodec', () => {
  const codec = testEventCodec();

  it('round-trips a ts-proto style message, int64 as bigint', () => {
    const event = { id: 'evt-1', seq: 9_007_199_254_740_993n, payload: 'héllo' };
    const bytes = codec.encode(event);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(codec.decode(bytes)).toEqual(event);
    expect(codec.typeName).toBe(TEST_EVENT_TYPE);
  });

  it('rejects bytes that are not protobuf with MESSAGING_DECODE_FAILED', () => {
    const error = caught(() => codec.decode(UNDECODABLE_BYTES));
    expect(error).toBeInstanceOf(MessageDecodeError);
    expect(error).toMatchObject({
      code: 'MESSAGING_DECODE_FAILED',
      metadata: { typeName: TEST_EVENT_TYPE },
    });
  });

  it('rejects a decodable message that fails validation', () => {
    // An empty buffer is a valid protobuf message with every field at its default.
    expect(() => codec.decode(new Uint8Array())).toThrow(/TestEvent.id is required/);
  });

  it('decodes without validation when none is given', () => {
    const lax = protobufCodec(TEST_EVENT_TYPE, TestEventFns);
    expect(lax.decode(new Uint8Array())).toEqual({ id: '', seq: 0n, payload: '' });
  });

  it('round-trips a generated contracts message', () => {
    const commands = protobufCodec('meridian.orders.v1.OrderCommand', orders.OrderCommand);
    const command = sampleOrderCommand();
    expect(commands.decode(commands.encode(command))).toEqual(command);
  });

  // Garbage that ts-proto's own decode turns into a default-valued message instead of an error.
  it.each([
    ['zeroTag', GARBAGE_PAYLOADS.zeroTag],
    ['strayEndGroup', GARBAGE_PAYLOADS.strayEndGroup],
  ])('rejects %s, which plain generated decode accepts', (_name, bytes) => {
    expect(TestEventFns.decode(bytes)).toEqual({ id: '', seq: 0n, payload: '' });
    expect(orders.OrderCommand.decode(bytes)).toEqual(orders.OrderCommand.fromPartial({}));

    const lax = protobufCodec(TEST_EVENT_TYPE, TestEventFns);
    const error = caught(() => lax.decode(bytes));
    expect(error).toBeInstanceOf(MessageDecodeError);
    expect(error).toMatchObject({ code: 'MESSAGING_DECODE_FAILED' });
    // The type is named once, not once per layer.
    expect((error as Error).message).toMatch(
      /^cannot decode meridian.testing.v1.TestEvent: (?!cannot)/,
    );
  });

  it.each(Object.entries(GARBAGE_PAYLOADS))('rejects the %s garbage payload', (_name, bytes) => {
    const commands = protobufCodec('meridian.orders.v1.OrderCommand', orders.OrderCommand);
    expect(() => commands.decode(bytes)).toThrow(MessageDecodeError);
  });

  it('rejects trailing bytes after a complete message', () => {
    const bytes = codec.encode({ id: 'evt-1', seq: 1n, payload: '' });
    // A zero tag after the message: generated decode stops there and returns the event.
    const padded = Uint8Array.from([...bytes, 0x00, 0x00]);
    expect(TestEventFns.decode(padded)).toMatchObject({ id: 'evt-1' });
    expect(() => codec.decode(padded)).toThrow(MessageDecodeError);
  });

  it('wraps encoder failures in MessageEncodeError', () => {
    const broken = protobufCodec<{ n: number }>('x.Broken', {
      encode: () => {
        throw new RangeError('value out of range');
      },
      decode: () => ({ n: 0 }),
    });
    expect(() => broken.encode({ n: 1 })).toThrow(MessageEncodeError);
    expect(() => broken.encode({ n: 1 })).toThrow(/cannot encode x.Broken: value out of range/);
  });
});

describe('decodeWith / encodeWith', () => {
  it('turn errors of hand-written codecs into messaging errors', () => {
    const codec = {
      typeName: 't.T',
      encode: (): Uint8Array => {
        throw new Error('nope');
      },
      decode: (): string => {
        throw new Error('bad');
      },
    };
    expect(() => decodeWith(codec, new Uint8Array([1]))).toThrow(MessageDecodeError);
    expect(() => encodeWith(codec, 'x')).toThrow(MessageEncodeError);
  });

  it('pass bytes through with bytesCodec', () => {
    const bytes = Uint8Array.from([1, 2, 3]);
    expect(decodeWith(bytesCodec, encodeWith(bytesCodec, bytes))).toBe(bytes);
  });
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
