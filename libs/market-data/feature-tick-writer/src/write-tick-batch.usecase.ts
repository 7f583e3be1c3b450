import type {
  TickBatchHooks,
  TickBatchResult,
  TickBatchWriter,
} from '@meridian/market-data-data-access';
import type { StorableTick } from '@meridian/market-data-domain';
import { isTickRejection, type RecordRejectReason, TickRecordDecoder } from './tick-record.decoder';
import type { TickWriterMetrics } from './tick-writer.metrics';

/** One Kafka record of the ticks topic, as the consumer hands it over. */
export interface TickRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  readonly timestamp: string;
}

/** A record without its topic and partition (a kafkajs message has this shape). */
export type TickRecordBody = Omit<TickRecord, 'topic' | 'partition'>;

export interface RejectedRecord {
  readonly record: TickRecord;
  readonly reason: RecordRejectReason;
  readonly detail: string;
}

/** Where malformed records go (the `.dlq` topic); must resolve only once they are durable. */
export interface DeadLetterSink {
  send(rejected: readonly RejectedRecord[]): Promise<void>;
}

export interface TickBatchOutcome extends TickBatchResult {
  readonly records: number;
  readonly rejected: number;
}

/**
 * Records decoded as they arrive, waiting to be written in one transaction: the storable
 * ticks, the rejected records (kept whole for the DLQ) and the offset of the last record.
 * Only the ticks are kept of the good records, not the Kafka messages.
 */
export class DecodedTickBatch {
  readonly ticks: StorableTick[] = [];
  readonly rejected: RejectedRecord[] = [];
  /** Records appended, good and bad. */
  records = 0;
  /** Offset of the last record appended ('' while empty). */
  lastOffset = '';
}

/**
 * Stores batches of tick records: decode and validate each (`append`, as records arrive),
 * then (`write`) dead-letter the malformed ones (before the database commit, so that an offset
 * is never committed past a record that is in neither place) and write the rest and their
 * bars in one transaction. Idempotent: writing the same records again changes nothing
 * (natural key).
 */
export class WriteTickBatchUseCase {
  private readonly decoder = new TickRecordDecoder();

  constructor(
    private readonly writer: TickBatchWriter,
    private readonly deadLetters: DeadLetterSink,
    private readonly metrics?: TickWriterMetrics,
  ) {}

  /** Decodes one record into `batch`: its tick, or the record and its reject reason. */
  append(batch: DecodedTickBatch, topic: string, partition: number, body: TickRecordBody): void {
    batch.records += 1;
    batch.lastOffset = body.offset;
    const result =
      body.value === null
        ? ({
            rejected: true,
            reason: 'UNDECODABLE',
            detail: 'record has no value (tombstone)',
          } as const)
        : this.decoder.decode(body.value);
    if (isTickRejection(result)) {
      batch.rejected.push({
        record: {
          topic,
          partition,
          offset: body.offset,
          key: body.key,
          value: body.value,
          ...(body.headers === undefined ? {} : { headers: body.headers }),
          timestamp: body.timestamp,
        },
        reason: result.reason,
        detail: result.detail,
      });
    } else {
      batch.ticks.push(result);
    }
  }

  /** Dead-letters the batch's rejected records, then stores its ticks and bars (one transaction). */
  async write(batch: DecodedTickBatch, hooks: TickBatchHooks = {}): Promise<TickBatchOutcome> {
    const started = performance.now();
    const { rejected, ticks } = batch;
    if (rejected.length > 0) {
      await this.deadLetters.send(rejected);
      for (const { reason } of rejected) this.metrics?.rejected.inc({ reason });
      this.metrics?.deadLettered.inc(rejected.length);
    }
    const result = await this.writer.write(ticks, hooks);
    if (this.metrics !== undefined) {
      this.metrics.written.inc(result.inserted);
      this.metrics.duplicates.inc(result.duplicates);
      this.metrics.batchSize.observe(batch.records);
      this.metrics.batchDuration.observe((performance.now() - started) / 1000);
      // A batch with replays carries ticks committed long ago: their "lag" is not ingest lag.
      if (result.duplicates === 0) this.metrics.observeLags(result.committedAtMs, ticks);
    }
    return { ...result, records: batch.records, rejected: rejected.length };
  }

  /** `append` each record (one partition's, in offset order), then `write`. */
  execute(records: readonly TickRecord[], hooks: TickBatchHooks = {}): Promise<TickBatchOutcome> {
    const batch = new DecodedTickBatch();
    for (const record of records) this.append(batch, record.topic, record.partition, record);
    return this.write(batch, hooks);
  }
}
