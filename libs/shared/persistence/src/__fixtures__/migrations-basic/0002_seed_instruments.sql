INSERT INTO instruments (symbol, tick_size_minor) VALUES ('EURUSD', 1), ('BTCUSD', 100);
-- No unique key on purpose: applying this file twice would leave two rows.
INSERT INTO migration_audit (note) VALUES ('0002 applied');
