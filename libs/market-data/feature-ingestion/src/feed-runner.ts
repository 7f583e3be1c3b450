import { type marketdata } from '@meridian/contracts';
import {
  type FeedInstrument,
  FailoverState,
  RejectReason,
  SequenceTracker,
  type SourceRole,
  StalenessTracker,
  type Switch,
  TickValidator,
} from '@meridian/market-data-feed';
import { type MessagingLogger } from '@meridian/shared-messaging';
import { type FeedAdapter, type FeedSink } from './feed-adapter';
import { type FeedHealth, type FeedStatus } from './feed-health';
import { type IngestionMetrics } from './ingestion.metrics';
import { msToNanos, type Scheduler } from './scheduler';

/** Where accepted ticks go (the publisher). */
export interface AcceptedTickSink {
  enqueue(tick: marketdata.Tick): void;
}

export interface FeedRunnerOptions {
  readonly name: string;
  readonly primary: FeedAdapter;
  readonly backup?: FeedAdapter | undefined;
  readonly instruments: readonly FeedInstrument[];
  /** Price band around the last accepted price, basis points (0: off). */
  readonly bandBps: number;
  readonly staleAfterMs: number;
  readonly switchBackAfterMs: number;
  readonly sink: AcceptedTickSink;
  readonly metrics: IngestionMetrics;
  readonly scheduler: Scheduler;
  readonly logger: MessagingLogger;
  /** Called with every accepted tick's symbol (the ingestor's per-symbol tick age). */
  readonly onAccepted?: (symbol: string, now: number) => void;
}

/**
 * One logical feed: its primary and backup adapters, the failover state machine, and the
 * pipeline every tick of the active source goes through (sequence -> validate -> publish).
 * Ticks of the standby source only feed its health (and its sequence tracking).
 */
export class FeedRunner {
  readonly name: string;
  private readonly failover: FailoverState;
  private readonly validator: TickValidator;
  private readonly sequences = new SequenceTracker();
  private readonly staleness: StalenessTracker;
  private readonly adapters: Record<SourceRole, FeedAdapter | undefined>;
  private readonly gapsBySymbol = new Map<string, number>();
  private readonly rejectsBySymbol = new Map<string, number>();
  private readonly rejectsByReason = new Map<string, number>();
  /** Labelled children of marketdata_ticks_total, resolved once per source (hot path). */
  private readonly acceptedCounters = new Map<string, { inc(): void }>();
  private failoverCount = 0;
  private acceptedCount = 0;

  constructor(private readonly options: FeedRunnerOptions) {
    this.name = options.name;
    this.adapters = { primary: options.primary, backup: options.backup };
    this.failover = new FailoverState({
      staleAfterMs: options.staleAfterMs,
      switchBackAfterMs: options.switchBackAfterMs,
      hasBackup: options.backup !== undefined,
    });
    this.validator = new TickValidator(options.instruments, { bandBps: options.bandBps });
    this.staleness = new StalenessTracker(
      options.instruments.map((i) => i.symbol),
      options.staleAfterMs,
      () => options.scheduler.now(),
    );
    for (const role of ['primary', 'backup'] as const) {
      const adapter = this.adapters[role];
      if (adapter === undefined) continue;
      options.metrics.connected.set({ feed: this.name, source: adapter.source }, 0);
    }
    this.publishActive();
  }

  /** Starts both adapters. */
  start(): void {
    for (const role of ['primary', 'backup'] as const)
      this.adapters[role]?.start(this.sinkFor(role));
  }

  async stop(): Promise<void> {
    await Promise.all((['primary', 'backup'] as const).map((role) => this.adapters[role]?.stop()));
  }

  /** The role publishing now. */
  get activeRole(): SourceRole {
    return this.failover.active;
  }

  get activeSource(): string {
    return this.adapterOf(this.failover.active).source;
  }

  /** Re-checks staleness-driven failover (called every second). */
  evaluate(): void {
    this.applySwitch(this.failover.evaluate(this.options.scheduler.now()));
  }

  health(): FeedHealth {
    const now = this.options.scheduler.now();
    const active = this.failover.active;
    const sources = (['primary', 'backup'] as const).flatMap((role) => {
      const adapter = this.adapters[role];
      if (adapter === undefined) return [];
      const last = this.failover.lastTickAt(role);
      return [
        {
          role,
          source: adapter.source,
          connected: this.failover.isConnected(role),
          active: role === active,
          lastTickAgeMs: last === undefined ? null : Math.max(0, Math.round(now - last)),
        },
      ];
    });
    const symbols = this.staleness.snapshot().map((s) => ({
      symbol: s.symbol,
      ageMs: Math.round(s.ageMs),
      seen: s.seen,
      stale: s.stale,
      gaps: this.gapsBySymbol.get(s.symbol) ?? 0,
      rejects: this.rejectsBySymbol.get(s.symbol) ?? 0,
    }));
    let status: FeedStatus = 'ok';
    if (!this.failover.isConnected(active)) status = 'down';
    else if (symbols.some((s) => s.stale)) status = 'stale';
    else if (active === 'backup') status = 'degraded';
    return {
      feed: this.name,
      status,
      activeSource: this.activeSource,
      failovers: this.failoverCount,
      accepted: this.acceptedCount,
      rejects: Object.fromEntries(this.rejectsByReason),
      sources,
      symbols,
    };
  }

