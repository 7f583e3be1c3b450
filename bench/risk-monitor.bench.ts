/**
 * risk-monitor benchmark: post-trade evaluation of position updates.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register bench/risk-monitor.bench.ts \
 *     [--updates 1000000] [--accounts 1000] [--runs 5] [--kafka-updates 50000] [--partitions 12] [--quick]
 *
 * 1. Domain only: a seeded stream of account valuations over `--accounts` accounts (random walk
 *    of day PnL and drawdown; ~2 % of accounts end beyond a limit) is evaluated with `decide()`
 *    against each account's latched state, in one thread. Two variants: pre-parsed snapshots
 *    (the rule engine alone) and snapshots parsed from their decimal strings each time (what the
 *    consumer does per record). Median of `--runs` after a warm-up run.
 * 2. End to end through Kafka: `--kafka-updates` PositionUpdates (bigger PnL steps: a stressful
 *    day on which many accounts warn, reduce or halt) are produced to a topic of a
 *    fresh dev broker (librdkafka mock cluster), then a RiskMonitor (PostgreSQL on 127.0.0.1,
 *    its own schema, dropped afterwards) starts and consumes them; updates/s = N / time from
 *    the monitor's readiness to the last evaluation (breaches written to PostgreSQL and
 *    published through the outbox included).
 * Results: a table on stdout and bench/results/risk-monitor.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { portfolio } from '@meridian/contracts';
import { startDevBroker } from '@meridian/kafka-dev-broker';
import {
  migrateRiskMonitorSchema,
  PostTradeLimitsRepository,
  RiskOutboxRepository,
} from '@meridian/risk-data-access';
import {
  type AccountRiskSnapshot,
  type AccountRiskSnapshotInput,
  type AccountRiskState,
  decide,
  initialRiskState,
  parseAccountRiskSnapshot,
  parsePostTradeLimits,
} from '@meridian/risk-domain';
import { RiskMonitor } from '@meridian/risk-feature-monitor';
import { createKafka } from '@meridian/shared-messaging';
import { MetricsRegistry } from '@meridian/shared-observability';
import { createPgPool } from '@meridian/shared-persistence';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
function arg(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
const UPDATES = arg('updates', quick ? 200_000 : 1_000_000);
const ACCOUNTS = arg('accounts', 1000);
const RUNS = arg('runs', quick ? 3 : 5);
const KAFKA_UPDATES = arg('kafka-updates', quick ? 10_000 : 50_000);
const PARTITIONS = arg('partitions', 12);
const WARN = { warningFraction: { n: 8n, d: 10n } };
const DAY_NANOS = 1_767_312_000_000_000_000n;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cents = (units: bigint): string => {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return negative && abs !== 0n ? `-${text}` : text;
};

/** Valuations as the wire carries them: per account a random walk of PnL (in cents). */
function generate(
  n: number,
  accounts: number,
  seed: number,
  stepCents = 20_000,
): AccountRiskSnapshotInput[] {
  const rand = mulberry32(seed);
  const pnl = new Array<bigint>(accounts).fill(0n);
  const hwm = 10_000_000n; // 100000.00
  const versions = new Array<bigint>(accounts).fill(0n);
  const out: AccountRiskSnapshotInput[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.floor(rand() * accounts);
    // Slight negative drift so a few accounts walk into their limits over the run.
    pnl[a] = (pnl[a] ?? 0n) + BigInt(Math.round((rand() - 0.502) * stepCents));
    versions[a] = (versions[a] ?? 0n) + 1n;
    const p = pnl[a] ?? 0n;
    const drawdown = p < 0n ? -p : 0n;
    out.push({
      accountId: `acct-${a}`,
      version: versions[a] ?? 1n,
      asOfUnixNanos: DAY_NANOS + BigInt(i) * 1_000_000n,
      currency: 'USD',
      equity: cents(hwm + p),
      highWaterMark: cents(hwm),
      drawdown: cents(drawdown),
      dayPnl: cents(p),
      // Exposure mostly well inside its limit (600000): warnings come from losses.
      grossExposure: cents(BigInt(Math.floor(rand() * 40_000_000))),
    });
  }
  return out;
}

