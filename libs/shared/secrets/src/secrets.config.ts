// Not built on @meridian/shared-config's loadConfig on purpose: which variables are required
// depends on SECRETS_PROVIDER and VAULT_AUTH, cross-variable rules must be reported together
// with single-variable errors (loadConfig's group checks run only once the group's fields are
// valid), and callers match on SECRETS_CONFIG_INVALID and these exact messages.
import { z } from 'zod';
import { SecretsConfigError } from './secrets.error';
import { DEFAULT_SERVICE_ACCOUNT_TOKEN_PATH, type VaultAuth } from './vault.client';

/** Secrets configuration, validated from the environment by {@link parseSecretsConfig}. */
export type SecretsConfig =
  | {
      readonly provider: 'vault';
      readonly vault: {
        readonly address: string;
        readonly auth: VaultAuth;
        readonly namespace?: string;
        readonly requestTimeoutMs: number;
        readonly kvMount: string;
        readonly cacheTtlMs: number;
        readonly databaseMount: string;
        /** Absent: this service has no dynamic database credentials. */
        readonly databaseRole?: string;
        readonly rotationMarginMs: number;
        readonly revokeGraceMs: number;
      };
    }
  | { readonly provider: 'env'; readonly envPrefix: string; readonly postgres?: StaticPostgres }
  | { readonly provider: 'file'; readonly dir: string; readonly postgres?: StaticPostgres };

interface StaticPostgres {
  readonly user: string;
  readonly password: string;
}

