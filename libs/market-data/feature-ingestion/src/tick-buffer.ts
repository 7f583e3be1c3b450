import { type marketdata } from '@meridian/contracts';

interface SymbolQueue {
  /** Slots before `head` are already taken (undefined, so the ticks can be collected). */
  items: (marketdata.Tick | undefined)[];
  head: number;
}

/**
 * The bounded buffer between the feeds and the publisher. Per-symbol FIFO queues (Kafka keeps
 * per-symbol order, so only that order matters). When full, a new tick evicts the oldest tick of
 * its own symbol (a newer quote supersedes an older one), or, when its symbol has nothing
 * buffered, the oldest tick of the symbol with the longest queue. Memory never exceeds
 * `capacity` ticks; every eviction is reported to `onDrop`.
 */
export class TickBuffer {
  private readonly queues = new Map<string, SymbolQueue>();
  private count = 0;

  constructor(
    private readonly capacity: number,
    private readonly onDrop: (tick: marketdata.Tick) => void = () => undefined,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`buffer capacity must be an integer >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.count;
  }

  push(tick: marketdata.Tick): void {
    let queue = this.queues.get(tick.symbol);
    if (this.count >= this.capacity) {
      const victim =
        queue !== undefined && queue.items.length > queue.head ? queue : this.longest();
      if (victim !== undefined) {
        const dropped = victim.items[victim.head] as marketdata.Tick;
        victim.items[victim.head] = undefined;
        victim.head += 1;
        this.count -= 1;
        this.onDrop(dropped);
      }
    }
    if (queue === undefined) {
      queue = { items: [], head: 0 };
      this.queues.set(tick.symbol, queue);
    }
    queue.items.push(tick);
    this.count += 1;
  }

  /** Takes up to `max` ticks, round-robin over symbols, each symbol's ticks in order. */
  drain(max: number): marketdata.Tick[] {
    const out: marketdata.Tick[] = [];
    while (out.length < max && this.count > 0) {
      const before = out.length;
      // Fair share per pass, at least one, so no symbol starves behind a busy one.
      const share = Math.max(1, Math.floor((max - out.length) / this.queues.size));
      for (const [symbol, queue] of this.queues) {
        const take = Math.min(share, queue.items.length - queue.head, max - out.length);
        for (let i = 0; i < take; i++) out.push(queue.items[queue.head + i] as marketdata.Tick);
        queue.head += take;
        this.count -= take;
        if (queue.head >= queue.items.length) this.queues.delete(symbol);
        else if (queue.head > 1024 && queue.head * 2 > queue.items.length) {
          queue.items = queue.items.slice(queue.head);
          queue.head = 0;
        }
        if (out.length >= max) break;
      }
      if (out.length === before) break;
    }
    return out;
  }

  private longest(): SymbolQueue | undefined {
    let best: SymbolQueue | undefined;
    for (const queue of this.queues.values())
      if (best === undefined || queue.items.length - queue.head > best.items.length - best.head)
        best = queue;
    return best;
  }
}
