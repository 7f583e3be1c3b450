import {
  AccountBook,
  type Clock,
  type FeeSchedule,
  type PositionState,
} from '@meridian/portfolio-domain';
import { type LedgerReader, PortfolioRepository } from '@meridian/portfolio-data-access';
import type { Database } from '@meridian/shared-persistence';
import { positionsFromLedger } from './reconcile-portfolio.usecase';

export interface RebuildReport {
  readonly fillsRead: number;
  readonly accounts: number;
  readonly positions: number;
}

/**
 * Rebuilds the portfolio tables from the executions ledger alone, in one transaction: every
 * position and idempotency row is replaced by the replay (marks kept per symbol), accounts
 * missing a row get one with the defaults. Account history that fills do not determine (high-water
 * mark, day-open equity, versions) is kept. Run with the service stopped, then start it (it loads
 * the rebuilt state).
 */
export class RebuildFromLedgerUseCase {
  constructor(
    private readonly deps: {
      readonly db: Database;
      readonly ledger: LedgerReader;
      readonly fees: FeeSchedule;
      readonly clock: Clock;
      readonly defaultStartingCash: bigint;
      readonly defaultCurrency: string;
    },
  ) {}

  async execute(): Promise<RebuildReport> {
    const { positions, fills, executions } = await positionsFromLedger(
      this.deps.ledger,
      this.deps.fees,
    );
    const all: PositionState[] = [];
    for (const m of positions.values()) all.push(...m.values());
    await this.deps.db.withTransaction(async (tx) => {
      const repo = new PortfolioRepository(tx);
      for (const accountId of positions.keys()) {
        if ((await repo.account(accountId)) === null)
          await repo.upsertAccount(
            AccountBook.open(
              accountId,
              this.deps.defaultCurrency,
              this.deps.defaultStartingCash,
              this.deps.clock(),
            ).record(),
          );
      }
      await repo.replaceAll(all, executions);
    });
    return { fillsRead: fills, accounts: positions.size, positions: all.length };
  }
}
