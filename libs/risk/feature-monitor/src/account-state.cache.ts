import type { RiskStateStore } from '@meridian/risk-data-access';
import { type AccountRiskState, initialRiskState, type TradingState } from '@meridian/risk-domain';

/**
 * The latched state of every account seen, in memory (the fast path of evaluation). Loaded
 * from PostgreSQL at start and on first sight of an account; PostgreSQL stays the truth (every
 * change is decided again on the locked row). Work on one account runs one at a time
 * (`exclusive`), so an update and a human's control never overwrite each other's result here.
 */
export class AccountStateCache {
  private readonly states = new Map<string, AccountRiskState>();
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Accounts to read from PostgreSQL on next use (unknown before loadAll, or forgotten). */
  private readonly stale = new Set<string>();
  private loadedAll = false;

  constructor(
    private readonly store: RiskStateStore,
    private readonly onStateCounts: (counts: Partial<Record<TradingState, number>>) => void = () =>
      undefined,
  ) {}

  async loadAll(): Promise<void> {
    const all = await this.store.loadAll();
    for (const [account, state] of all) this.states.set(account, state);
    this.loadedAll = true;
    this.changed();
  }

  /** Runs `fn` after every earlier `exclusive` call for the same account settled. */
  exclusive<R>(accountId: string, fn: () => Promise<R>): Promise<R> {
    const previous = this.chains.get(accountId) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(accountId, tail);
    void tail.then(() => {
      if (this.chains.get(accountId) === tail) this.chains.delete(accountId);
    });
    return next;
  }

  /**
   * The account's state. Call inside `exclusive`. After `loadAll`, an account PostgreSQL did not
   * have starts ACTIVE without a query: that is safe because every change is decided again on
   * the locked stored row, so a stale view can only cost a redundant transaction, never a wrong
   * state.
   */
  async get(accountId: string): Promise<AccountRiskState> {
    const known = this.states.get(accountId);
    if (known !== undefined && !this.stale.has(accountId)) return known;
    if (known === undefined && this.loadedAll && !this.stale.has(accountId)) {
      const fresh = initialRiskState(accountId);
      this.states.set(accountId, fresh);
      return fresh;
    }
    this.stale.delete(accountId);
    const loaded = await this.store.load(accountId);
    this.states.set(accountId, loaded);
    return loaded;
  }

  remember(state: AccountRiskState): void {
    this.states.set(state.accountId, state);
    this.stale.delete(state.accountId);
  }

  /** Forgets an account: the next use reloads it from PostgreSQL (another replica changed it). */
  forget(accountId: string): void {
    this.stale.add(accountId);
  }

  /** Recounts accounts by state for the gauge (after a change of state). */
  changed(): void {
    const counts: Partial<Record<TradingState, number>> = {};
    for (const state of this.states.values()) counts[state.state] = (counts[state.state] ?? 0) + 1;
    this.onStateCounts(counts);
  }
}
