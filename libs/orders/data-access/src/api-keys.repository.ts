import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';
import { API_KEY_ROLES, type ApiKeyRole } from './api-key.hasher';

const keyRow = z.object({
  key_id: z.string(),
  agent_id: z.string(),
  account_id: z.string(),
  role: z.enum(API_KEY_ROLES),
  salt: z.instanceof(Buffer),
  hash: z.instanceof(Buffer),
});

const keyInfoRow = z.object({
  key_id: z.string(),
  agent_id: z.string(),
  role: z.enum(API_KEY_ROLES),
  revoked_at: z.date().nullable(),
  now: z.date(),
});

const revokedRow = z.object({ revoked_at: z.date() });

/** A stored, unrevoked key with the identity it authenticates. */
export interface StoredApiKey {
  readonly keyId: string;
  readonly agentId: string;
  readonly accountId: string;
  readonly role: ApiKeyRole;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** A key as administration sees it (no hash). */
export interface ApiKeyInfo {
  readonly keyId: string;
  readonly agentId: string;
  readonly role: ApiKeyRole;
  /** When it stops (or stopped) working; null while it has no end. May lie in the future (rotation grace). */
  readonly revokedAt: Date | null;
  /** Whether the key works now (by the database clock). */
  readonly active: boolean;
}

export class ApiKeysRepository {
  constructor(private readonly db: Queryable) {}

  async insert(key: {
    keyId: string;
    agentId: string;
    role: ApiKeyRole;
    salt: Buffer;
    hash: Buffer;
  }): Promise<void> {
    await this.db.query(
      'INSERT INTO api_keys (key_id, agent_id, role, salt, hash) VALUES ($1, $2, $3, $4, $5)',
      [key.keyId, key.agentId, key.role, key.salt, key.hash],
    );
  }

  /** The key unless it is unknown or revoked (a key in its rotation grace period still counts). */
  async findActive(keyId: string): Promise<StoredApiKey | null> {
    const { rows } = await this.db.query(
      `SELECT k.key_id, k.agent_id, a.account_id, k.role, k.salt, k.hash
         FROM api_keys k JOIN agents a USING (agent_id)
        WHERE k.key_id = $1 AND (k.revoked_at IS NULL OR k.revoked_at > now())`,
      [keyId],
      { rowSchema: keyRow },
    );
    const row = rows[0];
    return row === undefined
      ? null
      : {
          keyId: row.key_id,
          agentId: row.agent_id,
          accountId: row.account_id,
          role: row.role,
          salt: row.salt,
          hash: row.hash,
        };
  }

  /** Any key, revoked or not; null when unknown. */
  async find(keyId: string): Promise<ApiKeyInfo | null> {
    const { rows } = await this.db.query(
      'SELECT key_id, agent_id, role, revoked_at, now() AS now FROM api_keys WHERE key_id = $1',
      [keyId],
      { rowSchema: keyInfoRow },
    );
    const row = rows[0];
    return row === undefined
      ? null
      : {
          keyId: row.key_id,
          agentId: row.agent_id,
          role: row.role,
          revokedAt: row.revoked_at,
          active: row.revoked_at === null || row.revoked_at > row.now,
        };
  }

  /**
   * Revokes a key now, including one still in its rotation grace period; false when it was
   * unknown or already revoked.
   */
  async revoke(keyId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE api_keys SET revoked_at = now()
        WHERE key_id = $1 AND (revoked_at IS NULL OR revoked_at > now())`,
      [keyId],
    );
    return rowCount === 1;
  }

  /**
   * Schedules the end of a key that has none yet (rotation): it keeps working for
   * `graceSeconds`. Returns the revocation time, or null when the key is unknown or already has
   * an end.
   */
  async revokeAfter(keyId: string, graceSeconds: number): Promise<Date | null> {
    const { rows } = await this.db.query(
      `UPDATE api_keys SET revoked_at = now() + make_interval(secs => $2)
        WHERE key_id = $1 AND revoked_at IS NULL
        RETURNING revoked_at`,
      [keyId, graceSeconds],
      { rowSchema: revokedRow },
    );
    return rows[0]?.revoked_at ?? null;
  }
}
