import { KafkaApiKey, KafkaErrorCode } from '@meridian/kafka-dev-broker';
import { sleep, waitFor } from '@meridian/shared-testing';
import type { TopicBinding } from './kafka-producer';
import { KafkaTestBed, type TestEvent } from './testing';

const PRODUCE_API_KEY = KafkaApiKey.Produce;
const { NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT } = KafkaErrorCode;

let bed: KafkaTestBed;

beforeAll(async () => {
  bed = await KafkaTestBed.open('messaging-faults-spec');
});

afterEach(async () => {
  await bed.control.clearRequestErrors(PRODUCE_API_KEY);
  await bed.stopConsumers();
});

afterAll(() => bed.close());

const event = (seq: number): TestEvent => ({
  id: `f${seq}`,
  seq: BigInt(seq),
  payload: `fault ${seq}`,
});

/** Reads a topic back from the beginning with a fresh group; counts every record in the log. */
async function readBack(
  topic: TopicBinding<TestEvent>,
  expected: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await bed.consumer(topic, async (e) => {
    counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  });
  await waitFor(
    `${expected} records read back`,
    () => [...counts.values()].reduce((a, b) => a + b, 0) >= expected,
    30_000,
  );
  await sleep(500); // duplicates in the log, if any, arrive right behind
  return counts;
}

describe('idempotent producer under faults', () => {
  it('survives retriable Produce errors without duplicating records in the log', async () => {
    const topic = await bed.freshTopic('produce-errors', 3);
    const errorsBefore = bed.logger.records.filter((r) => /Produce/.test(r.message)).length;
    for (let round = 0; round < 5; round++) {
      await bed.control.pushRequestErrors(PRODUCE_API_KEY, [
        NOT_LEADER_OR_FOLLOWER,
        REQUEST_TIMED_OUT,
        NOT_LEADER_OR_FOLLOWER,
      ]);
      const sends = [0, 1, 2, 3].map((part) =>
        bed.producer.send(
          topic,
          Array.from({ length: 25 }, (_, i) => round * 100 + part * 25 + i).map((seq) => ({
            key: `k${seq % 9}`,
            value: event(seq),
          })),
        ),
      );
      await Promise.all(sends);
    }
    // The injected errors really reached the producer (kafkajs logs each failed response).
    expect(bed.logger.records.filter((r) => /Produce/.test(r.message)).length).toBeGreaterThan(
      errorsBefore,
    );

    const counts = await readBack(topic, 500);
    expect(counts.size).toBe(500);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('delivers every record once to an idempotent handler when the partition leader goes down and comes back', async () => {
    const N = 600;
    const topic = await bed.freshTopic('broker-down', 3);
    const leader = await bed.leaderOf(topic.name, 0);
    const deliveries = new Map<string, number>();
    const consumer = await bed.consumer(
      topic,
      async (e) => {
        deliveries.set(e.id, (deliveries.get(e.id) ?? 0) + 1);
      },
      { kafkaRetry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } },
    );

    const producing = (async () => {
      for (let start = 0; start < N; start += 20) {
        await bed.producer.send(
          topic,
          Array.from({ length: 20 }, (_, i) => start + i).map((seq) => ({
            key: `k${seq % 12}`,
            value: event(seq),
          })),
        );
        await sleep(15);
      }
    })();
    await waitFor('some records before the outage', () => deliveries.size >= 100);
    await bed.control.brokerDown(leader);
    await sleep(2000);
    await bed.control.brokerUp(leader);
    await producing;
    await waitFor('every record after recovery', () => deliveries.size === N, 60_000).catch(
      (error: unknown) => {
        process.stdout.write(
          `broker-down stalled: ${deliveries.size}/${N} ${JSON.stringify(consumer.stats())} ready=${consumer.isReady()}\n`,
        );
        throw error;
      },
    );
    await sleep(500);

    const raw = [...deliveries.values()].reduce((a, b) => a + b, 0);
    process.stdout.write(
      `broker-down: leader ${leader}, ${N} records, ${raw} deliveries, ${deliveries.size} distinct\n`,
    );
    expect(deliveries.size).toBe(N);
    expect(consumer.stats().deadLettered).toBe(0);
    // The log itself holds each record once: the producer's retries were deduplicated.
    const log = await readBack(topic, N);
    expect(log.size).toBe(N);
    expect([...log.values()].every((n) => n === 1)).toBe(true);
  });
});
