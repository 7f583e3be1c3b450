import {
  Kafka,
  type KafkaConfig,
  type LogEntry,
  logLevel as KafkaLogLevel,
  type RetryOptions,
} from 'kafkajs';

/**
 * Structured logger this lib writes to: pino-compatible (`logger.info({ fields }, 'message')`),
 * so a service passes its pino instance and kafkajs output lands in the same JSON log.
 */
export interface MessagingLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export type MessagingLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** Drops everything; the default when no logger is given. */
export const silentLogger: MessagingLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const KAFKA_LEVEL: Readonly<Record<MessagingLogLevel, KafkaLogLevel>> = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

export interface CreateKafkaOptions {
  brokers: string[];
  clientId: string;
  /** kafkajs' own log threshold. Default `warn`: kafkajs is chatty at info (every join, every commit). */
  logLevel?: MessagingLogLevel;
  logger?: MessagingLogger;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Client-wide retry of kafkajs (metadata, connections); producer/consumer may override. */
  retry?: RetryOptions;
}

/** A kafkajs client whose log lines go to `logger` as structured records, never to the console. */
export function createKafka(options: CreateKafkaOptions): Kafka {
  const logger = options.logger ?? silentLogger;
  const config: KafkaConfig = {
    brokers: options.brokers,
    clientId: options.clientId,
    logLevel: KAFKA_LEVEL[options.logLevel ?? 'warn'],
    logCreator: () => (entry) => routeKafkaLog(logger, entry),
    ...(options.connectionTimeoutMs === undefined
      ? {}
      : { connectionTimeout: options.connectionTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  };
  return new Kafka(config);
}

/** Maps one kafkajs log entry onto the structured logger (exported for tests). */
export function routeKafkaLog(logger: MessagingLogger, entry: LogEntry): void {
  const {
    message,
    timestamp: _timestamp,
    logger: _origin,
    ...extra
  } = entry.log as LogEntry['log'] & {
    logger?: unknown;
  };
  const fields: Record<string, unknown> = {
    component: 'kafkajs',
    namespace: entry.namespace,
    ...extra,
  };
  switch (entry.level) {
    case KafkaLogLevel.ERROR:
      logger.error(fields, message);
      break;
    case KafkaLogLevel.WARN:
      logger.warn(fields, message);
      break;
    case KafkaLogLevel.INFO:
      logger.info(fields, message);
      break;
    default:
      logger.debug(fields, message);
  }
}
