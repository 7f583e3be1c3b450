import { formatFixed, MONEY_SCALE, QTY_SCALE } from './fixed-point';
import { emptyPosition, type PositionState } from './position';

/** The fields of a position that follow from fills alone (marks do not). */
export type ReconciledField = 'quantity' | 'costBasis' | 'realizedPnl' | 'fees' | 'fillCount';

/** One field of one position that differs between the ledger replay and the stored state. */
export interface PositionDifference {
  readonly accountId: string;
  readonly symbol: string;
  readonly field: ReconciledField;
  /** From the executions ledger (canonical decimal). */
  readonly expected: string;
  /** From the portfolio's own tables. */
  readonly actual: string;
}

const FIELDS: readonly { field: ReconciledField; scale: number }[] = [
  { field: 'quantity', scale: QTY_SCALE },
  { field: 'costBasis', scale: MONEY_SCALE },
  { field: 'realizedPnl', scale: MONEY_SCALE },
  { field: 'fees', scale: MONEY_SCALE },
  { field: 'fillCount', scale: 0 },
];

type Positions = ReadonlyMap<string, ReadonlyMap<string, PositionState>>;

/**
 * Every difference between the positions replayed from the ledger (`expected`) and the stored
 * ones (`actual`). A position missing on one side compares as flat and empty, so a stored flat
 * position with nothing realized and no fills is not a difference. Sorted by account, symbol.
 */
export function diffPositions(expected: Positions, actual: Positions): PositionDifference[] {
  const keys = new Set<string>();
  for (const side of [expected, actual])
    for (const [account, positions] of side)
      for (const symbol of positions.keys()) keys.add(`${account}\u0000${symbol}`);
  const out: PositionDifference[] = [];
  for (const key of [...keys].sort()) {
    const [accountId = '', symbol = ''] = key.split('\u0000');
    const e = expected.get(accountId)?.get(symbol) ?? emptyPosition(accountId, symbol);
    const a = actual.get(accountId)?.get(symbol) ?? emptyPosition(accountId, symbol);
    for (const { field, scale } of FIELDS) {
      if (e[field] !== a[field])
        out.push({
          accountId,
          symbol,
          field,
          expected: formatFixed(e[field], scale),
          actual: formatFixed(a[field], scale),
        });
    }
  }
  return out;
}
