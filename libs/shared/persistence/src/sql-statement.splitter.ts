const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;
const IDENTIFIER_CHAR = /[A-Za-z0-9_$]/;

/**
 * Splits a SQL script into statements at top-level semicolons, skipping quoted strings,
 * quoted identifiers, dollar-quoted bodies and comments (PostgreSQL nests block comments).
 * Needed for no-transaction migrations: PostgreSQL runs a multi-statement query string as one
 * implicit transaction, where CREATE INDEX CONCURRENTLY is not allowed.
 */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false;
  let i = 0;

  const skipQuoted = (quote: string, backslashEscapes: boolean): void => {
    i += 1;
    while (i < sql.length) {
      const ch = sql[i];
      if (backslashEscapes && ch === '\\') {
        i += 2;
        continue;
      }
      if (ch === quote) {
        // A doubled quote is an escaped quote, not the end.
        if (sql[i + 1] === quote) {
          i += 2;
          continue;
        }
        i += 1;
        return;
      }
      i += 1;
    }
  };

  while (i < sql.length) {
    const ch = sql[i] ?? '';
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (ch === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth += 1;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth -= 1;
          i += 2;
        } else {
          i += 1;
        }
      }
      continue;
    }
    if (ch === ';') {
      if (hasCode) statements.push(sql.slice(start, i).trim());
      start = i + 1;
      hasCode = false;
      i += 1;
      continue;
    }
    if (!/\s/.test(ch)) hasCode = true;
    if (ch === "'") {
      const previous = sql[i - 1];
      skipQuoted("'", previous === 'E' || previous === 'e');
      continue;
    }
    if (ch === '"') {
      skipQuoted('"', false);
      continue;
    }
    if (ch === '$' && !IDENTIFIER_CHAR.test(sql[i - 1] ?? ' ')) {
      const tag = DOLLAR_TAG.exec(sql.slice(i))?.[0];
      if (tag !== undefined) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end === -1 ? sql.length : end + tag.length;
        continue;
      }
    }
    i += 1;
  }
  if (hasCode) statements.push(sql.slice(start).trim());
  return statements;
}
