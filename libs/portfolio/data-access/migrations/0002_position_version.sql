-- The PositionUpdate version at which each position last changed (issue #6, ADR 0014). After a
-- restart, a redelivered fill that is already applied re-publishes its position's current state
-- under this version, so consumers that saw it drop it and consumers that missed it (a crash
-- between the commit and the publish) get it. 0 for rows written before this column existed
-- (the account's current version is used for them). A constant default: no table rewrite.
ALTER TABLE portfolio_positions ADD COLUMN version bigint NOT NULL DEFAULT 0;
