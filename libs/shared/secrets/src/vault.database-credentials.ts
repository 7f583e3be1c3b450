import { SecretsRejectedError, SecretsUnavailableError } from './secrets.error';
import { type DatabaseCredentials, type DatabaseCredentialsSource } from './secrets.types';
import { type VaultClient, type VaultDatabaseLease } from './vault.client';

export interface VaultDatabaseCredentialsOptions {
  /** Vault role of the database engine (`<mount>/creds/<role>`). */
  readonly role: string;
  /** Mount of the database secrets engine; default `database`. */
  readonly mount?: string;
  /** Renew when this fraction of the remaining lease has passed; default 2/3. */
  readonly renewFraction?: number;
  /**
   * New credentials are obtained at least this long before the old ones expire (capped at a
   * quarter of the lease, so short leases still renew first); default 30 000 ms.
   */
  readonly rotationMarginMs?: number;
  /** After a rotation the old lease is revoked this much later, so the pool can drain; default 60 000 ms. */
  readonly revokeGraceMs?: number;
  /** Wait before retrying a failed rotation; default 5000 ms. */
  readonly retryDelayMs?: number;
  /** Revoke the live lease on close (credentials die with the process); default true. */
  readonly revokeOnClose?: boolean;
}

/** Why new credentials were fetched instead of renewing the lease. */
export type RotationReason = 'max-ttl' | 'not-renewable' | 'renewal-failed' | 'expired';

/** Lifecycle events, for metrics and tests; the same facts are logged. */
export type DatabaseCredentialsEvent =
  | { readonly type: 'renewed'; readonly leaseId: string; readonly ttlSeconds: number }
  | {
      readonly type: 'rotated';
      readonly previousLeaseId: string;
      readonly leaseId: string;
      readonly reason: RotationReason;
    }
  | { readonly type: 'revoked'; readonly leaseId: string }
  | {
      readonly type: 'failed';
      readonly operation: 'renew' | 'rotate' | 'revoke';
      readonly leaseId: string;
      readonly error: Error;
    };

interface Lease {
  credentials: DatabaseCredentials;
  readonly leaseId: string;
  /** The duration first granted: what each renewal asks for again. */
  readonly issuedTtlSeconds: number;
  readonly renewable: boolean;
  expiresAt: number;
  /** Vault granted less than asked: the lease is at its max TTL and cannot be extended. */
  capped: boolean;
}

/**
 * Dynamic PostgreSQL credentials from Vault's database engine. Renews the lease at ~2/3 of its
 * duration; when Vault can no longer extend it far enough (max TTL) or renewal fails, fetches
 * new credentials `rotationMarginMs` before the old expire, tells the `onRotate` listeners, and
 * revokes the old lease `revokeGraceMs` later.
 */
