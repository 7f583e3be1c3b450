import {
  type DecimalProblem,
  type ExactDecimal,
  formatDecimal,
  isDecimalProblem,
  parseDecimal,
} from './exact-ratio';
import { PostTradeLimitsInvalidError } from './risk.error';

/**
 * What a target may do, least to most severe. ACTIVE: everything; REDUCING: only orders that
 * reduce a position; HALTED: nothing new, open orders are cancelled.
 */
export const TRADING_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const;
export type TradingState = (typeof TRADING_STATES)[number];

/** What breaching a limit does to the account. */
export const BREACH_ACTIONS = ['REDUCING', 'HALTED'] as const;
export type BreachAction = (typeof BREACH_ACTIONS)[number];

/**
 * The post-trade limits. DAILY_LOSS: day PnL <= -limit; DRAWDOWN: drawdown from the high-water
 * mark >= limit; DRAWDOWN_PCT: drawdown / high-water mark * 100 >= limit; GROSS_EXPOSURE: gross
 * exposure > limit (the pre-trade gate allows exactly the maximum, so only above it is a breach).
 */
export const LIMIT_KINDS = ['DAILY_LOSS', 'DRAWDOWN', 'DRAWDOWN_PCT', 'GROSS_EXPOSURE'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

/** Severity order of trading states: a higher number is stricter. */
export function severityOf(state: TradingState): 0 | 1 | 2 {
  return state === 'ACTIVE' ? 0 : state === 'REDUCING' ? 1 : 2;
}

/** The stricter of two states. */
export function stricterOf(a: TradingState, b: TradingState): TradingState {
  return severityOf(b) > severityOf(a) ? b : a;
}

export function isTradingState(value: unknown): value is TradingState {
  return typeof value === 'string' && (TRADING_STATES as readonly string[]).includes(value);
}

export function isBreachAction(value: unknown): value is BreachAction {
  return typeof value === 'string' && (BREACH_ACTIONS as readonly string[]).includes(value);
}

export function isLimitKind(value: unknown): value is LimitKind {
  return typeof value === 'string' && (LIMIT_KINDS as readonly string[]).includes(value);
}

/** The account id of the default limits, used by accounts without a row of their own. */
export const DEFAULT_LIMITS_ACCOUNT = '*';

/** What a breach does when the operator does not say: a day's loss stops trading. */
export const DEFAULT_BREACH_ACTIONS: Readonly<Record<LimitKind, BreachAction>> = Object.freeze({
  DAILY_LOSS: 'HALTED',
  DRAWDOWN: 'REDUCING',
  DRAWDOWN_PCT: 'REDUCING',
  GROSS_EXPOSURE: 'REDUCING',
});

/** The post-trade limits of one account (or the default, `*`). An absent threshold: no limit. */
export interface PostTradeLimits {
  readonly accountId: string;
  readonly thresholds: Readonly<Partial<Record<LimitKind, ExactDecimal>>>;
  readonly actions: Readonly<Record<LimitKind, BreachAction>>;
}

/** Limits as text, the way the CLI and the database hand them over. */
export interface PostTradeLimitsInput {
  readonly accountId: string;
  readonly maxDailyLoss?: string | undefined;
  readonly maxDrawdown?: string | undefined;
  readonly maxDrawdownPct?: string | undefined;
  readonly maxGrossExposure?: string | undefined;
  readonly actions?: Readonly<Partial<Record<string, string>>> | undefined;
}

/** The input field of each limit. */
export const LIMIT_FIELDS: Readonly<
  Record<LimitKind, 'maxDailyLoss' | 'maxDrawdown' | 'maxDrawdownPct' | 'maxGrossExposure'>
> = Object.freeze({
  DAILY_LOSS: 'maxDailyLoss',
  DRAWDOWN: 'maxDrawdown',
  DRAWDOWN_PCT: 'maxDrawdownPct',
  GROSS_EXPOSURE: 'maxGrossExposure',
});

const ACCOUNT_ID = /^[A-Za-z0-9_.-]{1,64}$/;

const PROBLEM_TEXT: Readonly<Record<DecimalProblem, string>> = {
  empty: 'is empty',
  'too-long': 'is longer than 64 characters',
  malformed: 'is not a plain decimal number like 50000 or 1250.50 (no sign, exponent or spaces)',
  'negative-zero': 'is not a plain decimal number',
  'too-precise': 'has more than 18 digits after the point',
};

function positiveDecimal(field: string, text: string): ExactDecimal {
  const parsed = parseDecimal(text);
  if (isDecimalProblem(parsed)) {
    throw new PostTradeLimitsInvalidError(field, parsed, `"${text}" ${PROBLEM_TEXT[parsed]}`);
  }
  if (parsed.units <= 0n) {
    throw new PostTradeLimitsInvalidError(field, 'not-positive', `"${text}" must be above 0`);
  }
  return parsed;
}

/**
 * Validates limits given as text. Throws PostTradeLimitsInvalidError naming the first bad field:
 * account ids are `*` or 1-64 of [A-Za-z0-9_.-]; thresholds are positive plain decimals (at most
 * 18 fraction digits); the percentage is at most 100; actions are REDUCING or HALTED.
 */
export function parsePostTradeLimits(input: PostTradeLimitsInput): PostTradeLimits {
  if (input.accountId !== DEFAULT_LIMITS_ACCOUNT && !ACCOUNT_ID.test(input.accountId)) {
    throw new PostTradeLimitsInvalidError(
      'accountId',
      'malformed',
      `"${input.accountId}" is not "*" (the default) or 1-64 of A-Z a-z 0-9 _ . -`,
    );
  }
  const thresholds: Partial<Record<LimitKind, ExactDecimal>> = {};
  for (const kind of LIMIT_KINDS) {
    const field = LIMIT_FIELDS[kind];
    const text = input[field];
    if (text === undefined) continue;
    thresholds[kind] = positiveDecimal(field, text);
  }
  const pct = thresholds.DRAWDOWN_PCT;
  if (pct !== undefined && pct.units > 100n * 10n ** BigInt(pct.scale)) {
    throw new PostTradeLimitsInvalidError(
      'maxDrawdownPct',
      'above-100',
      `"${formatDecimal(pct)}" is a percentage of the high-water mark and must be at most 100`,
    );
  }
  const actions: Record<LimitKind, BreachAction> = { ...DEFAULT_BREACH_ACTIONS };
  for (const [kind, action] of Object.entries(input.actions ?? {})) {
    if (!isLimitKind(kind)) {
      throw new PostTradeLimitsInvalidError(
        `actions.${kind}`,
        'unknown-limit',
        `unknown limit; expected one of ${LIMIT_KINDS.join(', ')}`,
      );
    }
    if (!isBreachAction(action)) {
      throw new PostTradeLimitsInvalidError(
        `actions.${kind}`,
        'unknown-action',
        `"${action ?? ''}" is not a breach action; expected REDUCING or HALTED`,
      );
    }
    actions[kind] = action;
  }
  return { accountId: input.accountId, thresholds, actions };
}

/** The limits as text (the inverse of parsePostTradeLimits); absent thresholds are undefined. */
export interface PostTradeLimitsText {
  readonly accountId: string;
  readonly maxDailyLoss: string | undefined;
  readonly maxDrawdown: string | undefined;
  readonly maxDrawdownPct: string | undefined;
  readonly maxGrossExposure: string | undefined;
  readonly actions: Readonly<Record<LimitKind, BreachAction>>;
}

export function formatPostTradeLimits(limits: PostTradeLimits): PostTradeLimitsText {
  const text = (kind: LimitKind): string | undefined => {
    const value = limits.thresholds[kind];
    return value === undefined ? undefined : formatDecimal(value);
  };
  return {
    accountId: limits.accountId,
    maxDailyLoss: text('DAILY_LOSS'),
    maxDrawdown: text('DRAWDOWN'),
    maxDrawdownPct: text('DRAWDOWN_PCT'),
    maxGrossExposure: text('GROSS_EXPOSURE'),
    actions: { ...limits.actions },
  };
}

/** The limits that apply to an account: its own row, else the default row, else none. */
export function limitsFor(
  accountId: string,
  byAccount: ReadonlyMap<string, PostTradeLimits>,
): PostTradeLimits | undefined {
  return byAccount.get(accountId) ?? byAccount.get(DEFAULT_LIMITS_ACCOUNT);
}
