/**
 * @meridian/market-data-feature-tick-writer: consumes marketdata.ticks.v1 in batches and
 * stores ticks (and, on plain PostgreSQL, their bars) with offsets committed after the
 * database commit; malformed ticks go to the DLQ and are counted.
 */
export * from './kafka-dead-letter.sink';
export * from './tick-record.decoder';
export * from './tick-writer.consumer';
export * from './tick-writer.metrics';
export * from './write-tick-batch.usecase';
