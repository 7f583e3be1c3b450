import type { StorableTick } from '@meridian/market-data-domain';
import { nanosToMicros } from './time-codec';

/** Columns of a COPY row, in the order `encodeCopyRows` writes them. */
export const TICK_COPY_COLUMNS =
  'symbol, source, sequence, exchange_time, exchange_time_ns, received_time, ' +
  'bid_price, bid_size, ask_price, ask_size, last_price, last_size';

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Fixed part of a row's length bound: 2 timestamps, 2 int8s, 12 separators, 6 x '\N'. */
const ROW_FIXED = 2 * 29 + 2 * 21 + 12 + 12;

/**
 * The batch as COPY text rows (tab-separated, `\N` for absent fields), written straight into
 * one Buffer: no per-row strings or arrays, which at 200k ticks/s were a large share of the
 * writer's garbage. Values must be validated ticks (`validateTick`): printable ASCII without
 * backslashes, so nothing needs escaping; anything else throws rather than corrupt the COPY.
 */
export function encodeCopyRows(ticks: readonly StorableTick[]): Buffer {
  const out = new CopyBuffer(ticks.length * 120 + 256);
  // Two formatters: exchange and received times sit in different seconds now and then.
  const exchangeTimes = new TimestampBytes();
  const receivedTimes = new TimestampBytes();
  for (const t of ticks) {
    out.reserve(
      ROW_FIXED +
        t.symbol.length +
        t.source.length +
        (t.bidPrice?.length ?? 0) +
        (t.bidSize?.length ?? 0) +
        (t.askPrice?.length ?? 0) +
        (t.askSize?.length ?? 0) +
        (t.lastPrice?.length ?? 0) +
        (t.lastSize?.length ?? 0),
    );
    out.text(t.symbol);
    out.byte(TAB);
    out.text(t.source);
    out.byte(TAB);
    out.int8(t.sequence);
    out.byte(TAB);
    const exchangeFast = splitNanos(t.exchangeTimeNanos);
    const exchangeMicros = split.micros;
    const exchangeRest = split.rest;
    if (exchangeFast) out.pos = exchangeTimes.write(out.buf, out.pos, exchangeMicros);
    else out.ascii(timestampText(t.exchangeTimeNanos));
    out.byte(TAB);
    if (exchangeFast && exchangeMicros >= 1_000_000) {
      out.pos = exchangeTimes.writeNanos(out.buf, out.pos, exchangeMicros, exchangeRest);
    } else {
      out.int8(t.exchangeTimeNanos);
    }
    out.byte(TAB);
    if (splitNanos(t.receivedTimeNanos))
      out.pos = receivedTimes.write(out.buf, out.pos, split.micros);
    else out.ascii(timestampText(t.receivedTimeNanos));
    out.byte(TAB);
    out.field(t.bidPrice);
    out.byte(TAB);
    out.field(t.bidSize);
    out.byte(TAB);
    out.field(t.askPrice);
    out.byte(TAB);
    out.field(t.askSize);
    out.byte(TAB);
    out.field(t.lastPrice);
    out.byte(TAB);
    out.field(t.lastSize);
    out.byte(NEWLINE);
  }
  return out.buf.subarray(0, out.pos);
}

class CopyBuffer {
  buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  byte(value: number): void {
    this.buf[this.pos++] = value;
  }

