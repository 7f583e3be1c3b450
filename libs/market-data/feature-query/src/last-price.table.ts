import { decodeStrict, marketdata, Topics } from '@meridian/contracts';
import type { Consumer, Kafka } from 'kafkajs';

export interface LastPriceTableOptions {
  readonly kafka: Kafka;
  /** The compacted last-price topic (default marketdata.last-price.v1). */
  readonly topic?: string;
  /** Each replica reads the whole topic: a group of its own, never committed. */
  readonly groupId: string;
  /** Called for every symbol seen (feeds the symbol directory). */
  readonly onSymbol?: (symbol: string) => void;
}

const TYPE = Topics.marketdataLastPrice.schema.typeName;

/**
 * The latest trade price of every symbol, in memory, from the compacted
 * `marketdata.last-price.v1` topic (read from the beginning at start, then live). A record
 * older than the one held (by exchange time, then sequence) is ignored, so a late or replayed
 * record never moves a price back. Undecodable records are skipped and counted.
 */
export class LastPriceTable {
  private readonly prices = new Map<string, marketdata.LastPrice>();
  private readonly consumer: Consumer;
  private readonly topic: string;
  private highWatermarks: Map<number, bigint> | undefined;
  private readonly consumed = new Map<number, bigint>();
  private caughtUp = false;
  private skipped = 0;

  constructor(private readonly options: LastPriceTableOptions) {
    this.topic = options.topic ?? Topics.marketdataLastPrice.name;
    this.consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 100 });
  }

  async start(): Promise<void> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      this.highWatermarks = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    } finally {
      await admin.disconnect();
    }
    this.checkCaughtUp();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (message.value !== null) this.apply(message.value);
          this.consumed.set(batch.partition, BigInt(message.offset) + 1n);
        }
        this.checkCaughtUp();
        return Promise.resolve();
      },
    });
  }

  /** Read everything the topic held at start. */
  isReady(): boolean {
    return this.caughtUp;
  }

  get(symbol: string): marketdata.LastPrice | undefined {
    return this.prices.get(symbol);
  }

  get size(): number {
    return this.prices.size;
  }

  /** Records that did not decode or had no symbol/price. */
  get skippedRecords(): number {
    return this.skipped;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  private apply(bytes: Buffer): void {
    let price: marketdata.LastPrice;
    try {
      price = decodeStrict(marketdata.LastPrice, TYPE, bytes);
    } catch {
      this.skipped += 1;
      return;
    }
    if (price.symbol === '' || price.price === undefined) {
      this.skipped += 1;
      return;
    }
    const held = this.prices.get(price.symbol);
    if (
      held !== undefined &&
      (held.exchangeTimeUnixNanos > price.exchangeTimeUnixNanos ||
        (held.exchangeTimeUnixNanos === price.exchangeTimeUnixNanos &&
          held.sequence > price.sequence))
    )
      return;
    this.prices.set(price.symbol, price);
    this.options.onSymbol?.(price.symbol);
  }

  private checkCaughtUp(): void {
    if (this.caughtUp || this.highWatermarks === undefined) return;
    for (const [partition, high] of this.highWatermarks) {
      if (high > 0n && (this.consumed.get(partition) ?? 0n) < high) return;
    }
    this.caughtUp = true;
  }
}
