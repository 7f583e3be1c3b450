import { decodeStrict, marketdata, Topics } from '@meridian/contracts';
import type { Consumer, Kafka } from 'kafkajs';

/** One StreamTicks call as the hub sees it. */
export interface TickSubscriber {
  /** Hands a tick over; false when the subscriber is over its queue limit (then it is dropped). */
  push(tick: marketdata.Tick): boolean;
  /** The hub stops: end the stream with this error. */
  close(error: Error): void;
}

export interface TickStreamHubOptions {
  readonly kafka: Kafka;
  /** Default marketdata.ticks.v1. */
  readonly topic?: string;
  /** Each replica sees every tick: a group of its own, starting at the latest offset. */
  readonly groupId: string;
}

const TYPE = Topics.marketdataTicks.schema.typeName;

/**
 * Fans live ticks out to StreamTicks calls, filtered by symbol. One Kafka consumer per process
 * (not per call); a subscriber that cannot keep up is dropped by its own `push` returning false.
 */
export class TickStreamHub {
  private readonly consumer: Consumer;
  private readonly bySymbol = new Map<string, Set<TickSubscriber>>();
  private joined = false;
  private undecodable = 0;

  constructor(private readonly options: TickStreamHubOptions) {
    this.consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 50 });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topic: this.options.topic ?? Topics.marketdataTicks.name,
      fromBeginning: false,
    });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: ({ batch }) => {
        for (const message of batch.messages) this.dispatch(message.key, message.value);
        return Promise.resolve();
      },
    });
  }

  isReady(): boolean {
    return this.joined;
  }

  get subscriberCount(): number {
    const all = new Set<TickSubscriber>();
    for (const set of this.bySymbol.values()) for (const s of set) all.add(s);
    return all.size;
  }

  get undecodableRecords(): number {
    return this.undecodable;
  }

  /** Registers a subscriber; returns the unsubscribe function. */
  subscribe(symbols: readonly string[], subscriber: TickSubscriber): () => void {
    for (const symbol of symbols) {
      let set = this.bySymbol.get(symbol);
      if (set === undefined) {
        set = new Set();
        this.bySymbol.set(symbol, set);
      }
      set.add(subscriber);
    }
    return () => {
      for (const symbol of symbols) {
        const set = this.bySymbol.get(symbol);
        set?.delete(subscriber);
        if (set?.size === 0) this.bySymbol.delete(symbol);
      }
    };
  }

  /** Ends every stream with `error`, then leaves the group. */
  async stop(error: Error): Promise<void> {
    const all = new Set<TickSubscriber>();
    for (const set of this.bySymbol.values()) for (const s of set) all.add(s);
    this.bySymbol.clear();
    for (const subscriber of all) subscriber.close(error);
    await this.consumer.disconnect();
  }

  private dispatch(key: Buffer | null, value: Buffer | null): void {
    if (value === null) return;
    // The record key is the symbol: skip decoding ticks nobody asked for.
    if (key !== null && !this.bySymbol.has(key.toString())) return;
    let tick: marketdata.Tick;
    try {
      tick = decodeStrict(marketdata.Tick, TYPE, value);
    } catch {
      this.undecodable += 1;
      return;
    }
    const subscribers = this.bySymbol.get(tick.symbol);
    if (subscribers === undefined) return;
    for (const subscriber of [...subscribers]) subscriber.push(tick);
  }
}