  text(value: string): void {
    const { buf } = this;
    let pos = this.pos;
    for (let i = 0; i < value.length; i += 1) {
      const c = value.charCodeAt(i);
      if (c <= 32 || c >= 127 || c === BACKSLASH)
        throw new RangeError(`COPY field "${value.slice(0, 50)}" is not a validated value`);
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  /** Text this module produced (no check). */
  ascii(value: string): void {
    for (let i = 0; i < value.length; i += 1) this.buf[this.pos++] = value.charCodeAt(i);
  }

  field(value: string | undefined): void {
    if (value === undefined) {
      this.buf[this.pos++] = BACKSLASH;
      this.buf[this.pos++] = 78; // N
    } else {
      this.text(value);
    }
  }

  int8(value: bigint): void {
    if (value >= 0n && value <= MAX_SAFE) this.pos = writeDigits(this.buf, this.pos, Number(value));
    else this.text(value.toString());
  }
}

// A bigint's two 32-bit halves without allocating: store it in an int64 slot, read two words.
const int64 = new BigInt64Array(1);
const words = new Int32Array(int64.buffer);
const split = { micros: 0, rest: 0 };

/**
 * `nanos` as floor(nanos / 1000) and the remainder 0..999, in Number arithmetic that stays exact:
 * nanos = hi * 2^32 + lo = 1000 * (hi * 4294967) + (hi * 296 + lo). Results in `split`; false
 * (use `timestampText`) outside 1970 .. 2255, where microseconds leave the safe integers.
 */
function splitNanos(nanos: bigint): boolean {
  int64[0] = nanos;
  const lo = (words[0] ?? 0) >>> 0;
  const hi = words[1] ?? 0;
  const low = hi * 296 + lo;
  const carry = Math.floor(low / 1000);
  split.micros = hi * 4_294_967 + carry;
  split.rest = low - carry * 1000;
  return nanos >= 0n && split.micros <= Number.MAX_SAFE_INTEGER;
}

/** The timestamptz text of any int64 ns time, in bigint arithmetic (the rare slow path). */
function timestampText(nanos: bigint): string {
  const micros = nanosToMicros(nanos);
  let seconds = micros / 1_000_000n;
  if (micros < 0n && seconds * 1_000_000n !== micros) seconds -= 1n;
  const iso = new Date(Number(seconds) * 1000).toISOString();
  if (iso.length !== 24) throw new RangeError(`time ${nanos} ns is outside years 0-9999`);
  const fraction = (micros - seconds * 1_000_000n).toString().padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}+00`;
}

/** Writes `value` (0 <= value < 10^digits) zero-padded to `digits`; returns the position after. */
function writeFixedDigits(buf: Buffer, pos: number, value: number, digits: number): number {
  // Exact for safe integers: rest / 10 never rounds across an integer.
  let rest = value;
  for (let i = pos + digits - 1; i >= pos; i -= 1) {
    const next = Math.floor(rest / 10);
    buf[i] = 48 + (rest - next * 10);
    rest = next;
  }
  return pos + digits;
}

/** Writes a non-negative safe integer in decimal; returns the position after it. */
function writeDigits(buf: Buffer, pos: number, value: number): number {
  let length = 1;
  for (let limit = 10; limit <= value; limit *= 10) length += 1;
  return writeFixedDigits(buf, pos, value, length);
}

/**
 * timestamptz text for COPY, 'YYYY-MM-DD HH:MM:SS.ffffff+00' (microseconds, floored like
 * PostgreSQL storage). The second's 19 bytes are cached: a batch's ticks share few seconds.
 */
export class TimestampBytes {
  private second = Number.NaN;
  private readonly prefix = new Uint8Array(19);
  /** The second's decimal digits (for the ns column), `digits` of them. */
  private readonly secondText = new Uint8Array(16);
  private digits = 0;

  /** Writes the time (µs since 1970) at `pos`; returns the position after it (29 bytes later). */
  write(buf: Buffer, pos: number, micros: number): number {
    const second = Math.floor(micros / 1_000_000);
    if (second !== this.second) {
      const iso = new Date(second * 1000).toISOString();
      if (iso.length !== 24) throw new RangeError(`time ${micros} µs is outside years 0-9999`);
      for (let i = 0; i < 19; i += 1) this.prefix[i] = i === 10 ? 32 : iso.charCodeAt(i);
      const text = String(second);
      this.digits = text.length <= 16 ? text.length : 0;
      for (let i = 0; i < this.digits; i += 1) this.secondText[i] = text.charCodeAt(i);
      this.second = second;
    }
    for (let i = 0; i < 19; i += 1) buf[pos + i] = this.prefix[i] ?? 0;
    buf[pos + 19] = 46; // '.'
    writeFixedDigits(buf, pos + 20, micros - second * 1_000_000, 6);
    buf[pos + 26] = 43; // '+'
    buf[pos + 27] = 48;
    buf[pos + 28] = 48;
    return pos + 29;
  }

  /**
   * Writes ns since 1970 as a decimal integer: `micros` (>= 1 s, the time `write` just
   * formatted) and the 0..999 ns past it. Returns the position after it.
   */
  writeNanos(buf: Buffer, pos: number, micros: number, rest: number): number {
    const second = Math.floor(micros / 1_000_000);
    if (second !== this.second || this.digits === 0)
      return writeFixedDigits(buf, writeDigits(buf, pos, micros), rest, 3);
    for (let i = 0; i < this.digits; i += 1) buf[pos + i] = this.secondText[i] ?? 0;
    const at = writeFixedDigits(buf, pos + this.digits, micros - second * 1_000_000, 6);
    return writeFixedDigits(buf, at, rest, 3);
  }
}
