import { formatDecimal, parseDecimal } from './exact-ratio';
import { PostTradeLimitsInvalidError } from './risk.error';
import {
  DEFAULT_BREACH_ACTIONS,
  formatPostTradeLimits,
  limitsFor,
  parsePostTradeLimits,
  type PostTradeLimitsInput,
} from './post-trade-limits';
import { AccountSnapshotInvalidError } from './risk.error';
import { parseAccountRiskSnapshot, utcDayOf } from './account-snapshot';

function invalid(input: PostTradeLimitsInput): PostTradeLimitsInvalidError {
  try {
    parsePostTradeLimits(input);
  } catch (error) {
    if (error instanceof PostTradeLimitsInvalidError) return error;
    throw error;
  }
  throw new Error('expected PostTradeLimitsInvalidError');
}

describe('decimals', () => {
  it('parses canonical signed decimals exactly and names what is wrong otherwise', () => {
    expect(parseDecimal('-12.50')).toEqual({ units: -1250n, scale: 2 });
    expect(parseDecimal('0')).toEqual({ units: 0n, scale: 0 });
    expect(formatDecimal({ units: -5n, scale: 3 })).toBe('-0.005');
    const cases: [string, string][] = [
      ['', 'empty'],
      ['1'.repeat(65), 'too-long'],
      ['+1', 'malformed'],
      ['1e3', 'malformed'],
      ['01', 'malformed'],
      ['1.', 'malformed'],
      [' 1', 'malformed'],
      ['-0.00', 'negative-zero'],
      ['0.1234567890123456789', 'too-precise'],
    ];
    for (const [text, problem] of cases)
      expect([text, parseDecimal(text)]).toEqual([text, problem]);
  });
});

describe('post-trade limits', () => {
  it('parses a full set with default actions and formats it back', () => {
    const limits = parsePostTradeLimits({
      accountId: 'acct-1',
      maxDailyLoss: '50000.00',
      maxDrawdownPct: '7.5',
      actions: { GROSS_EXPOSURE: 'HALTED' },
    });
    expect(limits.actions).toEqual({ ...DEFAULT_BREACH_ACTIONS, GROSS_EXPOSURE: 'HALTED' });
    expect(formatPostTradeLimits(limits)).toEqual({
      accountId: 'acct-1',
      maxDailyLoss: '50000.00',
      maxDrawdown: undefined,
      maxDrawdownPct: '7.5',
      maxGrossExposure: undefined,
      actions: { ...DEFAULT_BREACH_ACTIONS, GROSS_EXPOSURE: 'HALTED' },
    });
  });

  it.each<[string, PostTradeLimitsInput, string, string, string]>([
    ['bad account', { accountId: 'a b' }, 'accountId', 'malformed', 'accountId: "a b" is not "*"'],
    ['empty account', { accountId: '' }, 'accountId', 'malformed', 'accountId: "" is not'],
    [
      'negative loss',
      { accountId: 'a', maxDailyLoss: '-5' },
      'maxDailyLoss',
      'not-positive',
      'maxDailyLoss: "-5" must be above 0',
    ],
    [
      'zero drawdown',
      { accountId: 'a', maxDrawdown: '0.00' },
      'maxDrawdown',
      'not-positive',
      'maxDrawdown: "0.00" must be above 0',
    ],
    [
      'exponent',
      { accountId: 'a', maxGrossExposure: '1e6' },
      'maxGrossExposure',
      'malformed',
      'maxGrossExposure: "1e6"',
    ],
    [
      'pct above 100',
      { accountId: 'a', maxDrawdownPct: '100.01' },
      'maxDrawdownPct',
      'above-100',
      'must be at most 100',
    ],
    [
      'too precise',
      { accountId: 'a', maxDailyLoss: '1.0000000000000000001' },
      'maxDailyLoss',
      'too-precise',
      'more than 18 digits',
    ],
    [
      'unknown action',
      { accountId: 'a', actions: { DAILY_LOSS: 'STOP' } },
      'actions.DAILY_LOSS',
      'unknown-action',
      '"STOP" is not a breach action',
    ],
    [
      'ACTIVE is no action',
      { accountId: 'a', actions: { DRAWDOWN: 'ACTIVE' } },
      'actions.DRAWDOWN',
      'unknown-action',
      'expected REDUCING or HALTED',
    ],
    [
      'unknown limit',
      { accountId: 'a', actions: { LEVERAGE: 'HALTED' } },
      'actions.LEVERAGE',
      'unknown-limit',
      'unknown limit',
    ],
  ])('refuses %s precisely', (_name, input, field, problem, message) => {
    const error = invalid(input);
    expect(error).toMatchObject({ code: 'RISK_LIMITS_INVALID', field, problem });
    expect(error.message).toContain(message);
  });

  it('accepts 100 % and the default account', () => {
    expect(parsePostTradeLimits({ accountId: '*', maxDrawdownPct: '100.000' }).accountId).toBe('*');
  });

  it('uses the account row, else the default row', () => {
    const own = parsePostTradeLimits({ accountId: 'a', maxDailyLoss: '1' });
    const fallback = parsePostTradeLimits({ accountId: '*', maxDailyLoss: '2' });
    const map = new Map([
      ['a', own],
      ['*', fallback],
    ]);
    expect(limitsFor('a', map)).toBe(own);
    expect(limitsFor('b', map)).toBe(fallback);
    expect(limitsFor('b', new Map([['a', own]]))).toBeUndefined();
  });
});

describe('account snapshots', () => {
  const base = {
    accountId: 'a',
    version: 3n,
    asOfUnixNanos: 0n,
    currency: 'USD',
    equity: '1',
    highWaterMark: '1',
    drawdown: '0',
    dayPnl: '0',
    grossExposure: '0',
  };

  it.each<[string, Partial<typeof base> | { dayPnl: undefined }, string, string]>([
    ['no account', { accountId: '' }, 'accountId', 'missing'],
    ['version 0', { version: 0n }, 'version', 'not-positive'],
    ['no day pnl', { dayPnl: undefined }, 'dayPnl', 'missing'],
    ['float-looking equity', { equity: '1.5e3' }, 'equity', 'malformed'],
    ['negative drawdown', { drawdown: '-1' }, 'drawdown', 'negative'],
    ['negative exposure', { grossExposure: '-0.01' }, 'grossExposure', 'negative'],
  ])('refuses %s', (_name, patch, field, problem) => {
    let caught: unknown;
    try {
      parseAccountRiskSnapshot({ ...base, ...patch });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AccountSnapshotInvalidError);
    expect(caught).toMatchObject({ code: 'RISK_SNAPSHOT_INVALID', field, problem });
  });

  it('derives the UTC day from nanoseconds', () => {
    expect(utcDayOf(1_767_312_000_000_000_000n)).toBe('2026-01-02');
    expect(utcDayOf(1_767_311_999_999_999_999n)).toBe('2026-01-01');
  });
});
