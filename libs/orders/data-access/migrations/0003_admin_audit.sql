-- AdminService (issue #4): the role an agent's keys get, rotation grace (revoked_at may lie in the
-- future: the key works until then) and the audit log of every administrative change.
ALTER TABLE agents ADD COLUMN role text NOT NULL DEFAULT 'trader'
  CHECK (role IN ('trader', 'read-only', 'admin'));

-- Who changed what, when and why. Append-only: rows are never updated or deleted by the gateway.
-- actor_* identify the admin key; target_scope is account, agent, api_key or global
-- (target_id '' for global); details holds the new values (JSON).
CREATE TABLE admin_audit (
  audit_id bigserial PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor_agent_id text NOT NULL,
  actor_key_id text NOT NULL,
  action text NOT NULL,
  target_scope text NOT NULL CHECK (target_scope IN ('account', 'agent', 'api_key', 'global')),
  target_id text NOT NULL,
  reason text NOT NULL DEFAULT '',
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX admin_audit_target ON admin_audit (target_scope, target_id, occurred_at);
