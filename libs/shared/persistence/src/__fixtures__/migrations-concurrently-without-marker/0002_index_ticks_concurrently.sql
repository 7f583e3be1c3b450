CREATE INDEX CONCURRENTLY ticks_symbol_idx ON ticks (symbol);
