-- The agent owning each reported order, so a stream replays only that agent's events without
-- decoding every row of the account.
ALTER TABLE order_events ADD COLUMN agent_id text NOT NULL DEFAULT '';
CREATE INDEX order_events_agent_symbol ON order_events (agent_id, symbol, sequence);
