/**
 * check-feed-health: prints the ingestor's per-feed, per-symbol status table and exits
 * 0 healthy, 1 unhealthy (a feed down or stale), 2 unreachable (or not an ingestor).
 *
 *   npx nx run marketdata-ingestor:check-feed-health -- --url http://127.0.0.1:9468
 *   node -r @swc-node/register apps/marketdata-ingestor/src/check-feed-health.cli.ts \
 *     [--url URL] [--timeout 3000] [--metrics [--stale-after 5000]] [--json]
 *
 * By default it reads /health/ready (whose details carry the feed report); with --metrics it
 * rebuilds the report from /metrics (useful through a Prometheus-only path).
 */
import {
  ExitCode,
  healthFromMetrics,
  healthFromReadyBody,
  renderHealth,
} from './feed-health-report';

interface Options {
  url: string;
  timeoutMs: number;
  metrics: boolean;
  staleAfterMs: number;
  json: boolean;
}

function usage(problem: string): never {
  process.stderr.write(
    `check-feed-health: ${problem}\nusage: check-feed-health [--url http://host:9468] [--timeout ms] [--metrics [--stale-after ms]] [--json]\n`,
  );
  process.exit(ExitCode.unreachable);
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    url: process.env['MARKETDATA_HEALTH_URL'] ?? 'http://127.0.0.1:9468',
    timeoutMs: 3000,
    metrics: false,
    staleAfterMs: 5000,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) usage(`${arg} needs a value`);
      return next;
    };
    const positive = (text: string): number => {
      const n = Number(text);
      if (!Number.isInteger(n) || n <= 0) usage(`${arg} must be a positive integer`);
      return n;
    };
    if (arg === '--url') options.url = value();
    else if (arg === '--timeout') options.timeoutMs = positive(value());
    else if (arg === '--stale-after') options.staleAfterMs = positive(value());
    else if (arg === '--metrics') options.metrics = true;
    else if (arg === '--json') options.json = true;
    else usage(`unknown argument ${String(arg)}`);
  }
  if (!URL.canParse(options.url)) usage(`--url ${options.url} is not a URL`);
  options.url = options.url.replace(/\/+$/, '');
  return options;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const path = options.metrics ? '/metrics' : '/health/ready';
  let body: string;
  try {
    const response = await fetch(`${options.url}${path}`, {
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    body = await response.text();
  } catch (error) {
    process.stderr.write(
      `UNREACHABLE: ${options.url}${path}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}\n`,
    );
    return ExitCode.unreachable;
  }
  let health;
  if (options.metrics) health = healthFromMetrics(body, options.staleAfterMs);
  else {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    health = healthFromReadyBody(json);
    if (health === undefined && typeof json === 'object' && json !== null && 'status' in json) {
      // An ops server without the feed report: an ingestor shutting down, or another service.
      process.stdout.write(
        `UNHEALTHY: ${options.url}${path} has no feed report (status ${String(json.status)})\n`,
      );
      return ExitCode.unhealthy;
    }
  }
  if (health === undefined) {
    process.stderr.write(`UNREACHABLE: ${options.url}${path} did not return a feed report\n`);
    return ExitCode.unreachable;
  }
  const verdict = renderHealth(health);
  process.stdout.write(options.json ? `${JSON.stringify(health, null, 2)}\n` : verdict.text);
  return verdict.exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`check-feed-health failed: ${String(error)}\n`);
    process.exit(ExitCode.unreachable);
  },
);
