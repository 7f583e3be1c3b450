import { sleep, uniqueName, waitFor } from '@meridian/shared-testing';
import { KafkaTestBed, type TestEvent } from './testing';

let bed: KafkaTestBed;

beforeAll(async () => {
  bed = await KafkaTestBed.open('messaging-group-spec');
});

afterEach(() => bed.stopConsumers());

afterAll(() => bed.close());

const event = (id: string, seq: number): TestEvent => ({
  id,
  seq: BigInt(seq),
  payload: `payload ${id}`,
});

/**
 * An idempotent "side effect" keyed by event id, as production handlers are: it counts raw
 * deliveries and applies each id once, and checks that per key the applied sequence only grows.
 */
class IdempotentSink {
  readonly deliveries = new Map<string, number>();
  readonly applied = new Set<string>();
  readonly lastSeqByKey = new Map<string, bigint>();
  readonly orderViolations: string[] = [];

  apply(e: TestEvent, key: string | null): void {
    this.deliveries.set(e.id, (this.deliveries.get(e.id) ?? 0) + 1);
    if (this.applied.has(e.id)) return;
    this.applied.add(e.id);
    const last = this.lastSeqByKey.get(key ?? '');
    if (last !== undefined && e.seq <= last)
      this.orderViolations.push(`${key ?? ''}: ${e.seq} after ${last}`);
    this.lastSeqByKey.set(key ?? '', e.seq);
  }

  rawDeliveries(): number {
    return [...this.deliveries.values()].reduce((a, b) => a + b, 0);
  }
}

describe('consumer group', () => {
  it('loses nothing and applies each record once while members join and leave (3000 records, 6 partitions)', async () => {
    const N = 3000;
    const topic = await bed.freshTopic('rebalance', 6);
    const groupId = uniqueName('messaging.group');
    const sink = new IdempotentSink();
    const handler = async (e: TestEvent, meta: { key: string | null }): Promise<void> => {
      if (Number(e.seq) % 50 === 0) await sleep(2); // some real asynchrony, so batches overlap rebalances
      sink.apply(e, meta.key);
    };
    const first = await bed.consumer(topic, handler, {
      groupId,
      partitionsConsumedConcurrently: 3,
    });

    // Produce in the background, 100 per request, keyed so that each key's sequence is ordered.
    const producing = (async () => {
      for (let start = 0; start < N; start += 100) {
        const batch = Array.from({ length: 100 }, (_, i) => start + i).map((seq) => ({
          key: `k${seq % 60}`,
          value: event(`m${seq}`, seq),
        }));
        await bed.producer.send(topic, batch);
        await sleep(10);
      }
    })();

    await waitFor('a first share of records', () => sink.applied.size >= 500);
    const second = await bed.consumer(topic, handler, {
      groupId,
      partitionsConsumedConcurrently: 3,
    });
    await waitFor('more records after the join', () => sink.applied.size >= 1500);
    await first.stop(); // graceful leave: its partitions move to the second member
    await producing;
    await waitFor('every record', () => sink.applied.size === N, 60_000);
    await sleep(500); // anything redelivered late still shows up in the counts below

    const missing = Array.from({ length: N }, (_, i) => `m${i}`).filter(
      (id) => !sink.applied.has(id),
    );
    const duplicates = sink.rawDeliveries() - sink.applied.size;
    process.stdout.write(
      `rebalance: ${N} records, ${sink.rawDeliveries()} deliveries, ${sink.applied.size} distinct, ${duplicates} redelivered\n`,
    );
    expect(missing).toEqual([]);
    expect(sink.applied.size).toBe(N);
    expect(sink.orderViolations).toEqual([]);
    // Redeliveries are allowed (at-least-once: the mock refuses commits while the group
    // rebalances); the idempotent sink applied each id exactly once, in key order, and the
    // consumers' own counters agree with what the sink saw.
    expect(first.stats().handled + second.stats().handled).toBe(sink.rawDeliveries());
    expect(first.stats().handled).toBeGreaterThan(0);
    expect(second.stats().handled).toBeGreaterThan(0);
  });

  it('drains on stop(): in-flight handlers finish and commit, a successor does not redo them', async () => {
    const topic = await bed.freshTopic('drain', 2);
    const groupId = uniqueName('messaging.group');
    const started: string[] = [];
    const finished: string[] = [];
    const first = await bed.consumer(
      topic,
      async (e) => {
        started.push(e.id);
        await sleep(800);
        finished.push(e.id);
      },
      { groupId, maxInFlight: 4, partitionsConsumedConcurrently: 2 },
    );
    await bed.producer.send(
      topic,
      Array.from({ length: 12 }, (_, i) => ({
        key: `k${i}`,
        partition: i % 2,
        value: event(`d${i}`, i),
      })),
    );
    await waitFor('four slow handlers in flight', () => started.length === 4);
    await first.stop();
    expect(finished.sort()).toEqual(started.sort());
    expect(first.stats().inFlight).toBe(0);
    const firstRun = new Set(finished);

    const second: string[] = [];
    await bed.consumer(
      topic,
      async (e) => {
        second.push(e.id);
      },
      { groupId },
    );
    await waitFor('the rest of the records', () => firstRun.size + second.length >= 12);
    await sleep(300);
    expect(second.filter((id) => firstRun.has(id))).toEqual([]);
    expect(new Set([...firstRun, ...second]).size).toBe(12);
  });

  it('abandons records in retry back-off on stop() so the group redelivers them', async () => {
    const topic = await bed.freshTopic('drainretry', 1);
    const groupId = uniqueName('messaging.group');
    let attempts = 0;
    const first = await bed.consumer(
      topic,
      async () => {
        attempts += 1;
        throw new Error('downstream unavailable');
      },
      {
        groupId,
        retry: { attempts: 10, baseDelayMs: 60_000, maxDelayMs: 60_000 },
        drainTimeoutMs: 10_000,
      },
    );
    await bed.producer.send(topic, [{ value: event('r1', 1) }]);
    await waitFor('the first failure', () => attempts === 1);
    await first.stop(); // must not sit out the minute of back-off
    expect(first.stats()).toMatchObject({ deadLettered: 0, inFlight: 0 });
    expect(await bed.committedOffsets(groupId, topic.name)).toEqual({ 0: '-1' });

    const redelivered: string[] = [];
    await bed.consumer(
      topic,
      async (e) => {
        redelivered.push(e.id);
      },
      { groupId },
    );
    await waitFor('redelivery', () => redelivered.length === 1);
    expect(redelivered).toEqual(['r1']);
  });
});

