import { spawn } from 'node:child_process';
import { risk } from '@meridian/contracts';
import { PostTradeLimitsRepository, RiskStateStore } from '@meridian/risk-data-access';
import { createRiskTestSchema } from '@meridian/risk-data-access/testing';
import { parsePostTradeLimits } from '@meridian/risk-domain';
import { positionUpdatesTopic, type RiskMonitorTopics } from '@meridian/risk-feature-monitor';
import {
  createRiskMonitorTestTopics,
  decodeControls,
  readTopic,
  testPositionUpdate,
} from '@meridian/risk-feature-monitor/testing';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { type TestSchema, testPgOptions } from '@meridian/shared-persistence/testing';
import {
  exited,
  freePort,
  isReady,
  kafkaBrokers,
  metricSample,
  REPO_ROOT,
  type ServiceProcess,
  startService,
  stopService,
  uniqueName,
  waitFor,
} from '@meridian/shared-testing';

let pg: TestSchema;
let topics: RiskMonitorTopics;
let service: ServiceProcess | undefined;

function pgEnv(): Record<string, string> {
  const options = testPgOptions();
  return {
    PGHOST: options.host ?? '127.0.0.1',
    PGPORT: String(options.port ?? 5432),
    PGUSER: options.user ?? 'postgres',
    PGDATABASE: options.database ?? 'test',
    RISK_MONITOR_DB_SCHEMA: pg.schema,
  };
}

beforeAll(async () => {
  pg = await createRiskTestSchema('risk_proc');
  topics = await createRiskMonitorTestTopics('risk-proc');
});

afterAll(async () => {
  if (service !== undefined && service.child.exitCode === null) {
    service.child.kill('SIGKILL');
    await exited(service.child);
  }
  await pg.drop();
});

describe('risk-monitor process', () => {
  it('serves /health/ready and /metrics, halts a losing account, and drains on SIGTERM', async () => {
    await new PostTradeLimitsRepository(pg.db).set(
      parsePostTradeLimits({ accountId: '*', maxDailyLoss: '1000' }),
      'test',
    );
    const opsPort = await freePort();
    service = startService('risk-monitor', {
      ...pgEnv(),
      METRICS_PORT: String(opsPort),
      KAFKA_BROKERS: kafkaBrokers().join(','),
      RISK_MONITOR_UPDATES_TOPIC: topics.positionUpdates,
      RISK_MONITOR_CONTROLS_TOPIC: topics.riskControls,
      RISK_MONITOR_ALERTS_TOPIC: topics.alerts,
      RISK_MONITOR_GROUP_ID: uniqueName('risk-proc-group'),
      RISK_MONITOR_DRAIN_DELAY: '0s',
      LOG_LEVEL: 'warn',
    });
    const svc = service;
    await waitFor('risk-monitor to be ready', () => isReady(opsPort), 90_000, 200).catch(
      (error: unknown) => {
        process.stderr.write(svc.output());
        throw error;
      },
    );
    const ready = await fetch(`http://127.0.0.1:${opsPort}/health/ready`);
    expect(ready.status).toBe(200);

    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'risk-proc-test' });
    const producer = new KafkaProducer({ kafka });
    await producer.connect();
    const update = testPositionUpdate({ account: 'acct-p', version: 1n, dayPnl: '-1000.00' });
    await producer.publish(positionUpdatesTopic(topics.positionUpdates), {
      key: 'acct-p',
      value: update,
    });
    await producer.close();

    const store = new RiskStateStore(pg.db);
    await waitFor(
      'the account to halt',
      async () => (await store.load('acct-p')).state === 'HALTED',
      30_000,
      100,
    );
    await waitFor(
      'the control to be published',
      async () => decodeControls(await readTopic(kafka, topics.riskControls)).length === 1,
      30_000,
      200,
    );
    expect(decodeControls(await readTopic(kafka, topics.riskControls))[0]).toMatchObject({
      targetId: 'acct-p',
      state: risk.TradingState.HALTED,
      actor: 'risk-monitor',
    });

    const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    expect(metricSample(metrics, 'risk_controls_published_total{state="HALTED"}')).toBe(1);
    expect(
      metricSample(metrics, 'risk_limit_breaches_total{limit="DAILY_LOSS",action="HALTED"}'),
    ).toBe(1);
    expect(
      metricSample(
        metrics,
        'alerts_published_total{severity="CRITICAL",code="RISK_DAILY_LOSS_LIMIT"}',
      ),
    ).toBe(1);
    expect(metricSample(metrics, 'risk_accounts_by_state{state="HALTED"}')).toBe(1);
    expect(metrics).toContain('risk_evaluation_seconds_bucket');

    const code = await stopService(svc);
    if (code !== 0) process.stderr.write(svc.output());
    expect(code).toBe(0);
  });

  it('refuses a bad configuration with a message naming the variable', async () => {
    const bad = startService('risk-monitor', {
      ...pgEnv(),
      KAFKA_BROKERS: kafkaBrokers().join(','),
      RISK_MONITOR_WARNING_PCT: '120',
    });
    expect(await exited(bad.child)).toBe(1);
    expect(bad.output()).toContain('RISK_MONITOR_WARNING_PCT');
  });
});

describe('limits CLI process', () => {
  function runCli(
    ...args: string[]
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/risk-monitor/src/limits.cli.ts', ...args],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ...pgEnv(),
          NODE_OPTIONS: '',
          SWC_NODE_PROJECT: 'tsconfig.base.json',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return exited(child).then((code) => ({ code, stdout, stderr }));
  }

  it('sets limits and shows them', async () => {
    const set = await runCli(
      'set',
      '--account',
      'acct-cli',
      '--max-drawdown',
      '2500.50',
      '--by',
      'ops:test',
    );
    expect(set).toMatchObject({ code: 0, stderr: '' });
    const show = await runCli('show', '--account', 'acct-cli', '--json');
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toEqual([
      expect.objectContaining({
        accountId: 'acct-cli',
        maxDrawdown: '2500.50',
        updatedBy: 'ops:test',
      }),
    ]);
  });

  it('exits 2 with a precise error on bad input', async () => {
    const bad = await runCli(
      'set',
      '--account',
      'acct-cli',
      '--max-drawdown',
      '25e2',
      '--by',
      'ops:test',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: --max-drawdown: "25e2" is not a plain decimal number');
  });
});
