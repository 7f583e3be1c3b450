-- Market-data storage: ticks and OHLCV bars (1m, 5m, 1h, 1d). ONE migration for both
-- deployments (docs/adr/0008-tick-storage-timescale-with-plain-postgres-fallback.md):
--   * TimescaleDB available: hypertable with a chunk interval chosen by the expected volume,
--     compression segmented by symbol, compression and retention policies, and continuous
--     aggregates for the bars with refresh policies.
--   * otherwise (CI, this machine): the same logical tables on plain PostgreSQL 15: ticks range
--     partitioned by day (partitions created ahead by marketdata_ensure_tick_partitions), BRIN on
--     time, and bar tables that tick-writer maintains (exact upserts).
-- Either way `ticks` has the UNIQUE natural key (symbol, exchange_time, source, sequence), so a
-- replayed tick is never stored twice; its btree also serves (symbol, time) range scans, and
-- `bars_<interval>` expose symbol, bucket, open, high, low, close, volume, trade_count.
--
-- The TimescaleDB branch between the `timescale:begin` and `timescale:end` markers is kept to
-- plain SQL statements (PERFORM for function calls) so that a unit test can parse each of them
-- with libpg-query; the plain branch runs for real in CI.
--
-- Tunables (set before migrating, e.g. ALTER DATABASE ... SET meridian.expected_ticks_per_second):
--   meridian.expected_ticks_per_second  sustained rate that sizes TimescaleDB chunks (default 20000)
--   meridian.tick_retention             how long ticks are kept (default 90 days)

