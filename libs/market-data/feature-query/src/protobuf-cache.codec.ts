import type { MessageCodec } from '@meridian/contracts';
import type { CacheCodec } from '@meridian/shared-cache';

/**
 * Caches a response as its protobuf encoding (base64): the smallest entry, the cheapest decode,
 * and an entry that does not decode is reported as corrupt and reloaded.
 */
export function protobufCacheCodec<T>(codec: MessageCodec<T>): CacheCodec<T> {
  return {
    encode: (value) => Buffer.from(codec.encode(value).finish()).toString('base64'),
    decode: (raw) => codec.decode(Buffer.from(raw, 'base64')),
  };
}
