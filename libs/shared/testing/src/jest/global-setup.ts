/**
 * Jest global setup shared by every project: checks PostgreSQL and Redis, then starts the Kafka
 * dev broker once per run with every platform topic pre-created, and hands its addresses to the
 * test workers through the environment. Idempotent: when several projects of one run list it,
 * or MERIDIAN_KAFKA_BROKERS points at a broker already, the first start is reused.
 */
import { allTopics } from '@meridian/contracts';
import { startDevBroker } from '@meridian/kafka-dev-broker';
import { assertInfrastructureUp } from '../infrastructure';
import { BROKER_ENV, CONTROL_ENV, setRunningBroker, runningBroker } from './broker-handle';

export default async function globalSetup(): Promise<void> {
  process.env['TZ'] = 'UTC';
  await assertInfrastructureUp();
  if (process.env[BROKER_ENV] !== undefined || runningBroker() !== undefined) return;

  const broker = await startDevBroker({
    topics: allTopics().map((topic) => ({
      name: topic.name,
      partitions: topic.partitions,
      replicationFactor: topic.replicationFactor,
    })),
  });
  setRunningBroker(broker);
  process.env[BROKER_ENV] = broker.bootstrap.join(',');
  process.env[CONTROL_ENV] = broker.controlAddress;
}
