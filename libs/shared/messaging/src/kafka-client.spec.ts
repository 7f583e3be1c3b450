import { logLevel } from 'kafkajs';
import { createKafka, routeKafkaLog } from './kafka-client';
import { recordingLogger } from './testing';

describe('kafkajs log routing', () => {
  const entry = (level: logLevel, extra: Record<string, unknown> = {}) => ({
    namespace: 'Consumer',
    level,
    label: 'X',
    log: {
      timestamp: '2026-01-01T00:00:00.000Z',
      message: 'something happened',
      logger: 'kafkajs',
      groupId: 'g1',
      ...extra,
    },
  });

  it('maps every kafkajs level onto the structured logger, with fields and without the timestamp', () => {
    const logger = recordingLogger();
    routeKafkaLog(logger, entry(logLevel.ERROR, { error: 'boom' }));
    routeKafkaLog(logger, entry(logLevel.WARN));
    routeKafkaLog(logger, entry(logLevel.INFO));
    routeKafkaLog(logger, entry(logLevel.DEBUG));
    expect(logger.records.map((r) => r.level)).toEqual(['error', 'warn', 'info', 'debug']);
    expect(logger.records[0]).toEqual({
      level: 'error',
      message: 'something happened',
      fields: { component: 'kafkajs', namespace: 'Consumer', groupId: 'g1', error: 'boom' },
    });
  });

  it('builds a client without touching the network', () => {
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'unit', logLevel: 'nothing' });
    expect(typeof kafka.producer).toBe('function');
  });
});