export class VaultDatabaseCredentials implements DatabaseCredentialsSource {
  private readonly mount: string;
  private readonly renewFraction: number;
  private readonly rotationMarginMs: number;
  private readonly revokeGraceMs: number;
  private readonly retryDelayMs: number;
  private readonly rotateListeners = new Set<(next: DatabaseCredentials) => void>();
  private readonly eventListeners = new Set<(event: DatabaseCredentialsEvent) => void>();
  private readonly pendingRevokes = new Map<string, () => void>();
  private cancelTimer: (() => void) | undefined;
  private rotating: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly client: VaultClient,
    private readonly options: VaultDatabaseCredentialsOptions,
    private lease: Lease,
  ) {
    this.mount = options.mount ?? 'database';
    this.renewFraction = options.renewFraction ?? 2 / 3;
    this.rotationMarginMs = options.rotationMarginMs ?? 30_000;
    this.revokeGraceMs = options.revokeGraceMs ?? 60_000;
    this.retryDelayMs = options.retryDelayMs ?? 5000;
  }

  /** Issues the first credentials (fails fast when Vault cannot) and starts the lease lifecycle. */
  static async create(
    client: VaultClient,
    options: VaultDatabaseCredentialsOptions,
  ): Promise<VaultDatabaseCredentials> {
    const issued = await client.generateDatabaseCredentials(
      options.mount ?? 'database',
      options.role,
    );
    const source = new VaultDatabaseCredentials(
      client,
      options,
      toLease(issued, client.scheduler.now()),
    );
    client.logger.info(
      { role: options.role, leaseId: issued.leaseId, ttlSeconds: issued.leaseDurationSeconds },
      'database credentials issued',
    );
    source.planNext();
    return source;
  }

  /** The live credentials; if they have expired (Vault was down too long), tries to get new ones first. */
  async current(): Promise<DatabaseCredentials> {
    if (this.closed)
      throw new SecretsRejectedError(
        `database credentials for role ${this.options.role} are closed`,
      );
    if (this.lease.expiresAt <= this.now()) {
      await this.rotate('expired');
      if (this.lease.expiresAt <= this.now()) {
        throw new SecretsUnavailableError(
          `database credentials for role ${this.options.role} expired and Vault at ${this.client.address} issued no new ones`,
          { metadata: { role: this.options.role, address: this.client.address } },
        );
      }
    }
    return this.lease.credentials;
  }

  onRotate(listener: (next: DatabaseCredentials) => void): () => void {
    this.rotateListeners.add(listener);
    return () => this.rotateListeners.delete(listener);
  }

  /** Subscribes to renewals, rotations, revocations and failures; returns the unsubscribe. */
  onEvent(listener: (event: DatabaseCredentialsEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Stops the lifecycle and revokes the live lease and any lease still draining. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimer?.();
    await this.rotating;
    const toRevoke = [...this.pendingRevokes.keys()];
    for (const cancel of this.pendingRevokes.values()) cancel();
    this.pendingRevokes.clear();
    if (this.options.revokeOnClose ?? true) toRevoke.push(this.lease.leaseId);
    await Promise.all(toRevoke.map((leaseId) => this.revoke(leaseId)));
  }

  private now(): number {
    return this.client.scheduler.now();
  }

  /** Either renew at ~2/3 of the remaining lease, or rotate `margin` before it expires. */
  private planNext(): void {
    const lease = this.lease;
    const now = this.now();
    const margin = Math.min(this.rotationMarginMs, (lease.issuedTtlSeconds * 1000) / 4);
    const rotateAt = lease.expiresAt - margin;
    const renewAt = now + (lease.expiresAt - now) * this.renewFraction;
    this.cancelTimer?.();
    // A lease without a TTL never expires: nothing to plan.
    if (this.closed || !Number.isFinite(lease.expiresAt)) return;
    if (lease.renewable && !lease.capped && renewAt < rotateAt) {
      this.cancelTimer = this.client.scheduler.schedule(renewAt - now, () => this.renew(lease));
    } else {
      const reason: RotationReason = lease.renewable ? 'max-ttl' : 'not-renewable';
      this.cancelTimer = this.client.scheduler.schedule(Math.max(0, rotateAt - now), () =>
        this.rotate(reason),
      );
    }
  }

  private async renew(lease: Lease): Promise<void> {
    if (this.closed || lease !== this.lease) return;
    let grantedSeconds: number;
    let renewable: boolean;
    try {
      const renewal = await this.client.renewLease(lease.leaseId, lease.issuedTtlSeconds);
      grantedSeconds = renewal.leaseDurationSeconds;
      renewable = renewal.renewable;
    } catch (error) {
      this.client.logger.warn(
        { role: this.options.role, leaseId: lease.leaseId, err: messageOf(error) },
        'database lease renewal failed; rotating',
      );
      this.emit({
        type: 'failed',
        operation: 'renew',
        leaseId: lease.leaseId,
        error: asError(error),
      });
      await this.rotate('renewal-failed');
      return;
    }
    if (this.closed || lease !== this.lease) return;
    lease.expiresAt = this.now() + grantedSeconds * 1000;
    lease.capped = grantedSeconds < lease.issuedTtlSeconds || !renewable;
    lease.credentials = { ...lease.credentials, expiresAt: lease.expiresAt };
    this.client.logger.info(
      {
        role: this.options.role,
        leaseId: lease.leaseId,
        ttlSeconds: grantedSeconds,
        atMaxTtl: lease.capped,
      },
      'database lease renewed',
    );
    this.emit({ type: 'renewed', leaseId: lease.leaseId, ttlSeconds: grantedSeconds });
    this.planNext();
  }

  private rotate(reason: RotationReason): Promise<void> {
    this.rotating ??= this.doRotate(reason).finally(() => {
      this.rotating = undefined;
    });
    return this.rotating;
  }

  private async doRotate(reason: RotationReason): Promise<void> {
    if (this.closed) return;
    const previous = this.lease;
    let issued: VaultDatabaseLease;
    try {
      issued = await this.client.generateDatabaseCredentials(this.mount, this.options.role);
    } catch (error) {
      this.client.logger.error(
        {
          role: this.options.role,
          leaseId: previous.leaseId,
          err: messageOf(error),
          expiresAt: previous.expiresAt,
        },
        'could not obtain new database credentials; retrying',
      );
      this.emit({
        type: 'failed',
        operation: 'rotate',
        leaseId: previous.leaseId,
        error: asError(error),
      });
      if (!this.closed) {
        const remaining = previous.expiresAt - this.now();
        const delay =
          remaining > 0 ? Math.min(this.retryDelayMs, remaining / 2) : this.retryDelayMs;
        this.cancelTimer?.();
        this.cancelTimer = this.client.scheduler.schedule(delay, () => this.rotate(reason));
      }
      return;
    }
    if (this.closed) {
      // close() raced the request: these credentials were never handed out.
      await this.revoke(issued.leaseId);
      return;
    }
    this.lease = toLease(issued, this.now());
    this.client.logger.info(
      {
        role: this.options.role,
        previousLeaseId: previous.leaseId,
        leaseId: issued.leaseId,
        reason,
      },
      'database credentials rotated',
    );
    this.emit({
      type: 'rotated',
      previousLeaseId: previous.leaseId,
      leaseId: issued.leaseId,
      reason,
    });
    for (const listener of this.rotateListeners) {
      try {
        listener(this.lease.credentials);
      } catch (error) {
        this.client.logger.error(
          { err: messageOf(error) },
          'database credentials rotate listener threw',
        );
      }
    }
    this.pendingRevokes.set(
      previous.leaseId,
      this.client.scheduler.schedule(this.revokeGraceMs, async () => {
        this.pendingRevokes.delete(previous.leaseId);
        await this.revoke(previous.leaseId);
      }),
    );
    this.planNext();
  }

  private async revoke(leaseId: string): Promise<void> {
    try {
      await this.client.revokeLease(leaseId);
      this.client.logger.info({ role: this.options.role, leaseId }, 'database lease revoked');
      this.emit({ type: 'revoked', leaseId });
    } catch (error) {
      // Not fatal: Vault revokes the lease itself when it expires.
      this.client.logger.warn(
        { role: this.options.role, leaseId, err: messageOf(error) },
        'database lease revocation failed',
      );
      this.emit({ type: 'failed', operation: 'revoke', leaseId, error: asError(error) });
    }
  }

  private emit(event: DatabaseCredentialsEvent): void {
    for (const listener of this.eventListeners) {
      try {
        listener(event);
      } catch (error) {
        this.client.logger.error(
          { err: messageOf(error) },
          'database credentials event listener threw',
        );
      }
    }
  }
}

function toLease(issued: VaultDatabaseLease, now: number): Lease {
  const expiresAt =
    issued.leaseDurationSeconds > 0
      ? now + issued.leaseDurationSeconds * 1000
      : Number.POSITIVE_INFINITY;
  const credentials: DatabaseCredentials = {
    username: issued.username,
    password: issued.password,
    leaseId: issued.leaseId,
  };
  return {
    credentials: Number.isFinite(expiresAt) ? { ...credentials, expiresAt } : credentials,
    leaseId: issued.leaseId,
    issuedTtlSeconds: issued.leaseDurationSeconds,
    renewable: issued.renewable,
    expiresAt,
    capped: false,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
