-- risk-monitor (issue #6): post-trade limits, the latched trading state it keeps per account,
-- every breach and state change it caused or followed, and the outbox of what it publishes.
-- Amounts are numeric (exact); the service compares them as bigints, never floats.

-- Post-trade limits per account; account_id '*' is the default for accounts without a row.
-- An absent (NULL) threshold means "no such limit". actions maps each limit to REDUCING or HALTED.
CREATE TABLE post_trade_limits (
  account_id text PRIMARY KEY
    CHECK (account_id = '*' OR account_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
  max_daily_loss numeric CHECK (max_daily_loss > 0),
  max_drawdown numeric CHECK (max_drawdown > 0),
  max_drawdown_pct numeric CHECK (max_drawdown_pct > 0 AND max_drawdown_pct <= 100),
  max_gross_exposure numeric CHECK (max_gross_exposure > 0),
  actions jsonb NOT NULL,
  reason text NOT NULL DEFAULT '',
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every change of post_trade_limits (append-only): who, why, when, before and after.
CREATE TABLE post_trade_limits_audit (
  audit_id bigserial PRIMARY KEY,
  account_id text NOT NULL,
  before jsonb,
  after jsonb,
  updated_by text NOT NULL,
  reason text NOT NULL DEFAULT '',
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_trade_limits_audit_account ON post_trade_limits_audit (account_id, occurred_at);

-- The latched state per account, so a restart neither re-fires nor forgets. tripped: limits
-- breached since they were last armed ({"DAILY_LOSS": "HALTED"}); warned_on: UTC day of the last
-- early warning per limit; last_version: highest portfolio.updates.v1 version evaluated and stored.
CREATE TABLE risk_account_states (
  account_id text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
  tripped jsonb NOT NULL DEFAULT '{}',
  warned_on jsonb NOT NULL DEFAULT '{}',
  last_version numeric(20, 0) NOT NULL DEFAULT 0 CHECK (last_version >= 0),
  updated_by text NOT NULL,
  reason text NOT NULL DEFAULT '',
  control_id text,
  -- Effective time of the latest state change (made or followed); NULL: never changed.
  last_change_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every change of an account's trading state risk-monitor made (actor 'risk-monitor') or followed
-- (a human through AdminService, actor 'admin:<id>'): who, why, when. control_id is the
-- RiskControl's id, unique, so a control applied twice (replay) is recorded once.
CREATE TABLE risk_state_changes (
  change_id bigserial PRIMARY KEY,
  control_id text NOT NULL UNIQUE,
  account_id text NOT NULL,
  from_state text NOT NULL CHECK (from_state IN ('ACTIVE', 'REDUCING', 'HALTED')),
  to_state text NOT NULL CHECK (to_state IN ('ACTIVE', 'REDUCING', 'HALTED')),
  actor text NOT NULL,
  reason text NOT NULL,
  effective_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_state_changes_account ON risk_state_changes (account_id, effective_at);

-- Each limit breach with its numbers: observed value (loss as a positive amount, drawdown,
-- drawdown %, gross exposure), the threshold, the limit's action and the state change it caused
-- (control_id; NULL when the account was already at least that strict).
CREATE TABLE risk_breaches (
  breach_id text PRIMARY KEY,
  account_id text NOT NULL,
  limit_kind text NOT NULL
    CHECK (limit_kind IN ('DAILY_LOSS', 'DRAWDOWN', 'DRAWDOWN_PCT', 'GROSS_EXPOSURE')),
  observed numeric NOT NULL,
  threshold numeric NOT NULL,
  action text NOT NULL CHECK (action IN ('REDUCING', 'HALTED')),
  control_id text,
  update_version numeric(20, 0) NOT NULL,
  reason text NOT NULL,
  actor text NOT NULL,
  occurred_at timestamptz NOT NULL
);
CREATE INDEX risk_breaches_account ON risk_breaches (account_id, occurred_at);

-- Transactional outbox: what to publish, written in the same transaction as the decision, sent
-- to Kafka afterwards and marked. A crash in between re-sends the same records (same ids).
CREATE TABLE risk_outbox (
  seq bigserial PRIMARY KEY,
  topic text NOT NULL,
  record_key text,
  message_type text NOT NULL,
  message_id text NOT NULL,
  payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX risk_outbox_pending ON risk_outbox (seq) WHERE published_at IS NULL;
