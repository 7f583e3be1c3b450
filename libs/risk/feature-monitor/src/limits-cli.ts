import { parseArgs } from 'node:util';
import { PostTradeLimitsRepository, type StoredPostTradeLimits } from '@meridian/risk-data-access';
import {
  formatPostTradeLimits,
  LIMIT_KINDS,
  type LimitKind,
  parsePostTradeLimits,
  PostTradeLimitsInvalidError,
} from '@meridian/risk-domain';
import type { Database } from '@meridian/shared-persistence';

/** Where the CLI writes (process streams in the app, buffers in tests). */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

export const LIMITS_CLI_USAGE = `Usage: limits <command> [options]

Commands:
  set     Replace the post-trade limits of an account (or '*', the default of every account
          without limits of its own). Limits not given are removed.
  show    Print the limits of one account (--account) or of all.
  remove  Delete an account's own limits (it falls back to the default '*').

Options:
  --account <id>                 account id, or '*' for the default (required for set/remove)
  --max-daily-loss <amount>      halt/reduce when day PnL <= -amount (e.g. 50000.00)
  --max-drawdown <amount>        ... when drawdown from the high-water mark >= amount
  --max-drawdown-pct <percent>   ... when drawdown >= percent of the high-water mark (0 < p <= 100)
  --max-gross-exposure <amount>  ... when gross exposure > amount
  --daily-loss-action <REDUCING|HALTED>          default HALTED
  --drawdown-action <REDUCING|HALTED>            default REDUCING
  --drawdown-pct-action <REDUCING|HALTED>        default REDUCING
  --gross-exposure-action <REDUCING|HALTED>      default REDUCING
  --by <who>                     who makes the change (audited; required for set/remove)
  --reason <text>                why (audited)
  --json                         show: print JSON
  --help                         this text

Amounts are plain decimals in the account currency: digits, optionally a point and at most
18 fraction digits; no sign, exponent, grouping or spaces. Exit codes: 0 ok, 2 bad input.`;

const LIMIT_FLAGS: Readonly<
  Record<
    LimitKind,
    {
      amount: 'max-daily-loss' | 'max-drawdown' | 'max-drawdown-pct' | 'max-gross-exposure';
      action:
        'daily-loss-action' | 'drawdown-action' | 'drawdown-pct-action' | 'gross-exposure-action';
    }
  >
> = {
  DAILY_LOSS: { amount: 'max-daily-loss', action: 'daily-loss-action' },
  DRAWDOWN: { amount: 'max-drawdown', action: 'drawdown-action' },
  DRAWDOWN_PCT: { amount: 'max-drawdown-pct', action: 'drawdown-pct-action' },
  GROSS_EXPOSURE: { amount: 'max-gross-exposure', action: 'gross-exposure-action' },
};

const FIELD_FLAGS: Readonly<Record<string, string>> = {
  accountId: '--account',
  maxDailyLoss: '--max-daily-loss',
  maxDrawdown: '--max-drawdown',
  maxDrawdownPct: '--max-drawdown-pct',
  maxGrossExposure: '--max-gross-exposure',
  'actions.DAILY_LOSS': '--daily-loss-action',
  'actions.DRAWDOWN': '--drawdown-action',
  'actions.DRAWDOWN_PCT': '--drawdown-pct-action',
  'actions.GROSS_EXPOSURE': '--gross-exposure-action',
};

