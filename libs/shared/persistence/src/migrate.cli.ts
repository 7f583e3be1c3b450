/**
 * Applies SQL migrations from the command line:
 *
 *   npx tsx libs/shared/persistence/src/migrate.cli.ts --dir <dir> [--table <name>] [--dir <dir2> [--table <name2>]] [--schema <s>]
 *
 * Each `--table`/`--schema` belongs to the `--dir` before it (a `--schema` before any `--dir` is
 * the default for all). Without `--table` the table is derived from the package.json nearest to
 * the directory: `@meridian/orders-data-access` -> `orders_data_access_migrations`.
 * Connects with DATABASE_URL if set, else the PG* variables (PGHOST, PGPORT, PGUSER, ...).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isMeridianError } from '@meridian/shared-errors';
import { z } from 'zod';
import { runMigrations } from './migration-runner';
import { createPgPool } from './pg-pool';

interface Target {
  dir: string;
  table?: string;
  schema?: string;
}

class UsageError extends Error {}

const USAGE =
  'usage: migrate.cli.ts --dir <dir> [--table <name>] [--schema <schema>] [--dir <dir2> [--table <name2>] ...]';

export function parseArgs(argv: readonly string[]): Target[] {
  const targets: Target[] = [];
  let defaultSchema: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') throw new UsageError(USAGE);
    if (value === undefined || value.startsWith('--'))
      throw new UsageError(`${flag} needs a value\n${USAGE}`);
    i += 1;
    const last = targets.at(-1);
    switch (flag) {
      case '--dir':
        targets.push({
          dir: resolve(value),
          ...(defaultSchema === undefined ? {} : { schema: defaultSchema }),
        });
        break;
      case '--table':
        if (last === undefined)
          throw new UsageError(`--table ${value} must follow the --dir it belongs to\n${USAGE}`);
        if (last.table !== undefined)
          throw new UsageError(`${last.dir} has two --table options\n${USAGE}`);
        last.table = value;
        break;
      case '--schema':
        if (last === undefined) defaultSchema = value;
        else last.schema = value;
        break;
      default:
        throw new UsageError(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (targets.length === 0) throw new UsageError(`at least one --dir is required\n${USAGE}`);
  return targets;
}

const packageJson = z.object({ name: z.string() });

/** `<package name without scope, snake_case>_migrations` from the nearest package.json. */
export function derivedTable(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    try {
      const { name } = packageJson.parse(
        JSON.parse(readFileSync(join(current, 'package.json'), 'utf8')),
      );
      return `${name.replace(/^@[^/]+\//, '').replace(/[^a-z0-9]+/g, '_')}_migrations`;
    } catch {
      if (dirname(current) === current) {
        throw new UsageError(
          `no --table for ${dir} and no package.json above it to derive one from`,
        );
      }
    }
  }
}

async function main(): Promise<void> {
  const targets = parseArgs(process.argv.slice(2));
  const url = process.env['DATABASE_URL'];
  const db = await createPgPool({
    ...(url === undefined || url === '' ? {} : { connectionString: url }),
    maxConnections: 1,
    statementTimeoutMs: 0,
    applicationName: 'meridian-migrate',
  });
  try {
    for (const target of targets) {
      const report = await runMigrations(db, {
        dir: target.dir,
        schemaTable: target.table ?? derivedTable(target.dir),
        ...(target.schema === undefined ? {} : { schema: target.schema }),
      });
      for (const migration of report.applied) {
        console.log(`${report.table}: applied ${migration.name} (${migration.durationMs} ms)`);
      }
      console.log(
        report.applied.length === 0
          ? `${report.table}: up to date (${report.alreadyApplied} applied earlier)`
          : `${report.table}: ${report.applied.length} applied, ${report.alreadyApplied} applied earlier`,
      );
    }
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) console.error(error.message);
    else if (isMeridianError(error))
      console.error(`migrate failed: ${error.code}: ${error.message}`);
    else
      console.error(
        `migrate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    process.exitCode = 1;
  });
}
