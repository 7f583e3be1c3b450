-- Minor units as bigint: money is never a float.
CREATE TABLE instruments (
  symbol text PRIMARY KEY,
  tick_size_minor bigint NOT NULL CHECK (tick_size_minor > 0)
);

CREATE TABLE migration_audit (
  note text NOT NULL
);
