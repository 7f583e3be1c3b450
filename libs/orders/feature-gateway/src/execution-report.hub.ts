import type { orders } from '@meridian/contracts';

/** A live subscriber of one agent's execution reports (one open stream). */
export interface ExecutionReportSink {
  readonly agentId: string;
  /** Must not throw and must not block: it queues, or ends its own stream. */
  deliver(event: orders.OrderEvent): void;
  /** The gateway is going away: end the stream. */
  close(reason: unknown): void;
}

/**
 * Fan-out of execution reports to the open streams of this gateway process, by owning agent.
 * Delivery is synchronous and in the order of `publish` calls, which the events consumer makes
 * in sequence order per symbol.
 */
export class ExecutionReportHub {
  private readonly byAgent = new Map<string, Set<ExecutionReportSink>>();
  private closedWith: { reason: unknown } | undefined;

  /** Registers a sink; returns its unsubscribe function. After `closeAll` the sink is closed at once. */
  subscribe(sink: ExecutionReportSink): () => void {
    if (this.closedWith !== undefined) {
      sink.close(this.closedWith.reason);
      return () => undefined;
    }
    let sinks = this.byAgent.get(sink.agentId);
    if (sinks === undefined) {
      sinks = new Set();
      this.byAgent.set(sink.agentId, sinks);
    }
    sinks.add(sink);
    return () => {
      const current = this.byAgent.get(sink.agentId);
      if (current === undefined) return;
      current.delete(sink);
      if (current.size === 0) this.byAgent.delete(sink.agentId);
    };
  }

  publish(event: orders.OrderEvent): void {
    const sinks = this.byAgent.get(event.agentId);
    if (sinks === undefined) return;
    for (const sink of [...sinks]) sink.deliver(event);
  }

  /** Open streams (for metrics and tests). */
  get size(): number {
    let n = 0;
    for (const sinks of this.byAgent.values()) n += sinks.size;
    return n;
  }

  /** Ends every stream with `reason` and refuses new ones (shutdown). */
  closeAll(reason: unknown): void {
    this.closedWith = { reason };
    const all = [...this.byAgent.values()].flatMap((sinks) => [...sinks]);
    this.byAgent.clear();
    for (const sink of all) sink.close(reason);
  }
}
