import { randomUUID } from 'node:crypto';
import { risk } from '@meridian/contracts';
import {
  type Clock,
  diffPositions,
  type FeeSchedule,
  PortfolioBook,
  type PositionDifference,
  type PositionState,
  toFill,
} from '@meridian/portfolio-domain';
import type { LedgerReader, PortfolioRepository } from '@meridian/portfolio-data-access';
import type { PortfolioMetrics } from './portfolio.metrics';
import type { RiskControlSink } from './risk-control.publisher';

/** The actor named on the RiskControls the reconciliation publishes. */
export const RECONCILIATION_ACTOR = 'portfolio-reconciliation';

export interface ReconciliationReport {
  readonly fillsRead: number;
  readonly accountsChecked: number;
  readonly differences: readonly PositionDifference[];
  /** Accounts with at least one difference, sorted. */
  readonly mismatchedAccounts: readonly string[];
  /** The REDUCING controls published (one per mismatched account). */
  readonly controls: readonly risk.RiskControl[];
}

/** Positions recomputed from the executions ledger alone, by account and symbol. */
export async function positionsFromLedger(
  ledger: LedgerReader,
  fees: FeeSchedule,
): Promise<{
  positions: Map<string, Map<string, PositionState>>;
  fills: number;
  executions: { executionId: string; accountId: string; symbol: string; sequence: bigint }[];
}> {
  const book = new PortfolioBook({
    clock: () => 0n,
    defaultStartingCash: 0n,
    defaultCurrency: 'XXX',
  });
  let fills = 0;
  const executions: { executionId: string; accountId: string; symbol: string; sequence: bigint }[] =
    [];
  for await (const page of ledger.fills()) {
    for (const input of page) {
      const fill = toFill(input, fees);
      if (book.applyFill(fill).applied)
        executions.push({
          executionId: fill.executionId,
          accountId: fill.accountId,
          symbol: fill.symbol,
          sequence: fill.sequence,
        });
      fills += 1;
    }
  }
  const positions = new Map<string, Map<string, PositionState>>();
  for (const id of book.accountIds()) {
    const m = new Map<string, PositionState>();
    for (const p of book.account(id)?.allPositions() ?? []) m.set(p.symbol, p);
    positions.set(id, m);
  }
  return { positions, fills, executions };
}

function describe(d: PositionDifference): string {
  return `${d.symbol} ${d.field} ledger ${d.expected} stored ${d.actual}`;
}

/**
 * Recomputes every position from the executions ledger alone and compares it with the stored
 * positions (quantity, cost basis, realized PnL, fees, fill count). Fails closed: every account
 * with a difference is set to REDUCING through risk.controls.v1 until someone resolves it (a
 * rebuild from the ledger, then an ACTIVE control from an operator).
 */
export class ReconcilePortfolioUseCase {
  constructor(
    private readonly deps: {
      readonly repository: PortfolioRepository;
      readonly ledger: LedgerReader;
      readonly fees: FeeSchedule;
      readonly controls: RiskControlSink;
      readonly clock: Clock;
      readonly metrics?: PortfolioMetrics;
    },
  ) {}

  async execute(): Promise<ReconciliationReport> {
    const { positions: expected, fills } = await positionsFromLedger(
      this.deps.ledger,
      this.deps.fees,
    );
    const actual = await this.deps.repository.positionsByAccount();
    const differences = diffPositions(expected, actual);
    this.deps.metrics?.reconciliationMismatches.set(differences.length);
    const byAccount = new Map<string, PositionDifference[]>();
    for (const d of differences) {
      const list = byAccount.get(d.accountId) ?? [];
      list.push(d);
      byAccount.set(d.accountId, list);
    }
    const controls: risk.RiskControl[] = [];
    for (const [accountId, diffs] of [...byAccount].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const first = diffs[0];
      const control: risk.RiskControl = {
        controlId: randomUUID(),
        scope: risk.ControlScope.ACCOUNT,
        targetId: accountId,
        state: risk.TradingState.REDUCING,
        reason:
          `portfolio reconciliation: ${diffs.length} position field(s) differ from the executions ledger` +
          (first === undefined ? '' : ` (${describe(first)})`),
        actor: RECONCILIATION_ACTOR,
        effectiveAtUnixNanos: this.deps.clock(),
      };
      await this.deps.controls.publish(control);
      controls.push(control);
    }
    const accounts = new Set([...expected.keys(), ...actual.keys()]);
    return {
      fillsRead: fills,
      accountsChecked: accounts.size,
      differences,
      mismatchedAccounts: [...byAccount.keys()].sort(),
      controls,
    };
  }
}
