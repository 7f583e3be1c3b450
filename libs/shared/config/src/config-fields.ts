import { z } from 'zod';
import { ConfigField } from './config-field';

/** Log levels pino understands, most to least severe. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const DIGITS = /^[0-9]+$/;
const POSITIVE_DIGITS = /^[1-9][0-9]*$/;
// A DNS name, an IPv4 address, or an IPv6 literal (with or without brackets).
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$/;
const DURATION = /^([0-9]+)(ms|s|m|h)$/;
const DURATION_UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65_535;
}

function isHost(value: string): boolean {
  return value.length <= 253 && HOST.test(value);
}

/** Any variable parsed by your own zod schema (which receives the raw string). */
export function field<T>(
  env: string,
  schema: z.ZodType<T, string>,
  expected?: string,
): ConfigField<T> {
  return ConfigField.of(env, schema, expected);
}

/** A non-empty string, taken as is. */
export function text(env: string): ConfigField<string> {
  return ConfigField.of(env, z.string().min(1), 'a non-empty string');
}

/** A TCP port, 1..65535. */
export function port(env: string): ConfigField<number> {
  return ConfigField.of(
    env,
    z.string().regex(DIGITS).transform(Number).refine(isPort),
    'integer 1..65535',
  );
}

/** A host name or IP address; defaults to loopback, so nothing listens publicly by accident. */
export function host(env: string): ConfigField<string> {
  return ConfigField.of(env, z.string().refine(isHost), 'a host name or IP address').default(
    '127.0.0.1',
  );
}

/** An absolute URL, optionally limited to some schemes (without the colon, e.g. "https"). */
export function url(env: string, protocols: readonly string[] = []): ConfigField<string> {
  const allowed = protocols.map((protocol) => `${protocol}:`);
  const schema = z.string().refine((value) => {
    if (!URL.canParse(value)) return false;
    return allowed.length === 0 || allowed.includes(new URL(value).protocol);
  });
  const expected =
    protocols.length === 0 ? 'an absolute URL' : `an absolute ${protocols.join(' or ')} URL`;
  return ConfigField.of(env, schema, expected);
}

/** A duration such as "250ms", "5s", "1m" or "2h", as integer milliseconds. */
export function duration(env: string): ConfigField<number> {
  const schema = z
    .string()
    .regex(DURATION)
    .transform((value) => {
      const [, amount = '', unit = 'ms'] = DURATION.exec(value) ?? [];
      return Number(amount) * DURATION_UNIT_MS[unit as keyof typeof DURATION_UNIT_MS];
    })
    .refine(Number.isSafeInteger);
  return ConfigField.of(env, schema, 'a duration like 250ms, 5s, 1m or 2h');
}

/** "true"/"1" or "false"/"0", nothing else ("yes", "TRUE" and "" are typos, not values). */
export function boolean(env: string): ConfigField<boolean> {
  return ConfigField.of(
    env,
    z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1'),
    'true, false, 1 or 0',
  );
}

/** An integer >= 1. */
export function positiveInt(env: string): ConfigField<number> {
  return ConfigField.of(
    env,
    z.string().regex(POSITIVE_DIGITS).transform(Number).refine(Number.isSafeInteger),
    'a positive integer',
  );
}

/** One of a fixed set of strings (exact case). */
export function oneOf<const V extends readonly [string, ...string[]]>(
  env: string,
  values: V,
): ConfigField<V[number]> {
  return ConfigField.of(env, z.enum(values), `one of ${values.join(', ')}`);
}

/** A log level (see LOG_LEVELS), default "info". */
export function logLevel(env: string): ConfigField<LogLevel> {
  return oneOf(env, LOG_LEVELS).default('info');
}

export interface ListOptions {
  /** Each item must match; `expected` says how, e.g. "host:port". */
  readonly item?: { readonly pattern: RegExp; readonly expected: string };
}

/**
 * A comma-separated list ("a:9092, b:9092"): items are trimmed, empty items are refused,
 * at least one item is required.
 */
export function list(env: string, options: ListOptions = {}): ConfigField<readonly string[]> {
  const { item } = options;
  const schema = z
    .string()
    .transform((value) => value.split(',').map((entry) => entry.trim()))
    .refine((items) => items.every((entry) => entry !== '' && (item?.pattern.test(entry) ?? true)))
    .transform((items): readonly string[] => Object.freeze(items));
  const expected =
    item === undefined
      ? 'a comma-separated list of non-empty items'
      : `a comma-separated list of ${item.expected}`;
  return ConfigField.of(env, schema, expected);
}

/** "host:port" with a valid host and port, for broker lists. */
export const HOST_PORT = {
  pattern: /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/,
  expected: 'host:port',
} as const;
