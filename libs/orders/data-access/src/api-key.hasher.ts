import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** What an API key may do. */
export const API_KEY_ROLES = ['trader', 'read-only', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export function isApiKeyRole(value: unknown): value is ApiKeyRole {
  return typeof value === 'string' && (API_KEY_ROLES as readonly string[]).includes(value);
}

/** `mrd_<keyId>.<secret>`: the key id is public (a lookup key), the secret is shown once. */
const KEY_FORMAT = /^mrd_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
const SCRYPT = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const HASH_BYTES = 32;

export interface ParsedApiKey {
  readonly keyId: string;
  readonly secret: string;
}

/** Splits a presented key; null when it is not of our format (so it cannot match any key). */
export function parseApiKey(presented: string): ParsedApiKey | null {
  const match = KEY_FORMAT.exec(presented);
  if (match === null) return null;
  return { keyId: match[1] ?? '', secret: match[2] ?? '' };
}

export interface IssuedApiKey {
  /** The full key to hand to the agent once; never stored. */
  readonly plaintext: string;
  readonly keyId: string;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/**
 * scrypt over HMAC-SHA256(pepper, secret) with a per-key random salt. The pepper lives in the
 * secrets store, not the database, so a stolen api_keys table alone cannot be brute-forced.
 */
export class ApiKeyHasher {
  private readonly pepper: Buffer;

  constructor(pepper: string) {
    if (pepper.length < 16)
      throw new RangeError('the API-key pepper must have at least 16 characters');
    this.pepper = Buffer.from(pepper, 'utf8');
  }

  /** Creates a new random key and its stored form. */
  async issue(): Promise<IssuedApiKey> {
    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16);
    return {
      plaintext: `mrd_${keyId}.${secret}`,
      keyId,
      salt,
      hash: await this.hash(secret, salt),
    };
  }

  /** Constant-time comparison of a presented secret with the stored hash. */
  async verify(secret: string, salt: Buffer, storedHash: Buffer): Promise<boolean> {
    const candidate = await this.hash(secret, salt);
    return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
  }

  private hash(secret: string, salt: Buffer): Promise<Buffer> {
    const peppered = createHmac('sha256', this.pepper).update(secret, 'utf8').digest();
    return new Promise((resolve, reject) => {
      scrypt(peppered, salt, HASH_BYTES, SCRYPT, (error, key) =>
        error ? reject(error) : resolve(key),
      );
    });
  }
}
