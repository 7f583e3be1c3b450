import { splitSqlStatements } from './sql-statement.splitter';

describe('splitSqlStatements', () => {
  it('splits at top-level semicolons and drops empty and comment-only pieces', () => {
    expect(
      splitSqlStatements('CREATE TABLE a (x int);\n\n-- trailing comment\nSELECT 1;;  '),
    ).toEqual(['CREATE TABLE a (x int)', '-- trailing comment\nSELECT 1']);
  });

  it('keeps a last statement without a semicolon', () => {
    expect(splitSqlStatements('SELECT 1; SELECT 2')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('does not split inside strings, quoted identifiers or escaped quotes', () => {
    const sql = `INSERT INTO "we;ird" VALUES ('a;b', 'it''s; fine', E'esc\\'; still'); SELECT 2`;
    expect(splitSqlStatements(sql)).toEqual([
      `INSERT INTO "we;ird" VALUES ('a;b', 'it''s; fine', E'esc\\'; still')`,
      'SELECT 2',
    ]);
  });

  it('does not split inside dollar-quoted bodies, tagged or not', () => {
    const fn = `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END; $body$`;
    const anon = `DO $$ BEGIN PERFORM 1; END $$`;
    expect(splitSqlStatements(`${fn};\n${anon};`)).toEqual([fn, anon]);
  });

  it('does not split inside nested block comments or line comments', () => {
    const sql = `/* outer; /* inner; */ still comment; */ SELECT 1; -- x; y\nSELECT 2;`;
    expect(splitSqlStatements(sql)).toEqual([
      `/* outer; /* inner; */ still comment; */ SELECT 1`,
      '-- x; y\nSELECT 2',
    ]);
  });

  it('treats $ inside identifiers and positional parameters as plain characters', () => {
    expect(splitSqlStatements('SELECT a$b FROM t WHERE x = $1; SELECT 2')).toEqual([
      'SELECT a$b FROM t WHERE x = $1',
      'SELECT 2',
    ]);
  });
});