const STRING = { type: 'string' } as const;
const OPTIONS = {
  account: STRING,
  'max-daily-loss': STRING,
  'max-drawdown': STRING,
  'max-drawdown-pct': STRING,
  'max-gross-exposure': STRING,
  'daily-loss-action': STRING,
  'drawdown-action': STRING,
  'drawdown-pct-action': STRING,
  'gross-exposure-action': STRING,
  by: STRING,
  reason: STRING,
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** Bad command-line input: printed as `error: ...` with exit code 2. */
class UsageError extends Error {}

function describe(stored: StoredPostTradeLimits): string {
  const text = formatPostTradeLimits(stored.limits);
  const parts = LIMIT_KINDS.map((kind) => {
    const amount = {
      DAILY_LOSS: text.maxDailyLoss,
      DRAWDOWN: text.maxDrawdown,
      DRAWDOWN_PCT: text.maxDrawdownPct === undefined ? undefined : `${text.maxDrawdownPct}%`,
      GROSS_EXPOSURE: text.maxGrossExposure,
    }[kind];
    return amount === undefined ? `${kind}=-` : `${kind}=${amount}->${text.actions[kind]}`;
  });
  return `${text.accountId}\t${parts.join(' ')}\tby ${stored.updatedBy} at ${stored.updatedAt.toISOString()}${stored.reason === '' ? '' : ` (${stored.reason})`}`;
}

function toJson(stored: StoredPostTradeLimits): Record<string, unknown> {
  return {
    ...formatPostTradeLimits(stored.limits),
    updatedBy: stored.updatedBy,
    updatedAt: stored.updatedAt.toISOString(),
    reason: stored.reason,
  };
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

/**
 * The limits CLI (`apps/risk-monitor/src/limits.cli.ts`): set/show/remove post-trade limits
 * with precise errors. Returns the exit code.
 */
export async function runLimitsCli(
  argv: readonly string[],
  db: () => Promise<Database>,
  output: CliOutput,
): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: OPTIONS,
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      // node's parseArgs errors (unknown option, missing value); duck-typed, as jest runs
      // specs in another realm where `instanceof Error` fails.
      const message =
        typeof error === 'object' && error !== null && 'message' in error
          ? String(error.message)
          : String(error);
      throw new UsageError(message);
    }
    const { values, positionals } = parsed;
    const command = positionals[0];
    if (values.help === true || command === undefined) {
      output.out(LIMITS_CLI_USAGE);
      return command === undefined && values.help !== true ? 2 : 0;
    }
    if (positionals.length > 1) {
      throw new UsageError(`unexpected argument "${positionals[1] ?? ''}"`);
    }
    switch (command) {
      case 'set': {
        const accountId = required(values.account, '--account');
        const by = required(values.by, '--by');
        const actions: Partial<Record<string, string>> = {};
        for (const kind of LIMIT_KINDS) {
          const action = values[LIMIT_FLAGS[kind].action];
          if (action !== undefined) actions[kind] = action;
        }
        const limits = parsePostTradeLimits({
          accountId,
          maxDailyLoss: values['max-daily-loss'],
          maxDrawdown: values['max-drawdown'],
          maxDrawdownPct: values['max-drawdown-pct'],
          maxGrossExposure: values['max-gross-exposure'],
          actions,
        });
        if (Object.keys(limits.thresholds).length === 0) {
          throw new UsageError(
            'give at least one limit (--max-daily-loss, --max-drawdown, --max-drawdown-pct, --max-gross-exposure); to drop an account\'s limits use "remove"',
          );
        }
        const stored = await new PostTradeLimitsRepository(await db()).set(
          limits,
          by,
          values.reason ?? '',
        );
        output.out(`set ${describe(stored)}`);
        return 0;
      }
      case 'show': {
        const repo = new PostTradeLimitsRepository(await db());
        const rows =
          values.account === undefined
            ? await repo.list()
            : [await repo.get(values.account)].filter(
                (r): r is StoredPostTradeLimits => r !== null,
              );
        if (values.json === true) output.out(JSON.stringify(rows.map(toJson), null, 2));
        else if (rows.length === 0)
          output.out(
            values.account === undefined ? 'no limits set' : `no limits for ${values.account}`,
          );
        else rows.forEach((row) => output.out(describe(row)));
        return 0;
      }
      case 'remove': {
        const accountId = required(values.account, '--account');
        const by = required(values.by, '--by');
        const removed = await new PostTradeLimitsRepository(await db()).remove(
          accountId,
          by,
          values.reason ?? '',
        );
        output.out(
          removed ? `removed the limits of ${accountId}` : `${accountId} had no limits of its own`,
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"; expected set, show or remove`);
    }
  } catch (error) {
    if (error instanceof PostTradeLimitsInvalidError) {
      const flag = FIELD_FLAGS[error.field] ?? error.field;
      output.err(`error: ${flag}: ${error.message.slice(error.field.length + 2)}`);
      return 2;
    }
    if (error instanceof UsageError) {
      output.err(`error: ${error.message}`);
      output.err('run with --help for usage');
      return 2;
    }
    throw error;
  }
}
