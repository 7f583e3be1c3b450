/**
 * The local stack the platform jobs (`platform-smoke.ts`, `platform-demo.ts`) share: the Kafka dev
 * broker on its fixed ports (docs/ports.md) with every registry topic, and the `meridian` database.
 */
import { Client } from 'pg';
import { Kafka } from 'kafkajs';
import { allTopics } from '@meridian/contracts';
import {
  devBrokerControl,
  readDevBrokerState,
  startDevBroker,
  type DevBrokerTopic,
} from '@meridian/kafka-dev-broker';

/** Fixed so that `npm start`, `npm stop` and a developer's tools agree (docs/ports.md). */
export const DEV_BROKER_PORT_BASE = 19092;
export const DEV_BROKER_CONTROL_PORT = 19099;

/** Where the platform's Kafka is: the dev broker's control address is absent for a real cluster. */
export interface LocalKafka {
  readonly bootstrap: readonly string[];
  readonly controlAddress?: string;
}

/**
 * `KAFKA_BROKERS` when set (a real cluster, e.g. docker compose), else the running dev broker,
 * else a new detached dev broker with every registry topic (stopped by `npm stop`).
 */
export async function ensureKafka(env: NodeJS.ProcessEnv = process.env): Promise<LocalKafka> {
  const external = env['KAFKA_BROKERS'];
  if (external !== undefined && external !== '') return { bootstrap: external.split(',') };
  const running = readDevBrokerState();
  if (running !== undefined)
    return { bootstrap: running.bootstrap, controlAddress: running.control };
  const broker = await startDevBroker({
    detached: true,
    brokerPortBase: DEV_BROKER_PORT_BASE,
    controlPort: DEV_BROKER_CONTROL_PORT,
    topics: allTopics().map(({ name, partitions, replicationFactor }) => ({
      name,
      partitions,
      replicationFactor,
    })),
  });
  return { bootstrap: broker.bootstrap, controlAddress: broker.controlAddress };
}

/**
 * Creates topics: through the dev broker's control port (the mock cluster has no CreateTopics
 * API) or, on a real cluster, through the Kafka admin API.
 */
export async function createTopics(kafka: LocalKafka, topics: readonly DevBrokerTopic[]) {
  if (kafka.controlAddress !== undefined) {
    const control = devBrokerControl(kafka.controlAddress);
    for (const topic of topics) await control.createTopic(topic);
    return;
  }
  const admin = new Kafka({ brokers: [...kafka.bootstrap], clientId: 'meridian-local' }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes topics (best effort: a topic already gone is not an error). */
export async function deleteTopics(kafka: LocalKafka, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  if (kafka.controlAddress !== undefined) {
    const control = devBrokerControl(kafka.controlAddress);
    for (const name of names) await control.deleteTopic(name).catch(() => undefined);
    return;
  }
  const admin = new Kafka({ brokers: [...kafka.bootstrap], clientId: 'meridian-local' }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((n) => existing.has(n));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/** Creates database `name` unless it exists (connecting to `postgres` as `admin`). */
export async function ensureDatabase(
  admin: { host: string; port: number; user: string },
  name: string,
): Promise<void> {
  const client = new Client({ ...admin, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
