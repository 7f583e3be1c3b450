/**
 * Reconciliation (and rebuild) of the portfolio against the executions ledger:
 * `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/portfolio/src/reconcile.cli.ts [--rebuild]`
 * (or `npx nx run portfolio:reconcile`). Same environment as the service (docs/configuration.md).
 *
 * Default: recompute every position from the ledger, print every difference, publish REDUCING
 * on risk.controls.v1 for each mismatched account, exit 1 on any mismatch (0 when clean, 2 on
 * error). `--rebuild`: replace the portfolio's positions with the ledger replay (service stopped).
 */
import { MONEY_SCALE, parseFixed } from '@meridian/portfolio-domain';
import {
  LedgerReader,
  migratePortfolioSchema,
  PortfolioRepository,
} from '@meridian/portfolio-data-access';
import {
  KafkaRiskControlSink,
  PortfolioMetrics,
  RebuildFromLedgerUseCase,
  ReconcilePortfolioUseCase,
} from '@meridian/portfolio-feature-portfolio';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { createLogger, MetricsRegistry } from '@meridian/shared-observability';
import { createPgPool } from '@meridian/shared-persistence';
import { loadPortfolioConfig } from './portfolio.config';

const EXIT_MISMATCH = 1;
const EXIT_ERROR = 2;

async function run(argv: readonly string[]): Promise<number> {
  const rebuild = argv.includes('--rebuild');
  const unknown = argv.filter((a) => a !== '--rebuild');
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown argument(s): ${unknown.join(' ')}\nusage: reconcile.cli.ts [--rebuild]\n`,
    );
    return EXIT_ERROR;
  }
  const config = loadPortfolioConfig();
  const logger = createLogger({
    serviceName: 'portfolio-reconcile',
    level: config.observability.logLevel,
  });
  const db = await createPgPool({
    ...config.postgres,
    searchPath: [config.schema, 'public'],
    applicationName: 'portfolio-reconcile',
    logger,
  });
  const clock = (): bigint => BigInt(Date.now()) * 1_000_000n;
  const fees = { makerBps: config.makerFeeBps, takerBps: config.takerFeeBps };
  try {
    if (config.migrate) await migratePortfolioSchema(db, config.schema);
    const ledger = new LedgerReader(db, config.ledgerSchema);
    if (rebuild) {
      const report = await new RebuildFromLedgerUseCase({
        db,
        ledger,
        fees,
        clock,
        defaultStartingCash: parseFixed(config.defaultStartingCash, MONEY_SCALE),
        defaultCurrency: config.currency,
      }).execute();
      process.stdout.write(`${JSON.stringify({ rebuilt: report })}\n`);
      return 0;
    }
    const producer = new KafkaProducer({
      kafka: createKafka({
        brokers: [...config.kafka.brokers],
        clientId: `${config.kafka.clientId}-reconcile`,
        logger,
      }),
      logger,
    });
    await producer.connect();
    try {
      const report = await new ReconcilePortfolioUseCase({
        repository: new PortfolioRepository(db),
        ledger,
        fees,
        controls: new KafkaRiskControlSink(producer, config.controlsTopic),
        clock,
        metrics: new PortfolioMetrics(new MetricsRegistry({ defaultMetrics: false })),
      }).execute();
      for (const d of report.differences)
        process.stdout.write(`${JSON.stringify({ difference: d })}\n`);
      for (const c of report.controls)
        process.stdout.write(
          `${JSON.stringify({ control: { account: c.targetId, state: 'REDUCING', reason: c.reason } })}\n`,
        );
      process.stdout.write(
        `${JSON.stringify({
          fillsRead: report.fillsRead,
          accountsChecked: report.accountsChecked,
          differences: report.differences.length,
          mismatchedAccounts: report.mismatchedAccounts,
        })}\n`,
      );
      return report.differences.length === 0 ? 0 : EXIT_MISMATCH;
    } finally {
      await producer.close();
    }
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `reconciliation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(EXIT_ERROR);
  },
);
