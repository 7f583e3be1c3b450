/**
 * Post-trade limits of risk-monitor, from the command line:
 *   npx nx run risk-monitor:limits -- set --account acct-1 --max-daily-loss 50000.00 --by ops:alice
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/risk-monitor/src/limits.cli.ts show
 * Reads PG* / DATABASE_URL and RISK_MONITOR_DB_SCHEMA; `--help` for the commands. Exit 2 on bad input.
 */
import { runLimitsCli } from '@meridian/risk-feature-monitor';
import { ConfigError, loadConfig } from '@meridian/shared-config';
import { createPgPool, type Database } from '@meridian/shared-persistence';
import { limitsCliConfigSchema } from './risk-monitor.config';

async function main(): Promise<number> {
  let db: Database | undefined;
  const connect = async (): Promise<Database> => {
    const config = loadConfig(limitsCliConfigSchema, { appName: 'risk-monitor limits' });
    db = await createPgPool({
      ...config.postgres,
      searchPath: [config.schema, 'public'],
      applicationName: 'risk-monitor-limits-cli',
      maxConnections: 1,
    });
    return db;
  };
  try {
    return await runLimitsCli(process.argv.slice(2), connect, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    await db?.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `limits CLI failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
