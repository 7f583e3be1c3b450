import { BinaryReader, type BinaryWriter } from '@bufbuild/protobuf/wire';

/**
 * The part of a ts-proto generated message object (`MessageFns<T>`) that transports need.
 * Every generated message constant, e.g. `orders.OrderCommand`, satisfies it.
 */
export interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  /** Builds a full message from a partial one (typed precisely on the concrete codec). */
  fromPartial(object: never): T;
}

/** The message type a codec encodes, e.g. `MessageOf<typeof orders.OrderCommand>`. */
export type MessageOf<C> = C extends MessageCodec<infer T> ? T : never;

/**
 * A payload that is not a valid protobuf encoding of the expected message. Plain `Error`
 * because contracts depend on nothing; messaging wraps it into its MeridianError and
 * dead-letters the record.
 */
export class MessageDecodeError extends Error {
  constructor(
    readonly typeName: string,
    cause: unknown,
  ) {
    super(`cannot decode ${typeName}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'MessageDecodeError';
  }
}

/**
 * Decodes `bytes` as one complete message and throws `MessageDecodeError` when they are not
 * one: truncated varints or lengths, illegal tags (field number 0, wire types 6 and 7),
 * unbalanced groups, trailing bytes.
 *
 * Generated `decode` alone is lenient on purpose (a zero tag ends the message silently and
 * leaves the rest unread), which would turn some garbage into a default-valued message.
 * This walks the top-level framing first, so every such input throws here instead.
 * Not caught, by design of protobuf: a well-framed field of the wrong wire type is skipped as
 * an unknown field (that is how old readers tolerate new writers). Such a message decodes
 * with default values and must fail the consumer's semantic validation (e.g. empty ids).
 * Only `decode` is used, so hand-written codecs in the ts-proto shape qualify too.
 */
export function decodeStrict<T>(
  codec: Pick<MessageCodec<T>, 'decode'>,
  typeName: string,
  bytes: Uint8Array,
): T {
  try {
    const framing = new BinaryReader(bytes);
    while (framing.pos < framing.len) {
      const [fieldNo, wireType] = framing.tag();
      framing.skip(wireType, fieldNo);
    }
    const reader = new BinaryReader(bytes);
    const message = codec.decode(reader);
    if (reader.pos !== reader.len) {
      throw new Error(`${reader.len - reader.pos} trailing bytes after the message`);
    }
    return message;
  } catch (error: unknown) {
    throw new MessageDecodeError(typeName, error);
  }
}

/** Encodes a message into a standalone byte array (what goes into a Kafka record value). */
export function encodeMessage<T>(codec: MessageCodec<T>, message: T): Uint8Array {
  return codec.encode(message).finish();
}

/**
 * Whether `value` is a value the generated TypeScript enum declares (not the synthetic
 * `UNRECOGNIZED = -1`).
 *
 * Binary decoding keeps an enum number the reader does not know (a newer writer added it):
 * the field holds that number and re-encodes to the same bytes, so pass-through services
 * lose nothing. Code that branches on an enum must call this first and treat an unknown value
 * as "unsupported", never as the zero value.
 */
export function isKnownEnumValue<E extends number>(
  enumObject: Readonly<Record<string, string | number>>,
  value: E | number,
): value is E {
  return value !== -1 && Object.values(enumObject).includes(value);
}
