/** Test helpers for tick-writer specs (this lib's, the app's, the benchmark's). Specs only. */
import { marketdata } from '@meridian/contracts';
import { devBrokerControl } from '@meridian/kafka-dev-broker';
import { kafkaControlAddress, uniqueName } from '@meridian/shared-testing';
import type { Kafka, Message } from 'kafkajs';

export interface TickTopics {
  readonly ticks: string;
  readonly dlq: string;
}

/** A fresh ticks topic and its DLQ on the dev broker. */
export async function createTickTopics(prefix: string, partitions = 3): Promise<TickTopics> {
  const control = devBrokerControl(kafkaControlAddress());
  const base = uniqueName(prefix).replaceAll('_', '-');
  const topics = { ticks: `${base}.ticks`, dlq: `${base}.ticks.dlq` };
  await control.createTopic({ name: topics.ticks, partitions, replicationFactor: 3 });
  await control.createTopic({ name: topics.dlq, partitions: 1, replicationFactor: 3 });
  return topics;
}

/** A tick as the ingestor publishes it: keyed by symbol. */
export function tickMessage(tick: marketdata.Tick): Message {
  return { key: tick.symbol, value: Buffer.from(marketdata.Tick.encode(tick).finish()) };
}

/** Produces records (in order, one send) and disconnects. */
export async function produceRecords(
  kafka: Kafka,
  topic: string,
  messages: Message[],
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

export interface CollectedRecord {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/** Reads `count` records of a topic from the beginning (a throwaway group). */
export async function collectRecords(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<CollectedRecord[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('collect'), maxWaitTimeInMs: 50 });
  const records: CollectedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachMessage: ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          const first = Array.isArray(value) ? value[0] : value;
          if (first !== undefined) headers[name] = first.toString();
        }
        records.push({ key: message.key?.toString() ?? null, value: message.value, headers });
        if (records.length >= count) done();
        return Promise.resolve();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<void>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`only ${records.length}/${count} records on ${topic}`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return records;
}
