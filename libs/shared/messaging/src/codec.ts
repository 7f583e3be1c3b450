import {
  decodeStrict,
  MessageDecodeError as ContractDecodeError,
  type MessageCodec,
} from '@meridian/contracts';
import { MessageDecodeError, MessageEncodeError } from './messaging.error';

/**
 * Turns one message type into bytes and back. `typeName` travels in the `message-type` header so
 * a consumer can refuse a record of the wrong type before decoding it.
 */
export interface Codec<T> {
  readonly typeName: string;
  encode(value: T): Uint8Array;
  /** Throws on bytes that are not a valid `T` (the consumer sends such records to the DLQ). */
  decode(bytes: Uint8Array): T;
  /**
   * Whether a record declaring `message-type: declared` is for this codec. Default: equal to
   * `typeName`. Codecs that read any record (DLQ readers) return true.
   */
  acceptsMessageType?(declared: string): boolean;
}

/**
 * The part of a ts-proto generated `MessageFns<T>` a codec needs (every generated message
 * constant of @meridian/contracts satisfies it). `decode` must accept a `BinaryReader`: strict
 * decoding hands it one to find bytes the message left unread.
 */
export interface ProtobufMessageFns<T> extends Pick<MessageCodec<T>, 'decode'> {
  encode(message: T): { finish(): Uint8Array };
}

export interface ProtobufCodecOptions<T> {
  /**
   * Extra check after decoding; throw to reject. Protobuf decodes many byte strings "successfully"
   * (unknown fields are skipped), so a required-field check here is what catches most poison.
   */
  validate?: (value: T) => void;
}

/**
 * Wraps a ts-proto `MessageFns` (e.g. `protobufCodec('meridian.orders.v1.OrderCommand',
 * orders.OrderCommand)`). Decoding is strict (contracts' `decodeStrict`): bad framing, a zero
 * tag, a stray end-group or trailing bytes throw instead of yielding a default-valued message.
 */
export function protobufCodec<T>(
  typeName: string,
  fns: ProtobufMessageFns<T>,
  options: ProtobufCodecOptions<T> = {},
): Codec<T> {
  return {
    typeName,
    encode(value) {
      try {
        return fns.encode(value).finish();
      } catch (error) {
        throw new MessageEncodeError(typeName, error);
      }
    },
    decode(bytes) {
      let value: T;
      try {
        value = decodeStrict(fns, typeName, bytes);
      } catch (error) {
        // Contracts' error already names the type; keep its cause so the message says it once.
        const cause = error instanceof ContractDecodeError ? error.cause : error;
        throw new MessageDecodeError(typeName, cause);
      }
      if (options.validate !== undefined) {
        try {
          options.validate(value);
        } catch (error) {
          throw new MessageDecodeError(typeName, error);
        }
      }
      return value;
    },
  };
}

/** Passes bytes through unchanged (DLQ readers, replay tools). */
export const bytesCodec: Codec<Uint8Array> = {
  typeName: 'bytes',
  encode: (value) => value,
  decode: (bytes) => bytes,
  acceptsMessageType: () => true,
};

/** Decodes with `codec`, turning anything it throws into a `MessageDecodeError`. */
export function decodeWith<T>(codec: Codec<T>, bytes: Uint8Array): T {
  try {
    return codec.decode(bytes);
  } catch (error) {
    if (error instanceof MessageDecodeError) throw error;
    throw new MessageDecodeError(codec.typeName, error);
  }
}

/** Encodes with `codec`, turning anything it throws into a `MessageEncodeError`. */
export function encodeWith<T>(codec: Codec<T>, value: T): Uint8Array {
  try {
    return codec.encode(value);
  } catch (error) {
    if (error instanceof MessageEncodeError) throw error;
    throw new MessageEncodeError(codec.typeName, error);
  }
}
