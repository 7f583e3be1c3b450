import { errorCode, MeridianError } from '@meridian/shared-errors';

const PORTFOLIO_CONCURRENT_WRITE = errorCode(
  'PORTFOLIO_CONCURRENT_WRITE',
  'ConcurrentPortfolioWriteError',
);
const PORTFOLIO_LEDGER_INVALID = errorCode('PORTFOLIO_LEDGER_INVALID', 'LedgerRowInvalidError');

/**
 * A batch found an execution already applied or an account row ahead of it: another writer (or
 * an earlier attempt) got there first. Nothing was written; reload and retry.
 */
export class ConcurrentPortfolioWriteError extends MeridianError {
  readonly code = PORTFOLIO_CONCURRENT_WRITE;
  readonly category = 'aborted' as const;
  constructor(executions: number, accounts: number) {
    super(
      `portfolio batch of ${executions} executions / ${accounts} accounts conflicted with stored state`,
      { metadata: { executions: String(executions), accounts: String(accounts) } },
    );
  }
}

/** A ledger row the reconciliation cannot interpret (no order, no side, bad decimal). */
export class LedgerRowInvalidError extends MeridianError {
  readonly code = PORTFOLIO_LEDGER_INVALID;
  readonly category = 'failed-precondition' as const;
  constructor(executionId: string, problem: string) {
    super(`ledger execution ${executionId}: ${problem}`, { metadata: { executionId, problem } });
  }
}
