import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  SecretNotFoundError,
  SecretsForbiddenError,
  SecretsUnavailableError,
} from './secrets.error';
import { type SecretStore } from './secrets.types';
import { assertSecretKey, assertSecretPath } from './secret-path';

/**
 * Secrets from a directory tree laid out like Kubernetes-mounted secrets: the value of `key`
 * at `path` is the content of `<dir>/<path>/<key>` (one trailing newline is dropped).
 * Hidden entries (`..data`, the timestamped dirs of a projected volume) are ignored.
 */
export class FileSecretStore implements SecretStore {
  constructor(private readonly dir: string) {}

  async get(path: string, key: string): Promise<string> {
    assertSecretPath(path);
    assertSecretKey(key);
    const file = join(this.dir, path, key);
    try {
      return stripNewline(await readFile(file, 'utf8'));
    } catch (error) {
      throw mapFsError(error, file, { path, key });
    }
  }

  async getAll(path: string): Promise<Readonly<Record<string, string>>> {
    assertSecretPath(path);
    const folder = join(this.dir, path);
    try {
      const entries = await readdir(folder, { withFileTypes: true });
      const values: Record<string, string> = {};
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        // Projected volumes expose keys as symlinks into the ..data dir.
        if (!entry.isFile() && !entry.isSymbolicLink()) continue;
        values[entry.name] = stripNewline(await readFile(join(folder, entry.name), 'utf8'));
      }
      return Object.freeze(values);
    } catch (error) {
      throw mapFsError(error, folder, { path });
    }
  }
}

function stripNewline(value: string): string {
  return value.replace(/\r?\n$/, '');
}

function mapFsError(error: unknown, file: string, metadata: Record<string, string>): Error {
  // not `instanceof Error`: fs errors may come from another realm (e.g. under jest)
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
    return new SecretNotFoundError(`secret not found: ${file} does not exist`, {
      metadata,
      cause: error,
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new SecretsForbiddenError(`secret file ${file} is not readable (${code})`, {
      metadata,
      cause: error,
    });
  }
  return new SecretsUnavailableError(`cannot read secret file ${file}: ${code || String(error)}`, {
    metadata,
    cause: error,
  });
}