const limits = parsePostTradeLimits({
  accountId: '*',
  maxDailyLoss: '5000.00',
  maxDrawdown: '3000.00',
  maxDrawdownPct: '4',
  maxGrossExposure: '600000',
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function domainRun(
  inputs: readonly AccountRiskSnapshotInput[],
  parsed: readonly AccountRiskSnapshot[] | null,
) {
  const states = new Map<string, AccountRiskState>();
  let transitions = 0;
  const started = performance.now();
  for (let i = 0; i < inputs.length; i++) {
    const snapshot = parsed?.[i] ?? parseAccountRiskSnapshot(inputs[i] as AccountRiskSnapshotInput);
    const state = states.get(snapshot.accountId) ?? initialRiskState(snapshot.accountId);
    const d = decide(state, limits, snapshot, WARN);
    if (d.transition !== undefined) transitions += 1;
    states.set(snapshot.accountId, d.next);
  }
  const seconds = (performance.now() - started) / 1000;
  return { perSec: Math.round(inputs.length / seconds), transitions };
}

function domainBench() {
  const inputs = generate(UPDATES, ACCOUNTS, 42);
  const parsed = inputs.map(parseAccountRiskSnapshot);
  domainRun(inputs.slice(0, 50_000), parsed.slice(0, 50_000)); // warm-up
  const pre: number[] = [];
  const withParse: number[] = [];
  let transitions = 0;
  for (let r = 0; r < RUNS; r++) {
    const a = domainRun(inputs, parsed);
    pre.push(a.perSec);
    transitions = a.transitions;
    withParse.push(domainRun(inputs, null).perSec);
  }
  return {
    updates: UPDATES,
    accounts: ACCOUNTS,
    transitions,
    preParsedPerSec: {
      median: median(pre),
      min: Math.min(...pre),
      max: Math.max(...pre),
      runs: pre,
    },
    parseAndDecidePerSec: {
      median: median(withParse),
      min: Math.min(...withParse),
      max: Math.max(...withParse),
      runs: withParse,
    },
  };
}

async function kafkaBench() {
  // A stressful day: steps of up to ±1000.00, so many accounts reach a warning, a limit or two
  // (those updates take the PostgreSQL path and publish through the outbox).
  const inputs = generate(KAFKA_UPDATES, ACCOUNTS, 7, 200_000);
  const broker = await startDevBroker({ topics: [] });
  const schema = `risk_bench_${process.pid}`;
  const db = await createPgPool({
    host: process.env['PGHOST'] ?? '127.0.0.1',
    port: Number(process.env['PGPORT'] ?? 5432),
    user: process.env['PGUSER'] ?? 'postgres',
    database: process.env['PGDATABASE'] ?? 'test',
    searchPath: [schema, 'public'],
  });
  const kafka = createKafka({
    brokers: broker.bootstrap,
    clientId: 'risk-bench',
    logLevel: 'nothing',
  });
  const topics = {
    positionUpdates: 'bench.updates',
    riskControls: 'bench.controls',
    alerts: 'bench.alerts',
  };
  try {
    for (const name of [
      topics.positionUpdates,
      `${topics.positionUpdates}.dlq`,
      topics.riskControls,
      `${topics.riskControls}.dlq`,
      topics.alerts,
    ])
      await broker.createTopic({
        name,
        partitions: name === topics.positionUpdates ? PARTITIONS : 3,
        replicationFactor: 3,
      });
    await migrateRiskMonitorSchema(db, schema);
    await new PostTradeLimitsRepository(db).set(limits, 'bench');
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < inputs.length; i += 1000) {
      await producer.send({
        topic: topics.positionUpdates,
        messages: inputs.slice(i, i + 1000).map((s) => ({
          key: s.accountId,
          value: Buffer.from(
            portfolio.PositionUpdate.encode(
              portfolio.PositionUpdate.fromPartial({
                updateId: `${s.accountId}-${s.version}`,
                version: s.version,
                position: { accountId: s.accountId, symbol: 'ACME' },
                account: {
                  accountId: s.accountId,
                  currency: s.currency,
                  version: s.version,
                  asOfUnixNanos: s.asOfUnixNanos,
                  equity: { value: s.equity ?? '0' },
                  highWaterMark: { value: s.highWaterMark ?? '0' },
                  drawdown: { value: s.drawdown ?? '0' },
                  dayPnl: { value: s.dayPnl ?? '0' },
                  grossExposure: { value: s.grossExposure ?? '0' },
                },
              }),
            ).finish(),
          ),
        })),
      });
    }
    await producer.disconnect();
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const monitor = new RiskMonitor({
      db,
      kafka,
      metrics: registry,
      topics,
      groupId: 'bench-risk',
      controlsGroupId: 'bench-risk-controls',
      maxInFlight: 64,
      consumerTuning: { maxWaitTimeInMs: 5 },
    });
    await monitor.start();
    await monitor.waitUntilReady(60_000);
    const started = performance.now();
    const evaluated = async (): Promise<number> => {
      const metric = await monitor.metrics.evaluationSeconds.get();
      return metric.values
        .filter((v) => v.metricName === 'risk_evaluation_seconds_count')
        .reduce((sum, v) => sum + v.value, 0);
    };
    while ((await evaluated()) < inputs.length) await new Promise((r) => setTimeout(r, 20));
    // Wait for the outbox too: the controls and alerts are part of the work.
    while ((await new RiskOutboxRepository(db).backlog()) > 0)
      await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    const controls = await monitor.metrics.controlsPublished.get();
    const evaluationValues = (await monitor.metrics.evaluationSeconds.get()).values;
    const alerts = await monitor.metrics.alertsPublished.get();
    const meanMs = Object.fromEntries(
      ['changed', 'unchanged'].map((outcome) => {
        const values = evaluationValues.filter((v) => v.labels['outcome'] === outcome);
        const sum = values.find((v) => v.metricName === 'risk_evaluation_seconds_sum')?.value ?? 0;
        const count =
          values.find((v) => v.metricName === 'risk_evaluation_seconds_count')?.value ?? 0;
        return [outcome, count === 0 ? 0 : Math.round((sum / count) * 1e6) / 1e3];
      }),
    );
    const outcomes = Object.fromEntries(
      (await monitor.metrics.evaluationSeconds.get()).values
        .filter((v) => v.metricName === 'risk_evaluation_seconds_count')
        .map((v) => [String(v.labels['outcome']), v.value]),
    );
    await monitor.stop();
    return {
      updates: inputs.length,
      accounts: ACCOUNTS,
      partitions: PARTITIONS,
      updatesPerSec: Math.round(inputs.length / seconds),
      seconds: Math.round(seconds * 100) / 100,
      controlsPublished: controls.values.reduce((sum, v) => sum + v.value, 0),
      alertsPublished: alerts.values.reduce((sum, v) => sum + v.value, 0),
      evaluationsByOutcome: outcomes,
      meanEvaluationMsByOutcome: meanMs,
    };
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.close();
    await broker.stop();
  }
}

async function main(): Promise<void> {
  const domain = domainBench();
  process.stdout.write(
    `domain, ${domain.updates} updates over ${domain.accounts} accounts (${domain.transitions} transitions):\n` +
      `  decide() on parsed snapshots: median ${domain.preParsedPerSec.median.toLocaleString('en')} updates/s (min ${domain.preParsedPerSec.min.toLocaleString('en')}, max ${domain.preParsedPerSec.max.toLocaleString('en')})\n` +
      `  parse + decide():             median ${domain.parseAndDecidePerSec.median.toLocaleString('en')} updates/s (min ${domain.parseAndDecidePerSec.min.toLocaleString('en')}, max ${domain.parseAndDecidePerSec.max.toLocaleString('en')})\n`,
  );
  const e2e = await kafkaBench();
  process.stdout.write(
    `end to end (dev broker -> RiskMonitor -> PostgreSQL/outbox), ${e2e.updates} updates, ${e2e.partitions} partitions: ${e2e.updatesPerSec.toLocaleString('en')} updates/s (${e2e.seconds} s, ${e2e.controlsPublished} controls and ${e2e.alertsPublished} alerts published; evaluations ${JSON.stringify(e2e.evaluationsByOutcome)}, mean ms ${JSON.stringify(e2e.meanEvaluationMsByOutcome)})\n`,
  );
  writeFileSync(
    join(__dirname, 'results', 'risk-monitor.json'),
    `${JSON.stringify(
      {
        bench: 'risk-monitor',
        at: new Date().toISOString(),
        node: process.version,
        cpus: cpus().map((c) => c.model),
        loadavg: loadavg(),
        domain,
        endToEnd: e2e,
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