CREATE TABLE marketdata_storage (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  -- 'timescale': bars are continuous aggregates; 'plain': tick-writer upserts them.
  mode text NOT NULL CHECK (mode IN ('timescale', 'plain')),
  tick_retention interval NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every symbol that ever had a stored tick: GetBars answers NOT_FOUND for the others.
CREATE TABLE marketdata_symbols (
  symbol text PRIMARY KEY,
  first_seen timestamptz NOT NULL DEFAULT now()
);

DO $migration$
DECLARE
  v_rate bigint := coalesce(
    nullif(current_setting('meridian.expected_ticks_per_second', true), '')::bigint, 20000);
  v_retention interval := coalesce(
    nullif(current_setting('meridian.tick_retention', true), '')::interval, interval '90 days');
  v_chunk interval;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    -- A chunk (with its index) should fit in about a quarter of memory; ~200 bytes per tick row
    -- with the unique index: 100k ticks/s is ~70 GB/h, so busy feeds get short chunks.
    v_chunk := CASE
      WHEN v_rate >= 100000 THEN interval '15 minutes'
      WHEN v_rate >= 10000 THEN interval '1 hour'
      WHEN v_rate >= 1000 THEN interval '6 hours'
      ELSE interval '1 day'
    END;
    -- timescale:begin
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    CREATE TABLE ticks (
      symbol text NOT NULL,
      source text NOT NULL,
      sequence bigint NOT NULL,
      exchange_time timestamptz NOT NULL,
      exchange_time_ns bigint NOT NULL,
      received_time timestamptz NOT NULL,
      bid_price numeric,
      bid_size numeric,
      ask_price numeric,
      ask_size numeric,
      last_price numeric,
      last_size numeric,
      CONSTRAINT ticks_natural_key UNIQUE (symbol, exchange_time, source, sequence)
    );
    PERFORM create_hypertable('ticks', by_range('exchange_time', v_chunk));
    ALTER TABLE ticks SET (
      timescaledb.compress,
      timescaledb.compress_segmentby = 'symbol',
      timescaledb.compress_orderby = 'exchange_time, source, sequence'
    );
    PERFORM add_compression_policy('ticks', compress_after => interval '1 day');
    PERFORM add_retention_policy('ticks', drop_after => v_retention);
    CREATE MATERIALIZED VIEW bars_1m
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT symbol, time_bucket(interval '1 minute', exchange_time) AS bucket,
             first(last_price, exchange_time_ns) AS open, max(last_price) AS high,
             min(last_price) AS low, last(last_price, exchange_time_ns) AS close,
             coalesce(sum(last_size), 0) AS volume, count(*) AS trade_count
      FROM ticks WHERE last_price IS NOT NULL
      GROUP BY symbol, time_bucket(interval '1 minute', exchange_time)
      WITH NO DATA;
    CREATE MATERIALIZED VIEW bars_5m
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT symbol, time_bucket(interval '5 minutes', exchange_time) AS bucket,
             first(last_price, exchange_time_ns) AS open, max(last_price) AS high,
             min(last_price) AS low, last(last_price, exchange_time_ns) AS close,
             coalesce(sum(last_size), 0) AS volume, count(*) AS trade_count
      FROM ticks WHERE last_price IS NOT NULL
      GROUP BY symbol, time_bucket(interval '5 minutes', exchange_time)
      WITH NO DATA;
    CREATE MATERIALIZED VIEW bars_1h
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT symbol, time_bucket(interval '1 hour', exchange_time) AS bucket,
             first(last_price, exchange_time_ns) AS open, max(last_price) AS high,
             min(last_price) AS low, last(last_price, exchange_time_ns) AS close,
             coalesce(sum(last_size), 0) AS volume, count(*) AS trade_count
      FROM ticks WHERE last_price IS NOT NULL
      GROUP BY symbol, time_bucket(interval '1 hour', exchange_time)
      WITH NO DATA;
    CREATE MATERIALIZED VIEW bars_1d
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT symbol, time_bucket(interval '1 day', exchange_time) AS bucket,
             first(last_price, exchange_time_ns) AS open, max(last_price) AS high,
             min(last_price) AS low, last(last_price, exchange_time_ns) AS close,
             coalesce(sum(last_size), 0) AS volume, count(*) AS trade_count
      FROM ticks WHERE last_price IS NOT NULL
      GROUP BY symbol, time_bucket(interval '1 day', exchange_time)
      WITH NO DATA;
    -- Refresh windows overlap the previous run so late ticks land; real-time aggregation
    -- (materialized_only = false) covers what is not materialized yet.
    PERFORM add_continuous_aggregate_policy('bars_1m', start_offset => interval '2 hours',
      end_offset => interval '1 minute', schedule_interval => interval '1 minute');
    PERFORM add_continuous_aggregate_policy('bars_5m', start_offset => interval '6 hours',
      end_offset => interval '5 minutes', schedule_interval => interval '5 minutes');
    PERFORM add_continuous_aggregate_policy('bars_1h', start_offset => interval '2 days',
      end_offset => interval '1 hour', schedule_interval => interval '30 minutes');
    PERFORM add_continuous_aggregate_policy('bars_1d', start_offset => interval '7 days',
      end_offset => interval '1 day', schedule_interval => interval '1 hour');
    INSERT INTO marketdata_storage (mode, tick_retention) VALUES ('timescale', v_retention);
    -- timescale:end
  ELSE
    CREATE TABLE ticks (
      symbol text NOT NULL,
      source text NOT NULL,
      sequence bigint NOT NULL,
      exchange_time timestamptz NOT NULL,
      exchange_time_ns bigint NOT NULL,
      received_time timestamptz NOT NULL,
      bid_price numeric,
      bid_size numeric,
      ask_price numeric,
      ask_size numeric,
      last_price numeric,
      last_size numeric,
      CONSTRAINT ticks_natural_key UNIQUE (symbol, exchange_time, source, sequence)
    ) PARTITION BY RANGE (exchange_time);
    -- Ticks arrive in time order, so a BRIN summary per 32 pages prunes time-only scans at a
    -- tiny fraction of a btree's size and write cost.
    CREATE INDEX ticks_exchange_time_brin ON ticks USING brin (exchange_time)
      WITH (pages_per_range = 32);

    -- The bar tables: same columns as the continuous aggregates, plus the trade-order keys
    -- (domain tradeOrderKey) of the open and close so that partial bars merge exactly.
    CREATE TABLE bars_1m (
      symbol text NOT NULL,
      bucket timestamptz NOT NULL,
      open numeric NOT NULL,
      high numeric NOT NULL,
      low numeric NOT NULL,
      close numeric NOT NULL,
      volume numeric NOT NULL,
      trade_count bigint NOT NULL,
      open_key text COLLATE "C" NOT NULL,
      close_key text COLLATE "C" NOT NULL,
      PRIMARY KEY (symbol, bucket)
    );
    CREATE TABLE bars_5m (LIKE bars_1m INCLUDING ALL);
    CREATE TABLE bars_1h (LIKE bars_1m INCLUDING ALL);
    CREATE TABLE bars_1d (LIKE bars_1m INCLUDING ALL);

    -- Creates the daily partitions [p_from, p_to] that do not exist yet; returns how many it
    -- created. Serialised by an advisory lock, so concurrent writers may call it.
    CREATE FUNCTION marketdata_ensure_tick_partitions(p_from date, p_to date)
      RETURNS integer
      LANGUAGE plpgsql
      SET search_path FROM CURRENT
    AS $fn$
    DECLARE
      v_parent regclass := 'ticks'::regclass;
      v_schema text;
      v_day date;
      v_name text;
      v_created integer := 0;
    BEGIN
      IF p_to < p_from OR p_to - p_from > 366 THEN
        RAISE EXCEPTION 'partition range % .. % is empty or longer than a year', p_from, p_to
          USING ERRCODE = '22023';
      END IF;
      SELECT n.nspname INTO v_schema
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = v_parent;
      PERFORM pg_advisory_xact_lock(hashtext(v_schema || '.marketdata_tick_partitions'));
      FOR v_day IN SELECT d::date FROM generate_series(p_from, p_to, interval '1 day') AS d LOOP
        v_name := 'ticks_p' || to_char(v_day, 'YYYYMMDD');
        IF to_regclass(format('%I.%I', v_schema, v_name)) IS NULL THEN
          EXECUTE format(
            'CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
            v_schema, v_name, v_parent,
            (v_day::timestamp AT TIME ZONE 'UTC'), ((v_day + 1)::timestamp AT TIME ZONE 'UTC'));
          v_created := v_created + 1;
        END IF;
      END LOOP;
      RETURN v_created;
    END
    $fn$;

    -- Drops the daily partitions of days before p_before (retention); returns how many.
    CREATE FUNCTION marketdata_drop_tick_partitions(p_before date)
      RETURNS integer
      LANGUAGE plpgsql
      SET search_path FROM CURRENT
    AS $fn$
    DECLARE
      v_child regclass;
      v_name text;
      v_dropped integer := 0;
    BEGIN
      FOR v_child, v_name IN
        SELECT i.inhrelid::regclass, c.relname FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'ticks'::regclass AND c.relname ~ '^ticks_p[0-9]{8}$'
      LOOP
        IF to_date(substr(v_name, 8), 'YYYYMMDD') < p_before THEN
          EXECUTE format('DROP TABLE %s', v_child);
          v_dropped := v_dropped + 1;
        END IF;
      END LOOP;
      RETURN v_dropped;
    END
    $fn$;

    INSERT INTO marketdata_storage (mode, tick_retention) VALUES ('plain', v_retention);
  END IF;
END
$migration$;
