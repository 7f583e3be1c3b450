import type { ZodType } from 'zod';

/** Turns cached values into Redis strings and back. `decode` throws on anything it cannot trust. */
export interface CacheCodec<T> {
  encode(value: T): string;
  decode(raw: string): T;
}

const BIGINT_TAG = '$bigint';
const INTEGER = /^-?\d+$/;

function isBigintBox(value: unknown): value is { [BIGINT_TAG]: string } {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  const tagged: unknown = (value as Record<string, unknown>)[BIGINT_TAG];
  return keys.length === 1 && typeof tagged === 'string' && INTEGER.test(tagged);
}

function replacer(_key: string, value: unknown): unknown {
  // Money travels as bigint minor units; plain JSON.stringify throws on bigint.
  return typeof value === 'bigint' ? { [BIGINT_TAG]: value.toString() } : value;
}

function reviver(_key: string, value: unknown): unknown {
  return isBigintBox(value) ? BigInt(value[BIGINT_TAG]) : value;
}

function encodeJson(value: unknown): string {
  const encoded = JSON.stringify(value, replacer);
  // JSON.stringify returns undefined for undefined/functions: nothing that could be read back.
  if (typeof encoded !== 'string')
    throw new TypeError(`cannot cache a value of type ${typeof value}`);
  return encoded;
}

/**
 * JSON that keeps bigints exact (`{"$bigint":"123"}`); decimal strings stay strings. The decoded
 * type is the caller's assertion: prefer `zodJsonCodec` to validate what comes back.
 */
export function jsonCodec<T>(): CacheCodec<T> {
  return {
    encode: (value) => encodeJson(value),
    decode: (raw) => JSON.parse(raw, reviver) as T,
  };
}

/**
 * bigint-safe JSON whose decode validates with `schema`, so an entry written by an older
 * release (or corrupted) is treated as a miss instead of flowing on with the wrong shape.
 */
export function zodJsonCodec<T>(schema: ZodType<T>): CacheCodec<T> {
  return {
    encode: (value) => encodeJson(value),
    decode: (raw) => schema.parse(JSON.parse(raw, reviver)),
  };
}
