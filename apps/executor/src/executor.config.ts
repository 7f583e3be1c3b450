import {
  field,
  kafkaConfig,
  loadConfig,
  observabilityConfig,
  oneOf,
  positiveInt,
  text,
} from '@meridian/shared-config';
import {
  DEFAULT_INSTRUMENTS_JSON,
  DEFAULT_TRADING_DAY_END_UTC,
  parseInstruments,
  parseTradingDayEnd,
} from '@meridian/orders-feature-execution';
import { type InstrumentSpec } from '@meridian/orders-domain';
import { dlqTopicOf, Topics } from '@meridian/contracts';
import { z } from 'zod';

const instruments = field<InstrumentSpec[]>(
  'EXECUTOR_INSTRUMENTS',
  z.string().transform((json, ctx) => {
    try {
      return parseInstruments(json);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: error instanceof Error ? error.message : String(error),
      });
      return z.NEVER;
    }
  }),
  'a JSON array of {symbol, tickSize, lotSize, minPrice, maxPrice, currencyDecimals}',
);

const tradingDayEnd = field<string>(
  'EXECUTOR_TRADING_DAY_END_UTC',
  z.string().refine(
    (value) => {
      try {
        parseTradingDayEnd(value);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'a UTC time of day HH:MM or HH:MM:SS' },
  ),
  'a UTC time of day HH:MM or HH:MM:SS, e.g. 21:00',
);

/** The executor's configuration, validated at boot. */
export const executorConfigSchema = {
  kafka: kafkaConfig({ clientId: 'executor' }),
  observability: observabilityConfig({ serviceName: 'executor' }),
  groupId: text('EXECUTOR_GROUP_ID')
    .default('executor')
    .describe(
      'Consumer group of orders.commands.v1; names the transactional id and the snapshot file.',
    ),
  instruments: instruments
    .default(DEFAULT_INSTRUMENTS_JSON)
    .describe('Instruments traded (static reference data for now).'),
  workers: positiveInt('EXECUTOR_WORKERS')
    .default('2')
    .describe('Worker threads; each owns a fixed share of the symbols.'),
  transport: oneOf('EXECUTOR_TRANSPORT', ['ring', 'batch'])
    .default('ring')
    .describe('How records reach workers (ADR 0005).'),
  tradingDayEndUtc: tradingDayEnd
    .default(DEFAULT_TRADING_DAY_END_UTC)
    .describe(
      'End of the trading day (UTC): DAY orders of a book expire with its first command at or after it.',
    ),
  snapshotDir: text('EXECUTOR_SNAPSHOT_DIR')
    .default('/var/lib/meridian/executor')
    .describe('Directory of the snapshot file (a persistent volume).'),
  snapshotEveryCommands: positiveInt('EXECUTOR_SNAPSHOT_EVERY_COMMANDS')
    .default('50000')
    .describe('Snapshot after this many commands...'),
  snapshotEveryMs: positiveInt('EXECUTOR_SNAPSHOT_EVERY_MS')
    .default('30000')
    .describe('...or this many milliseconds, whichever first.'),
  commandsTopic: text('EXECUTOR_COMMANDS_TOPIC')
    .default(Topics.ordersCommands.name)
    .describe('Topic overrides (isolated test runs, blue/green).'),
  eventsTopic: text('EXECUTOR_EVENTS_TOPIC')
    .default(Topics.ordersEvents.name)
    .describe('Execution reports topic.'),
  tradesTopic: text('EXECUTOR_TRADES_TOPIC').default(Topics.trades.name).describe('Trades topic.'),
  riskTopic: text('EXECUTOR_RISK_TOPIC')
    .default(Topics.riskControls.name)
    .describe('Risk controls topic.'),
  dlqTopic: text('EXECUTOR_DLQ_TOPIC')
    .default(dlqTopicOf(Topics.ordersCommands.name))
    .describe('Where undecodable commands go.'),
  maxBytesPerPartition: positiveInt('EXECUTOR_MAX_BYTES_PER_PARTITION')
    .default('1048576')
    .describe('Largest fetch per partition: bounds a batch (one transaction).'),
  dedupWindow: positiveInt('EXECUTOR_DEDUP_WINDOW')
    .default('100000')
    .describe('Command ids remembered per partition to drop redeliveries.'),
};

export type ExecutorConfig = ReturnType<typeof loadExecutorConfig>;

export function loadExecutorConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(executorConfigSchema, { appName: 'executor', env });
}
