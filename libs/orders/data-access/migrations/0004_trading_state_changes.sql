-- Every change of trading state, whoever made it (AdminService, risk-monitor's post-trade limits,
-- portfolio reconciliation), as a risk.controls.v1 control: who (actor), why (reason) and when
-- (effective_at). Append-only; control_id makes applying a control idempotent, so the gateway's
-- risk-controls consumer can replay the compacted topic at every start.
CREATE TABLE trading_state_changes (
  control_id text PRIMARY KEY,
  scope text NOT NULL CHECK (scope IN ('global', 'account', 'agent')),
  scope_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
  previous_state text NOT NULL CHECK (previous_state IN ('ACTIVE', 'REDUCING', 'HALTED')),
  reason text NOT NULL,
  actor text NOT NULL,
  effective_at timestamptz NOT NULL,
  -- false when a newer change of the same target was already in force (recorded, not applied).
  applied boolean NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((scope = 'global') = (scope_id = ''))
);
CREATE INDEX trading_state_changes_target ON trading_state_changes (scope, scope_id, effective_at);

-- The control that set the current state (NULL for states set before this migration).
ALTER TABLE trading_states ADD COLUMN control_id text;
