/** What one sequence number means for its (source, symbol) stream. */
export type SequenceObservation =
  /** First tick seen of this stream (since start or the source's last reset). */
  | { readonly kind: 'first' }
  /** Exactly last + 1. */
  | { readonly kind: 'next' }
  /** Above last + 1: `missing` updates were dropped by the feed. The tick itself is good. */
  | { readonly kind: 'gap'; readonly missing: bigint }
  /** At or below the last one: a replayed or reordered update, not to be published. */
  | { readonly kind: 'duplicate'; readonly last: bigint };

/**
 * Per (source, symbol) sequence tracking. Sequences belong to a provider session, so a source's
 * streams are reset when it reconnects (`resetSource`): a provider that restarts numbering at 1
 * after a reconnect is not a flood of duplicates.
 */
export class SequenceTracker {
  private readonly last = new Map<string, Map<string, bigint>>();

  /** Records `sequence` when it moves the stream forward and says how it relates to the last one. */
  observe(source: string, symbol: string, sequence: bigint): SequenceObservation {
    let streams = this.last.get(source);
    if (streams === undefined) {
      streams = new Map();
      this.last.set(source, streams);
    }
    const last = streams.get(symbol);
    if (last === undefined) {
      streams.set(symbol, sequence);
      return { kind: 'first' };
    }
    if (sequence <= last) return { kind: 'duplicate', last };
    streams.set(symbol, sequence);
    return sequence === last + 1n
      ? { kind: 'next' }
      : { kind: 'gap', missing: sequence - last - 1n };
  }

  /** The last sequence accepted on a stream. */
  lastOf(source: string, symbol: string): bigint | undefined {
    return this.last.get(source)?.get(symbol);
  }

  /** Forgets every stream of `source` (a new provider session). */
  resetSource(source: string): void {
    this.last.delete(source);
  }
}
