/**
 * Tracks the records of one partition that were handed to handlers, possibly completing out of
 * order (different keys run concurrently), and tells which offset is safe to commit: the one after
 * the longest prefix of completed records. Committing past an unfinished record would lose it on a
 * crash.
 */
export class OffsetTracker {
  /** Dispatched offsets in fetch order, not yet part of the committable prefix. */
  private readonly outstanding: bigint[] = [];
  private readonly completed = new Set<bigint>();
  private committable: bigint | undefined;

  /** Registers a record as handed to a handler. Offsets must be registered in increasing order. */
  dispatched(offset: string): void {
    const value = BigInt(offset);
    const last = this.outstanding[this.outstanding.length - 1];
    if (last !== undefined && value <= last) {
      throw new Error(`offset ${offset} dispatched out of order (after ${last})`);
    }
    this.outstanding.push(value);
  }

  /** Marks a record as finished (handled or dead-lettered). Returns true if the commit point moved. */
  complete(offset: string): boolean {
    this.completed.add(BigInt(offset));
    let moved = false;
    while (this.outstanding.length > 0) {
      const head = this.outstanding[0];
      if (head === undefined || !this.completed.has(head)) break;
      this.outstanding.shift();
      this.completed.delete(head);
      this.committable = head;
      moved = true;
    }
    return moved;
  }

  /** Last offset of the completed prefix (what `resolveOffset` takes), if any. */
  lastCompleted(): string | undefined {
    return this.committable?.toString();
  }

  /** Offset to commit (last completed + 1, Kafka's convention), if any record completed. */
  commitOffset(): string | undefined {
    return this.committable === undefined ? undefined : (this.committable + 1n).toString();
  }

  /** Records dispatched and not yet in the committable prefix. */
  pending(): number {
    return this.outstanding.length;
  }
}
