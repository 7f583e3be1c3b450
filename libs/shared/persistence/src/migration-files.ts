import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MigrationInvalidError } from './persistence.error';

/** First-line marker for migrations that must run outside a transaction (CREATE INDEX CONCURRENTLY). */
export const NO_TRANSACTION_MARKER = '-- meridian:no-transaction';

const FILE_NAME = /^(\d{4})_([a-z0-9]+(?:_[a-z0-9]+)*)\.sql$/;

export interface MigrationFile {
  /** 1 for `0001_create_orders.sql`. */
  readonly version: number;
  /** The file name, e.g. `0001_create_orders.sql`; what the migrations table records. */
  readonly name: string;
  readonly path: string;
  readonly sql: string;
  /** sha256 (hex) of the content with CRLF normalised to LF, so a Windows checkout matches. */
  readonly checksum: string;
  readonly transactional: boolean;
}

export function migrationChecksum(content: string): string {
  return createHash('sha256').update(content.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

function pad(version: number): string {
  return String(version).padStart(4, '0');
}

/**
 * Reads `dir` and returns its migrations in order. Refuses (MIGRATION_INVALID, naming the file)
 * a `.sql` file with a malformed name, an empty file, two files with one number, or a gap.
 * Files that do not end in `.sql` (README.md) are ignored.
 */
export async function loadMigrationFiles(dir: string): Promise<MigrationFile[]> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new MigrationInvalidError(
      `migration directory ${dir} does not exist or is not a directory`,
      { dir },
    );
  }

  const byVersion = new Map<number, MigrationFile>();
  for (const name of (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort()) {
    const match = FILE_NAME.exec(name);
    if (match === null) {
      throw new MigrationInvalidError(
        `${name} in ${dir}: migration files must be named NNNN_description.sql (four digits, lower-case snake_case)`,
        { dir, file: name },
      );
    }
    const version = Number(match[1]);
    const duplicate = byVersion.get(version);
    if (duplicate !== undefined) {
      throw new MigrationInvalidError(
        `${duplicate.name} and ${name} in ${dir} share the number ${pad(version)}`,
        {
          dir,
          file: name,
        },
      );
    }
    const path = join(dir, name);
    const sql = await readFile(path, 'utf8');
    if (sql.trim() === '') {
      throw new MigrationInvalidError(`${name} in ${dir} is empty`, { dir, file: name });
    }
    const firstLine = sql.split(/\r?\n/, 1)[0]?.trim();
    byVersion.set(version, {
      version,
      name,
      path,
      sql,
      checksum: migrationChecksum(sql),
      transactional: firstLine !== NO_TRANSACTION_MARKER,
    });
  }

  const files = [...byVersion.values()].sort((a, b) => a.version - b.version);
  files.forEach((file, index) => {
    const expected = index + 1;
    if (file.version !== expected) {
      const previous = files[index - 1];
      throw new MigrationInvalidError(
        previous === undefined
          ? `${file.name} in ${dir}: numbering must start at 0001`
          : `${file.name} in ${dir} follows ${previous.name}: ${pad(expected)} is missing`,
        { dir, file: file.name },
      );
    }
  });
  return files;
}
