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

/** A stored, unrevoked key with the identity it authenticates. */
export interface StoredApiKey {
  readonly keyId: string;
  readonly agentId: string;
  readonly accountId: string;
  readonly role: ApiKeyRole;
  readonly salt: Buffer;
  readonly hash: Buffer;
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

  /** The key unless it is unknown or revoked. */
  async findActive(keyId: string): Promise<StoredApiKey | null> {
    const { rows } = await this.db.query(
      `SELECT k.key_id, k.agent_id, a.account_id, k.role, k.salt, k.hash
         FROM api_keys k JOIN agents a USING (agent_id)
        WHERE k.key_id = $1 AND k.revoked_at IS NULL`,
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

  /** Revokes a key; false when it was unknown or already revoked. */
  async revoke(keyId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL',
      [keyId],
    );
    return rowCount === 1;
  }
}
