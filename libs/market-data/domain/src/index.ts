/**
 * @meridian/market-data-domain: pure market-data storage logic. Exact decimals (bigint
 * mantissa), UTC bar bucketing with date_bin semantics, tick validation for storage, the tick
 * natural key, and OHLCV aggregation and merging of partial bars. No IO.
 */
export * from './bar-interval';
export * from './exact-decimal';
export * from './ohlcv-bar';
export * from './storable-tick';
