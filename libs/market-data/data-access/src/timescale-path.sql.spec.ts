import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModule, parseSync } from 'libpg-query';
import { MARKETDATA_MIGRATIONS_DIR } from './marketdata.migrations';

// CI has no TimescaleDB, so the Timescale branch of the migration never runs here. Every one of
// its statements is parsed with libpg-query (PostgreSQL's own parser, compiled to WASM) instead.

const migration = readFileSync(
  join(MARKETDATA_MIGRATIONS_DIR, '0001_marketdata_storage.sql'),
  'utf8',
);

/** The statements between the timescale markers, PL/pgSQL PERFORM written back as SELECT. */
function timescaleBranch(sql: string): string {
  const begin = sql.indexOf('-- timescale:begin');
  const end = sql.indexOf('-- timescale:end');
  if (begin < 0 || end < begin) throw new Error('timescale markers missing');
  return sql.slice(begin, end).replace(/^(\s*)PERFORM\s/gm, '$1SELECT ');
}

interface ParsedStatement {
  stmt: Record<string, unknown>;
}

function kinds(sql: string): string[] {
  const parsed = parseSync(sql) as { stmts: ParsedStatement[] };
  return parsed.stmts.map((s) => Object.keys(s.stmt)[0] ?? '?');
}

describe('TimescaleDB path of the market-data migration', () => {
  beforeAll(async () => {
    await loadModule();
  });

  it('parses the whole migration file (the DO block is one statement)', () => {
    expect(kinds(migration)).toEqual(['CreateStmt', 'CreateStmt', 'DoStmt']);
  });

  it('parses every Timescale statement: extension, hypertable, compression, retention, 4 continuous aggregates and their policies', () => {
    const branch = timescaleBranch(migration);
    expect(kinds(branch)).toEqual([
      'CreateExtensionStmt',
      'CreateStmt',
      'SelectStmt', // create_hypertable
      'AlterTableStmt', // compression settings
      'SelectStmt', // add_compression_policy
      'SelectStmt', // add_retention_policy
      'CreateTableAsStmt',
      'CreateTableAsStmt',
      'CreateTableAsStmt',
      'CreateTableAsStmt',
      'SelectStmt',
      'SelectStmt',
      'SelectStmt',
      'SelectStmt',
      'InsertStmt',
    ]);
    const called = [...branch.matchAll(/SELECT (\w+)\(/g)].map((m) => m[1]);
    expect(called).toEqual([
      'create_hypertable',
      'add_compression_policy',
      'add_retention_policy',
      'add_continuous_aggregate_policy',
      'add_continuous_aggregate_policy',
      'add_continuous_aggregate_policy',
      'add_continuous_aggregate_policy',
    ]);
    for (const view of ['bars_1m', 'bars_5m', 'bars_1h', 'bars_1d'])
      expect(branch).toMatch(
        new RegExp(`CREATE MATERIALIZED VIEW ${view}\\s+WITH \\(timescaledb\\.continuous`),
      );
    expect(branch).toContain("timescaledb.compress_segmentby = 'symbol'");
  });

  it('would catch a syntax error in that branch', () => {
    const broken = timescaleBranch(migration).replace(
      'GROUP BY symbol, time_bucket',
      'GROUP symbol, time_bucket',
    );
    expect(() => kinds(broken)).toThrow(/syntax error/);
  });
});
