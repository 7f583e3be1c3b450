import { TradingDayConfigError } from './execution.error';

const DAY_MS = 86_400_000;
const TIME_OF_DAY = /^([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$/;

/** Default end of the trading day for DAY orders (UTC): 16:00 New York in winter. */
export const DEFAULT_TRADING_DAY_END_UTC = '21:00';

/**
 * Parses the end of the trading day (`HH:MM` or `HH:MM:SS`, UTC, 24-hour clock, e.g. from
 * EXECUTOR_TRADING_DAY_END_UTC) into milliseconds after UTC midnight. Throws
 * TradingDayConfigError for anything else, so a typo fails at boot rather than leaving DAY
 * orders alive.
 */
export function parseTradingDayEnd(text: string): number {
  const match = TIME_OF_DAY.exec(text.trim());
  if (match === null)
    throw new TradingDayConfigError(`"${text}" is not a UTC time of day HH:MM or HH:MM:SS`);
  const [, hh, mm, ss] = match;
  return ((Number(hh) * 60 + Number(mm)) * 60 + Number(ss ?? '0')) * 1000;
}

/**
 * The first end of a trading day strictly after `t` (Unix ms): every calendar day ends at
 * `dayEndMs` after UTC midnight (no holiday or weekend calendar). A time exactly at the boundary
 * belongs to the day that just ended, so the next boundary is the following one.
 */
export function nextTradingDayEnd(t: number, dayEndMs: number): number {
  return Math.floor((t - dayEndMs) / DAY_MS) * DAY_MS + dayEndMs + DAY_MS;
}
