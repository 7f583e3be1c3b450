import { spawn } from 'node:child_process';
import { portfolio, risk, Topics } from '@meridian/contracts';
import { PortfolioRepository } from '@meridian/portfolio-data-access';
import {
  createPortfolioTestStores,
  insertLedgerFills,
  type PortfolioTestStores,
} from '@meridian/portfolio-data-access/testing';
import {
  createPortfolioTestTopics,
  type PortfolioTestTopics,
  readWholeTopic,
  tradeScript,
} from '@meridian/portfolio-feature-portfolio/testing';
import { createKafka, KafkaProducer, protobufCodec, topicOf } from '@meridian/shared-messaging';
import { testPgOptions } from '@meridian/shared-persistence/testing';
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
import { credentials } from '@grpc/grpc-js';
import type { Kafka } from 'kafkajs';

describe('portfolio process', () => {
  let stores: PortfolioTestStores;
  let topics: PortfolioTestTopics;
  let kafka: Kafka;
  let env: Record<string, string>;
  let service: ServiceProcess | undefined;
  const script = tradeScript({
    accounts: ['P1', 'P2'],
    symbols: ['S1', 'S2'],
    orders: 30,
    seed: 3,
    prefix: 'p',
  });

  beforeAll(async () => {
    stores = await createPortfolioTestStores('pf_proc');
    topics = await createPortfolioTestTopics('pf-proc');
    kafka = createKafka({ brokers: kafkaBrokers(), clientId: uniqueName('pf-proc') });
    const pg = testPgOptions();
    env = {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      PGHOST: pg.host ?? '127.0.0.1',
      PGPORT: String(pg.port ?? 5432),
      PGUSER: pg.user ?? 'postgres',
      PGDATABASE: pg.database ?? 'test',
      PORTFOLIO_DB_SCHEMA: stores.pg.schema,
      PORTFOLIO_LEDGER_SCHEMA: stores.pg.schema,
      PORTFOLIO_EVENTS_TOPIC: topics.events,
      PORTFOLIO_TICKS_TOPIC: topics.ticks,
      PORTFOLIO_UPDATES_TOPIC: topics.updates,
      PORTFOLIO_CONTROLS_TOPIC: topics.controls,
      PORTFOLIO_GROUP_ID: uniqueName('pf-proc'),
      PORTFOLIO_MARKS_GROUP_ID: uniqueName('pf-proc-marks'),
      PORTFOLIO_REDIS_PREFIX: stores.redisPrefix,
      PORTFOLIO_DRAIN_DELAY: '0s',
      PORTFOLIO_FEE_TAKER_BPS: '2',
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    if (service !== undefined) await stopService(service);
    await stores.cleanup();
  });

  it('serves positions over gRPC and metrics from fills on the topic, and exits 0 on SIGTERM', async () => {
    const producer = new KafkaProducer({ kafka });
    await producer.connect();
    const events = topicOf(
      topics.events,
      protobufCodec(Topics.ordersEvents.schema.typeName, Topics.ordersEvents.schema.codec),
    );
    await producer.send(
      events,
      script.events.map((value) => ({ key: value.symbol, value })),
    );
    await producer.close();

    const opsPort = await freePort();
    const grpcPort = await freePort();
    service = startService('portfolio', {
      ...env,
      METRICS_PORT: String(opsPort),
      GRPC_PORT: String(grpcPort),
    });
    const running = service;
    await waitFor('the portfolio to be ready', () => isReady(opsPort), 60_000, 200).catch(
      (error: unknown) => {
        process.stderr.write(running.output());
        throw error;
      },
    );
    const repo = new PortfolioRepository(stores.pg.db);
    await waitFor(
      'every fill applied',
      async () =>
        (await repo.appliedAmong(script.ledger.map((l) => l.executionId))).size === script.fills,
      60_000,
      100,
    );
    const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    expect(metricSample(metrics, 'portfolio_fills_applied_total')).toBe(script.fills);

    const client = new portfolio.PortfolioServiceClient(
      `127.0.0.1:${grpcPort}`,
      credentials.createInsecure(),
    );
    const account = await new Promise<portfolio.GetAccountResponse>((resolve, reject) => {
      client.getAccount({ accountId: 'P1' }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
    client.close();
    expect(account.account).toMatchObject({ accountId: 'P1', currency: 'USD' });
    expect(account.account?.positions.length).toBeGreaterThan(0);

    const code = await stopService(running);
    service = undefined;
    if (code !== 0) process.stderr.write(running.output());
    expect(code).toBe(0);
  });

  function runCli(args: string[] = []): Promise<{ code: number | null; stdout: string }> {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/portfolio/src/reconcile.cli.ts', ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_OPTIONS: '', SWC_NODE_PROJECT: 'tsconfig.base.json', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
    return exited(child).then((code) => ({ code, stdout }));
  }

  it('reconcile CLI exits 0 on a consistent state, 1 with REDUCING published after tampering, 0 again after --rebuild', async () => {
    await insertLedgerFills(stores.pg.db, script.ledger);
    const clean = await runCli();
    expect({ code: clean.code, out: clean.stdout }).toMatchObject({ code: 0 });
    expect(clean.stdout).toContain('"differences":0');

    await stores.pg.db.query(
      `UPDATE portfolio_positions SET realized_pnl = realized_pnl + 0.01 WHERE account_id = 'P2' AND symbol = 'S2'`,
    );
    const dirty = await runCli();
    expect({ code: dirty.code, out: dirty.stdout }).toMatchObject({ code: 1 });
    expect(dirty.stdout).toContain('"field":"realizedPnl"');
    const controls = await readWholeTopic(kafka, topics.controls);
    expect(controls.map((m) => m.key?.toString())).toEqual(['account:P2']);
    const control = risk.RiskControl.decode(controls[0]?.value ?? Buffer.alloc(0));
    expect(control).toMatchObject({
      state: risk.TradingState.REDUCING,
      actor: 'portfolio-reconciliation',
      targetId: 'P2',
    });

    const rebuilt = await runCli(['--rebuild']);
    expect({ code: rebuilt.code, out: rebuilt.stdout }).toMatchObject({ code: 0 });
    const after = await runCli();
    expect({ code: after.code, out: after.stdout }).toMatchObject({ code: 0 });

    const bad = await runCli(['--frobnicate']);
    expect(bad.code).toBe(2);
  });
});
