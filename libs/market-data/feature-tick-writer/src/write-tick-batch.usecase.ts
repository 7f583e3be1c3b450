import { decodeStrict, marketdata, Topics } from '@meridian/contracts';
import type {
  TickBatchHooks,
  TickBatchResult,
  TickBatchWriter,
} from '@meridian/market-data-data-access';
import {
  type StorableTick,
  type TickRejectReason,
  validateTick,
} from '@meridian/market-data-domain';
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

/** Why a record is dead-lettered: a validation reason, or it did not decode at all. */
export type RecordRejectReason = TickRejectReason | 'UNDECODABLE';

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

const TICK_TYPE = Topics.marketdataTicks.schema.typeName;

/**
 * Stores one batch of tick records: decode and validate each, dead-letter the malformed ones
 * (before the database commit, so that an offset is never committed past a record that is in
 * neither place), then write the rest and their bars in one transaction.
 * Idempotent: running it again on the same records changes nothing (natural key).
 */
export class WriteTickBatchUseCase {
  constructor(
    private readonly writer: TickBatchWriter,
    private readonly deadLetters: DeadLetterSink,
    private readonly metrics?: TickWriterMetrics,
  ) {}

  async execute(
    records: readonly TickRecord[],
    hooks: TickBatchHooks = {},
  ): Promise<TickBatchOutcome> {
    const started = performance.now();
    const ticks: StorableTick[] = [];
    const receivedMs: number[] = [];
    const rejected: RejectedRecord[] = [];
    for (const record of records) {
      if (record.value === null) {
        rejected.push({ record, reason: 'UNDECODABLE', detail: 'record has no value (tombstone)' });
        continue;
      }
      let tick: marketdata.Tick;
      try {
        tick = decodeStrict(marketdata.Tick, TICK_TYPE, record.value);
      } catch (error) {
        rejected.push({
          record,
          reason: 'UNDECODABLE',
          detail: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      const validation = validateTick(tick);
      if (!validation.ok) {
        rejected.push({
          record,
          reason: validation.rejection.reason,
          detail: validation.rejection.detail,
        });
        continue;
      }
      ticks.push(validation.tick);
      receivedMs.push(Number(validation.tick.receivedTimeNanos / 1_000_000n));
    }
    if (rejected.length > 0) {
      await this.deadLetters.send(rejected);
      for (const { reason } of rejected) this.metrics?.rejected.inc({ reason });
      this.metrics?.deadLettered.inc(rejected.length);
    }
    const result = await this.writer.write(ticks, hooks);
    if (this.metrics !== undefined) {
      this.metrics.written.inc(result.inserted);
      this.metrics.duplicates.inc(result.duplicates);
      this.metrics.batchSize.observe(records.length);
      this.metrics.batchDuration.observe((performance.now() - started) / 1000);
      // A batch with replays carries ticks committed long ago: their "lag" is not ingest lag.
      if (result.duplicates === 0) this.metrics.observeLags(result.committedAtMs, receivedMs);
    }
    return { ...result, records: records.length, rejected: rejected.length };
  }
}