describe('back-pressure', () => {
  it('never runs more than maxInFlight handlers and pauses fetching at the limit', async () => {
    const topic = await bed.freshTopic('backpressure', 3);
    let current = 0;
    let peak = 0;
    const handled = new Set<string>();
    const consumer = await bed.consumer(
      topic,
      async (e) => {
        current += 1;
        peak = Math.max(peak, current);
        await sleep(15);
        current -= 1;
        handled.add(e.id);
      },
      { maxInFlight: 5, lowWaterMark: 2, partitionsConsumedConcurrently: 3 },
    );
    await bed.producer.send(
      topic,
      Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 40}`, value: event(`b${i}`, i) })),
    );
    await waitFor('all records', () => handled.size === 300);
    expect(peak).toBeLessThanOrEqual(5);
    expect(peak).toBe(5);
    expect(consumer.stats().peakInFlight).toBe(5);
    expect(consumer.stats().backpressurePauses).toBeGreaterThan(0);
  });

  it('keeps records with one key in order while other keys run concurrently', async () => {
    const topic = await bed.freshTopic('keyorder', 1);
    const seqByKey = new Map<string, number[]>();
    let current = 0;
    let peak = 0;
    await bed.consumer(
      topic,
      async (e, meta) => {
        current += 1;
        peak = Math.max(peak, current);
        await sleep(Number(e.seq) % 3 === 0 ? 10 : 1);
        current -= 1;
        const list = seqByKey.get(meta.key ?? '') ?? [];
        list.push(Number(e.seq));
        seqByKey.set(meta.key ?? '', list);
      },
      { maxInFlight: 8 },
    );
    await bed.producer.send(
      topic,
      Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 5}`, value: event(`o${i}`, i) })),
    );
    await waitFor(
      'all records',
      () => [...seqByKey.values()].reduce((n, l) => n + l.length, 0) === 200,
    );
    for (const list of seqByKey.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(5); // five keys: never two records of one key at once
  });

  it('stops handling while the application has paused the consumer', async () => {
    const topic = await bed.freshTopic('apppause', 1);
    const handled: string[] = [];
    const consumer = await bed.consumer(topic, async (e) => {
      handled.push(e.id);
    });
    await bed.producer.send(topic, [{ value: event('p0', 0) }]);
    await waitFor('the first record', () => handled.length === 1);
    consumer.pause();
    await bed.producer.send(
      topic,
      Array.from({ length: 5 }, (_, i) => ({ value: event(`p${i + 1}`, i + 1) })),
    );
    await sleep(1000);
    expect(handled).toEqual(['p0']);
    consumer.resume();
    await waitFor('the held records', () => handled.length === 6);
    expect(handled).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('keeps an application pause across a rebalance and resumes after it', async () => {
    const topic = await bed.freshTopic('pauserebalance', 2);
    const groupId = uniqueName('messaging.group');
    const byA: string[] = [];
    const byB: string[] = [];
    const a = await bed.consumer(topic, async (e) => void byA.push(e.id), { groupId });
    a.pause();
    await bed.producer.send(
      topic,
      Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: event(`r${i}`, i) })),
    );
    await bed.consumer(topic, async (e) => void byB.push(e.id), { groupId }); // rebalance: 1 + 1
    await waitFor('the unpaused member to take its partition', () => byB.length === 10);
    await sleep(500);
    expect(byA).toEqual([]);
    a.resume();
    await waitFor('the paused member to catch up', () => byA.length === 10);
    expect(new Set([...byA, ...byB]).size).toBe(20);
  });
});
