/**
 * The infrastructure check `npm start` runs before the trading demo (`platform-demo.ts`): brings up
 * what the local stack needs (Kafka dev broker with every registry topic, the `meridian` database
 * and its migrations) and proves the shared plumbing end to end, printing one line per check. `--serve` keeps the ops
 * server (/metrics, /health/*) up afterwards until Ctrl-C.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { common, orders, Topics } from '@meridian/contracts';
import { createCache } from '@meridian/shared-cache';
import {
  kafkaConfig,
  loadConfig,
  observabilityConfig,
  postgresConfig,
  redisConfig,
  text,
} from '@meridian/shared-config';
import {
  bytesCodec,
  createKafka,
  KafkaConsumer,
  KafkaProducer,
  protobufCodec,
  topicOf,
} from '@meridian/shared-messaging';
import {
  createLogger,
  MetricsRegistry,
  ReadinessRegistry,
  startOpsServer,
  startTelemetry,
} from '@meridian/shared-observability';
import { createPgPool, runMigrations } from '@meridian/shared-persistence';
import { createSecrets } from '@meridian/shared-secrets';
import { ensureDatabase, ensureKafka } from './local-stack';

const SERVICE = 'platform-smoke';
const COMMANDS = 500;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const { bootstrap } = await ensureKafka();
  const env = {
    KAFKA_BROKERS: bootstrap.join(','),
    PGHOST: '127.0.0.1',
    PGUSER: 'postgres',
    PGDATABASE: 'meridian',
    SECRETS_PROVIDER: 'env',
    MERIDIAN_PLATFORM_SMOKE_SIGNING_KEY: 'local-dev-only',
    ...process.env,
  };
  const config = loadConfig(
    {
      kafka: kafkaConfig({ clientId: SERVICE }),
      postgres: postgresConfig(),
      redis: redisConfig(),
      observability: observabilityConfig({ serviceName: SERVICE }),
      secretsProvider: text('SECRETS_PROVIDER').describe('Where secrets come from.'),
    },
    { appName: SERVICE, env },
  );
  const telemetry = startTelemetry({
    serviceName: SERVICE,
    ...(config.observability.otlpEndpoint === undefined
      ? {}
      : { otlpEndpoint: config.observability.otlpEndpoint }),
  });
  const logger = createLogger({ serviceName: SERVICE, level: config.observability.logLevel });
  const metrics = new MetricsRegistry();
  const checkMetric = metrics.red('platform_smoke_check', { labelNames: ['check'] });
  const readiness = new ReadinessRegistry();
  const ops = await startOpsServer({
    port: config.observability.metricsPort,
    metrics,
    readiness,
    logger,
  });

  const runId = randomUUID();
  const startedAt = new Date();
  const results: { check: string; ok: boolean; detail: string; ms: number }[] = [];
  const check = async (name: string, fn: () => Promise<string>): Promise<void> => {
    const done = checkMetric.startTimer({ check: name });
    const t0 = performance.now();
    try {
      const detail = await fn();
      done('ok');
      results.push({ check: name, ok: true, detail, ms: performance.now() - t0 });
      console.log(`  ok    ${name.padEnd(22)} ${detail}`);
    } catch (error) {
      done('error');
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      results.push({ check: name, ok: false, detail, ms: performance.now() - t0 });
      console.log(`  FAIL  ${name.padEnd(22)} ${detail}`);
    }
  };

  console.log(`meridian platform smoke ${runId}`);
  console.log(`  kafka ${bootstrap.join(',')}  ops http://127.0.0.1:${ops.port}/metrics`);

  await ensureDatabase(
    {
      host: config.postgres.host,
      port: config.postgres.port,
      user: config.postgres.user ?? 'postgres',
    },
    config.postgres.database ?? 'meridian',
  );
  const db = await createPgPool({ ...config.postgres, applicationName: SERVICE, logger });
  readiness.register('postgres', async () => {
    await db.healthCheck(1000);
    return true;
  });

  await check('secrets (env provider)', async () => {
    const secrets = await createSecrets(env);
    const key = await secrets.store.get('meridian/platform-smoke', 'signingKey');
    await secrets.close();
    return `meridian/platform-smoke#signingKey resolved (${key.length} chars)`;
  });

  await check('postgres migrations', async () => {
    const report = await runMigrations(db, {
      dir: join(__dirname, 'migrations'),
      schemaTable: 'platform_smoke_migrations',
    });
    return `${report.applied.length} applied, ${report.alreadyApplied} already applied`;
  });

  const kafka = createKafka({
    brokers: [...config.kafka.brokers],
    clientId: config.kafka.clientId,
  });
  const commands = topicOf(
    Topics.ordersCommands.name,
    protobufCodec(Topics.ordersCommands.schema.typeName, orders.OrderCommand),
  );
  const producer = new KafkaProducer({ kafka });
  await producer.connect();

  await check('kafka round trip', async () => {
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let done: () => void = () => undefined;
    const allReceived = new Promise<void>((resolve) => (done = resolve));
    const consumer = new KafkaConsumer({
      kafka,
      groupId: `${SERVICE}-${runId}`,
      topic: commands,
      maxInFlight: 64,
      handler: async (command) => {
        const t = sentAt.get(command.commandId);
        if (t === undefined) return; // another run's record
        latencies.push(performance.now() - t);
        sentAt.delete(command.commandId);
        if (sentAt.size === 0) done();
      },
    });
    await consumer.start();
    await consumer.waitUntilReady();
    const symbols = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AAPL', 'MSFT'];
    const batch = Array.from({ length: COMMANDS }, (_, i) => {
      const symbol = symbols[i % symbols.length] ?? 'BTC-USD';
      const commandId = `${runId}-${i}`;
      return {
        key: symbol,
        commandId,
        value: orders.OrderCommand.fromPartial({
          commandId,
          accountId: 'acct-smoke',
          agentId: 'agent-smoke',
          symbol,
          clientOrderId: `smoke-${i}`,
          orderId: String(i + 1),
          command: {
            $case: 'newOrder',
            value: {
              side: i % 2 === 0 ? common.Side.BUY : common.Side.SELL,
              orderType: orders.OrderType.LIMIT,
              timeInForce: orders.TimeInForce.GTC,
              limitPrice: { value: `${100 + (i % 10)}.25` },
              quantity: { value: '1' },
            },
          },
        }),
      };
    });
    const t0 = performance.now();
    for (const message of batch) sentAt.set(message.commandId, performance.now());
    await producer.sendBatch([{ topic: commands, messages: batch }]);
    await Promise.race([
      allReceived,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${sentAt.size} records missing after 20 s`)), 20_000),
      ),
    ]);
    const elapsed = performance.now() - t0;
    await consumer.stop();
    latencies.sort((a, b) => a - b);
    return `${COMMANDS} OrderCommands in ${elapsed.toFixed(0)} ms; produce→handle p50 ${percentile(latencies, 50).toFixed(1)} ms p99 ${percentile(latencies, 99).toFixed(1)} ms`;
  });

  await check('poison record → DLQ', async () => {
    const dlqName = `${Topics.ordersCommands.name}.dlq`;
    let dlqHeaders: Readonly<Record<string, string>> | undefined;
    const marker = `poison-${runId}`;
    const dlq = new KafkaConsumer({
      kafka,
      groupId: `${SERVICE}-dlq-${runId}`,
      fromBeginning: true,
      topic: topicOf(dlqName, bytesCodec),
      handler: async (_bytes, meta) => {
        if (meta.headers['smoke-marker'] === marker) dlqHeaders = meta.headers;
      },
    });
    const main = new KafkaConsumer({
      kafka,
      groupId: `${SERVICE}-poison-${runId}`,
      fromBeginning: true,
      topic: commands,
      handler: async () => undefined,
    });
    await Promise.all([dlq.start(), main.start()]);
    await Promise.all([dlq.waitUntilReady(), main.waitUntilReady()]);
    await producer.sendRaw([
      {
        topic: Topics.ordersCommands.name,
        messages: [
          {
            key: 'BTC-USD',
            value: Buffer.from([0x0a, 0xff, 0xff]),
            headers: { 'smoke-marker': marker },
          },
        ],
      },
    ]);
    const deadline = Date.now() + 20_000;
    while (dlqHeaders === undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await Promise.all([dlq.stop(), main.stop()]);
    if (dlqHeaders === undefined) throw new Error(`no record in ${dlqName} within 20 s`);
    return `landed in ${dlqName}: ${dlqHeaders['dlq-error-code'] ?? '?'} (${(dlqHeaders['dlq-error'] ?? '').slice(0, 60)})`;
  });

  await check('redis cache-aside', async () => {
    const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const cache = createCache({ redis, namespace: SERVICE });
    const lastRuns = cache.api<{ runs: string }>('smoke-runs', { ttlSeconds: 5 });
    let loads = 0;
    const loader = async () => {
      loads += 1;
      const { rows } = await db.query<{ runs: string }>(
        'SELECT count(*)::text AS runs FROM platform_smoke_runs',
      );
      return rows[0] ?? { runs: '0' };
    };
    const first = await lastRuns.get('count', loader);
    const second = await lastRuns.get('count', loader);
    await cache.close();
    redis.disconnect();
    if (loads !== 1) throw new Error(`expected 1 load from PostgreSQL, saw ${loads}`);
    return `${first.runs} earlier runs; 2 reads, 1 PostgreSQL load (ttl 5 s), second ${second.runs === first.runs ? 'served from Redis' : 'differs!'}`;
  });

  await check('metrics + health', async () => {
    const base = `http://127.0.0.1:${ops.port}`;
    const [metricsText, ready] = await Promise.all([
      fetch(`${base}/metrics`).then((r) => r.text()),
      fetch(`${base}/health/ready`),
    ]);
    const series = metricsText
      .split('\n')
      .filter((l) => l.startsWith('platform_smoke_check')).length;
    if (!ready.ok) throw new Error(`/health/ready answered ${ready.status}`);
    return `/health/ready 200, /metrics has ${series} platform_smoke_check series`;
  });

  const ok = results.every((r) => r.ok);
  await db.query(
    'INSERT INTO platform_smoke_runs (run_id, started_at, ok, checks) VALUES ($1, $2, $3, $4)',
    [runId, startedAt.toISOString(), ok, JSON.stringify(results)],
  );
  await producer.close();
  console.log(ok ? 'smoke: all checks passed' : 'smoke: FAILED');

  if (process.argv.includes('--serve')) {
    console.log(`serving http://127.0.0.1:${ops.port}/metrics until Ctrl-C`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  }
  await ops.close();
  await db.close();
  await telemetry.shutdown().catch(() => undefined);
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
