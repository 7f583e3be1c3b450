/**
 * @meridian/market-data-data-access: the market-data tables (one migration set for TimescaleDB
 * and plain PostgreSQL), the batch tick writer (COPY, natural-key dedup, exact bar upserts),
 * daily partition maintenance and the reads of the query API.
 */
export * from './bars.repository';
export * from './market-data.error';
export * from './marketdata.migrations';
export * from './storage-mode';
export * from './tick-batch.writer';
export * from './tick-copy.encoder';
export * from './tick-partitions';
export { epochDayOfNanos, isoDate } from './time-codec';