const text = z.string().trim().min(1, 'must not be empty');
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));
const positiveMs = (fallback: number): z.ZodType<number, string | undefined> =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a non-negative integer of milliseconds, got "${value}"`,
        });
        return z.NEVER;
      }
      return parsed;
    });
const required = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .trim()
    .min(1, `${name} is required`);

const Provider = z.enum(['vault', 'env', 'file'], {
  error: (issue) =>
    issue.input === undefined
      ? 'SECRETS_PROVIDER is required (vault|env|file)'
      : `SECRETS_PROVIDER must be vault|env|file, got "${String(issue.input)}"`,
});

const VaultEnv = z.object({
  VAULT_ADDR: required('VAULT_ADDR').pipe(
    z.url({ error: 'VAULT_ADDR must be a URL like https://vault:8200' }),
  ),
  VAULT_AUTH: z
    .enum(['kubernetes', 'token'], { error: 'VAULT_AUTH must be kubernetes|token' })
    .optional()
    .default('kubernetes'),
  VAULT_ROLE: optionalText,
  VAULT_K8S_MOUNT: optionalText,
  VAULT_K8S_JWT_PATH: optionalText,
  VAULT_TOKEN: optionalText,
  VAULT_TOKEN_FILE: optionalText,
  VAULT_NAMESPACE: optionalText,
  VAULT_KV_MOUNT: optionalText,
  VAULT_DB_MOUNT: optionalText,
  VAULT_DB_ROLE: optionalText,
  VAULT_REQUEST_TIMEOUT_MS: positiveMs(5000),
  SECRETS_CACHE_TTL_MS: positiveMs(60_000),
  VAULT_DB_ROTATION_MARGIN_MS: positiveMs(30_000),
  VAULT_DB_REVOKE_GRACE_MS: positiveMs(60_000),
});

/** Rules across variables, checked even when single variables are wrong, so all problems show at once. */
function vaultAuthProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const set = (name: string): boolean => (env[name] ?? '').trim() !== '';
  const auth = (env['VAULT_AUTH'] ?? '').trim() || 'kubernetes';
  if (auth === 'kubernetes' && !set('VAULT_ROLE'))
    return ['VAULT_ROLE is required when VAULT_AUTH=kubernetes'];
  if (auth === 'token' && !set('VAULT_TOKEN') && !set('VAULT_TOKEN_FILE')) {
    return ['VAULT_TOKEN or VAULT_TOKEN_FILE is required when VAULT_AUTH=token'];
  }
  return [];
}

const PgEnv = z.object({ PGUSER: optionalText, PGPASSWORD: z.string().optional() });

/**
 * Validates the secrets settings of the environment:
 *
 * - `SECRETS_PROVIDER` (required): `vault` | `env` | `file`.
 * - vault: `VAULT_ADDR` (required), `VAULT_AUTH` = `kubernetes` (default; needs `VAULT_ROLE`,
 *   optional `VAULT_K8S_MOUNT`, `VAULT_K8S_JWT_PATH`) | `token` (needs `VAULT_TOKEN` or
 *   `VAULT_TOKEN_FILE`); `VAULT_NAMESPACE`, `VAULT_KV_MOUNT` (secret), `VAULT_DB_MOUNT`
 *   (database), `VAULT_DB_ROLE`, `VAULT_REQUEST_TIMEOUT_MS` (5000), `SECRETS_CACHE_TTL_MS`
 *   (60000), `VAULT_DB_ROTATION_MARGIN_MS` (30000), `VAULT_DB_REVOKE_GRACE_MS` (60000).
 * - env: optional `SECRETS_ENV_PREFIX`; file: `SECRETS_DIR` (required). Both take static
 *   database credentials from `PGUSER` / `PGPASSWORD`.
 *
 * Throws SecretsConfigError naming every missing or invalid variable.
 */
export function parseSecretsConfig(
  env: Readonly<Record<string, string | undefined>>,
): SecretsConfig {
  const provider = Provider.safeParse(env['SECRETS_PROVIDER']);
  if (!provider.success) throw configError(provider.error.issues);
  if (provider.data === 'vault') {
    const parsed = VaultEnv.safeParse(env);
    const crossField = vaultAuthProblems(env);
    if (!parsed.success || crossField.length > 0) {
      throw configError(parsed.success ? [] : parsed.error.issues, crossField);
    }
    const v = parsed.data;
    const auth: VaultAuth =
      v.VAULT_AUTH === 'kubernetes'
        ? {
            method: 'kubernetes',
            role: v.VAULT_ROLE ?? '',
            mount: v.VAULT_K8S_MOUNT ?? 'kubernetes',
            jwtPath: v.VAULT_K8S_JWT_PATH ?? DEFAULT_SERVICE_ACCOUNT_TOKEN_PATH,
          }
        : {
            method: 'token',
            ...(v.VAULT_TOKEN === undefined ? {} : { token: v.VAULT_TOKEN }),
            ...(v.VAULT_TOKEN_FILE === undefined ? {} : { tokenPath: v.VAULT_TOKEN_FILE }),
          };
    return {
      provider: 'vault',
      vault: {
        address: v.VAULT_ADDR,
        auth,
        ...(v.VAULT_NAMESPACE === undefined ? {} : { namespace: v.VAULT_NAMESPACE }),
        requestTimeoutMs: v.VAULT_REQUEST_TIMEOUT_MS,
        kvMount: v.VAULT_KV_MOUNT ?? 'secret',
        cacheTtlMs: v.SECRETS_CACHE_TTL_MS,
        databaseMount: v.VAULT_DB_MOUNT ?? 'database',
        ...(v.VAULT_DB_ROLE === undefined ? {} : { databaseRole: v.VAULT_DB_ROLE }),
        rotationMarginMs: v.VAULT_DB_ROTATION_MARGIN_MS,
        revokeGraceMs: v.VAULT_DB_REVOKE_GRACE_MS,
      },
    };
  }
  const pg = PgEnv.parse(env);
  const postgres =
    pg.PGUSER === undefined ? {} : { postgres: { user: pg.PGUSER, password: pg.PGPASSWORD ?? '' } };
  if (provider.data === 'env') {
    return { provider: 'env', envPrefix: env['SECRETS_ENV_PREFIX']?.trim() ?? '', ...postgres };
  }
  const dir = required('SECRETS_DIR').safeParse(env['SECRETS_DIR']);
  if (!dir.success) throw configError(dir.error.issues);
  return { provider: 'file', dir: text.parse(dir.data), ...postgres };
}

function configError(
  issues: readonly z.core.$ZodIssue[],
  more: readonly string[] = [],
): SecretsConfigError {
  const problems = issues.map((issue) => {
    const variable = issue.path.map(String).join('.');
    return variable === '' || issue.message.startsWith(variable)
      ? issue.message
      : `${variable}: ${issue.message}`;
  });
  problems.push(...more);
  return new SecretsConfigError(`invalid secrets configuration: ${problems.join('; ')}`, {
    metadata: { problems: problems.join('; ') },
  });
}