  private adapterOf(role: SourceRole): FeedAdapter {
    return this.adapters[role] ?? this.options.primary;
  }

  private sinkFor(role: SourceRole): FeedSink {
    const source = this.adapterOf(role).source;
    return {
      tick: (tick) => this.onTick(role, tick),
      undecodable: (detail) => {
        if (role !== this.failover.active) return;
        this.reject(undefined, RejectReason.undecodable, detail);
      },
      connection: (connected, detail) => {
        const now = this.options.scheduler.now();
        this.options.metrics.connected.set({ feed: this.name, source }, connected ? 1 : 0);
        if (connected) this.sequences.resetSource(source);
        this.options.logger.info(
          { feed: this.name, source, role, detail },
          connected ? 'feed source connected' : 'feed source disconnected',
        );
        this.applySwitch(this.failover.connection(role, connected, now));
      },
    };
  }

  private onTick(role: SourceRole, tick: marketdata.Tick): void {
    const now = this.options.scheduler.now();
    this.applySwitch(this.failover.tick(role, now));
    const source = this.adapterOf(role).source;
    // Unknown symbols never reach the per-symbol state (which would otherwise grow without bound).
    const known = this.validator.instrument(tick.symbol) !== undefined;
    if (role !== this.failover.active) {
      if (!known) return;
      // Standby: keep its sequence streams current so a switch starts without a false gap.
      this.sequences.observe(source, tick.symbol, tick.sequence);
      return;
    }
    if (!known) {
      this.reject(
        undefined,
        RejectReason.unknownSymbol,
        `symbol "${tick.symbol}" is not configured`,
      );
      return;
    }
    // Sequence first: a tick that arrived advances its stream even when it is then rejected, so
    // a gap means updates the provider never delivered.
    const sequence = this.sequences.observe(source, tick.symbol, tick.sequence);
    if (sequence.kind === 'duplicate') {
      this.reject(
        tick.symbol,
        RejectReason.duplicateSequence,
        `sequence ${tick.sequence} <= ${sequence.last}`,
      );
      return;
    }
    if (sequence.kind === 'gap') {
      this.options.metrics.gaps.inc({ feed: this.name, symbol: tick.symbol });
      this.gapsBySymbol.set(tick.symbol, (this.gapsBySymbol.get(tick.symbol) ?? 0) + 1);
      this.options.logger.warn(
        { feed: this.name, source, symbol: tick.symbol, missing: sequence.missing.toString() },
        'sequence gap',
      );
    }
    const verdict = this.validator.validate(tick);
    if (!verdict.ok) {
      this.reject(tick.symbol, verdict.reason, verdict.detail);
      return;
    }
    tick.source = source;
    tick.receivedTimeUnixNanos = msToNanos(now);
    const freshness = Number(tick.receivedTimeUnixNanos - tick.exchangeTimeUnixNanos) / 1e9;
    this.options.metrics.freshness.observe(Math.max(0, freshness));
    let counter = this.acceptedCounters.get(source);
    if (counter === undefined) {
      counter = this.options.metrics.ticks.labels({ feed: this.name, source });
      this.acceptedCounters.set(source, counter);
    }
    counter.inc();
    this.acceptedCount += 1;
    this.staleness.touch(tick.symbol);
    this.options.onAccepted?.(tick.symbol, now);
    this.options.sink.enqueue(tick);
  }

  private reject(symbol: string | undefined, reason: RejectReason, detail: string): void {
    this.options.metrics.rejected.inc({ feed: this.name, reason });
    this.rejectsByReason.set(reason, (this.rejectsByReason.get(reason) ?? 0) + 1);
    if (symbol !== undefined)
      this.rejectsBySymbol.set(symbol, (this.rejectsBySymbol.get(symbol) ?? 0) + 1);
    this.options.logger.debug({ feed: this.name, symbol, reason, detail }, 'tick rejected');
  }

  private applySwitch(change: Switch | undefined): void {
    if (change === undefined) return;
    this.failoverCount += 1;
    this.options.metrics.failovers.inc({ feed: this.name });
    this.publishActive();
    this.options.logger.warn(
      {
        feed: this.name,
        from: this.adapterOf(change.from).source,
        to: this.adapterOf(change.to).source,
        reason: change.reason,
      },
      'feed failover',
    );
  }

  private publishActive(): void {
    for (const role of ['primary', 'backup'] as const) {
      const adapter = this.adapters[role];
      if (adapter === undefined) continue;
      this.options.metrics.activeSource.set(
        { feed: this.name, source: adapter.source },
        role === this.failover.active ? 1 : 0,
      );
    }
  }
}
