import {
  FEEDS_READINESS_CHECK,
  type IngestorHealth,
  ingestorHealthSchema,
  isHealthy,
} from '@meridian/market-data-feature-ingestion';

/** Exit codes of check-feed-health (documented in docs/market-data-ingestor.md). */
export const ExitCode = { healthy: 0, unhealthy: 1, unreachable: 2 } as const;

/** What the CLI decided, and the text it prints. */
export interface HealthVerdict {
  readonly exitCode: (typeof ExitCode)[keyof typeof ExitCode];
  readonly text: string;
}

/**
 * Reads the ingestor's feed health out of a /health/ready body (200 or 503 alike); undefined
 * when the body is not an ingestor's (or the check is missing, e.g. while shutting down).
 */
export function healthFromReadyBody(body: unknown): IngestorHealth | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const details = (body as { details?: unknown }).details;
  if (typeof details !== 'object' || details === null) return undefined;
  const parsed = ingestorHealthSchema.safeParse(
    (details as Record<string, unknown>)[FEEDS_READINESS_CHECK],
  );
  return parsed.success ? parsed.data : undefined;
}

/** Prometheus text -> the feed health the metrics allow (no per-symbol rejects there). */
export function healthFromMetrics(text: string, staleAfterMs: number): IngestorHealth | undefined {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] ?? ''] = pair[2] ?? '';
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  const of = (name: string) => samples.filter((s) => s.name === name);
  const active = of('marketdata_feed_active_source');
  if (active.length === 0) return undefined;
  const ages = of('marketdata_tick_age_seconds');
  const feeds = [...new Set(active.map((s) => s.labels['feed'] ?? ''))].map((feed) => {
    const sources = active.filter((s) => s.labels['feed'] === feed);
    const activeSource = sources.find((s) => s.value === 1)?.labels['source'] ?? '';
    const connected = (source: string) =>
      of('marketdata_feed_connected').some(
        (s) => s.labels['feed'] === feed && s.labels['source'] === source && s.value === 1,
      );
    const rejects: Record<string, number> = {};
    for (const s of of('marketdata_ticks_rejected_total').filter((s) => s.labels['feed'] === feed))
      rejects[s.labels['reason'] ?? ''] = s.value;
    const symbols = ages.map((s) => {
      const symbol = s.labels['symbol'] ?? '';
      const ageMs = Math.round(s.value * 1000);
      const gaps =
        of('marketdata_sequence_gaps_total').find(
          (g) => g.labels['feed'] === feed && g.labels['symbol'] === symbol,
        )?.value ?? 0;
      return { symbol, ageMs, seen: true, stale: ageMs >= staleAfterMs, gaps, rejects: 0 };
    });
    const isDown = !connected(activeSource);
    const isStale = symbols.some((s) => s.stale);
    const onBackup = sources.findIndex((s) => s.value === 1) > 0;
    const status = isDown ? 'down' : isStale ? 'stale' : onBackup ? 'degraded' : 'ok';
    return {
      feed,
      status,
      activeSource,
      failovers:
        of('marketdata_feed_failovers_total').find((s) => s.labels['feed'] === feed)?.value ?? 0,
      accepted: of('marketdata_ticks_total')
        .filter((s) => s.labels['feed'] === feed)
        .reduce((sum, s) => sum + s.value, 0),
      rejects,
      sources: sources.map((s, i) => ({
        role: i === 0 ? 'primary' : 'backup',
        source: s.labels['source'] ?? '',
        connected: connected(s.labels['source'] ?? ''),
        active: s.value === 1,
        lastTickAgeMs: null,
      })),
      symbols,
    } as const;
  });
  const parsed = ingestorHealthSchema.safeParse({
    overall: feeds.some((f) => f.status === 'down')
      ? 'down'
      : feeds.some((f) => f.status === 'stale')
        ? 'stale'
        : feeds.some((f) => f.status === 'degraded')
          ? 'degraded'
          : 'ok',
    staleAfterMs,
    feeds,
  });
  return parsed.success ? parsed.data : undefined;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`;
}

/** The status table and the exit code for a health report. */
export function renderHealth(health: IngestorHealth): HealthVerdict {
  const lines: string[] = [];
  for (const feed of health.feeds) {
    const rejects = Object.values(feed.rejects).reduce((sum, n) => sum + n, 0);
    lines.push(
      `feed ${feed.feed}: ${feed.status.toUpperCase()}  active=${feed.activeSource}  ` +
        `failovers=${feed.failovers}  accepted=${feed.accepted}  rejected=${rejects}`,
    );
    lines.push(
      table([
        ['  SOURCE', 'ROLE', 'CONNECTED', 'ACTIVE', 'LAST TICK'],
        ...feed.sources.map((s) => [
          `  ${s.source}`,
          s.role,
          s.connected ? 'yes' : 'NO',
          s.active ? '*' : '',
          seconds(s.lastTickAgeMs),
        ]),
      ]),
    );
    lines.push(
      table([
        ['  SYMBOL', 'SOURCE', 'TICK AGE', 'GAPS', 'REJECTS', 'STATUS'],
        ...feed.symbols.map((s) => [
          `  ${s.symbol}`,
          feed.activeSource,
          s.seen ? seconds(s.ageMs) : `never (${seconds(s.ageMs)})`,
          String(s.gaps),
          String(s.rejects),
          s.stale ? 'STALE' : 'ok',
        ]),
      ]),
    );
    const reasons = Object.entries(feed.rejects)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${reason}=${n}`);
    if (reasons.length > 0) lines.push(`  rejects: ${reasons.join(' ')}`);
  }
  const healthy = isHealthy(health);
  lines.push(
    healthy
      ? `HEALTHY (overall ${health.overall})`
      : `UNHEALTHY (overall ${health.overall}; stale after ${seconds(health.staleAfterMs)})`,
  );
  return {
    exitCode: healthy ? ExitCode.healthy : ExitCode.unhealthy,
    text: `${lines.join('\n')}\n`,
  };
}
