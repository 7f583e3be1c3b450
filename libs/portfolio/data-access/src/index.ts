/**
 * @meridian/portfolio-data-access: the portfolio's PostgreSQL tables (migrations, one-round-trip
 * batch writes), the reader of the order-store's executions ledger, and the Redis hot view.
 */
export * from './ledger.reader';
export * from './portfolio-data.error';
export * from './portfolio.migrations';
export * from './portfolio.redis-view';
export * from './portfolio.repository';
