import { InstrumentConfigError } from './orders-engine.error';
import { R } from './reason-codes';

/** How an instrument is configured (decimal strings, as in reference data). */
export interface InstrumentSpec {
  readonly symbol: string;
  /** Minimum price increment, e.g. "0.01". Prices inside the engine are integer multiples of it (ticks). */
  readonly tickSize: string;
  /** Minimum quantity increment, e.g. "1" or "0.001". Quantities inside the engine are integer lots. */
  readonly lotSize: string;
  /** Static price band: limit and stop prices outside [minPrice, maxPrice] are rejected. */
  readonly minPrice: string;
  readonly maxPrice: string;
  /** Decimals of the quote currency's minor unit (2 for USD); bounds notional so it stays a safe integer. */
  readonly currencyDecimals: number;
}

/** Result of parsing a decimal string at the edge: the fixed-point value or a reason code. */
export type FixedPointParse =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: number };

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const SIGNED = /^[+-]/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

interface Scale {
  /** Number of decimals of the increment ("0.05" -> 2). */
  readonly decimals: number;
  /** The increment in units of 10^-decimals ("0.05" -> 5n). */
  readonly units: bigint;
}

function scaleOf(symbol: string, field: string, text: string): Scale {
  const match = DECIMAL.exec(text);
  if (match === null)
    throw new InstrumentConfigError(symbol, `${field} "${text}" is not a plain decimal`);
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  const units = BigInt((match[1] ?? '') + fraction);
  if (units <= 0n) throw new InstrumentConfigError(symbol, `${field} must be positive`);
  return { decimals: fraction.length, units };
}

/**
 * An instrument compiled for the engine: tick and lot scales, the band in ticks and the largest
 * notional (price ticks x quantity lots) that stays a safe integer in currency minor units.
 */
export class Instrument {
  readonly symbol: string;
  readonly spec: InstrumentSpec;
  /** Lowest and highest admissible price, in ticks. */
  readonly minPriceTicks: number;
  readonly maxPriceTicks: number;
  /** Largest admissible price(ticks) x quantity(lots); beyond it the order is rejected with OVERFLOW. */
  readonly maxNotional: number;
  private readonly price: Scale;
  private readonly lot: Scale;

  constructor(spec: InstrumentSpec) {
    const symbol = spec.symbol;
    if (typeof symbol !== 'string' || symbol.length === 0)
      throw new InstrumentConfigError(String(symbol), 'symbol is empty');
    this.symbol = symbol;
    this.spec = { ...spec };
    this.price = scaleOf(symbol, 'tickSize', spec.tickSize);
    this.lot = scaleOf(symbol, 'lotSize', spec.lotSize);
    const cd = spec.currencyDecimals;
    if (!Number.isSafeInteger(cd) || cd < 0 || cd > 18)
      throw new InstrumentConfigError(symbol, 'currencyDecimals must be an integer in [0, 18]');
    const min = parseScaled(this.price, spec.minPrice, R.INVALID_PRICE);
    const max = parseScaled(this.price, spec.maxPrice, R.INVALID_PRICE);
    if (!min.ok || !max.ok)
      throw new InstrumentConfigError(
        symbol,
        'minPrice and maxPrice must be positive multiples of tickSize',
      );
    if (min.value > max.value)
      throw new InstrumentConfigError(symbol, 'minPrice is above maxPrice');
    this.minPriceTicks = min.value;
    this.maxPriceTicks = max.value;
    // One tick x one lot is (priceUnits/10^pd) * (lotUnits/10^ld) currency = that * 10^cd minor units.
    const num = this.price.units * this.lot.units * 10n ** BigInt(cd);
    const den = 10n ** BigInt(this.price.decimals + this.lot.decimals);
    const bound = (MAX_SAFE * den) / num;
    this.maxNotional = Number(bound < MAX_SAFE ? bound : MAX_SAFE);
    if (this.maxNotional < this.maxPriceTicks)
      throw new InstrumentConfigError(symbol, 'one lot at maxPrice overflows the notional bound');
  }

  /** Decimal string -> integer ticks. Exact; never goes through a float. */
  parsePrice(text: unknown): FixedPointParse {
    return parseScaled(this.price, text, R.INVALID_PRICE);
  }

  /** Decimal string -> integer lots. Exact; never goes through a float. */
  parseQuantity(text: unknown): FixedPointParse {
    return parseScaled(this.lot, text, R.INVALID_QUANTITY);
  }

  /** Integer ticks -> canonical decimal string with the tick's number of decimals ("101.25"). */
  formatPrice(ticks: number): string {
    return formatScaled(this.price, ticks);
  }

  /** Integer lots -> canonical decimal string with the lot's number of decimals. */
  formatQuantity(lots: number): string {
    return formatScaled(this.lot, lots);
  }
}

/** `parsePrice(instrument, "101.25")`: see {@link Instrument.parsePrice}. */
export function parsePrice(instrument: Instrument, text: unknown): FixedPointParse {
  return instrument.parsePrice(text);
}

/** `formatPrice(instrument, ticks)`: see {@link Instrument.formatPrice}. */
export function formatPrice(instrument: Instrument, ticks: number): string {
  return instrument.formatPrice(ticks);
}

/** `parseQuantity(instrument, "10")`: see {@link Instrument.parseQuantity}. */
export function parseQuantity(instrument: Instrument, text: unknown): FixedPointParse {
  return instrument.parseQuantity(text);
}

/** `formatQuantity(instrument, lots)`: see {@link Instrument.formatQuantity}. */
export function formatQuantity(instrument: Instrument, lots: number): string {
  return instrument.formatQuantity(lots);
}

// Reason offsets relative to INVALID_PRICE / INVALID_QUANTITY: malformed, not positive, too precise, off increment.
function parseScaled(scale: Scale, text: unknown, malformed: number): FixedPointParse {
  const notPositive = malformed + 1;
  const tooPrecise = malformed + 2;
  const offIncrement = malformed + 3;
  if (typeof text !== 'string' || text.length > 64) return { ok: false, reason: malformed };
  const match = DECIMAL.exec(text);
  if (match === null) {
    // "-1" and "-0.5" are well formed apart from the sign: say so precisely.
    return {
      ok: false,
      reason:
        SIGNED.test(text) && DECIMAL.test(text.slice(1)) && text[0] === '-'
          ? notPositive
          : malformed,
    };
  }
  const whole = match[1] ?? '';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > scale.decimals) return { ok: false, reason: tooPrecise };
  const units = BigInt(whole + fraction.padEnd(scale.decimals, '0'));
  if (units === 0n) return { ok: false, reason: notPositive };
  if (units % scale.units !== 0n) return { ok: false, reason: offIncrement };
  const value = units / scale.units;
  if (value > MAX_SAFE) return { ok: false, reason: R.OVERFLOW };
  return { ok: true, value: Number(value) };
}

function formatScaled(scale: Scale, value: number): string {
  if (!Number.isSafeInteger(value)) return String(value);
  const units = BigInt(value) * scale.units;
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale.decimals + 1, '0');
  const whole = digits.slice(0, digits.length - scale.decimals);
  const text =
    scale.decimals === 0 ? whole : `${whole}.${digits.slice(digits.length - scale.decimals)}`;
  return negative ? `-${text}` : text;
}
