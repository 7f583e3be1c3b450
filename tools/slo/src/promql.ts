/**
 * Just enough PromQL lexing to tell which metrics an expression reads: the dashboards and rules
 * may only use metrics of the contract (slos.ts), and the end-to-end test decides from them
 * whether a query must return data with only the order services running.
 */

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/** Metric names an expression selects (recorded series included), sorted, without duplicates. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals (label values, regexes)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery selectors
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\boffset\s+\S+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const end = (match.index ?? 0) + name.length;
    const before = stripped[(match.index ?? 0) - 1] ?? ' ';
    if (/[0-9.]/.test(before)) continue; // the exponent or unit of a number (1e3, 5m)
    if (/^\s*\(/.test(stripped.slice(end))) continue; // a function or aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}

/** The metric family of a series name: `x_bucket`/`x_count`/`x_sum` → `x` when `x` is known. */
export function familyOf(name: string, families: ReadonlySet<string>): string {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return families.has(base) ? base : name;
}
