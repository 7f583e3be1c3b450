-- Order gateway core tables. Money, prices and quantities are NUMERIC (exact; pg hands them to
-- Node as strings); engine instants are BIGINT unix nanos as on the wire.

CREATE TABLE accounts (
  account_id text PRIMARY KEY CHECK (account_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
  agent_id text PRIMARY KEY CHECK (agent_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
  account_id text NOT NULL REFERENCES accounts (account_id),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_account ON agents (account_id);

-- Only a salted, peppered scrypt hash of the secret part is stored; key_id is public.
CREATE TABLE api_keys (
  key_id text PRIMARY KEY,
  agent_id text NOT NULL REFERENCES agents (agent_id),
  role text NOT NULL CHECK (role IN ('trader', 'read-only', 'admin')),
  salt bytea NOT NULL,
  hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_agent ON api_keys (agent_id);

-- NULL = no limit for that rule. An account without a row may not trade.
CREATE TABLE risk_limits (
  account_id text PRIMARY KEY REFERENCES accounts (account_id),
  max_order_quantity numeric CHECK (max_order_quantity >= 0),
  max_order_notional numeric CHECK (max_order_notional >= 0),
  price_band_bps integer CHECK (price_band_bps >= 0),
  max_open_orders integer CHECK (max_open_orders >= 0),
  max_position numeric CHECK (max_position >= 0),
  max_gross_exposure numeric CHECK (max_gross_exposure >= 0),
  order_rate_per_second integer NOT NULL CHECK (order_rate_per_second > 0),
  order_burst integer NOT NULL CHECK (order_burst > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- scope_id is '' for the global scope. No row = ACTIVE.
CREATE TABLE trading_states (
  scope text NOT NULL CHECK (scope IN ('global', 'account', 'agent')),
  scope_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
  reason text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, scope_id),
  CHECK ((scope = 'global') = (scope_id = ''))
);

CREATE TABLE instruments (
  symbol text PRIMARY KEY CHECK (symbol ~ '^[A-Z0-9][A-Z0-9._/-]{0,31}$'),
  tick_size numeric NOT NULL CHECK (tick_size > 0),
  lot_size numeric NOT NULL CHECK (lot_size > 0),
  min_price numeric NOT NULL CHECK (min_price > 0),
  max_price numeric NOT NULL CHECK (max_price >= min_price),
  currency_decimals integer NOT NULL CHECK (currency_decimals BETWEEN 0 AND 18),
  -- Centre of the price band until the first trade prints.
  reference_price numeric CHECK (reference_price > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Durable copy of every accepted request (new, cancel, replace): the idempotency record after the
-- hot copy in Redis expires. request_hash is sha256 of the canonical request encoding.
CREATE TABLE idempotency_records (
  agent_id text NOT NULL,
  client_order_id text NOT NULL,
  request_hash bytea NOT NULL,
  command_kind text NOT NULL CHECK (command_kind IN ('new', 'cancel', 'replace')),
  order_id text NOT NULL,
  command_id text NOT NULL UNIQUE,
  accepted_at_unix_nanos bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, client_order_id)
);

-- The order state machine, maintained from orders.events.v1. status is the OrderStatus number
-- (0 = published, no execution report yet). terms is the encoded meridian.orders.v1.NewOrder.
CREATE TABLE orders (
  order_id text PRIMARY KEY,
  agent_id text NOT NULL,
  account_id text NOT NULL,
  client_order_id text NOT NULL,
  symbol text NOT NULL,
  terms bytea NOT NULL,
  status smallint NOT NULL,
  cumulative_quantity numeric NOT NULL DEFAULT 0,
  leaves_quantity numeric NOT NULL,
  average_price numeric,
  created_at_unix_nanos bigint NOT NULL,
  updated_at_unix_nanos bigint NOT NULL,
  last_sequence bigint NOT NULL DEFAULT 0,
  UNIQUE (agent_id, client_order_id)
);
CREATE INDEX orders_open_by_account ON orders (account_id, symbol, order_id) WHERE status IN (0, 1, 2, 3);

-- The executions ledger: one row per fill of an order (a trade gives one per side).
CREATE TABLE executions (
  execution_id text PRIMARY KEY,
  order_id text NOT NULL,
  trade_id text NOT NULL,
  symbol text NOT NULL,
  sequence bigint NOT NULL,
  price numeric NOT NULL,
  quantity numeric NOT NULL,
  liquidity smallint NOT NULL,
  executed_at_unix_nanos bigint NOT NULL
);
CREATE INDEX executions_order ON executions (order_id);

-- Every execution report by (symbol, sequence), for stream replay after a reconnect.
CREATE TABLE order_events (
  symbol text NOT NULL,
  sequence bigint NOT NULL,
  account_id text NOT NULL,
  event bytea NOT NULL,
  PRIMARY KEY (symbol, sequence)
);
