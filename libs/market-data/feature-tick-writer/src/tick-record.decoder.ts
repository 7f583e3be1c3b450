import { BinaryReader } from '@bufbuild/protobuf/wire';
import { decodeStrict, marketdata, Topics } from '@meridian/contracts';
import {
  MAX_DECIMAL_LENGTH,
  type StorableTick,
  type TickRejectReason,
  validateTick,
} from '@meridian/market-data-domain';

/** Why a record is dead-lettered: a validation reason, or it did not decode at all. */
export type RecordRejectReason = TickRejectReason | 'UNDECODABLE';

/** A record value that cannot be stored, with the reason code of the DLQ header and metric. */
export interface TickDecodeRejection {
  readonly rejected: true;
  readonly reason: RecordRejectReason;
  readonly detail: string;
}

/** What decoding one record value gives: a storable tick, or why not. */
export type TickDecodeResult = StorableTick | TickDecodeRejection;

export function isTickRejection(result: TickDecodeResult): result is TickDecodeRejection {
  return (result as Partial<TickDecodeRejection>).rejected === true;
}

const TICK_TYPE = Topics.marketdataTicks.schema.typeName;
const MAX_BIGINT = 2n ** 63n - 1n;

/**
 * The reference path: the generated decoder behind `decodeStrict` (framing checked, trailing
 * bytes rejected), then the domain's `validateTick`. Every record the fast path does not
 * accept is judged here, so reasons and details are exactly these.
 */
export function decodeTickReference(value: Uint8Array): TickDecodeResult {
  let tick: marketdata.Tick;
  try {
    tick = decodeStrict(marketdata.Tick, TICK_TYPE, value);
  } catch (error) {
    return {
      rejected: true,
      reason: 'UNDECODABLE',
      detail: error instanceof Error ? error.message : String(error),
    };
  }
  const validation = validateTick(tick);
  if (!validation.ok) return { rejected: true, ...validation.rejection };
  return validation.tick;
}

// Byte classes of the symbol and source patterns (SYMBOL_PATTERN, SOURCE_PATTERN).
const ALNUM = 1;
const SYMBOL_REST = 2;
const SOURCE_REST = 4;
const CLASSES = new Uint8Array(256);
for (let c = 0; c < 128; c += 1) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9]/.test(ch)) CLASSES[c] = ALNUM | SYMBOL_REST | SOURCE_REST;
  else if ('._:-'.includes(ch)) CLASSES[c] = SYMBOL_REST | SOURCE_REST;
  else if (ch === '/') CLASSES[c] = SYMBOL_REST;
}
const MAX_SYMBOL = 32;
const MAX_SOURCE = 64;

/** Outcome of the byte-level decimal check: not canonical/negative, zero, or > 0. */
const DECIMAL_BAD = 0;
const DECIMAL_ZERO = 1;
const DECIMAL_POSITIVE = 2;

/**
 * A direct-mapped cache of short ASCII strings by their bytes: a batch repeats few symbols,
 * sources, prices and sizes, so most fields reuse one long-lived string instead of allocating
 * (and keeping alive until the batch is written) a new one.
 */
class AsciiStringCache {
  private readonly slots: (string | undefined)[];
  private readonly mask: number;

  constructor(bits: number) {
    this.slots = new Array<string | undefined>(1 << bits).fill(undefined);
    this.mask = (1 << bits) - 1;
  }

