/** The two sources of a feed. */
export type SourceRole = 'primary' | 'backup';

export interface FailoverOptions {
  /** A connected source without a tick for this long is stale (unusable). */
  readonly staleAfterMs: number;
  /**
   * The primary must be healthy this long before the feed switches back to it (hold-down against
   * flapping). 0 switches back on the primary's first tick after it recovers.
   */
  readonly switchBackAfterMs: number;
  /** Whether the feed has a backup at all. */
  readonly hasBackup: boolean;
}

/** A switch of the active source, returned by `evaluate` so the caller can count and log it. */
export interface Switch {
  readonly from: SourceRole;
  readonly to: SourceRole;
  readonly reason: 'primary-down' | 'primary-stale' | 'primary-recovered' | 'backup-down';
}

interface SourceState {
  connected: boolean;
  lastTickAt: number | undefined;
  /** Since when the source has been continuously healthy (connected and ticking). */
  healthySince: number | undefined;
  /** When the current connection came up. */
  connectedAt: number | undefined;
}

/**
 * The primary/backup state machine of one feed (pure; time is passed in).
 *
 * - ACTIVE=primary -> backup when the primary is disconnected or stale and the backup is healthy
 *   (a primary that connected less than `staleAfterMs` ago and has not ticked yet is starting, not
 *   stale).
 * - ACTIVE=backup -> primary when the primary has been healthy for `switchBackAfterMs`, or at
 *   once when the backup itself fails while the primary is healthy.
 * - Without a healthy alternative the active source stays (a bad source is no worse than none,
 *   and its ticks still go through validation).
 * A source is healthy when it is connected and its last tick is younger than `staleAfterMs`.
 */
export class FailoverState {
  private activeRole: SourceRole = 'primary';
  private readonly sources: Record<SourceRole, SourceState> = {
    primary: {
      connected: false,
      lastTickAt: undefined,
      healthySince: undefined,
      connectedAt: undefined,
    },
    backup: {
      connected: false,
      lastTickAt: undefined,
      healthySince: undefined,
      connectedAt: undefined,
    },
  };

  constructor(private readonly options: FailoverOptions) {}

  get active(): SourceRole {
    return this.activeRole;
  }

  isConnected(role: SourceRole): boolean {
    return this.sources[role].connected;
  }

  lastTickAt(role: SourceRole): number | undefined {
    return this.sources[role].lastTickAt;
  }

  /** A source connected or disconnected. */
  connection(role: SourceRole, connected: boolean, now: number): Switch | undefined {
    const source = this.sources[role];
    if (connected && !source.connected) source.connectedAt = now;
    source.connected = connected;
    if (!connected) {
      source.connectedAt = undefined;
      source.healthySince = undefined;
      // Ticks from before a reconnect say nothing about the new session.
      source.lastTickAt = undefined;
    }
    return this.evaluate(now);
  }

  /** A source delivered a tick (active or standby: both count as signs of life). */
  tick(role: SourceRole, now: number): Switch | undefined {
    const source = this.sources[role];
    source.lastTickAt = now;
    return this.evaluate(now);
  }

  isHealthy(role: SourceRole, now: number): boolean {
    const source = this.sources[role];
    return (
      source.connected &&
      source.lastTickAt !== undefined &&
      now - source.lastTickAt < this.options.staleAfterMs
    );
  }

  /**
   * Connected for less than `staleAfterMs` and no tick yet: a fresh connection gets that long to
   * deliver its first tick before the active primary counts as failed (no switch at startup just
   * because the backup happened to tick first). Never enough to switch back *to* a source.
   */
  isStarting(role: SourceRole, now: number): boolean {
    const source = this.sources[role];
    return (
      source.connected &&
      source.lastTickAt === undefined &&
      source.connectedAt !== undefined &&
      now - source.connectedAt < this.options.staleAfterMs
    );
  }

  /** Re-checks staleness at `now` (called on a timer as well as on every event). */
  evaluate(now: number): Switch | undefined {
    for (const role of ['primary', 'backup'] as const) {
      const source = this.sources[role];
      if (this.isHealthy(role, now)) source.healthySince ??= now;
      else source.healthySince = undefined;
    }
    if (!this.options.hasBackup) return undefined;
    const primaryHealthy = this.isHealthy('primary', now);
    const backupHealthy = this.isHealthy('backup', now);
    if (this.activeRole === 'primary') {
      if (primaryHealthy || this.isStarting('primary', now) || !backupHealthy) return undefined;
      return this.switchTo(
        'backup',
        this.sources.primary.connected ? 'primary-stale' : 'primary-down',
      );
    }
    if (!primaryHealthy) return undefined;
    if (!backupHealthy) return this.switchTo('primary', 'backup-down');
    const since = this.sources.primary.healthySince ?? now;
    if (now - since >= this.options.switchBackAfterMs)
      return this.switchTo('primary', 'primary-recovered');
    return undefined;
  }

  private switchTo(role: SourceRole, reason: Switch['reason']): Switch {
    const from = this.activeRole;
    this.activeRole = role;
    return { from, to: role, reason };
  }
}
