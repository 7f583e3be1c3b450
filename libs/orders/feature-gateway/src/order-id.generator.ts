import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

/** 2026-01-01T00:00:00Z: ids stay below 2^53 until 2095. */
const EPOCH_MS = 1_767_225_600_000;
const NODE_BITS = 6;
const SEQUENCE_BITS = 6;
const NODE_SLOTS = 2 ** NODE_BITS;
const SEQUENCE_SLOTS = 2 ** SEQUENCE_BITS;

/**
 * Order ids the executor can use as they are: decimal strings of integers below 2^53 (the
 * matching engine keys its books by safe integers, and a UUID would need a lookup table on the
 * hot path). Layout, snowflake style: 41 bits of milliseconds since 2026, 6 bits of gateway node
 * id, 6 bits of sequence. Past 64 ids in one millisecond the generator borrows the next
 * millisecond instead of waiting, so bursts never block; the lead over the wall clock is
 * bounded by the burst (64 k ids per second of lead) and ids stay strictly increasing per node.
 * Replicas MUST have distinct node ids (GATEWAY_NODE_ID; the Helm chart sets the pod ordinal).
 */
export class OrderIdGenerator {
  private lastMs = 0;
  private sequence = 0;

  constructor(
    private readonly nodeId: number = OrderIdGenerator.nodeIdFromHostname(),
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId >= NODE_SLOTS) {
      throw new RangeError(
        `order id node id must be an integer 0..${NODE_SLOTS - 1}, got ${nodeId}`,
      );
    }
  }

  /** A stable default for single-replica and local runs: a hash of the host name. */
  static nodeIdFromHostname(name: string = hostname()): number {
    return createHash('sha256').update(name).digest().readUInt8(0) % NODE_SLOTS;
  }

  next(): string {
    const ms = Math.max(this.now() - EPOCH_MS, 0);
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.sequence = 0;
    } else if (++this.sequence >= SEQUENCE_SLOTS) {
      this.lastMs += 1;
      this.sequence = 0;
    }
    // Multiplication, not bit shifts: JS shifts are 32-bit.
    return String((this.lastMs * NODE_SLOTS + this.nodeId) * SEQUENCE_SLOTS + this.sequence + 1);
  }
}
