-- meridian:no-transaction
-- CONCURRENTLY cannot run inside a transaction block; each statement runs on its own.
CREATE INDEX CONCURRENTLY IF NOT EXISTS ticks_symbol_idx ON ticks (symbol);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ticks_symbol_ts_idx ON ticks (symbol, ts DESC);
