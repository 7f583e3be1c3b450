import type { portfolio } from '@meridian/contracts';

export type PositionUpdateListener = (update: portfolio.PositionUpdate) => void;

/** In-process fan-out of published PositionUpdates to StreamPositions calls, per account. */
export class PositionUpdateHub {
  private readonly listeners = new Map<string, Set<PositionUpdateListener>>();

  /** Returns the unsubscribe function. */
  subscribe(accountId: string, listener: PositionUpdateListener): () => void {
    let set = this.listeners.get(accountId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(accountId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(accountId);
    };
  }

  publish(update: portfolio.PositionUpdate): void {
    const set = this.listeners.get(update.position?.accountId ?? '');
    if (set === undefined) return;
    for (const listener of set) listener(update);
  }

  subscribers(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
