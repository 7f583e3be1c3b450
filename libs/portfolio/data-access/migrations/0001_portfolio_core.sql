-- Portfolio service tables (issue #6). Money, prices and quantities are NUMERIC (exact; pg hands
-- them to Node as strings); instants are BIGINT unix nanos as on the wire. Every table carries the
-- portfolio_ prefix: it may share a schema with the order tables (which have their own `accounts`).

-- One row per account: what cannot be derived from the positions (starting cash, currency, the
-- last PositionUpdate version, the high-water mark and the day's opening equity).
CREATE TABLE portfolio_accounts (
  account_id text PRIMARY KEY,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  starting_cash numeric NOT NULL,
  version bigint NOT NULL CHECK (version >= 0),
  high_water_mark numeric NOT NULL,
  day_open_equity numeric NOT NULL,
  day_start_unix_nanos bigint NOT NULL,
  updated_at_unix_nanos bigint NOT NULL
) WITH (fillfactor = 70);

-- One row per account and symbol. cost_basis is signed (negative for shorts) and 0 when flat;
-- realized_pnl is before fees. mark_price is NULL until the symbol's first tick.
CREATE TABLE portfolio_positions (
  account_id text NOT NULL,
  symbol text NOT NULL,
  quantity numeric NOT NULL,
  cost_basis numeric NOT NULL,
  realized_pnl numeric NOT NULL,
  fees numeric NOT NULL,
  mark_price numeric CHECK (mark_price > 0),
  last_sequence bigint NOT NULL,
  fill_count bigint NOT NULL CHECK (fill_count >= 0),
  updated_at_unix_nanos bigint NOT NULL,
  PRIMARY KEY (account_id, symbol),
  CHECK (quantity <> 0 OR cost_basis = 0)
) WITH (fillfactor = 70);
-- fillfactor 70 and no index besides the key: every batch rewrites its touched positions, and
-- room on the page lets those updates be HOT (no new index entries).

-- Idempotency: an execution id is applied once. Written in the same statement as the positions.
CREATE TABLE portfolio_applied_executions (
  execution_id text PRIMARY KEY,
  account_id text NOT NULL,
  symbol text NOT NULL,
  sequence bigint NOT NULL
);

-- Side of every open order (fills carry no side: it comes from the order's OrderAccepted event).
-- side: 1 buy, 2 sell (meridian.common.v1.Side). Rows go when the order reaches a final state.
CREATE TABLE portfolio_open_orders (
  order_id text PRIMARY KEY,
  account_id text NOT NULL,
  symbol text NOT NULL,
  side smallint NOT NULL CHECK (side IN (1, 2))
);
