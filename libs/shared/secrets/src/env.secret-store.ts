import { SecretNotFoundError } from './secrets.error';
import { type SecretStore } from './secrets.types';
import { assertSecretKey, assertSecretPath } from './secret-path';

/**
 * The environment variable holding `key` of the secret at `path`: every path segment and the
 * key become UPPER_SNAKE words joined by `_` (camelCase splits at the capital, `-` and `.`
 * become `_`), after an optional prefix.
 *
 * `envVarName('meridian/order-gateway', 'apiKeyPepper')` → `MERIDIAN_ORDER_GATEWAY_API_KEY_PEPPER`
 */
export function envVarName(path: string, key: string, prefix = ''): string {
  return [prefix, ...path.split('/'), key]
    .filter((part) => part !== '')
    .map(toUpperSnake)
    .join('_');
}

function toUpperSnake(word: string): string {
  return word
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

function toCamel(upperSnake: string): string {
  return upperSnake.toLowerCase().replace(/_([a-z0-9])/g, (_match, c: string) => c.toUpperCase());
}

/**
 * Secrets from environment variables, for local runs; names follow {@link envVarName}.
 * `getAll(path)` returns every variable under the path's prefix with its key camelCased back
 * (`..._API_KEY_PEPPER` → `apiKeyPepper`), so a nested path's variables are included too.
 */
export class EnvSecretStore implements SecretStore {
  constructor(
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
    private readonly prefix = '',
  ) {}

  async get(path: string, key: string): Promise<string> {
    assertSecretPath(path);
    assertSecretKey(key);
    const name = envVarName(path, key, this.prefix);
    const value = this.env[name];
    if (value === undefined) {
      throw new SecretNotFoundError(
        `secret ${path}#${key} not found: environment variable ${name} is not set`,
        {
          metadata: { path, key, variable: name },
        },
      );
    }
    return value;
  }

  async getAll(path: string): Promise<Readonly<Record<string, string>>> {
    assertSecretPath(path);
    const head = `${envVarName(path, '', this.prefix)}_`;
    const entries = Object.entries(this.env).flatMap(([name, value]) =>
      name.startsWith(head) && value !== undefined && name.length > head.length
        ? [[toCamel(name.slice(head.length)), value] as const]
        : [],
    );
    if (entries.length === 0) {
      throw new SecretNotFoundError(
        `secret ${path} not found: no environment variable starts with ${head}`,
        {
          metadata: { path },
        },
      );
    }
    return Object.freeze(Object.fromEntries(entries));
  }
}