  get(bytes: Buffer, start: number, end: number, hash: number): string {
    const slot = hash & this.mask;
    const cached = this.slots[slot];
    const length = end - start;
    if (cached !== undefined && cached.length === length) {
      let same = true;
      for (let i = 0; i < length; i += 1) {
        if (cached.charCodeAt(i) !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const text = bytes.toString('latin1', start, end);
    this.slots[slot] = text;
    return text;
  }
}

/** Thrown inside the fast path for anything it does not handle; never escapes `decode`. */
class NotFastPath extends Error {}
const NOT_FAST = new NotFastPath('left to the reference decoder');

/**
 * Decodes one `marketdata.ticks.v1` record value (a `meridian.marketdata.v1.Tick`) into the
 * tick the writer stores, in one pass: the framing, the fields and the storage checks of
 * `validateTick` at once, on the bytes, with `@bufbuild/protobuf`'s `BinaryReader` for tags,
 * varints and lengths.
 *
 * The fast path accepts only what it can judge exactly: single-byte tags of the 11 known
 * fields with their wire types, Decimals holding just their `value` string, ASCII text that
 * already matches the symbol/source patterns and the canonical decimal grammar, and ticks that
 * pass every check. Anything else (unknown fields, wrong wire types, odd framing, any
 * rejection) goes to `decodeTickReference`, so results, reject reasons and details are
 * identical to decodeStrict + validateTick on every input (property-tested); only the speed
 * differs. Repeated fields keep the last value, as the generated decoder does.
 *
 * Not thread-safe state: the string caches. One decoder per consumer.
 */
export class TickRecordDecoder {
  private readonly names = new AsciiStringCache(10);
  private readonly decimals = new AsciiStringCache(14);
  /**
   * One reader (and Buffer view) per underlying ArrayBuffer: the record values of a fetch are
   * slices of one response buffer, so a batch shares them instead of allocating per record.
   */
  private arrayBuffer: ArrayBufferLike | undefined;
  private whole: Buffer = Buffer.alloc(0);
  private reader = new BinaryReader(this.whole);
  /** Fast-path misses (records judged by the reference path), for tests and diagnostics. */
  slowPath = 0;

  decode(value: Uint8Array): TickDecodeResult {
    if (value.buffer !== this.arrayBuffer) {
      this.arrayBuffer = value.buffer;
      this.whole = Buffer.from(value.buffer);
      this.reader = new BinaryReader(this.whole);
    }
    try {
      return this.fast(this.reader, this.whole, value.byteOffset, value.byteOffset + value.length);
    } catch {
      // NOT_FAST, or the reader hit the end of the bytes: the reference path decides.
      this.slowPath += 1;
      return decodeTickReference(value);
    }
  }

  /** Decodes bytes[start, end) with `reader` (over all of `bytes`), or throws. */
  private fast(reader: BinaryReader, bytes: Buffer, start: number, end: number): StorableTick {
    reader.pos = start;
    let symbol: string | undefined;
    let source: string | undefined;
    let sequence = 0n;
    let exchangeTimeNanos = 0n;
    let receivedTimeNanos = 0n;
    let bidPrice: string | undefined;
    let bidSize: string | undefined;
    let askPrice: string | undefined;
    let askSize: string | undefined;
    let lastPrice: string | undefined;
    let lastSize: string | undefined;
    // The reader's bounds are the whole buffer: a read that runs past `end` leaves pos > end,
    // which ends the loop and fails the check below (or a length check first).
    while (reader.pos < end) {
      const at = reader.pos;
      const tag = reader.uint32();
      // Known tags are all < 128: a longer (non-minimal) encoding goes the reference way.
      if (reader.pos !== at + 1) throw NOT_FAST;
      switch (tag) {
        case 10:
          symbol = this.name(reader, bytes, end, SYMBOL_REST, MAX_SYMBOL);
          break;
        case 90:
          source = this.name(reader, bytes, end, SOURCE_REST, MAX_SOURCE);
          break;
        case 18:
          bidPrice = this.decimal(reader, bytes, end, true);
          break;
        case 26:
          bidSize = this.decimal(reader, bytes, end, false);
          break;
        case 34:
          askPrice = this.decimal(reader, bytes, end, true);
          break;
        case 42:
          askSize = this.decimal(reader, bytes, end, false);
          break;
        case 50:
          lastPrice = this.decimal(reader, bytes, end, true);
          break;
        case 58:
          lastSize = this.decimal(reader, bytes, end, false);
          break;
        case 64:
          exchangeTimeNanos = bigintOf(reader.int64());
          break;
        case 72:
          receivedTimeNanos = bigintOf(reader.int64());
          break;
        case 80:
          sequence = bigintOf(reader.uint64());
          break;
        default:
          throw NOT_FAST;
      }
    }
    if (
      reader.pos !== end ||
      symbol === undefined ||
      source === undefined ||
      exchangeTimeNanos <= 0n ||
      receivedTimeNanos <= 0n ||
      sequence > MAX_BIGINT ||
      (lastSize !== undefined && lastPrice === undefined) ||
      (bidPrice === undefined && askPrice === undefined && lastPrice === undefined)
    )
      throw NOT_FAST;
    // Same key order as validateTick's result.
    return {
      symbol,
      source,
      sequence,
      exchangeTimeNanos,
      receivedTimeNanos,
      bidPrice,
      bidSize,
      askPrice,
      askSize,
      lastPrice,
      lastSize,
    };
  }

  /** A symbol or source string that matches its pattern, else NOT_FAST. */
  private name(
    reader: BinaryReader,
    bytes: Buffer,
    limit: number,
    restClass: number,
    max: number,
  ): string {
    const length = reader.uint32();
    const start = reader.pos;
    const end = start + length;
    if (length === 0 || length > max || end > limit) throw NOT_FAST;
    reader.pos = end;
    if (((CLASSES[bytes[start] ?? 0] ?? 0) & ALNUM) === 0) throw NOT_FAST;
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i += 1) {
      const byte = bytes[i] ?? 0;
      if (((CLASSES[byte] ?? 0) & restClass) === 0) throw NOT_FAST;
      hash = Math.imul(hash ^ byte, 0x01000193);
    }
    return this.names.get(bytes, start, end, hash >>> 0);
  }

  /**
   * A Decimal message that holds exactly one canonical, non-negative decimal `value` (> 0 for
   * prices), else NOT_FAST.
   */
  private decimal(reader: BinaryReader, bytes: Buffer, limit: number, price: boolean): string {
    const length = reader.uint32();
    const start = reader.pos;
    const end = start + length;
    if (end > limit || length < 2 || bytes[start] !== 10) throw NOT_FAST;
    reader.pos = start + 1;
    const textLength = reader.uint32();
    const from = reader.pos;
    if (from + textLength !== end) throw NOT_FAST;
    reader.pos = end;
    const kind = decimalKind(bytes, from, end);
    if (kind === DECIMAL_BAD || (price && kind !== DECIMAL_POSITIVE)) throw NOT_FAST;
    return this.decimals.get(bytes, from, end, scannedHash);
  }
}

function bigintOf(value: bigint | string): bigint {
  // @bufbuild/protobuf returns strings only where BigInt is unsupported (never on Node 24).
  if (typeof value !== 'bigint') throw NOT_FAST;
  return value;
}

/** FNV-1a of the bytes `decimalKind` last scanned (the string cache's key). */
let scannedHash = 0;

/**
 * `^(0|[1-9][0-9]*)(\.[0-9]+)?$`, at most MAX_DECIMAL_LENGTH characters (isDecimalText without
 * the minus sign, which the fast path leaves to the reference path): zero or positive.
 * Hashes the bytes on the way (`scannedHash`).
 */
function decimalKind(bytes: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length === 0 || length > MAX_DECIMAL_LENGTH) return DECIMAL_BAD;
  const first = bytes[start] ?? 0;
  if (first < 48 || first > 57) return DECIMAL_BAD;
  let nonZero = first !== 48;
  let hash = Math.imul(0x811c9dc5 ^ first, 0x01000193);
  let i = start + 1;
  // A leading zero is the whole integer part.
  if (nonZero) {
    for (; i < end; i += 1) {
      const digit = bytes[i] ?? 0;
      if (digit < 48 || digit > 57) break;
      hash = Math.imul(hash ^ digit, 0x01000193);
    }
  }
  if (i < end) {
    if (bytes[i] !== 46 || i + 1 === end) return DECIMAL_BAD;
    hash = Math.imul(hash ^ 46, 0x01000193);
    for (i += 1; i < end; i += 1) {
      const digit = bytes[i] ?? 0;
      if (digit < 48 || digit > 57) return DECIMAL_BAD;
      if (digit !== 48) nonZero = true;
      hash = Math.imul(hash ^ digit, 0x01000193);
    }
  }
  scannedHash = hash >>> 0;
  return nonZero ? DECIMAL_POSITIVE : DECIMAL_ZERO;
}
